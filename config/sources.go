package config

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Source kinds that `alertlens serve` can sync on a schedule.
const (
	KindPagerDuty     = "pagerduty"
	KindOpsgenie      = "opsgenie"
	KindGrafanaOnCall = "grafana_oncall"
)

// DefaultSyncEvery is how often a scheduled source syncs when sync_every is not set.
const DefaultSyncEvery = 5 * time.Minute

// MinSyncEvery keeps a misconfigured interval from hammering a paging tool's API (and
// its rate limit, which the same token's other users share).
const MinSyncEvery = 10 * time.Second

// Source is one connection `alertlens serve` syncs on its own interval. Several of one
// kind are allowed (two PagerDuty accounts); the name is what the records are stored
// under, so it must stay the same for the life of the history.
type Source struct {
	Name          string `yaml:"name"`
	Kind          string `yaml:"kind"`           // pagerduty | opsgenie | grafana_oncall
	CredentialEnv string `yaml:"credential_env"` // the variable holding the token
	APIURL        string `yaml:"api_url"`
	Since         string `yaml:"since"`      // first backfill start: 2025-01-01, 90d or RFC 3339
	SyncEvery     string `yaml:"sync_every"` // a Go duration: 5m, 1h
	// AliasIsRule (opsgenie) says each alert rule sends one fixed alias.
	AliasIsRule bool `yaml:"alias_is_rule"`
	// GrafanaURL (grafana_oncall) is the Grafana stack a service account token belongs
	// to, sent as X-Grafana-URL; an OnCall API key needs none.
	GrafanaURL string `yaml:"grafana_url"`
	// AccountTimeZone (pagerduty) is the account's IANA zone, given to users whose own
	// is unset: the API does not return it.
	AccountTimeZone string `yaml:"account_time_zone"`
	// Schedules (opsgenie) reads who was on call from the schedules' timelines; unset
	// is on.
	Schedules *bool `yaml:"schedules"`
	// Overlap and Window (opsgenie) are Go durations: how far before the previous
	// sync's end a later one lists again (default 1h), and the createdAt range of one
	// listing (default 168h).
	Overlap string `yaml:"overlap"`
	Window  string `yaml:"window"`
}

// Kinds are the kinds of source the config knows, in the order the docs list them.
// Every one needs an entry in cmd/alertlens's registry (a test holds them together).
var Kinds = []string{KindPagerDuty, KindOpsgenie, KindGrafanaOnCall}

// Every is the source's sync interval.
func (s Source) Every() time.Duration {
	if s.SyncEvery == "" {
		return DefaultSyncEvery
	}
	d, _ := time.ParseDuration(s.SyncEvery) // checked by validate
	return d
}

// CredentialVar is the environment variable that holds the source's credential.
func (s Source) CredentialVar() string {
	if s.CredentialEnv != "" {
		return s.CredentialEnv
	}
	switch s.Kind {
	case KindOpsgenie:
		return "OPSGENIE_API_KEY"
	case KindGrafanaOnCall:
		return "GRAFANA_ONCALL_TOKEN"
	}
	return "PAGERDUTY_TOKEN"
}

// SourceNamed returns the configured source of that name.
func (c *Config) SourceNamed(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

var sinceForm = regexp.MustCompile(`^([0-9]+d|[0-9]{4}-[0-9]{2}-[0-9]{2}.*)$`)

func (c *Config) validateSources(add func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, s := range c.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			add(key+".name", "required: the name the records are stored under, such as pagerduty-eu")
		case !sourceName.MatchString(s.Name):
			add(key+".name", "want lower-case letters, digits, '-', '_' or '.', got %q", s.Name)
		case seen[s.Name]:
			add(key+".name", "%q is used by an earlier source: each source needs its own name", s.Name)
		case s.Name == c.Alertmanager.Source:
			add(key+".name", "%q is the Alertmanager receiver's source name (alertmanager.source)", s.Name)
		}
		seen[s.Name] = true
		if !slices.Contains(Kinds, s.Kind) {
			add(key+".kind", "want %s or %s, got %q", strings.Join(Kinds[:len(Kinds)-1], ", "), Kinds[len(Kinds)-1], s.Kind)
		}
		if s.Kind == KindGrafanaOnCall && s.APIURL == "" {
			// OnCall has no one host: each stack or install has its own API URL.
			add(key+".api_url", "required for grafana_oncall: the OnCall API URL from OnCall → Settings (Grafana Cloud IRM: IRM → Settings → Admin & API)")
		}
		validateSettings(key, s, add)
	}
}

