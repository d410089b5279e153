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
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/api"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/alertmanager"
)

func newServeCmd(g *globals) *cobra.Command {
	var (
		addr      string
		rebuild   bool
		readEnvs  []string
		writeEnvs []string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the dashboards, the JSON/CSV API and the Alertmanager webhook",
		Long: `serve answers HTTP on --addr: the dashboards at /, the versioned JSON/CSV API under
/api/v1/ (described at /api/openapi.json), the Alertmanager webhook receiver at
POST /api/v1/ingest/alertmanager, /healthz and Prometheus /metrics.

The models are built on start when the database has none; --rebuild builds them on
every start. Both use --config, or else the config of the database's last build (so a
database written by 'alertlens demo' keeps the demo's own settings).

Bearer-token auth is off unless tokens are configured: the config file's api section
(read_tokens_env, write_tokens_env) or the flags below name environment variables that
hold the tokens. A read token may GET; a write token may also POST (what-if, ingest).
/healthz is always open; /metrics needs a read token when auth is on.`,
		Example: `  alertlens --db demo.duckdb serve
  ALERTLENS_READ_TOKEN=... alertlens serve --addr 0.0.0.0:8080 --read-token-env ALERTLENS_READ_TOKEN`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			db, err := g.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			cfg, err := g.buildConfig(ctx, db)
			if err != nil {
				return err
			}
			auth := authConfig(cfg, readEnvs, writeEnvs)
			tokens, err := auth.Load(os.Getenv)
			if err != nil {
				return err
			}
			svc := analytics.New(db)
			if err := ensureBuilt(ctx, db, svc, cfg, rebuild, cmd); err != nil {
				return err
			}
			if tokens.Enabled() && cfg.Alertmanager.TokenEnv != "" {
				// Alertmanager sends one Authorization header: with API auth on it must be a
				// write token, so a second token of the receiver's own could never be met.
				return fmt.Errorf("alertmanager.token_env is set while API auth is on: Alertmanager must then send a write token; " +
					"remove alertmanager.token_env (it is for a server without API auth)")
			}
			ingest, err := alertmanager.NewHandler(db, cfg.Alertmanager, logger)
			if err != nil {
				return err
			}
			srv := &http.Server{
				Handler: api.New(svc, api.Options{Logger: logger, Tokens: tokens, AlertmanagerIngest: ingest,
					LastSync: func(ctx context.Context) (time.Time, error) { return lastSync(ctx, db) }}),
				ReadHeaderTimeout: 10 * time.Second,
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			state := "off"
			if tokens.Enabled() {
				state = "on"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "serving http://%s/ (API under /api/v1/, auth %s); Ctrl-C stops\n", ln.Addr(), state)
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "rebuild the models on start, even when they exist")
	cmd.Flags().StringSliceVar(&readEnvs, "read-token-env", nil, "environment variable holding a read token (repeatable; adds to the config's api.read_tokens_env)")
	cmd.Flags().StringSliceVar(&writeEnvs, "write-token-env", nil, "environment variable holding a write token (repeatable; adds to the config's api.write_tokens_env)")
	return cmd
}

// authConfig joins the config file's api section with the flags.
func authConfig(cfg *config.Config, readEnvs, writeEnvs []string) api.AuthConfig {
	return api.AuthConfig{
		ReadTokensEnv:  slices.Concat(cfg.API.ReadTokensEnv, readEnvs),
		WriteTokensEnv: slices.Concat(cfg.API.WriteTokensEnv, writeEnvs),
	}
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
	rep, err := analytics.Build(ctx, db, cfg)
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
