package sql_test

import (
	"context"
	stdsql "database/sql"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	sqlmodels "github.com/alertlens/alertlens/sql"
)

func TestMigrationsApplyOnceAndRefuseNewer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	db, err := sqlmodels.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var n, max int
	if err := db.QueryRow(`select count(*), max(version) from schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if max != sqlmodels.SchemaVersion() || n != max {
		t.Fatalf("applied %d migrations up to %d, want all %d", n, max, sqlmodels.SchemaVersion())
	}
	db.Close()

	// Opening again applies nothing twice.
	db, err = sqlmodels.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`select count(*) from schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != max {
		t.Errorf("reopening left %d migration rows, want %d", n, max)
	}
	// A newer binary's migration makes this one refuse the file.
	if _, err := db.Exec(`insert into schema_migrations values (?, '999_future.sql', now()::timestamp)`, max+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlmodels.Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "written by a newer alertlens") {
		t.Errorf("opening a newer file: err = %v", err)
	}
	if _, err := sqlmodels.OpenReadOnly(ctx, path); err == nil {
		t.Error("read-only open of a newer file succeeded")
	}
}

func TestModelsRunInDependencyOrder(t *testing.T) {
	models, err := sqlmodels.Models()
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, m := range models {
		pos[m.Name] = i
	}
	for _, m := range models {
		for _, d := range m.Deps {
			if pos[d] >= pos[m.Name] {
				t.Errorf("%s runs before its dependency %s", m.Name, d)
			}
		}
	}
	// incident_facts reads interruptions, which reads stg_notifications
	if !(pos["stg_notifications"] < pos["interruptions"] && pos["interruptions"] < pos["incident_facts"]) {
		t.Errorf("order: %v", pos)
	}
}

func TestOpenBusyFileSaysWhy(t *testing.T) {
	// A second handle in the same process shares DuckDB's instance cache, so the lock is
	// only visible from another process: run this test binary again as that process.
	if path := os.Getenv("ALERTLENS_TEST_HOLD"); path != "" {
		db, err := sqlmodels.Open(context.Background(), path)
		if err != nil {
			os.Exit(3)
		}
		defer db.Close()
		os.Stdout.WriteString("held\n")
		time.Sleep(20 * time.Second)
		return
	}
	path := filepath.Join(t.TempDir(), "busy.duckdb")
	holder := exec.Command(os.Args[0], "-test.run", "^TestOpenBusyFileSaysWhy$")
	holder.Env = append(os.Environ(), "ALERTLENS_TEST_HOLD="+path)
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	buf := make([]byte, 5)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("holder did not open the file: %q %v", buf, err)
	}
	_, err = sqlmodels.Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "in use by another alertlens") {
		t.Errorf("opening a file another process holds: err = %v", err)
	}
}

// Appends go into row groups of RowGroupSize rows, also when they come a page a commit
// as a sync's do, which keeps each checkpoint small (sql.RowGroupSize), and what was
// written is in the file when it closes.
func TestAppendsFillRowGroupsOfRowGroupSize(t *testing.T) {
	ctx := context.Background()
	const commits = 12
	const perCommit = (3*sqlmodels.RowGroupSize - 100) / commits
	path := filepath.Join(t.TempDir(), "rows.duckdb")
	db, err := sqlmodels.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for c := range commits {
		if _, err := db.ExecContext(ctx, `insert into raw_records
			select 'src', 'incident', ?::varchar || '-' || range::varchar, timestamp '2026-01-01', '{"id": 1}'
			from range(?)`, c, perCommit); err != nil {
			t.Fatal(err)
		}
	}
	var spill string
	if err := db.QueryRowContext(ctx, "select current_setting('temp_directory')").Scan(&spill); err != nil {
		t.Fatal(err)
	}
	if spill != path+".tmp" {
		t.Errorf("DuckDB spills to %q, want beside the file, %q", spill, path+".tmp")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".wal"); !os.IsNotExist(err) {
		t.Errorf("the write-ahead log is left beside the file after it closed (stat: %v)", err)
	}
	db, err = sqlmodels.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("opening the file again: %v", err)
	}
	defer db.Close()
	var groups, stored int
	if err := db.QueryRowContext(ctx, `select (select count(distinct row_group_id) from pragma_storage_info('raw_records')),
		(select count(*) from raw_records)`).Scan(&groups, &stored); err != nil {
		t.Fatal(err)
	}
	if want := (perCommit*commits + sqlmodels.RowGroupSize - 1) / sqlmodels.RowGroupSize; groups != want || stored != perCommit*commits {
		t.Errorf("appended %d rows in %d commits: stored %d in %d row groups, want them in %d", perCommit*commits, commits, stored, groups, want)
	}
}

// Two opens of one file in a process share its DuckDB: each sees what the other wrote,
// and closing one leaves the other open. Opening it for queries only meanwhile is
// refused (a second DuckDB of the file would not see the first one's writes).
func TestOpensOfOneFileShareItsDuckDB(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "twice.duckdb")
	a, err := sqlmodels.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlmodels.Open(ctx, filepath.Join(filepath.Dir(path), ".", "twice.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ExecContext(ctx, "create table written_by_b (i int)"); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlmodels.OpenReadOnly(ctx, path); err == nil || !strings.Contains(err.Error(), "open already in this process for writing") {
		t.Errorf("opening for queries a file open for writing: err = %v, want it refused", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.QueryRowContext(ctx, "select count(*) from duckdb_tables() where table_name = 'written_by_b'").Scan(&n); err != nil {
		t.Fatalf("the first handle after the second closed: %v", err)
	}
	if n != 1 {
		t.Errorf("the first handle sees %d tables written_by_b, want the one the second wrote", n)
	}
}

// A new file is written in StorageVersion's format; a file made in DuckDB's default
// format keeps it, so that the DuckDB that made it can still read it.
func TestNewFilesTakeTheStorageVersionOldFilesKeepTheirs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	formatOf := func(path string) string {
		t.Helper()
		db, err := sqlmodels.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var tag string
		if err := db.QueryRowContext(ctx, `select tags['storage_version'] from duckdb_databases() where database_name = current_database()`).Scan(&tag); err != nil {
			t.Fatal(err)
		}
		return tag
	}
	fresh := filepath.Join(dir, "fresh.duckdb")
	if got, want := formatOf(fresh), sqlmodels.StorageVersion+"+"; got != want {
		t.Errorf("a new file is in format %q, want %q", got, want)
	}
	if got, want := formatOf(fresh), sqlmodels.StorageVersion+"+"; got != want {
		t.Errorf("the new file opened again is in format %q, want %q", got, want)
	}

	old := filepath.Join(dir, "old.duckdb")
	plain, err := stdsql.Open("duckdb", old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.ExecContext(ctx, "create table kept (i int)"); err != nil {
		t.Fatal(err)
	}
	var made string
	if err := plain.QueryRowContext(ctx, `select tags['storage_version'] from duckdb_databases() where database_name = current_database()`).Scan(&made); err != nil {
		t.Fatal(err)
	}
	plain.Close()
	if made == sqlmodels.StorageVersion+"+" {
		t.Fatalf("DuckDB's default format is now %q: this test no longer tells the two apart", made)
	}
	if got := formatOf(old); got != made {
		t.Errorf("a file made in format %q is in %q after alertlens opened it", made, got)
	}
}
