package sql

import (
	"context"
	"path/filepath"
	"testing"
)

// DuckDB's memory is limited (1.5 GB unless ALERTLENS_MEMORY_LIMIT says otherwise), so
// that load makes it spill or queue instead of taking the machine.
func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct{ env, want string }{{"", "1.3 GiB"}, {"512MB", "488.2 MiB"}} {
		t.Setenv("ALERTLENS_MEMORY_LIMIT", c.env)
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "m.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.QueryRow("select current_setting('memory_limit')").Scan(&got)
		db.Close()
		if err != nil || got != c.want {
			t.Errorf("ALERTLENS_MEMORY_LIMIT=%q: memory_limit %q (%v), want %q", c.env, got, err, c.want)
		}
	}
}
