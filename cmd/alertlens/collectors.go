package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/grafanaoncall"
	"github.com/alertlens/alertlens/ingest/opsgenie"
	"github.com/alertlens/alertlens/ingest/pagerduty"
)

// This file is the one place that knows every kind of source, as Alertmanager's
// receiver.go is for its integrations: per kind, what its `alertlens sync <kind>`
// command is called and says, its defaults, its own flags (each bound to a field of
// config.Source, so that a flag, a kind's section and a sources: entry are one setting)
// and how a config.Source becomes its collector. The command, the server's scheduled
// jobs and the tests all read it; a kind in config.Kinds without an entry fails a test.

// sourceKind is one kind of source.
type sourceKind struct {
	Kind    string // config.Kind...
	Command string // the subcommand of `alertlens sync`
	Short   string
	Long    string
	Example string

	// CredentialFlag names the flag of the credential's variable; CredentialAlias is
	// the other accepted spelling (--token-env beside opsgenie's --key-env), hidden.
	CredentialFlag, CredentialAlias string
	CredentialHelp                  string
	CredentialEnv                   string // the variable read when none is named
	Credential                      string // what the variable must hold, for the empty-variable error

	APIURL     string // the default API URL; "" when the kind has none (then APIURLNeed says what to give)
	APIURLHelp string
	APIURLNeed string
	SourceHelp string
	Since      string // the default backfill start
	SinceHelp  string

	// Flags are the kind's own flags.
	Flags []kindFlag

	// New builds the kind's collector from a source with every default filled in.
	New func(src config.Source, secret string, progress io.Writer) (ingest.Collector, error)
}

// kindFlag is a kind-specific flag and the config.Source field it sets. Option is the
// collector's name for it, so that an ingest.OptionError can be said as the flag.
type kindFlag struct {
	Name, Help, Option string
	Default            string // a string flag's default, or a bool flag's ("true", "false")
	Field              func(*config.Source) any
}

// sourceKinds are the kinds `alertlens sync` and `alertlens serve` know, in the order
// the help lists them.
var sourceKinds = []sourceKind{pagerDutyKind, opsgenieKind, grafanaOnCallKind}

// kindOf returns the registry's entry of a config kind.
func kindOf(kind string) (sourceKind, bool) {
	for _, k := range sourceKinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return sourceKind{}, false
}

// withDefaults fills in what src leaves unset from the kind's defaults.
func (k sourceKind) withDefaults(src config.Source) config.Source {
	src.Kind = k.Kind
	if src.Name == "" {
		src.Name = k.Command
	}
	if src.CredentialEnv == "" {
		src.CredentialEnv = k.CredentialEnv
	}
	if src.APIURL == "" {
		src.APIURL = k.APIURL
	}
	if src.Since == "" {
		src.Since = k.Since
	}
	return src
}

// flagOf says a collector's option as the command's flag, so that a refused option
// names what the user typed ("--api-url: want ..."); other errors pass unchanged.
func (k sourceKind) flagOf(err error) error {
	var oe *ingest.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	flag := map[string]string{"API URL": "api-url", "since": "since"}[oe.Option]
	for _, f := range k.Flags {
		if f.Option == oe.Option {
			flag = f.Name
		}
	}
	if flag == "" {
		return err
	}
	if oe.Kind == "" {
		return fmt.Errorf("--%s: %s", flag, oe.Problem)
	}
	return fmt.Errorf("%s: --%s: %s", oe.Kind, flag, oe.Problem)
}

func duration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	return time.ParseDuration(s)
}

