package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Parse(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.ReportingTimeZone() != "UTC" || c.OrgGoal() != 10 || c.TransientMinutes() != 5 {
		t.Errorf("defaults: zone %s, goal %d, transient %d", c.ReportingTimeZone(), c.OrgGoal(), c.TransientMinutes())
	}
	if c.Alertmanager.TeamLabel != "team" || !slices.Equal(c.Alertmanager.HighSeverities, []string{"critical", "page", "high"}) {
		t.Errorf("alertmanager defaults: %+v", c.Alertmanager)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"organisation:\n  time_zone: Europe/Dubln\n", `organisation.time_zone: want an IANA time zone such as Europe/Dublin, got "Europe/Dubln"`},
		{"organisation:\n  goal: 0\n", "organisation.goal: must be at least 1"},
		{"rotations:\n  web:\n    sleep_hours: {start: 10pm, end: \"08:00\"}\n", `rotations.web.sleep_hours.start: want a time as HH:MM, got "10pm"`},
		{"rotations:\n  web:\n    business_hours: {days: [mon, funday], start: \"09:00\", end: \"17:00\"}\n", `rotations.web.business_hours.days[1]: want one of mon, tue`},
		{"people:\n  u1:\n    holidays: [\"25/12/2026\"]\n", `people.u1.holidays[0]: want a date as YYYY-MM-DD, got "25/12/2026"`},
		{"people:\n  u1:\n    goal: 3\n", "people.u1.goal: goals are set per organisation, rotation or team"},
		{"organisation:\n  holiday_countries: [XX]\n", `organisation.holiday_countries[0]: unknown country code "XX"`},
		{"rules:\n  rewrites:\n    - {pattern: \"([\", replace: \"\"}\n", "rules.rewrites[0].pattern: not a valid regular expression"},
		{"alertmanager:\n  team_label: \"my team\"\n", `alertmanager.team_label: want a Prometheus label name`},
		{"organisation:\n  timezone: UTC\n", `unknown field "timezone"`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc), "a.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q\n  error = %v\n  want it to contain %q", c.doc, err, c.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "a.yaml: ") {
			t.Errorf("error %q does not name the file", err)
		}
	}
}

func TestHolidayDates(t *testing.T) {
	s := Scope{Holidays: []string{"2026-08-03"}, HolidayCountries: []string{"ie"}}
	got := s.HolidayDates(2026, 2026)
	// St Patrick's Day (Tuesday) and Christmas, from the Irish calendar, plus our own date.
	for _, want := range []string{"2026-03-17", "2026-12-25", "2026-08-03"} {
		if !slices.Contains(got, want) {
			t.Errorf("holidays %v lack %s", got, want)
		}
	}
	if slices.Contains(got, "2026-07-04") {
		t.Errorf("Irish holidays include the 4th of July: %v", got)
	}
	// New Year's Day 2028 is a Saturday, observed in the United States on Friday the
	// 31st of December 2027: a holiday of 2027 whether 2028 is asked for or not, and
	// not one of 2028.
	us := Scope{HolidayCountries: []string{"us"}}
	for _, years := range [][2]int{{2027, 2027}, {2026, 2028}} {
		if got := us.HolidayDates(years[0], years[1]); !slices.Contains(got, "2027-12-31") {
			t.Errorf("US holidays of %d-%d lack New Year's Day 2028 observed on 2027-12-31: %v", years[0], years[1], got)
		}
	}
	if got := us.HolidayDates(2028, 2028); slices.Contains(got, "2027-12-31") || !slices.Contains(got, "2028-12-25") {
		t.Errorf("US holidays of 2028: %v", got)
	}
}

