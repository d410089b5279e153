package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/api"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/alertmanager"
	"github.com/alertlens/alertlens/ingest/live"
	"github.com/alertlens/alertlens/ingest/review"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// serveOptions are serve's flags.
type serveOptions struct {
	addr          string
	rebuild       bool
	readEnvs      []string
	writeEnvs     []string
	buildQuiet    time.Duration
	buildMaxWait  time.Duration
	queryTimeout  time.Duration
	shutdownGrace time.Duration
	firstSync     time.Duration
}

func newServeCmd(g *globals) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboards and API, take Alertmanager's webhook, sync sources on a schedule",
		Long: `serve holds the database and keeps it current: it answers HTTP on --addr (the
dashboards at /, the JSON/CSV API under /api/v1/ described at /api/openapi.json, the
Alertmanager webhook at POST /api/v1/ingest/alertmanager, /healthz and /metrics),
syncs every source listed under sources: in the config on its own interval, and
rebuilds the models after new data (debounced: a burst of deliveries is one rebuild).
Readers always see the last complete build.

serve is the only process that writes the file. The other commands (import, build,
sync, rules import, sql, export, status) find it through a record beside the
database (FILE.server.json) and work through its API; with auth on they send the
token in $ALERTLENS_TOKEN.

The models are built on start when the database has none; --rebuild builds them on
every start. Both use --config, or else the config of the database's last build.

Bearer-token auth is off unless tokens are configured: the config file's api section
(read_tokens_env, write_tokens_env) or the flags below name environment variables that
hold the tokens. A read token may GET; a write token may also POST (what-if, ingest,
import, build, sync, sql). /healthz is always open; /metrics needs a read token when
auth is on. SIGTERM or Ctrl-C stops syncs at a page boundary, drains HTTP, abandons a
build in flight (the last complete one stays) and closes the file.
docs/operations.md explains running it.`,
		Example: `  alertlens --db demo.duckdb serve
  alertlens serve --config alertlens.yaml --addr 0.0.0.0:8080 --write-token-env ALERTLENS_WRITE_TOKEN`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.BoolVar(&o.rebuild, "rebuild", false, "rebuild the models on start, even when they exist")
	f.StringSliceVar(&o.readEnvs, "read-token-env", nil, "environment variable holding a read token (repeatable; adds to the config's api.read_tokens_env)")
	f.StringSliceVar(&o.writeEnvs, "write-token-env", nil, "environment variable holding a write token (repeatable; adds to the config's api.write_tokens_env)")
	f.DurationVar(&o.buildQuiet, "build-quiet", time.Second, "rebuild once no write came for this long")
	f.DurationVar(&o.buildMaxWait, "build-max-wait", 10*time.Second, "but rebuild at the latest this long after the first write it waits for")
	f.DurationVar(&o.queryTimeout, "query-timeout", api.DefaultQueryTimeout, "deadline of each read request's queries")
	f.DurationVar(&o.shutdownGrace, "shutdown-grace", 20*time.Second, "how long a stop waits for requests in flight")
	// Hidden: a person never needs it, and the crash tests (cmd/alertlens/crash_test.go)
	// would otherwise wait up to 5 s for every restart's first sync.
	f.DurationVar(&o.firstSync, "first-sync-within", live.DefaultFirstDelay,
		"each scheduled source's first sync starts at a random time within this long of the start (for tests)")
	f.MarkHidden("first-sync-within")
	return cmd
}

