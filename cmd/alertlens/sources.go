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
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/live"
)

// This file turns the config's sources: list into the server's scheduled jobs, and runs
// one sync of a collector for both a job and the one-off `alertlens sync` command, so
// the two print the same. The kinds themselves are in collectors.go.

// runCollector runs one sync of c into db under source, its commits through gate (nil:
// straight to the file).
func runCollector(ctx context.Context, db *sql.DB, gate *ingest.Gate, source string, c ingest.Collector) (live.SyncResult, error) {
	began := time.Now()
	var rep ingest.Report
	err := withWriter(ctx, db, gate, source, func(w *ingest.Writer) (err error) {
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
		k, ok := kindOf(src.Kind)
		if !ok {
			return nil, fmt.Errorf("sources[%d] %s: unknown kind %q", i, src.Name, src.Kind)
		}
		progress := &logLines{log: logger, source: src.Name}
		full := k.withDefaults(src)
		run := func(ctx context.Context, gate *ingest.Gate) (live.SyncResult, error) {
			c, err := k.New(full, secret, progress)
			if err != nil {
				return live.SyncResult{}, fmt.Errorf("sources[%d] %s: %w", i, src.Name, err)
			}
			return runCollector(ctx, db, gate, full.Name, c)
		}
		jobs = append(jobs, live.JobSpec{Name: src.Name, Kind: src.Kind, Every: src.Every(), Sync: run})
	}
	return jobs, nil
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
