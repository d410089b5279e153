package sql

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// DuckDB's memory is limited (1.5 GB unless ALERTLENS_MEMORY_LIMIT says otherwise), so
// that load makes it spill or queue instead of taking the machine; an import alone in
// its process is limited to 512 MB and a sync to 128 MB, and a limit the user sets
// wins there too.
func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		env, want string
		open      func(context.Context, string) (*sql.DB, error)
		name      string
	}{
		{"", "1.3 GiB", Open, "Open"},
		{"512MB", "488.2 MiB", Open, "Open"},
		{"", "488.2 MiB", OpenForImport, "OpenForImport"},
		{"2GB", "1.8 GiB", OpenForImport, "OpenForImport"},
		{"", "122.0 MiB", OpenForSync, "OpenForSync"},
		{"1GB", "953.6 MiB", OpenForSync, "OpenForSync"},
	} {
		t.Setenv("ALERTLENS_MEMORY_LIMIT", c.env)
		db, err := c.open(context.Background(), filepath.Join(t.TempDir(), "m.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.QueryRow("select current_setting('memory_limit')").Scan(&got)
		db.Close()
		if err != nil || got != c.want {
			t.Errorf("%s with ALERTLENS_MEMORY_LIMIT=%q: memory_limit %q (%v), want %q", c.name, c.env, got, err, c.want)
		}
	}
}
