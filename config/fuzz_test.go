package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary documents to the config loader. A build stores c.Source and a
// later build without --config parses it again, so whatever Parse accepts must parse
// again to the same settings, and the settings the analytics use unchecked must be usable.
// Seeds: the demo's config, the golden test's config and the documents the other tests use.
func FuzzParse(f *testing.F) {
	for _, name := range []string{
		filepath.Join("..", "ingest", "demo", "alertlens.yaml"),
		filepath.Join("..", "analytics", "testdata", "golden.yaml"),
	} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"organisation:\n  time_zone: Europe/Dubln\n",
		"organisation:\n  goal: 0\n",
		"rotations:\n  web:\n    sleep_hours: {start: \"22:00\", end: \"24:00\"}\n",
		"rotations:\n  web:\n    business_hours: {days: [mon, Fri], start: \"09:00\", end: \"17:00\"}\n",
		"people:\n  u1:\n    holidays: [\"2026-12-25\"]\n    holiday_countries: [ie]\n",
		"rules:\n  transient_minutes: 1440\n  rewrites:\n    - {pattern: '^\\[(prod|staging)\\] ', replace: ''}\n",
		"runbook_patterns: ['^https://wiki/']\nteam_map: {a: b}\nteams: {web: {goal: 3}}\n",
		"alertmanager:\n  team_label: \"my team\"\n",
		"pagerduty:\n  credential_env: PD_EU_TOKEN\n  api_url: https://api.eu.pagerduty.com\n  source: pd-eu\n",
		"api:\n  read_tokens_env: [R]\n  write_tokens_env: [W]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "f.yaml")
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		again, err := Parse(c.Source, "stored")
		if err != nil {
			t.Fatalf("the stored source no longer parses: %v", err)
		}
		if !reflect.DeepEqual(c, again) {
			t.Fatalf("the stored source parses to other settings:\n%+v\n%+v", c, again)
		}
		if _, err := time.LoadLocation(c.ReportingTimeZone()); err != nil {
			t.Errorf("reporting time zone %q: %v", c.ReportingTimeZone(), err)
		}
		if c.OrgGoal() < 1 {
			t.Errorf("organisation goal %d", c.OrgGoal())
		}
		if m := c.TransientMinutes(); m < 0 || m > 24*60 {
			t.Errorf("transient minutes %d", m)
		}
		// The templater compiles these with MustCompile.
		for _, r := range c.Rules.Rewrites {
			if _, err := regexp.Compile(r.Pattern); err != nil {
				t.Errorf("rewrite %q: %v", r.Pattern, err)
			}
		}
	})
}
