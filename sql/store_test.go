package sql_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
