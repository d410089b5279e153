package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/opsgenie"
)

func init() { syncSources = append(syncSources, newSyncOpsgenieCmd) }

func newSyncOpsgenieCmd(g *globals) *cobra.Command {
	var (
		keyEnv, source, since string
		cfg                   opsgenie.Config
	)
	cmd := &cobra.Command{
		Use:   "opsgenie",
		Short: "Fetch alerts, alert logs, users and teams from Opsgenie",
		Long: `sync opsgenie fetches alert history from the Opsgenie REST API: every alert created
since --since (with its details, recipients and activity log), and every user and team.
Each alert becomes an incident; each recipient who was sent a message becomes a
notification on the channel of its method (voice, sms, mobile, email; others are chat),
less the deliveries the log says could not be sent, and acknowledgements in the log
count when the alert's report has none. A key that may not list users or teams (a
team's integration key: 403) syncs the alerts without them, with a warning. Opsgenie
has no services: an alert's first responder team is its service, team and rotation
(else the integration that raised it). Who was on call comes from every schedule's
final timeline (GET /v2/schedules/{id}/timeline), cut to the history, stored as
on-call shifts under the schedule's owner team (else its name) as the rotation.

The API key is read from $OPSGENIE_API_KEY (--key-env, or the config file's
opsgenie.credential_env, names another variable; opsgenie.api_url and opsgenie.source
set those defaults too); it is sent only in the Authorization header and never stored or printed. Accounts in the EU
use --api-url https://api.eu.opsgenie.com.

Each page of alerts is committed with its cursor before the next is fetched: a sync
that is stopped resumes where it stopped. Later runs list again from an hour before the
previous run's end, or from the oldest alert still open, so closed alerts get updated.
Run 'alertlens build' afterwards.`,
		Example: `  export OPSGENIE_API_KEY=...     # an API integration's key with read access
  alertlens sync opsgenie --since 180d
  alertlens sync opsgenie --api-url https://api.eu.opsgenie.com --key-env OG_EU_KEY --source opsgenie-eu`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file, err := g.loadConfig()
			if err != nil {
				return err
			}
			collectorDefaults(cmd, file.Opsgenie, "key-env", &keyEnv, &cfg.APIURL, &source)
			if r := g.server(cmd.Context()); r != nil {
				return syncThroughServer(cmd, r, source)
			}
			key := os.Getenv(keyEnv)
			if key == "" {
				return fmt.Errorf("--key-env: $%s is empty: set it to an Opsgenie API key with read access", keyEnv)
			}
			start, err := ingest.ParseSince(since, time.Now())
			if err != nil {
				return err
			}
			cfg.Key, cfg.Since, cfg.Progress = key, start, cmd.ErrOrStderr()
			ctx := cmd.Context()
			db, err := g.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := syncOpsgenie(ctx, db, nil, source, cfg)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), res.Summary)
			fmt.Fprintln(cmd.ErrOrStderr(), "run 'alertlens build' to update the metrics")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyEnv, "key-env", "OPSGENIE_API_KEY", "environment variable that holds the API key")
	f.StringVar(&cfg.APIURL, "api-url", opsgenie.DefaultAPIURL, "Opsgenie API host; EU accounts use https://api.eu.opsgenie.com")
	f.StringVar(&source, "source", "opsgenie", "source name the records are stored under (one per Opsgenie account)")
	f.StringVar(&since, "since", "90d", "where the first sync starts: days (90d), a duration (36h), a date (2025-01-31) or an RFC 3339 time; later syncs go on from the stored cursor")
	f.DurationVar(&cfg.Overlap, "overlap", time.Hour, "how far before the previous sync's end a later sync lists again")
	f.DurationVar(&cfg.Window, "window", 7*24*time.Hour, "createdAt range listed per query (a window over Opsgenie's 20000-alert paging cap is split)")
	f.BoolVar(&cfg.Schedules, "schedules", true, "also read who was on call: every schedule's final timeline, in 28-day windows with a cursor per schedule (--schedules=false skips them)")
	f.BoolVar(&cfg.AliasIsRule, "alias-is-rule", false, "each alert rule sends one fixed alias, so the alias names the rule (else rules come from title templates)")
	return cmd
}
