package config

import (
	"fmt"
	"regexp"
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
}

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
		if s.Kind != KindPagerDuty && s.Kind != KindOpsgenie && s.Kind != KindGrafanaOnCall {
			add(key+".kind", "want %s, %s or %s, got %q", KindPagerDuty, KindOpsgenie, KindGrafanaOnCall, s.Kind)
		}
		if s.Kind == KindGrafanaOnCall && s.APIURL == "" {
			// OnCall has no one host: each stack or install has its own API URL.
			add(key+".api_url", "required for grafana_oncall: the OnCall API URL from OnCall → Settings (Grafana Cloud IRM: IRM → Settings → Admin & API)")
		}
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
	}
}

var httpURL = regexp.MustCompile(`^https?://[^\s/]+`)