func serve(cmd *cobra.Command, g *globals, o serveOptions) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	if r := g.server(ctx); r != nil {
		return fmt.Errorf("%s is already served by the server at %s (pid %d): stop it first, or use that one", r.info.DB, r.info.URL, r.info.PID)
	}
	db, err := g.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// imports are spooled here for DuckDB to read: the one folder it may read besides its file
	spoolDir, err := spoolFolder("", logger)
	if err != nil {
		return err
	}
	defer os.RemoveAll(spoolDir)
	if err := sqlmodels.LockDown(ctx, db, spoolDir); err != nil {
		return err
	}
	cfg, err := g.buildConfig(ctx, db)
	if err != nil {
		return err
	}
	tokens, err := authConfig(cfg, o.readEnvs, o.writeEnvs).Load(os.Getenv)
	if err != nil {
		return err
	}
	if tokens.Enabled() && cfg.Alertmanager.TokenEnv != "" {
		// Alertmanager sends one Authorization header: with API auth on it must be a
		// write token, so a second token of the receiver's own could never be met.
		return fmt.Errorf("alertmanager.token_env is set while API auth is on: Alertmanager must then send a write token; " +
			"remove alertmanager.token_env (it is for a server without API auth)")
	}
	now, err := g.clock()
	if err != nil {
		return err
	}
	svc := analytics.New(db, analytics.WithNow(now))
	if err := ensureBuilt(ctx, db, svc, cfg, o.rebuild, cmd); err != nil {
		return err
	}
	jobs, err := scheduledJobs(cfg, db, logger)
	if err != nil {
		return err
	}
	writer := live.New(live.Options{DB: db, DBPath: g.absDB(), SpoolDir: spoolDir, Jobs: jobs, Logger: logger,
		Quiet: o.buildQuiet, MaxWait: o.buildMaxWait,
		Build: func(ctx context.Context) (models.BuildReport, error) { return models.Build(ctx, db, cfg) }})
	writer.Scheduler().FirstDelay = o.firstSync
	hook, err := alertmanager.NewHandler(db, cfg.Alertmanager, logger)
	if err != nil {
		return err
	}
	hook.Through(writer.Gate())
	writer.WatchWebhook(cfg.Alertmanager.Source, hook.LastDelivery)

	// Review tags are written through the one writer's gate, so the debounced rebuild
	// after them counts them.
	handler := api.New(svc, api.Options{Logger: logger, Tokens: tokens, AlertmanagerIngest: hook, Live: writer,
		Review: review.New(db, writer.Gate()), UserHeader: cfg.API.UserHeader,
		QueryTimeout: o.queryTimeout, Generation: writer.Generation,
		LastSync: func(ctx context.Context) (time.Time, error) { return lastSync(ctx, db) }})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		// Reads and writes of a request are bounded; the long writes (an import, a
		// build, a sync through the API) extend their own deadlines.
		ReadTimeout:  time.Minute,
		WriteTimeout: 2 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	url := "http://" + reachable(ln.Addr())
	if err := live.WriteServerFile(g.absDB(), writer.Serving(url)); err != nil {
		ln.Close()
		return err
	}
	defer live.RemoveServerFile(g.absDB())

	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { writer.Run(background) })
	wg.Go(func() { handler.Run(background) })
	state := "off"
	if tokens.Enabled() {
		state = "on"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "serving %s/ (API under /api/v1/, auth %s, %d scheduled sources); Ctrl-C stops\n", url, state, len(jobs))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		logger.Info("stopping: syncs stop at their next page, HTTP drains, a build in flight is abandoned")
	}
	stopBackground()
	shutdown, cancel := context.WithTimeout(context.Background(), o.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("requests still running at the end of the grace period were cut", "error", err.Error())
	}
	wg.Wait()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

// reachable is the listener's address as a client on this machine dials it: a server
// listening on every interface is reached on loopback.
func reachable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}

// authConfig joins the config file's api section with the flags.
func authConfig(cfg *config.Config, readEnvs, writeEnvs []string) api.AuthConfig {
	a := api.AuthConfig{
		ReadTokensEnv:  slices.Concat(cfg.API.ReadTokensEnv, readEnvs),
		WriteTokensEnv: slices.Concat(cfg.API.WriteTokensEnv, writeEnvs),
	}
	for _, t := range cfg.API.WriteTokens {
		a.WriteTokens = append(a.WriteTokens, api.NamedToken{Name: t.Name, Env: t.Env})
	}
	return a
}

// ensureBuilt builds the models when they are missing (or always, with rebuild).
func ensureBuilt(ctx context.Context, db *sql.DB, svc *analytics.Service, cfg *config.Config, rebuild bool, cmd *cobra.Command) error {
	if !rebuild {
		_, err := svc.Overview(ctx)
		if err == nil {
			return nil
		}
		if analytics.ErrorCode(err) != analytics.ENOTBUILT {
			return err
		}
	}
	rep, err := buildShowing(ctx, cmd.ErrOrStderr(), db, cfg, models.Options{})
	if err != nil {
		return err
	}
	printBuild(cmd.ErrOrStderr(), rep, false)
	return nil
}

// lastSync is when any source last committed a sync cursor.
func lastSync(ctx context.Context, db *sql.DB) (time.Time, error) {
	var t sql.NullTime
	err := db.QueryRowContext(ctx, `select max(updated_at) from sync_state`).Scan(&t)
	return t.Time, err
}
