package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/grafanaoncall"
)

func init() { syncSources = append(syncSources, newSyncGrafanaOnCallCmd) }

func newSyncGrafanaOnCallCmd(g *globals) *cobra.Command {
	var tokenEnv, source, since string
	var opts grafanaoncall.Options
	cmd := &cobra.Command{
		Use:   "grafana-oncall",
		Short: "Fetch alert groups, users, integrations, routes and escalation chains from Grafana OnCall or Grafana Cloud IRM",
		Long: `sync grafana-oncall pulls history from the Grafana OnCall public API, which
Grafana Cloud IRM serves too: users (with their time zones), teams, integrations, routes
and escalation chains and policies in full, and alert groups by creation time. Each alert
group becomes an incident; its route (or, for the default route, its integration) is the
alert rule; the route is the service and its escalation chain the rotation. The API has
no record of whom OnCall notified, so pages are inferred: a group is high urgency when its
route's escalation chain notifies people, or it came through direct paging.

--api-url is required: it is the OnCall API URL that OnCall → Settings shows (Grafana
Cloud IRM: IRM → Settings → Admin & API), such as
https://oncall-prod-us-central-0.grafana.net/oncall.

The token is an OnCall API key, or a Grafana service account token (then give
--grafana-url, the stack's URL), read from $GRAFANA_ONCALL_TOKEN or the variable
--token-env names; it is sent only in the Authorization header and never stored or
printed. It needs read access to alert groups; without the permission for users, teams,
integrations or escalation chains the sync goes on and says what it could not read.

The first run backfills from --since; later runs go on from the stored cursor, an hour
early, and re-read every group still open, so acknowledgements and resolves are picked
up. Each page is committed with its cursor before the next is fetched: a sync that is
stopped or fails keeps what it stored and resumes there. A source of this kind under
sources: in the config, named by --source, gives the defaults of --api-url, --token-env
and --grafana-url. Run 'alertlens build' afterwards.`,
		Example: `  export GRAFANA_ONCALL_TOKEN=...   # an OnCall API key, or a service account token
  alertlens sync grafana-oncall --api-url https://oncall-prod-us-central-0.grafana.net/oncall --since 2025-06-01
  alertlens sync grafana-oncall --api-url http://oncall.internal:8080 --token-env ONCALL_KEY --source oncall-selfhosted`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			// The config file has no grafana_oncall: section; a scheduled source of that
			// name under sources: gives the defaults of the flags not given instead.
			if src, ok := cfg.SourceNamed(source); ok && src.Kind == config.KindGrafanaOnCall {
				collectorDefaults(cmd, config.Collector{CredentialEnv: src.CredentialEnv, APIURL: src.APIURL}, "token-env", &tokenEnv, &opts.APIURL, &source)
				if src.GrafanaURL != "" && !cmd.Flags().Changed("grafana-url") {
					opts.GrafanaURL = src.GrafanaURL
				}
			}
			if r := g.server(cmd.Context()); r != nil {
				return syncThroughServer(cmd, r, source)
			}
			if opts.APIURL == "" {
				return fmt.Errorf("--api-url is required: the OnCall API URL from OnCall → Settings (Grafana Cloud IRM: IRM → Settings → Admin & API)")
			}
			opts.Token = os.Getenv(tokenEnv)
			if opts.Token == "" {
				return fmt.Errorf("--token-env: $%s is empty: set it to an OnCall API key or a Grafana service account token that may read alert groups", tokenEnv)
			}
			start, err := ingest.ParseSince(since, time.Now())
			if err != nil {
				return err
			}
			opts.Since, opts.Progress = start, cmd.ErrOrStderr()
			ctx := cmd.Context()
			db, err := g.openDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := syncGrafanaOnCall(ctx, db, nil, source, opts)
			if err != nil {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), res.Summary)
			fmt.Fprintln(cmd.ErrOrStderr(), "run 'alertlens build' to update the metrics")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&tokenEnv, "token-env", "GRAFANA_ONCALL_TOKEN", "environment variable that holds the OnCall API key or service account token")
	f.StringVar(&opts.APIURL, "api-url", "", "the OnCall API URL from OnCall → Settings (required: OnCall has no one host)")
	f.StringVar(&opts.GrafanaURL, "grafana-url", "", "the Grafana stack's URL, sent as X-Grafana-URL: needed with a service account token")
	f.StringVar(&source, "source", "grafana-oncall", "source name the records are stored under (one per OnCall organisation)")
	f.StringVar(&since, "since", "365d", "where the first run's backfill starts: a date (2025-06-01), days (90d) or an RFC 3339 time; later runs go on from their cursor")
	return cmd
}
