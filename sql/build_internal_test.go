package sql

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]float64{"1.3 GiB": 1.3 * (1 << 30), "244.1 MiB": 244.1 * (1 << 20), "512 bytes": 512, "2 GB": 2e9} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.3", "lots GiB", "3 parsecs"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q): no error", bad)
		}
	}
}

// Once temp tables spill to disk, the rest of a build outside its transaction runs on
// one thread (outgrown), and says so; before, it keeps DuckDB's threads.
func TestOutgrownGoesToOneThread(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "o.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var threads int
	if err := conn.QueryRowContext(ctx, "select current_setting('threads')").Scan(&threads); err != nil {
		t.Fatal(err)
	}
	b := &builder{ctx: ctx, q: conn, temp: true}
	if _, err := conn.ExecContext(ctx, "set memory_limit = '64MB'; create temp table small as select range as i from range(1000)"); err != nil {
		t.Fatal(err)
	}
	if out, err := b.outgrown(); err != nil || out || len(b.runs) != 0 {
		t.Fatalf("a temp table in memory: outgrown %v, %v, runs %v", out, err, b.runs)
	}
	// about 220 MB uncompressed, in a 64 MB limit
	if _, err := conn.ExecContext(ctx, "create temp table big as select range as i, repeat('x', 100) || range as s from range(2000000)"); err != nil {
		t.Fatal(err)
	}
	out, err := b.outgrown()
	if err != nil || !out {
		t.Fatalf("temp tables past the memory limit: outgrown %v, %v", out, err)
	}
	var now int
	if err := conn.QueryRowContext(ctx, "select current_setting('threads')").Scan(&now); err != nil {
		t.Fatal(err)
	}
	if now != 1 || len(b.runs) != 1 || !strings.Contains(b.runs[0].Model.Name, "one thread") {
		t.Errorf("after outgrowing: %d threads (of %d), runs %v; want 1 and the step", now, threads, b.runs)
	}
	conn.ExecContext(ctx, "reset threads")
}

func TestWithCTEsGoesFirstAmongTheQuerysOwn(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{"-- grain: one row\nselect 1 from r", "-- grain: one row\nwith r as (x)\nselect 1 from r"},
		{"-- a\n-- b\nwith a as (select 1)\nselect * from a, r", "-- a\n-- b\nwith r as (x),\na as (select 1)\nselect * from a, r"},
		{"WITH RECURSIVE w as (select 1)\nselect * from w, r", "WITH RECURSIVE r as (x),\nw as (select 1)\nselect * from w, r"},
		// a table whose name starts with "with" is not the keyword
		{"select * from with_r", "with r as (x)\nselect * from with_r"},
	} {
		if got := withCTEs(c.query, "r as (x)"); got != c.want {
			t.Errorf("withCTEs(%q) =\n%s\nwant\n%s", c.query, got, c.want)
		}
	}
}

// incident_rules is inline: incident_owners computes it, and a build runs it alone
// only to store it (--keep-intermediate).
func TestAnInlineModelIsComputedByItsReader(t *testing.T) {
	all, err := Models()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Model{}
	for _, m := range all {
		byName[m.Name] = m
	}
	rules, owners := byName["incident_rules"], byName["incident_owners"]
	if rules.Materialized != "inline" {
		t.Fatalf("incident_rules is %s, want inline", rules.Materialized)
	}
	if strings.Join(owners.Inlined, ",") != "incident_rules" || strings.Count(owners.Query, "incident_rules as (") != 1 {
		t.Errorf("incident_owners inlines %v; query:\n%s", owners.Inlined, owners.Query)
	}
	deps := strings.Join(owners.Deps, ",")
	if strings.Contains(deps, "incident_rules") || !strings.Contains(deps, "stg_incidents") {
		t.Errorf("incident_owners reads %s: want incident_rules' models in its place", deps)
	}
	if f := owners.files(); f != "models/incident_owners.sql, with models/incident_rules.sql inline" {
		t.Errorf("files() = %q", f)
	}
	for _, keep := range []bool{false, true} {
		kind := ""
		for _, m := range Runnable(all, keep) {
			if m.Name == "incident_rules" {
				kind = m.Materialized
			}
		}
		if want := map[bool]string{false: "", true: "temp"}[keep]; kind != want {
			t.Errorf("Runnable(keep %v): incident_rules %q, want %q", keep, kind, want)
		}
	}
}

// A year of the calendar tables counts as a change only when both builds cover it: a
// history that grows into a new year (or back into an earlier one) keeps its build
// incremental, and a covered year whose periods or holidays changed does not.
func TestOnlyTheYearsBothBuildsCoverAreCompared(t *testing.T) {
	last := map[string]string{"config": "c", "config year 2024": "a", "config year 2025": "b", "config year 2026": "x"}
	for _, c := range []struct {
		name string
		now  map[string]string
		want string
	}{
		{"the same years", map[string]string{"config": "c", "config year 2024": "a", "config year 2025": "b", "config year 2026": "x"}, ""},
		{"a year more at each end", map[string]string{"config": "c", "config year 2023": "z", "config year 2024": "a", "config year 2025": "b",
			"config year 2026": "x", "config year 2027": "y"}, ""},
		{"a year fewer", map[string]string{"config": "c", "config year 2025": "b", "config year 2026": "x"}, ""},
		{"a covered year changed", map[string]string{"config": "c", "config year 2024": "a", "config year 2025": "B", "config year 2026": "x",
			"config year 2027": "y"}, "config year 2025 changed"},
		{"the rest of the config changed", map[string]string{"config": "C", "config year 2024": "a", "config year 2025": "b"}, "config changed"},
	} {
		st := &state{stored: last, now: c.now}
		if got := st.fullReason(); got != c.want {
			t.Errorf("%s: fullReason() = %q, want %q", c.name, got, c.want)
		}
	}
}
