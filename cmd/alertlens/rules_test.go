package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sqlmodels "github.com/alertlens/alertlens/sql"
)

func runRulesImport(dbPath string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs(append([]string{"--db", dbPath, "rules", "import"}, args...))
	cmd.SetOut(&out)
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	return out.String(), err
}

func storedRules(t *testing.T, dbPath string) []string {
	t.Helper()
	db, err := sqlmodels.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`select rule || ' ' || for_seconds || ' ' || runbook_url from rule_definitions order by all`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

const goodRules = `groups:
- name: checkout
  rules:
  - alert: CheckoutErrors
    expr: rate(errors_total[5m]) > 1
    for: 1h30m
    annotations:
      runbook_url: https://wiki.example.com/runbooks/checkout-errors
  - record: job:errors:rate5m
    expr: rate(errors_total[5m])
  - alert: CheckoutSlow
    expr: latency_p99 > 2
`

func TestRulesImportReplacesAPathAndKeepsItOnError(t *testing.T) {
	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	os.Mkdir(rulesDir, 0o755)
	os.WriteFile(filepath.Join(rulesDir, "good.yml"), []byte(goodRules), 0o644)
	dbPath := filepath.Join(dir, "alertlens.duckdb")

	out, err := runRulesImport(dbPath, rulesDir)
	if err != nil {
		t.Fatal(err)
	}
	want := rulesDir + "/good.yml: 2 alerting rules, 1 with a runbook, 1 recording rules skipped\n" +
		"total: 2 alerting rules in 1 files, 1 with a runbook (50.0 % runbook coverage); 1 recording rules skipped\n"
	if out != want {
		t.Errorf("output\n%s\nwant\n%s", out, want)
	}
	before := []string{"CheckoutErrors 5400 https://wiki.example.com/runbooks/checkout-errors", "CheckoutSlow 0"}
	if got := storedRules(t, dbPath); strings.Join(got, "|") != strings.Join(before, "|") {
		t.Errorf("stored %q, want %q", got, before)
	}

	// A bad file in the folder: the error names it and its line, nothing is replaced.
	os.WriteFile(filepath.Join(rulesDir, "more.yaml"), []byte("groups:\n- name: g\n  rules:\n  - alert: X\n    expr: up\n    for: 5 minutes\n"), 0o644)
	os.WriteFile(filepath.Join(rulesDir, "good.yml"), []byte("groups: []\n"), 0o644)
	_, err = runRulesImport(dbPath, rulesDir)
	wantErr := rulesDir + `/more.yaml:6: alert X: for: want a Prometheus duration such as 5m, 1h30m or 2d, got "5 minutes" (nothing was imported)`
	if err == nil || err.Error() != wantErr {
		t.Errorf("error\n got %v\nwant %s", err, wantErr)
	}
	if got := storedRules(t, dbPath); strings.Join(got, "|") != strings.Join(before, "|") {
		t.Errorf("after a failed import stored %q, want the previous %q", got, before)
	}

	// Fixed: the re-import replaces the folder's rules, so the emptied file's are gone.
	os.WriteFile(filepath.Join(rulesDir, "more.yaml"), []byte("groups:\n- name: g\n  rules:\n  - alert: X\n    expr: up\n    for: 5m\n"), 0o644)
	if _, err := runRulesImport(dbPath, rulesDir+"/"); err != nil { // the same path, spelt another way
		t.Fatal(err)
	}
	if got := storedRules(t, dbPath); strings.Join(got, "|") != "X 300" {
		t.Errorf("after the re-import stored %q, want only X 300", got)
	}
}