// validateSection checks a kind's own section: a Source of that kind whose name, if
// given, is a source name, and which is not scheduled (sources: entries are).
func (c *Config) validateSection(key, kind string, sec Section, add func(key, format string, args ...any)) {
	s := sec.Settings
	if s.Kind != "" && s.Kind != kind {
		add(key+".kind", "the %s section is of kind %s, got %q (leave it out)", key, kind, s.Kind)
	}
	if s.Name != "" && sec.OldName != "" {
		add(key+".source", "the older key of name: give one of name and source")
	}
	if name := cmp.Or(s.Name, sec.OldName); name != "" && !sourceName.MatchString(name) {
		add(key+".name", "want lower-case letters, digits, '-', '_' or '.', got %q", name)
	}
	if s.SyncEvery != "" {
		add(key+".sync_every", "the %s section holds the defaults of 'alertlens sync %s'; scheduled syncs go under sources:", key, kind)
	}
	s.Kind = kind
	validateSettings(key, s, add)
}

// validateSettings checks what a source under sources: and a kind's section share.
func validateSettings(key string, s Source, add func(key, format string, args ...any)) {
	if s.GrafanaURL != "" && s.Kind != KindGrafanaOnCall {
		add(key+".grafana_url", "only grafana_oncall sources take a Grafana stack URL")
	} else if s.GrafanaURL != "" && !httpURL.MatchString(s.GrafanaURL) {
		add(key+".grafana_url", "want the stack's http:// or https:// URL, got %q", s.GrafanaURL)
	}
	if s.CredentialEnv != "" && !envName.MatchString(s.CredentialEnv) {
		// not quoted back: it may be a credential pasted here by mistake
		add(key+".credential_env", "want the name of an environment variable such as PD_EU_TOKEN (the credential itself goes in that variable)")
	}
	if s.APIURL != "" && !httpURL.MatchString(s.APIURL) {
		add(key+".api_url", "want an http:// or https:// URL, got %q", s.APIURL)
	}
	if s.Since != "" && !sinceForm.MatchString(s.Since) {
		add(key+".since", "want a date (2025-01-01), days (90d) or an RFC 3339 time, got %q", s.Since)
	}
	if s.SyncEvery != "" {
		d, err := time.ParseDuration(s.SyncEvery)
		switch {
		case err != nil:
			add(key+".sync_every", "want a duration such as 5m or 1h, got %q", s.SyncEvery)
		case d < MinSyncEvery:
			add(key+".sync_every", "want at least %v, got %v", MinSyncEvery, d)
		}
	}
	if s.AliasIsRule && s.Kind != KindOpsgenie {
		add(key+".alias_is_rule", "only opsgenie sources have aliases")
	}
	if s.AccountTimeZone != "" {
		if s.Kind != KindPagerDuty {
			add(key+".account_time_zone", "only pagerduty sources take an account time zone")
		} else if _, err := time.LoadLocation(s.AccountTimeZone); err != nil || s.AccountTimeZone == "Local" {
			add(key+".account_time_zone", "want an IANA time zone such as Europe/Dublin, got %q", s.AccountTimeZone)
		}
	}
	if s.Schedules != nil && s.Kind != KindOpsgenie {
		add(key+".schedules", "only opsgenie sources read schedules this way")
	}
	for _, d := range []struct{ name, v string }{{"overlap", s.Overlap}, {"window", s.Window}} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		switch {
		case s.Kind != KindOpsgenie:
			add(key+"."+d.name, "only opsgenie sources take a %s", d.name)
		case err != nil:
			add(key+"."+d.name, "want a duration such as 1h or 168h, got %q", d.v)
		case v < 0 || (v == 0 && d.name == "window"):
			add(key+"."+d.name, "want a positive duration, got %q", d.v)
		}
	}
}

var httpURL = regexp.MustCompile(`^https?://[^\s/]+`)
