package models

import (
	"testing"

	"github.com/alertlens/alertlens/config"
)

func TestTemplate(t *testing.T) {
	cfg, err := config.Parse([]byte(`
rules:
  rewrites:
    - {pattern: '^\[(prod|staging)\] ', replace: ''}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tm := NewTemplater(cfg)
	cases := []struct{ title, want string }{
		{"[db-7] CPU at 93% on 10.0.3.4", "[<host>] cpu at <n>% on <ip>"},
		{"[db-2] CPU at 88% on 10.0.9.1", "[<host>] cpu at <n>% on <ip>"},
		{"Disk /var 91.5% full on web01", "disk /var <n>% full on <host>"},
		{`Job "nightly-backup" failed`, "job <value> failed"},
		{"Pod 3f2a9c1e-77b0-4c1d-9a6e-0123456789ab crashlooping", "pod <uuid> crashlooping"},
		{"Deploy deadbeef42 rolled back", "deploy <hex> rolled back"},
		{"Cafe queue latency high", "cafe queue latency high"},
		{"5xx rate high on api.eu.example.com:443", "<n>xx rate high on <host>:<n>"},
		{"[prod] Payment failures", "payment failures"},
		{"  Many   spaces  ", "many spaces"},
	}
	for _, c := range cases {
		if got := tm.Template(c.title); got != c.want {
			t.Errorf("Template(%q) = %q, want %q", c.title, got, c.want)
		}
	}
}
