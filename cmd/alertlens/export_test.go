package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The golden history of analytics/testdata, imported and built through the CLI, then
// exported: the numbers are the ones worked out by hand in analytics/golden_test.go.
func TestImportBuildExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "e.duckdb")
	out, _ := runCLI(t, "--db", db, "import", "../../analytics/testdata/golden.jsonl")
	if !strings.Contains(out, "golden.jsonl: 34 records") || !strings.Contains(out, "16 new incidents, 0 updated") {
		t.Errorf("import said: %s", out)
	}
	out, _ = runCLI(t, "--db", db, "--config", "../../analytics/testdata/golden.yaml", "build")
	if !strings.Contains(out, "over 16 incidents (9 pages)") {
		t.Errorf("build said: %s", out)
	}

	goal := filepath.Join(dir, "goal.csv")
	runCLI(t, "--db", db, "export", "csv", "--what", "monthly-goal", "--from", "2026-03", "--to", "2026-03",
		"--rotation", "web-oncall", "--out", goal)
	b, err := os.ReadFile(goal)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\r\n")
	// trailing averages: org (1 + 1 + 5) / 3 over January to March; web-oncall (0 + 1 + 5) / 3,
	// since January's after-hours page was the Data team's inferred one
	want := []string{
		"month,scope_type,scope,pages,after_hours_pages,sleep_hours_pages,goal,met,trailing_3m_avg,people_paged,people_paged_after_hours,people_woken,metrics_version,reporting_time_zone",
		"2026-03,org,Acme,5,5,2,10,true,2.3333333333333335,2,2,2,1,America/New_York",
		"2026-03,rotation,web-oncall,5,5,2,2,false,2,2,2,2,1,America/New_York",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("monthly-goal export:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	// a rebuild without --config keeps the config of the last build (the reporting zone)
	runCLI(t, "--db", db, "build")
	out, _ = runCLI(t, "--db", db, "sql", "--format", "json", "select reporting_time_zone from cfg_settings")
	if !strings.Contains(out, `"reporting_time_zone": "America/New_York"`) {
		t.Errorf("after a rebuild without --config: %s", out)
	}

	// the intermediate models live only in the build, unless --keep-intermediate stores them
	stored := func(table string) string {
		out, _ := runCLI(t, "--db", db, "sql", "--format", "csv",
			"select count(*) from duckdb_tables() where schema_name = 'main' and table_name = '"+table+"'")
		return strings.TrimSpace(out)
	}
	if got := stored("local_times"); !strings.HasSuffix(got, "\n0") {
		t.Errorf("local_times is stored after a build: %q", got)
	}
	out, _ = runCLI(t, "--db", db, "build", "--keep-intermediate", "-v")
	if !regexp.MustCompile(`(?m)^  config +title_templates +[0-9]+ ms$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  models +local_times +25 rows +[0-9]+ ms$`).MatchString(out) {
		t.Errorf("build --keep-intermediate -v said:\n%s", out)
	}
	// 25 moments: 9 interruptions and the 16 incidents' creations
	if out, _ := runCLI(t, "--db", db, "sql", "--format", "csv",
		"select count(*) filter (where responder_id <> ''), count(*) from local_times"); !strings.HasSuffix(strings.TrimSpace(out), "\n9,25") {
		t.Errorf("kept local_times: %q", out)
	}
	runCLI(t, "--db", db, "build")
	if got := stored("local_times"); !strings.HasSuffix(got, "\n0") {
		t.Errorf("a build without --keep-intermediate left the kept local_times: %q", got)
	}

	cmd := newRootCmd()
	cmd.SetArgs([]string{"--db", db, "export", "csv", "--what", "rules", "--from", "2026-13"})
	cmd.SetOut(new(strings.Builder))
	cmd.SetErr(new(strings.Builder))
	if err := cmd.Execute(); err == nil || err.Error() != `--from: want a month as YYYY-MM, got "2026-13"` {
		t.Errorf("bad --from: %v", err)
	}
}

// Every table and model goes to Parquet, split by month where it has a time, and
// reads back with DuckDB to the rows the database holds.
func TestExportParquet(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.duckdb")
	runCLI(t, "--db", db, "import", "../../analytics/testdata/golden.jsonl")
	runCLI(t, "--db", db, "--config", "../../analytics/testdata/golden.yaml", "build")
	out, _ := runCLI(t, "--db", db, "export", "parquet", filepath.Join(dir, "pq"))
	for _, want := range []string{"incidents: 16 rows, by month of created_at\n", "raw_records: 1 rows, by month of fetched_at\n", // the imported file
		"sync_state: 0 rows\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("export said:\n%s\nwant a line %q", out, want)
		}
	}
	mem, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	var n, months int
	err = mem.QueryRow(`select count(*), count(distinct partition_month) from read_parquet(?, hive_partitioning = true)`,
		filepath.Join(dir, "pq", "incidents", "*", "*.parquet")).Scan(&n, &months)
	if err != nil || n != 16 {
		t.Fatalf("incidents read back: %d rows (%v), want 16", n, err)
	}
	var fromDB int
	ro, _ := runCLI(t, "--db", db, "sql", "--format", "csv", "select count(distinct strftime(created_at, '%Y-%m')) from incidents")
	fmt.Sscan(strings.Split(strings.TrimSpace(ro), "\n")[1], &fromDB)
	if months != fromDB || months < 2 {
		t.Errorf("incidents in %d month folders, the database has %d months", months, fromDB)
	}
	if _, err := os.Stat(filepath.Join(dir, "pq", "monthly_goal")); err != nil {
		t.Errorf("no monthly_goal folder: %v", err)
	}
}
