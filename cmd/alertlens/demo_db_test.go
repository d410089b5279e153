package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo keeps its own file, so that the next command of the README ("Bring your own
// history") does not import into the demo company.
func TestDemoKeepsItsOwnDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("ALERTLENS_DB", "")
	runCLI(t, "demo", "--no-serve")
	if _, err := os.Stat(filepath.Join(dir, DemoDB)); err != nil {
		t.Fatalf("the demo wrote no %s: %v", DemoDB, err)
	}
	if _, err := os.Stat(filepath.Join(dir, DefaultDB)); err == nil {
		t.Fatalf("the demo wrote %s, where the user's own history goes", DefaultDB)
	}
	// The user's own history goes to the default file and stays out of the demo's.
	history := filepath.Join(dir, "history.jsonl")
	line := `{"type":"incident","id":"mine-1","service":"billing","title":"Disk full","urgency":"high","created_at":"2026-10-01T03:00:00Z"}`
	if err := os.WriteFile(history, []byte(line+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runCLI(t, "import", history)
	mine, _ := runCLI(t, "sql", "--format", "csv", "select count(*) as n, count(*) filter (where source = 'demo') as demo from incidents")
	if got := strings.ReplaceAll(strings.TrimSpace(mine), "\r\n", "\n"); got != "n,demo\n1,0" {
		t.Errorf("the default database holds %q, want the one imported incident and no demo ones", got)
	}
	demoRows, _ := runCLI(t, "--db", DemoDB, "sql", "--format", "csv", "select count(*) filter (where source <> 'demo') as others from incidents")
	if got := strings.ReplaceAll(strings.TrimSpace(demoRows), "\r\n", "\n"); got != "others\n0" {
		t.Errorf("the demo's database holds %q, want no incidents of other sources", got)
	}
	// With ALERTLENS_DB set, the demo goes where the user said.
	t.Setenv("ALERTLENS_DB", filepath.Join(dir, "chosen.duckdb"))
	runCLI(t, "demo", "--no-serve")
	if _, err := os.Stat(filepath.Join(dir, "chosen.duckdb")); err != nil {
		t.Errorf("ALERTLENS_DB was not used by the demo: %v", err)
	}
}
