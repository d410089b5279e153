// Package ingesttest holds what tests across alertlens share: a real, migrated DuckDB
// file, and the real payload samples in shared/formats beside the repository.
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

// Formats is shared/formats/<sub>, the real samples of one source, which sits beside the
// repository (in CI too); the test is skipped when it is not there.
func Formats(tb testing.TB, sub string) string {
	tb.Helper()
	dir := filepath.Join(RepoRoot(tb), "..", "shared", "formats", sub)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("real samples not found at %s (shared/ sits beside the repository): %v", dir, err)
	}
	return dir
}
