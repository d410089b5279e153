package models

import (
	"math/rand/v2"
	"strings"
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

// TestTemplateWordByWord: templating word by word, with the shortcuts, gives what every
// expression over the whole title gives, on random titles made of the characters the
// expressions turn on (digits, hex letters, separators, quotes, spaces of several
// kinds, bytes that are not UTF-8). FuzzTemplate explores further in CI.
func TestTemplateWordByWord(t *testing.T) {
	tm := NewTemplater(&config.Config{})
	parts := []string{"0", "7", "42", "255", "1234", "a", "f", "e4", "x", "0x", "g", "z", "host", "db", "_", "-", ".", ",", ":",
		" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\"", "'", "`", "[", "]", "%", "/", "é", "\xff", "<n>"}
	rng := rand.New(rand.NewPCG(3, 5))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		title := b.String()
		if got, plain := tm.Template(title), tm.template(title, false); got != plain {
			t.Fatalf("Template(%q) = %q, but every expression over the whole title gives %q", title, got, plain)
		}
	}
}

func TestReplaceNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "abc": "abc", "1": "<n>", "1.2.3": "<n>", "1..2": "<n>..<n>", "1,2.": "<n>.", ".5": ".<n>",
		"v1.2-rc3": "v<n>-rc<n>", "10,000,000x": "<n>x", "1,": "<n>,", "a1b22c": "a<n>b<n>c",
	} {
		if got := replaceNumbers(in); got != want {
			t.Errorf("replaceNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}