var pagerDutyKind = sourceKind{
	Kind:    config.KindPagerDuty,
	Command: "pagerduty",
	Short:   "Fetch users, teams, services, incidents and log entries from PagerDuty",
	Long: `sync pagerduty pulls history from the PagerDuty REST API: users (with their time
zones), teams, escalation policies and services in full, and incidents and log entries
(notifications, acknowledgements, escalations, runbook links) by time window.

The first run backfills from --since; later runs go on from a cursor stored per stream,
starting an hour early and re-listing incidents that were still open, so that their
resolution is picked up. Each page is committed with its cursor before the next is
fetched: a sync that is stopped or fails keeps what it stored and resumes there.

The token is a REST API key (read-only is enough), read from $PAGERDUTY_TOKEN or the
variable --token-env names (or the config file's pagerduty.credential_env; its
pagerduty.api_url and pagerduty.name set those defaults too); it is sent only in the Authorization header and never
stored or printed. Requests are paced under PagerDuty's 960 a minute; 429s wait for
the reset, server errors are retried. Run 'alertlens build' afterwards.`,
	Example: `  export PAGERDUTY_TOKEN=...      # a read-only REST API key
  alertlens sync pagerduty --since 2025-06-01
  alertlens sync pagerduty --token-env PD_EU_TOKEN --api-url https://api.eu.pagerduty.com --source pagerduty-eu`,
	CredentialFlag: "token-env",
	CredentialHelp: "environment variable that holds the REST API key",
	CredentialEnv:  "PAGERDUTY_TOKEN",
	Credential:     "a PagerDuty REST API key (read-only is enough)",
	APIURL:         pagerduty.DefaultAPIURL,
	APIURLHelp:     "REST API base URL (a proxy, the EU service region, or a test server)",
	SourceHelp:     "source name the records are stored under (one per PagerDuty account)",
	Since:          "365d",
	SinceHelp:      "where the first run's backfill starts: a date (2025-06-01), days (90d) or an RFC 3339 time; later runs go on from their cursor",
	Flags: []kindFlag{{Name: "account-time-zone", Option: "account time zone",
		Help:  "the PagerDuty account's time zone (IANA, e.g. Europe/Dublin), for users whose own is unset: the API does not return it",
		Field: func(s *config.Source) any { return &s.AccountTimeZone }}},
	New: func(src config.Source, secret string, progress io.Writer) (ingest.Collector, error) {
		since, err := ingest.ParseSince(src.Since, time.Now())
		if err != nil {
			return nil, err
		}
		return pagerduty.New(pagerduty.Options{APIURL: src.APIURL, Token: secret, Since: since,
			AccountTimeZone: src.AccountTimeZone, Progress: progress})
	},
}

var opsgenieKind = sourceKind{
	Kind:    config.KindOpsgenie,
	Command: "opsgenie",
	Short:   "Fetch alerts, alert logs, users and teams from Opsgenie",
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
opsgenie.credential_env, names another variable; opsgenie.api_url and opsgenie.name
set those defaults too); it is sent only in the Authorization header and never stored or printed. Accounts in the EU
use --api-url https://api.eu.opsgenie.com.

