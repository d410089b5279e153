// Package ingesttest holds what tests across alertlens share: a real, migrated DuckDB
// file. The real payload samples each package's tests read sit in that package's own
// testdata/, with their provenance, so that no test needs anything beside the clone.
package ingesttest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	sqlmodels "github.com/alertlens/alertlens/sql"
)

// OpenDB opens a new, migrated DuckDB file in the test's temporary folder and closes it
// when the test ends.
func OpenDB(tb testing.TB) *sql.DB {
	tb.Helper()
	db, err := sqlmodels.Open(context.Background(), filepath.Join(tb.TempDir(), "alertlens.duckdb"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// RepoRoot is the folder holding go.mod, above the test's working directory.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// Rows runs a query and returns its rows, each as the driver's values, failing the test
// on an error.
func Rows(tb testing.TB, db *sql.DB, query string, args ...any) [][]any {
	tb.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return out
}
