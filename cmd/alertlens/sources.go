package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/grafanaoncall"
	"github.com/alertlens/alertlens/ingest/live"
	"github.com/alertlens/alertlens/ingest/opsgenie"
	"github.com/alertlens/alertlens/ingest/pagerduty"
)

// This file is the one place that knows every kind of source: it turns the config's
// sources: list into the server's scheduled jobs, and runs one sync of a kind for both
// a job and the one-off `alertlens sync` command, so the two print the same.

// syncPagerDuty runs one sync of a PagerDuty account into db, its commits through gate.
func syncPagerDuty(ctx context.Context, db *sql.DB, gate *ingest.Gate, source string, opts pagerduty.Options) (live.SyncResult, error) {
	c, err := pagerduty.New(opts)
	if err != nil {
		return live.SyncResult{}, err
	}
	began := time.Now()
	var rep pagerduty.Report
	err = withWriter(ctx, db, gate, source, func(w *ingest.Writer) (err error) {
		rep, err = c.Sync(ctx, db, w)
		return err
	})
	if err != nil {
		return live.SyncResult{}, err
	}
	var summary bytes.Buffer
	printPagerDutySync(&summary, source, rep, time.Since(began))
	return live.SyncResult{Summary: summary.String(), Requests: rep.Requests, Stored: rep.Stored, New: rep.New}, nil
}

// syncOpsgenie runs one sync of an Opsgenie account into db, its commits through gate.
func syncOpsgenie(ctx context.Context, db *sql.DB, gate *ingest.Gate, source string, cfg opsgenie.Config) (live.SyncResult, error) {
	c, err := opsgenie.New(cfg)
	if err != nil {
		return live.SyncResult{}, err
	}
	began := time.Now()
	var st opsgenie.Stats
	err = withWriter(ctx, db, gate, source, func(w *ingest.Writer) (err error) {
		st, err = c.Sync(ctx, db, w)
		return err
	})
	if err != nil {
		return live.SyncResult{}, err
	}
	summary := fmt.Sprintf("%s: %d alerts fetched (%d new, %d unchanged not fetched again), %d notifications, %d acknowledgements from logs, %d users, %d teams; %d requests in %.1f s\n",
		source, st.Alerts, st.NewAlerts, st.Unchanged, st.Notifications, st.Acks, st.Users, st.Teams, st.Requests, time.Since(began).Seconds())
	if len(st.Skipped) > 0 {
		summary += fmt.Sprintf("%s: skipped what the key may not read: %s\n", source, strings.Join(st.Skipped, "; "))
	}
	return live.SyncResult{Summary: summary, Requests: st.Requests,
		Stored: map[string]int64{"incidents": int64(st.Alerts)}, New: map[string]int64{"incidents": st.NewAlerts}}, nil
}

// syncGrafanaOnCall runs one sync of a Grafana OnCall (or Cloud IRM) organisation into
// db, its commits through gate.
func syncGrafanaOnCall(ctx context.Context, db *sql.DB, gate *ingest.Gate, source string, opts grafanaoncall.Options) (live.SyncResult, error) {
	c, err := grafanaoncall.New(opts)
	if err != nil {
		return live.SyncResult{}, err
	}
	began := time.Now()
	var rep grafanaoncall.Report
	err = withWriter(ctx, db, gate, source, func(w *ingest.Writer) (err error) {
		rep, err = c.Sync(ctx, db, w)
		return err
	})
	if err != nil {
		return live.SyncResult{}, err
	}
	return live.SyncResult{Summary: rep.Summary(source, time.Since(began)), Requests: rep.Requests, Stored: rep.Stored, New: rep.New}, nil
}

// withWriter runs fn with a writer of source whose commits go through gate.
func withWriter(ctx context.Context, db *sql.DB, gate *ingest.Gate, source string, fn func(*ingest.Writer) error) error {
	w, err := ingest.NewWriter(ctx, db, source)
	if err != nil {
		return err
	}
	defer w.Close()
	return fn(w.Through(gate))
}

