package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/pagerduty"
)

func init() { syncSources = append(syncSources, newSyncPagerDutyCmd) }

func newSyncPagerDutyCmd(g *globals) *cobra.Command {
	var tokenEnv, apiURL, source, since, accountZone string
	cmd := &cobra.Command{
		Use:   "pagerduty",
		Short: "Fetch users, teams, services, incidents and log entries from PagerDuty",
		Long: `sync pagerduty pulls history from the PagerDuty REST API: users (with their time
zones), teams, escalation policies and services in full, and incidents and log entries
(notifications, acknowledgements, escalations, runbook links) by time window.

The first run backfills from --since; later runs go on from a cursor stored per stream,
starting an hour early and re-listing incidents that were still open, so that their
resolution is picked up. Each page is committed with its cursor before the next is
fetched: a sync that is stopped or fails keeps what it stored and resumes there.

The token is a REST API key (read-only is enough), read from $PAGERDUTY_TOKEN or the
variable --token-env names (or the config file's pagerduty.credential_env; its
pagerduty.api_url and pagerduty.source set those defaults too); it is sent only in the Authorization header and never
stored or printed. Requests are paced under PagerDuty's 960 a minute; 429s wait for
the reset, server errors are retried. Run 'alertlens build' afterwards.`,
		Example: `  export PAGERDUTY_TOKEN=...      # a read-only REST API key
  alertlens sync pagerduty --since 2025-06-01
  alertlens sync pagerduty --token-env PD_EU_TOKEN --api-url https://api.eu.pagerduty.com --source pagerduty-eu`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			collectorDefaults(cmd, cfg.PagerDuty, "token-env", &tokenEnv, &apiURL, &source)
			if r := g.server(cmd.Context()); r != nil {
				return syncThroughServer(cmd, r, source)
			}
			token := os.Getenv(tokenEnv)
			if token == "" {
				return fmt.Errorf("--token-env: $%s is empty: set it to a PagerDuty REST API key (read-only is enough)", tokenEnv)
			}
			start, err := ingest.ParseSince(since, time.Now())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := g.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := syncPagerDuty(ctx, db, nil, source, pagerduty.Options{APIURL: apiURL, Token: token, Since: start,
				AccountTimeZone: accountZone, Progress: cmd.ErrOrStderr()})
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), res.Summary)
			fmt.Fprintln(cmd.ErrOrStderr(), "run 'alertlens build' to update the metrics")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tokenEnv, "token-env", "PAGERDUTY_TOKEN", "environment variable that holds the REST API key")
	f.StringVar(&apiURL, "api-url", pagerduty.DefaultAPIURL, "REST API base URL (a proxy, the EU service region, or a test server)")
	f.StringVar(&source, "source", "pagerduty", "source name the records are stored under (one per PagerDuty account)")
	f.StringVar(&accountZone, "account-time-zone", "", "the PagerDuty account's time zone (IANA, e.g. Europe/Dublin), for users whose own is unset: the API does not return it")
	f.StringVar(&since, "since", "365d", "where the first run's backfill starts: a date (2025-06-01), days (90d) or an RFC 3339 time; later runs go on from their cursor")
	return cmd
}

func printPagerDutySync(out io.Writer, source string, rep pagerduty.Report, took time.Duration) {
	var fetched []string
	for _, s := range rep.Streams {
		fetched = append(fetched, fmt.Sprintf("%d %s", s.Records, strings.ReplaceAll(s.Stream, "_", " ")))
	}
	var tables []string
	for t := range rep.Stored {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	var stored []string
	for _, t := range tables {
		if t != "raw_records" {
			stored = append(stored, fmt.Sprintf("%s %d (%d new)", t, rep.Stored[t], rep.New[t]))
		}
	}
	fmt.Fprintf(out, "%s: fetched %s in %d requests, %.1f s\n", source, strings.Join(fetched, ", "), rep.Requests, took.Seconds())
	if len(stored) > 0 {
		fmt.Fprintf(out, "%s: stored %s\n", source, strings.Join(stored, ", "))
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(out, "%s: skipped what the account or key may not read: %s\n", source, strings.Join(rep.Skipped, "; "))
	}
	var unmapped []string
	for _, s := range rep.Streams {
		if s.Unmapped > 0 {
			unmapped = append(unmapped, fmt.Sprintf("%d %s (%s)", s.Unmapped, strings.ReplaceAll(s.Stream, "_", " "), strings.Join(s.UnmappedIDs, "; ")))
		}
	}
	if len(unmapped) > 0 {
		fmt.Fprintf(out, "%s: kept raw only, could not be mapped: %s\n", source, strings.Join(unmapped, ", "))
	}
	var notes []string
	for _, n := range []struct {
		count int
		what  string
	}{
		{rep.Merged, "incidents merged into another (they count with it)"},
		{rep.NoService, "incidents without a service"},
		{rep.FailedDeliveries, "notifications not delivered (not interruptions)"},
		{rep.UnknownMethods, "notifications that do not say by what means (chat)"},
		{rep.AccountZoneUsers, "users given the account's time zone"},
	} {
		if n.count > 0 {
			notes = append(notes, fmt.Sprintf("%d %s", n.count, n.what))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(out, "%s: %s\n", source, strings.Join(notes, ", "))
	}
}
