package sql

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A --db that is not a DuckDB database used to open an in-memory database (an empty
// path) or turn a new history.csv into one: an import then said it stored what it
// kept nowhere, or a file to import was never read.
func TestOpenRefusesWhatIsNotADuckDBFile(t *testing.T) {
	dir := t.TempDir()
	history := filepath.Join(dir, "history.jsonl")
	os.WriteFile(history, []byte(`{"type":"incident","id":"i-1"}`+"\n"), 0o644)
	empty := filepath.Join(dir, "empty.duckdb")
	os.WriteFile(empty, nil, 0o644)
	for _, c := range []struct{ path, want string }{
		{history, "database " + history + " is not a DuckDB file (it does not start with DuckDB's header): want the database, such as alertlens.duckdb, not a file to import"},
		{filepath.Join(dir, "history.csv"), "database " + filepath.Join(dir, "history.csv") + " does not exist, and a new database's name must end in .duckdb, .db or .ddb: is it the file to import rather than the database?"},
		{filepath.Join(dir, "history.json"), "database " + filepath.Join(dir, "history.json") + " does not exist, and a new database's name must end in .duckdb, .db or .ddb: is it the file to import rather than the database?"},
		{filepath.Join(dir, "history.parquet"), "database " + filepath.Join(dir, "history.parquet") + " does not exist, and a new database's name must end in .duckdb, .db or .ddb: is it the file to import rather than the database?"},
		{"", "database path is empty: want a DuckDB file such as alertlens.duckdb (--db or ALERTLENS_DB)"},
		{dir, "database " + dir + " is a folder: want a DuckDB file such as " + filepath.Join(dir, "alertlens.duckdb")},
		{empty, "database " + empty + " is an empty file, not a DuckDB database: remove it, and alertlens creates the database there"},
	} {
		db, err := Open(context.Background(), c.path)
		if err == nil {
			db.Close()
			t.Errorf("%q: opened, want refused", c.path)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.path, err, c.want)
		}
		if _, err := OpenReadOnly(context.Background(), c.path); err == nil || err.Error() != c.want {
			t.Errorf("%q read-only:\n got %v\nwant %s", c.path, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "history.csv")); err == nil {
		t.Error("a refused path was created")
	}
	// A new file with a database extension is created, and opens again once it exists,
	// whatever its name (the header decides).
	for _, name := range []string{"a.duckdb", "b.db", "c.DDB"} {
		path := filepath.Join(dir, name)
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		db.Close()
		renamed := path + ".bak"
		if err := os.Rename(path, renamed); err != nil {
			t.Fatal(err)
		}
		db, err = OpenReadOnly(context.Background(), renamed)
		if err != nil {
			t.Errorf("%s renamed to %s: %v", name, filepath.Base(renamed), err)
			continue
		}
		var n int
		if err := db.QueryRow(`select count(*) from schema_migrations`).Scan(&n); err != nil || n == 0 {
			t.Errorf("%s: %d migrations recorded, %v", name, n, err)
		}
		db.Close()
	}
}