Each page of alerts is committed with its cursor before the next is fetched: a sync
that is stopped resumes where it stopped. Later runs list again from an hour before the
previous run's end, or from the oldest alert still open, so closed alerts get updated.
Run 'alertlens build' afterwards.`,
	Example: `  export OPSGENIE_API_KEY=...     # an API integration's key with read access
  alertlens sync opsgenie --since 180d
  alertlens sync opsgenie --api-url https://api.eu.opsgenie.com --key-env OG_EU_KEY --source opsgenie-eu`,
	CredentialFlag:  "key-env",
	CredentialAlias: "token-env",
	CredentialHelp:  "environment variable that holds the API key",
	CredentialEnv:   "OPSGENIE_API_KEY",
	Credential:      "an Opsgenie API key with read access",
	APIURL:          opsgenie.DefaultAPIURL,
	APIURLHelp:      "Opsgenie API host; EU accounts use https://api.eu.opsgenie.com",
	SourceHelp:      "source name the records are stored under (one per Opsgenie account)",
	Since:           "90d",
	SinceHelp:       "where the first sync starts: days (90d), a duration (36h), a date (2025-01-31) or an RFC 3339 time; later syncs go on from the stored cursor",
	Flags: []kindFlag{
		{Name: "overlap", Option: "overlap", Default: "1h0m0s", Help: "how far before the previous sync's end a later sync lists again",
			Field: func(s *config.Source) any { return &s.Overlap }},
		{Name: "window", Option: "window", Default: "168h0m0s", Help: "createdAt range listed per query (a window over Opsgenie's 20000-alert paging cap is split)",
			Field: func(s *config.Source) any { return &s.Window }},
		{Name: "schedules", Option: "schedules", Default: "true", Help: "also read who was on call: every schedule's final timeline, in 28-day windows with a cursor per schedule (--schedules=false skips them)",
			Field: func(s *config.Source) any { return &s.Schedules }},
		{Name: "alias-is-rule", Option: "alias is rule", Default: "false", Help: "each alert rule sends one fixed alias, so the alias names the rule (else rules come from title templates)",
			Field: func(s *config.Source) any { return &s.AliasIsRule }},
	},
	New: func(src config.Source, secret string, progress io.Writer) (ingest.Collector, error) {
		since, err := ingest.ParseSince(src.Since, time.Now())
		if err != nil {
			return nil, err
		}
		overlap, err := duration(src.Overlap, time.Hour)
		if err != nil {
			return nil, &ingest.OptionError{Kind: opsgenie.Kind, Option: "overlap", Problem: fmt.Sprintf("want a duration such as 1h, got %q", src.Overlap)}
		}
		window, err := duration(src.Window, 7*24*time.Hour)
		if err != nil {
			return nil, &ingest.OptionError{Kind: opsgenie.Kind, Option: "window", Problem: fmt.Sprintf("want a duration such as 168h, got %q", src.Window)}
		}
		return opsgenie.New(opsgenie.Config{APIURL: src.APIURL, Key: secret, Since: since, Overlap: overlap, Window: window,
			AliasIsRule: src.AliasIsRule, Schedules: src.Schedules == nil || *src.Schedules, Progress: progress})
	},
}

var grafanaOnCallKind = sourceKind{
	Kind:    config.KindGrafanaOnCall,
	Command: "grafana-oncall",
	Short:   "Fetch alert groups, users, integrations, routes and escalation chains from Grafana OnCall or Grafana Cloud IRM",
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
stopped or fails keeps what it stored and resumes there. The config file's
grafana_oncall: section, or a source of this kind under sources: named by --source,
gives the defaults of --api-url, --token-env and --grafana-url. Run 'alertlens build'
afterwards.`,
	Example: `  export GRAFANA_ONCALL_TOKEN=...   # an OnCall API key, or a service account token
  alertlens sync grafana-oncall --api-url https://oncall-prod-us-central-0.grafana.net/oncall --since 2025-06-01
  alertlens sync grafana-oncall --api-url http://oncall.internal:8080 --token-env ONCALL_KEY --source oncall-selfhosted`,
	CredentialFlag: "token-env",
	CredentialHelp: "environment variable that holds the OnCall API key or service account token",
	CredentialEnv:  "GRAFANA_ONCALL_TOKEN",
	Credential:     "an OnCall API key or a Grafana service account token that may read alert groups",
	APIURLHelp:     "the OnCall API URL from OnCall → Settings (required: OnCall has no one host)",
	APIURLNeed:     "the OnCall API URL from OnCall → Settings (Grafana Cloud IRM: IRM → Settings → Admin & API)",
	SourceHelp:     "source name the records are stored under (one per OnCall organisation)",
	Since:          "365d",
	SinceHelp:      "where the first run's backfill starts: a date (2025-06-01), days (90d) or an RFC 3339 time; later runs go on from their cursor",
	Flags: []kindFlag{{Name: "grafana-url", Option: "Grafana URL",
		Help:  "the Grafana stack's URL, sent as X-Grafana-URL: needed with a service account token",
		Field: func(s *config.Source) any { return &s.GrafanaURL }}},
	New: func(src config.Source, secret string, progress io.Writer) (ingest.Collector, error) {
		since, err := ingest.ParseSince(src.Since, time.Now())
		if err != nil {
			return nil, err
		}
		return grafanaoncall.New(grafanaoncall.Options{APIURL: src.APIURL, Token: secret, GrafanaURL: src.GrafanaURL,
			Since: since, Progress: progress})
	},
}
