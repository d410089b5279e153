package models

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alertlens/alertlens/config"
)

// FuzzTemplate feeds arbitrary titles to the title templater, with the rewrite that
// TestTemplate uses. The title is prefix, a number, suffix: METRICS.md makes titles that
// differ only in a number one rule, so a second number in the same place must give the
// same template, and the shortcuts of Template (mayMatch) must give what running every
// expression gives. Seeds: TestTemplate's titles and the golden history's.
//
// Template(Template(x)) == Template(x) is not asserted: it does not hold by design, as
// the rewrites see the title before it is lower-cased and templated ("[PROD] x" gives
// "[prod] x", which the rewrite '^\[(prod|staging)\] ' then turns into "x"). Templates
// are never templated again (prepare.go templates stored titles only).
func FuzzTemplate(f *testing.F) {
	titles := []string{
		"[db-7] CPU at 93% on 10.0.3.4", "Disk /var 91.5% full on web01", `Job "nightly-backup" failed`,
		"Pod 3f2a9c1e-77b0-4c1d-9a6e-0123456789ab crashlooping", "Deploy deadbeef42 rolled back",
		"Cafe queue latency high", "5xx rate high on api.eu.example.com:443", "[prod] Payment failures",
		"  Many   spaces  ", "fe80::1ff:fe23:4567:890a down", "0xdeadbeef1 and 0xab12 and 0x0x12ab34",
		"ÄBC123def_9 'x", "K1a2b3c4d",
	}
	titles = append(titles, goldenTitles(f)...)
	for _, title := range titles {
		// Split at the first space: the seed's words either side of the number.
		prefix, suffix, _ := strings.Cut(title, " ")
		f.Add(prefix, suffix, uint64(7), uint64(1234))
	}
	cfg, err := config.Parse([]byte("rules:\n  rewrites:\n    - {pattern: '^\\[(prod|staging)\\] ', replace: ''}\n"), "fuzz.yaml")
	if err != nil {
		f.Fatal(err)
	}
	tm := NewTemplater(cfg)
	f.Fuzz(func(t *testing.T, prefix, suffix string, a, b uint64) {
		titleA := prefix + " " + strconv.FormatUint(a, 10) + " " + suffix
		titleB := prefix + " " + strconv.FormatUint(b, 10) + " " + suffix
		got := tm.Template(titleA)
		if plain := tm.template(titleA, false); got != plain {
			t.Errorf("Template(%q) = %q, but every expression run in turn gives %q", titleA, got, plain)
		}
		if other := tm.Template(titleB); got != other {
			t.Errorf("titles differing only in a number give two rules:\n%q -> %q\n%q -> %q", titleA, got, titleB, other)
		}
		if utf8.ValidString(titleA) && !utf8.ValidString(got) {
			t.Errorf("valid UTF-8 %q gave invalid %q", titleA, got)
		}
		// Stored templates go out in JSON and CSV exports: no leading, trailing or doubled spaces.
		if got != strings.Join(strings.Fields(got), " ") {
			t.Errorf("template %q is not single-spaced", got)
		}
	})
}

// goldenTitles reads the incident titles of the golden history.
func goldenTitles(tb testing.TB) []string {
	tb.Helper()
	fh, err := os.Open(filepath.Join("..", "testdata", "golden.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	var titles []string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		var rec struct {
			Title string `json:"title"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatal(err)
		}
		if rec.Title != "" {
			titles = append(titles, rec.Title)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return titles
}
