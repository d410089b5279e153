package rules

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary YAML to the rule-file parser, which reads whatever a user's
// rules folder holds. Seeds: the real rule files in testdata/samples/ and the small files the
// other tests use.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "samples", "*.y*ml"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed rule files in testdata/samples/: %v", err)
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n    for: 1h30m\n    labels: {severity: page}\n    annotations: {runbook_url: https://r}\n",
		"groups:\n- name: g\n  rules:\n  - record: r\n    expr: sum(up)\n",
		"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    lables:\n      severity: page\n",
		"apiVersion: v1\nkind: ConfigMap\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: g\n    rules:\n    - alert: A\n      expr: up\n      for: soon\n",
		"groups:\n  name: g\n",
		"groups:\n- name: g\n  rules:\n  - alert: A\n   expr: up\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("f.yml", "/f.yml", data)
		if err != nil {
			// The CLI prints this as the place to fix: it must be an *Error of this file.
			var e *Error
			if !errors.As(err, &e) || e.File != "f.yml" || e.Line < 0 || e.Msg == "" {
				t.Fatalf("error %q (%T) does not name the file and a line", err, err)
			}
			return
		}
		if file.Skip != SkipNone {
			// Skipped, not refused: what is refused when the file is named explicitly
			// must still name the file.
			if e := file.skipErr; e == nil || e.File != "f.yml" || e.Line < 0 || e.Msg == "" {
				t.Fatalf("skipped (%v) with the reason %+v", file.Skip, e)
			}
			if len(file.Alerting) > 0 || file.Recording > 0 {
				t.Errorf("not a rule file (%v), yet %d alerting rules", file.Skip, len(file.Alerting))
			}
		}
		if n := file.WithRunbook(); n > len(file.Alerting) {
			t.Errorf("%d rules with a runbook out of %d", n, len(file.Alerting))
		}
		for _, d := range file.Alerting {
			if d.Rule == "" || strings.TrimSpace(d.Group) == "" || d.Expr == "" || d.ForSeconds < 0 {
				t.Errorf("incomplete definition %+v", d)
			}
		}
	})
}
