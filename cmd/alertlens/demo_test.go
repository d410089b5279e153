package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("alertlens %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), errOut.String()
}

func TestDemoPrintsTheSameTableTwice(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.duckdb")
	first, progress := runCLI(t, "--db", db, "demo", "--no-serve")
	if !strings.Contains(progress, "demo: 2026-10") {
		t.Errorf("no progress line for the last month on stderr:\n%s", progress)
	}
	var months []string
	for _, line := range strings.Split(first, "\n") {
		if f := strings.Fields(line); len(f) == 7 && strings.HasPrefix(f[0], "202") {
			months = append(months, f[0])
		}
	}
	if len(months) != 12 || months[0] != "2025-11" || months[11] != "2026-10" {
		t.Fatalf("want a row for each month 2025-11 to 2026-10, got %v in:\n%s", months, first)
	}
	second, _ := runCLI(t, "--db", db, "demo", "--no-serve")
	if first != second {
		t.Fatalf("the second run printed another table:\n%s\nthen:\n%s", first, second)
	}
	// A different seed replaces the history: no incident of the first run is left.
	third, progress := runCLI(t, "--db", db, "demo", "--no-serve", "--seed", "7")
	if third == first {
		t.Errorf("seed 7 printed the same table as the default seed")
	}
	stored := regexp.MustCompile(`stored (\d+) incidents`).FindStringSubmatch(progress)
	if stored == nil {
		t.Fatalf("no 'stored N incidents' line in:\n%s", progress)
	}
	count, _ := runCLI(t, "--db", db, "sql", "--format", "csv", "select count(*) as n from incidents")
	if got := strings.Fields(count); len(got) != 2 || got[1] != stored[1] {
		t.Errorf("incidents after a reseeded run: %q, want %s (only the new run's)", count, stored[1])
	}
}