func TestCollectorSections(t *testing.T) {
	c, err := Parse([]byte("pagerduty:\n  credential_env: PD_EU_TOKEN\n  api_url: https://api.eu.pagerduty.com\n  source: pd-eu\n"), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// source: is the name's older key: the section is the Source it stands for.
	if src, ok := c.SectionSource(KindPagerDuty); !ok || src != (Source{Name: "pd-eu", Kind: KindPagerDuty, CredentialEnv: "PD_EU_TOKEN", APIURL: "https://api.eu.pagerduty.com"}) {
		t.Errorf("pagerduty section: %+v, %v", src, ok)
	}
	// Every source setting has one key in a section and under sources:.
	c, err = Parse([]byte("opsgenie:\n  api_url: https://api.eu.opsgenie.com\n  alias_is_rule: true\n  window: 24h\n  schedules: false\n"), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if src, ok := c.SectionSource(KindOpsgenie); !ok || src.Name != "" || src.Kind != KindOpsgenie || !src.AliasIsRule || src.Window != "24h" || src.Schedules == nil || *src.Schedules {
		t.Errorf("opsgenie section: %+v", src)
	}
	if _, ok := c.SectionSource(KindGrafanaOnCall); ok {
		t.Errorf("an absent grafana_oncall section reads as set")
	}
	for doc, want := range map[string]string{
		"pagerduty:\n  sync_every: 5m\n":                                           "pagerduty.sync_every: the pagerduty section holds the defaults of 'alertlens sync pagerduty'; scheduled syncs go under sources:",
		"pagerduty:\n  kind: opsgenie\n":                                           `pagerduty.kind: the pagerduty section is of kind pagerduty, got "opsgenie" (leave it out)`,
		"pagerduty:\n  name: a\n  source: b\n":                                     "pagerduty.source: the older key of name: give one of name and source",
		"opsgenie:\n  window: 0s\n":                                                `opsgenie.window: want a positive duration, got "0s"`,
		"pagerduty:\n  alias_is_rule: true\n":                                      "pagerduty.alias_is_rule: only opsgenie sources have aliases",
		"sources:\n  - {name: p, kind: pagerduty, account_time_zone: Mars/Base}\n": `sources[0].account_time_zone: want an IANA time zone such as Europe/Dublin, got "Mars/Base"`,
	} {
		if _, err := Parse([]byte(doc), "a.yaml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", doc, err, want)
		}
	}
	_, err = Parse([]byte("opsgenie:\n  credential_env: \"abc-123 secret\"\n"), "a.yaml")
	if err == nil || !strings.Contains(err.Error(), "opsgenie.credential_env: want the name of an environment variable") {
		t.Errorf("a pasted key: err = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "abc-123") {
		t.Errorf("the error repeats what may be a credential: %v", err)
	}
}

func TestGrafanaOnCallSource(t *testing.T) {
	c, err := Parse([]byte(`sources:
  - name: irm
    kind: grafana_oncall
    api_url: https://oncall-prod-eu-west-0.grafana.net/oncall
    grafana_url: https://example.grafana.net
`), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if s.CredentialVar() != "GRAFANA_ONCALL_TOKEN" || s.GrafanaURL != "https://example.grafana.net" || s.Every() != DefaultSyncEvery {
		t.Errorf("grafana_oncall source: credential %s, grafana_url %q, every %v", s.CredentialVar(), s.GrafanaURL, s.Every())
	}
	for _, c := range []struct{ doc, want string }{
		{"sources:\n  - {name: irm, kind: grafana_oncall}\n", "sources[0].api_url: required for grafana_oncall"},
		{"sources:\n  - {name: pd, kind: pagerduty, grafana_url: https://example.grafana.net}\n", "sources[0].grafana_url: only grafana_oncall sources"},
		{"sources:\n  - {name: irm, kind: grafana_oncall, api_url: https://oncall.example, grafana_url: example.grafana.net}\n", `sources[0].grafana_url: want the stack's http:// or https:// URL, got "example.grafana.net"`},
	} {
		_, err := Parse([]byte(c.doc), "a.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q\n  error = %v\n  want it to contain %q", c.doc, err, c.want)
		}
	}
}

func TestSources(t *testing.T) {
	c, err := Parse([]byte(`sources:
  - name: pagerduty-eu
    kind: pagerduty
    credential_env: PD_EU_TOKEN
    api_url: https://api.eu.pagerduty.com
    since: 2025-01-01
    sync_every: 2m
  - name: pagerduty-us
    kind: pagerduty
  - name: og
    kind: opsgenie
    alias_is_rule: true
`), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 3 {
		t.Fatalf("%d sources, want 3", len(c.Sources))
	}
	eu, us, og := c.Sources[0], c.Sources[1], c.Sources[2]
	if eu.Every() != 2*time.Minute || eu.CredentialVar() != "PD_EU_TOKEN" {
		t.Errorf("pagerduty-eu: every %v, credential %s", eu.Every(), eu.CredentialVar())
	}
	if us.Every() != DefaultSyncEvery || us.CredentialVar() != "PAGERDUTY_TOKEN" || og.CredentialVar() != "OPSGENIE_API_KEY" {
		t.Errorf("defaults: every %v, credentials %s %s", us.Every(), us.CredentialVar(), og.CredentialVar())
	}
	if s, ok := c.SourceNamed("og"); !ok || !s.AliasIsRule {
		t.Errorf("SourceNamed(og) = %+v, %v", s, ok)
	}

	cases := []struct{ doc, want string }{
		{"sources:\n  - kind: pagerduty\n", "sources[0].name: required"},
		{"sources:\n  - {name: PD EU, kind: pagerduty}\n", `sources[0].name: want lower-case letters`},
		{"sources:\n  - {name: pd, kind: pagerduty}\n  - {name: pd, kind: opsgenie}\n", `sources[1].name: "pd" is used by an earlier source`},
		{"sources:\n  - {name: alertmanager, kind: pagerduty}\n", `sources[0].name: "alertmanager" is the Alertmanager receiver's source name`},
		{"sources:\n  - {name: pd, kind: victorops}\n", `sources[0].kind: want pagerduty, opsgenie or grafana_oncall, got "victorops"`},
		{"sources:\n  - {name: pd, kind: pagerduty, credential_env: u+abcdef123}\n", "sources[0].credential_env: want the name of an environment variable"},
		{"sources:\n  - {name: pd, kind: pagerduty, api_url: api.pagerduty.com}\n", `sources[0].api_url: want an http:// or https:// URL, got "api.pagerduty.com"`},
		{"sources:\n  - {name: pd, kind: pagerduty, since: last year}\n", `sources[0].since: want a date (2025-01-01), days (90d) or an RFC 3339 time, got "last year"`},
		{"sources:\n  - {name: pd, kind: pagerduty, sync_every: 5}\n", `sources[0].sync_every: want a duration such as 5m or 1h, got "5"`},
		{"sources:\n  - {name: pd, kind: pagerduty, sync_every: 1s}\n", "sources[0].sync_every: want at least 10s, got 1s"},
		{"sources:\n  - {name: pd, kind: pagerduty, alias_is_rule: true}\n", "sources[0].alias_is_rule: only opsgenie sources have aliases"},
		{"sources:\n  - {name: pd, kind: pagerduty, token: abc}\n", `unknown field "token"`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc), "a.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q\n  error = %v\n  want it to contain %q", c.doc, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "u+abcdef123") {
			t.Errorf("the error quotes what may be a credential: %v", err)
		}
	}
}
