package config

import (
	"slices"
	"strings"
	"testing"
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
}

func TestCollectorSections(t *testing.T) {
	c, err := Parse([]byte("pagerduty:\n  credential_env: PD_EU_TOKEN\n  api_url: https://api.eu.pagerduty.com\n  source: pd-eu\n"), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.PagerDuty.CredentialEnv != "PD_EU_TOKEN" || c.PagerDuty.Source != "pd-eu" {
		t.Errorf("pagerduty section: %+v", c.PagerDuty)
	}
	_, err = Parse([]byte("opsgenie:\n  credential_env: \"abc-123 secret\"\n"), "a.yaml")
	if err == nil || !strings.Contains(err.Error(), "opsgenie.credential_env: want the name of an environment variable") {
		t.Errorf("a pasted key: err = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "abc-123") {
		t.Errorf("the error repeats what may be a credential: %v", err)
	}
}
