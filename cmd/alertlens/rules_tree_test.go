package main

import (
	"bytes"
	"path/filepath"
	"testing"
)

// Importing a repository's root: the rule files are counted, everything else is
// skipped with one summary line per kind, and the import succeeds.
func TestRulesImportSkipsWhatIsNotRules(t *testing.T) {
	root := filepath.Join("..", "..", "ingest", "rules", "testdata", "tree")
	var out, warn bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs([]string{"--db", filepath.Join(t.TempDir(), "a.duckdb"), "rules", "import", "--dry-run", root})
	cmd.SetOut(&out)
	cmd.SetErr(&warn)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	wantOut := root + "/rules/app-prometheusrule.yaml: 1 alerting rules, 1 with a runbook, 0 recording rules skipped\n" +
		root + "/rules/node.rules.yml: 2 alerting rules, 1 with a runbook, 1 recording rules skipped\n" +
		"total: 3 alerting rules in 2 files, 2 with a runbook (66.7 % runbook coverage); 1 recording rules skipped\n"
	if out.String() != wantOut {
		t.Errorf("stdout\n%s\nwant\n%s", out.String(), wantOut)
	}
	wantWarn := "skipped 2 files that hold no rule groups: " + root + "/alertmanager.yml, " + root + "/kustomization.yaml\n" +
		"skipped 1 file that is not valid YAML and mentions no groups: or PrometheusRule: " + root + "/.travis.yml\n" +
		"skipped 1 file that is a template ({{ }}) not valid as YAML or rules until rendered: " + root + "/charts/app/templates/prometheusrule.yaml\n" +
		"skipped 1 folder that holds test fixtures (testdata): " + root + "/testdata\n"
	if warn.String() != wantWarn {
		t.Errorf("stderr\n%s\nwant\n%s", warn.String(), wantWarn)
	}
}
