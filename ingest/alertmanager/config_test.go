package alertmanager

import (
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

func TestConfigDefaultsFromYAML(t *testing.T) {
	var c Config
	if err := yaml.Unmarshal([]byte("team_label: owner\nhigh_severities: [sev1, sev2]\n"), &c); err != nil {
		t.Fatal(err)
	}
	if c.Source != "alertmanager" || c.TeamLabel != "owner" || c.ServiceLabel != "service" ||
		!slices.Equal(c.HighSeverities, []string{"sev1", "sev2"}) || c.TokenEnv != "" {
		t.Errorf("config %+v", c)
	}
}

func TestConfigValidateNamesBadKeys(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("the zero config takes the defaults, got %v", err)
	}
	const pasted = "Bearer eyJhbGciOi.secret"
	err := Config{Source: "alert manager", TeamLabel: "team-name", ServiceLabel: "9svc",
		HighSeverities: []string{"critical", " "}, TokenEnv: pasted}.Validate()
	if err == nil {
		t.Fatal("want an error")
	}
	want := []string{
		`alertmanager.source: want a name of letters, digits, '-', '_' or '.', got "alert manager"`,
		`alertmanager.team_label: want a Prometheus label name such as team, got "team-name"`,
		`alertmanager.service_label: want a Prometheus label name such as service, got "9svc"`,
		`alertmanager.high_severities[1]: want a severity label value such as critical, got an empty string`,
		`alertmanager.token_env: want the name of an environment variable such as ALERTLENS_ALERTMANAGER_TOKEN (the token itself goes in that variable, not in the config)`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("errors\n got %q\nwant %q", got, want)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Error("a token pasted into token_env is echoed in the error")
	}
	var c Config
	if err := yaml.Unmarshal([]byte("service_label: bad-label\n"), &c); err == nil || !strings.Contains(err.Error(), "alertmanager.service_label") {
		t.Errorf("a bad key is not refused when the YAML loads: %v", err)
	}
}
