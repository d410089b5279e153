package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/ingest/live"
)

func newStatusCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the server, each source's last sync, cursor and rows, the webhook and the last build",
		Long: `status says whether a server holds the database and, for each source, what the
file holds of it (incidents, notifications, responders, services), where each of its
streams' cursors stands, and for a scheduled source its last success, last error and
next run; then the Alertmanager webhook's last delivery and the last build with its
duration. Without a server it reads the file itself (the sync and build history of a
server lives in that server only).`,
		Example: `  alertlens status
  alertlens status --format json | jq '.sources[] | {name, rows}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format: want text or json, got %q", format)
			}
			var st live.Status
			if r := g.server(cmd.Context()); r != nil {
				if err := r.call(cmd.Context(), http.MethodGet, "/api/v1/status", nil, nil, "", &st); err != nil {
					return err
				}
			} else {
				db, err := g.openReadOnly(cmd.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				if st, err = live.ReadStatus(cmd.Context(), db); err != nil {
					return err
				}
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			printStatus(cmd.OutOrStdout(), g.absDB(), st)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func printStatus(w io.Writer, db string, st live.Status) {
	if s := st.Server; s != nil {
		fmt.Fprintf(w, "server:   %s (pid %d) holds %s since %s\n", s.URL, s.PID, s.DB, stamp(&s.StartedAt))
	} else {
		fmt.Fprintf(w, "server:   none holds %s (read from the file)\n", db)
	}
	fmt.Fprintf(w, "data:     newest incident created %s\n", stamp(st.DataUpTo))
	line := "build:    served build from " + stamp(st.BuiltAt)
	if b := st.Build; b != nil {
		line += fmt.Sprintf("; %d builds since start, last took %.2f s over %d incidents (%d pages)", b.Builds, b.Duration.Seconds(), b.Incidents, b.Pages)
		switch {
		case b.Builds == 0:
		case b.Full:
			line += ", in full (" + b.FullReason + ")"
		default:
			line += fmt.Sprintf(", recomputing %d incidents around %d changed", b.Recomputed, b.Changed)
		}
		if b.Building {
			line += "; building now"
		}
		if !b.Pending.IsZero() {
			line += "; writes waiting since " + stamp(&b.Pending)
		}
		if b.LastError != "" {
			line += fmt.Sprintf("; LAST BUILD FAILED at %s: %s", stamp(&b.LastErrorAt), b.LastError)
		}
	}
	fmt.Fprintln(w, line)
	if h := st.Webhook; h != nil {
		fmt.Fprintf(w, "webhook:  Alertmanager (source %s), last delivery %s\n", h.Source, stamp(h.LastDelivery))
	}
	if len(st.Sources) == 0 {
		fmt.Fprintln(w, "sources:  none yet: run 'alertlens demo', 'alertlens import' or add sources: to the config")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "source\tkind\tincidents\tnotifications\tresponders\tservices\tlast success\tlast error\tnext run")
	for _, s := range st.Sources {
		kind, ok, failed, next := "stored", "-", "-", "-"
		if s.Scheduled && s.Run != nil {
			kind = s.Kind
			ok = stamp(&s.Run.LastSuccess)
			if s.Run.Running {
				next = "running"
			} else {
				next = stamp(&s.Run.NextRun)
			}
			if s.Run.LastError != "" {
				failed = fmt.Sprintf("%s (%d in a row): %s", stamp(&s.Run.LastErrorAt), s.Run.Failures, oneLine(s.Run.LastError))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Name, kind, s.Rows["incidents"], s.Rows["notifications"],
			s.Rows["responders"], s.Rows["services"], ok, failed, next)
	}
	tw.Flush()
	for _, s := range st.Sources {
		for _, c := range s.Cursors {
			fmt.Fprintf(w, "cursor:   %s %s = %s (saved %s)\n", s.Name, c.Stream, oneLine(c.Value), stamp(&c.UpdatedAt))
		}
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