// scheduledJobs turns the config's sources into the server's jobs. A source whose
// credential variable is empty stops the server at start: it could never sync.
func scheduledJobs(cfg *config.Config, db *sql.DB, logger *slog.Logger) ([]live.JobSpec, error) {
	var jobs []live.JobSpec
	for i, src := range cfg.Sources {
		secret := os.Getenv(src.CredentialVar())
		if secret == "" {
			return nil, fmt.Errorf("sources[%d] %s: $%s is empty: set it to the %s credential (or remove the source from the config)",
				i, src.Name, src.CredentialVar(), src.Kind)
		}
		progress := &logLines{log: logger, source: src.Name}
		var run func(ctx context.Context, gate *ingest.Gate) (live.SyncResult, error)
		switch src.Kind {
		case config.KindPagerDuty:
			run = func(ctx context.Context, gate *ingest.Gate) (live.SyncResult, error) {
				since, err := ingest.ParseSince(firstNonEmpty(src.Since, "365d"), time.Now())
				if err != nil {
					return live.SyncResult{}, err
				}
				return syncPagerDuty(ctx, db, gate, src.Name, pagerduty.Options{APIURL: src.APIURL, Token: secret, Since: since, Progress: progress})
			}
		case config.KindOpsgenie:
			run = func(ctx context.Context, gate *ingest.Gate) (live.SyncResult, error) {
				since, err := ingest.ParseSince(firstNonEmpty(src.Since, "90d"), time.Now())
				if err != nil {
					return live.SyncResult{}, err
				}
				return syncOpsgenie(ctx, db, gate, src.Name, opsgenie.Config{APIURL: src.APIURL, Key: secret, Since: since,
					Overlap: time.Hour, Window: 7 * 24 * time.Hour, AliasIsRule: src.AliasIsRule, Schedules: true, Progress: progress})
			}
		case config.KindGrafanaOnCall:
			run = func(ctx context.Context, gate *ingest.Gate) (live.SyncResult, error) {
				since, err := ingest.ParseSince(firstNonEmpty(src.Since, "365d"), time.Now())
				if err != nil {
					return live.SyncResult{}, err
				}
				return syncGrafanaOnCall(ctx, db, gate, src.Name, grafanaoncall.Options{APIURL: src.APIURL, Token: secret,
					GrafanaURL: src.GrafanaURL, Since: since, Progress: progress})
			}
		default:
			return nil, fmt.Errorf("sources[%d] %s: unknown kind %q", i, src.Name, src.Kind)
		}
		jobs = append(jobs, live.JobSpec{Name: src.Name, Kind: src.Kind, Every: src.Every(), Sync: run})
	}
	return jobs, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// logLines turns a collector's progress lines into log records naming the source.
type logLines struct {
	log    *slog.Logger
	source string
	buf    []byte
}

func (l *logLines) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.log.Info("sync: progress", "source", l.source, "line", string(bytes.TrimSpace(l.buf[:i])))
		l.buf = l.buf[i+1:]
	}
}

var _ io.Writer = (*logLines)(nil)

// syncThroughServer asks the running server to sync its scheduled source of that name
// and prints what the sync printed. The server syncs with its own credentials, from
// its own environment: a command never sends a token to it.
func syncThroughServer(cmd *cobra.Command, r *remote, source string) error {
	r.via(cmd.ErrOrStderr())
	var res live.SyncResult
	err := r.call(cmd.Context(), http.MethodPost, "/api/v1/sources/"+url.PathEscape(source)+"/sync", nil, nil, "", &res)
	if err != nil {
		if re, ok := err.(*remoteError); ok && re.status == http.StatusNotFound {
			return fmt.Errorf("the server at %s holds %s and has no scheduled source %q: add it under sources: in the server's config "+
				"(docs/operations.md), or stop the server to sync with this command's own credentials", r.info.URL, r.info.DB, source)
		}
		return err
	}
	sc := bufio.NewScanner(bytes.NewBufferString(res.Summary))
	for sc.Scan() {
		fmt.Fprintln(cmd.OutOrStdout(), sc.Text())
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "the server rebuilds the metrics by itself")
	return nil
}
