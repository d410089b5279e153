package file_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	"github.com/alertlens/alertlens/ingest/ingesttest"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// A record given twice keeps its last version and counts once, on a first import (rows
// inserted straight into the tables) and on a re-import (rows merged by key), in one
// chunk, in chunks of two lines, or in chunks of 150 bytes (each merged by key into the
// import's transaction).
func TestImportKeepsTheLastRecordOfAKey(t *testing.T) {
	testLastRecordWins(t, "", file.Options{})
	restore := file.SetChunkLines(2)
	testLastRecordWins(t, "2 lines", file.Options{})
	restore()
	restore = file.SetChunkBytes(150) // one or two lines
	testLastRecordWins(t, "150 bytes", file.Options{})
	// Alone, the import lowers DuckDB's limit between its steps (and sets it back), and
	// the keys given twice are looked for in passes of a range of hashes each.
	prev := ingest.KeysPerPass
	ingest.KeysPerPass = 1
	testLastRecordWins(t, "150 bytes, alone, a key a pass", file.Options{MemoryLimit: sqlmodels.MemoryLimit(sqlmodels.DefaultMemoryLimit)})
	ingest.KeysPerPass = prev
	restore()
}

func testLastRecordWins(t *testing.T, chunk string, opts file.Options) {
	lines := strings.Join([]string{
		`{"type":"incident","id":"i1","service":"web","title":"first","created_at":"2026-03-01T00:00:00Z"}`,
		`{"type":"notification","incident":"i1","responder":"u1","channel":"phone","at":"2026-03-01T00:01:00Z"}`,
		`{"type":"incident","id":"i2","service":"web","title":"other","created_at":"2026-03-01T01:00:00Z"}`,
		`{"type":"notification","incident":"i1","responder":"u1","channel":"phone","at":"2026-03-01T00:01:00Z"}`,
		`{"type":"incident","id":"i1","service":"web","title":"last","created_at":"2026-03-01T00:00:00Z"}`,
	}, "\n")
	db := ingesttest.OpenDB(t)
	ctx := context.Background()
	for run, want := range []struct{ stored, fresh int64 }{{2, 2}, {2, 0}} {
		w, err := ingest.NewWriter(ctx, db, "file")
		if err != nil {
			t.Fatal(err)
		}
		limit := memoryLimit(t, db)
		res, err := file.ImportJSONL(ctx, w, "c.jsonl", strings.NewReader(lines), opts)
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		if after := memoryLimit(t, db); after != limit {
			t.Errorf("chunks of %q, run %d: DuckDB's memory limit %s after the import, %s before", chunk, run, after, limit)
		}
		// in chunks, i1 given again in a later chunk counts as stored once more
		if chunk == "" && (res.Counts.Stored["incidents"] != want.stored || res.Counts.New["incidents"] != want.fresh) {
			t.Errorf("run %d: incidents stored %d, new %d; want %d and %d", run, res.Counts.Stored["incidents"], res.Counts.New["incidents"], want.stored, want.fresh)
		}
		if res.Counts.New["incidents"] != want.fresh {
			t.Errorf("chunks of %q, run %d: %d new incidents, want %d", chunk, run, res.Counts.New["incidents"], want.fresh)
		}
		var incidents, notifications int
		var title string
		db.QueryRow("select count(*) from incidents").Scan(&incidents)
		db.QueryRow("select count(*) from notifications").Scan(&notifications)
		db.QueryRow("select title from incidents where incident_id = 'i1'").Scan(&title)
		if incidents != 2 || notifications != 1 || title != "last" {
			t.Errorf("chunks of %q, run %d: %d incidents, %d notifications, i1 titled %q; want 2, 1, last", chunk, run, incidents, notifications, title)
		}
	}
}

func memoryLimit(t *testing.T, db *sql.DB) string {
	t.Helper()
	var limit string
	if err := db.QueryRow("select current_setting('memory_limit')").Scan(&limit); err != nil {
		t.Fatal(err)
	}
	return limit
}

// A bad line leaves nothing of the file stored, even after other types' records went
// into the transaction, and the same writer then imports the good part whole.
func TestBadLineStoresNothing(t *testing.T) {
	good := []string{
		`{"type":"responder","id":"u1","name":"Ann","time_zone":"Europe/Dublin"}`,
		`{"type":"incident","id":"i1","service":"web","title":"one","created_at":"2026-03-01T00:00:00Z","labels":{"team":"web"}}`,
		`{"type":"notification","incident":"i1","responder":"u1","channel":"phone","at":"2026-03-01T00:01:00Z"}`,
		`{"type":"incident","id":"i2","service":"web","title":"two","created_at":"2026-03-01T01:00:00Z"}`,
		`{"type":"review","incident":"i1","tag":"no_action"}`,
	}
	db := ingesttest.OpenDB(t)
	ctx := context.Background()
	w, err := ingest.NewWriter(ctx, db, "file")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// the review's table is filled after the incidents': its bad line is found late
	bad := strings.Join(append(append([]string{}, good...), `{"type":"review","incident":"i2","tag":"meh"}`), "\n")
	// alone, as the command imports: the bad line is found after the import lowered
	// DuckDB's limit for its first chunks, which it sets back all the same
	limit := memoryLimit(t, db)
	_, err = file.ImportJSONL(ctx, w, "b.jsonl", strings.NewReader(bad), file.Options{MemoryLimit: sqlmodels.MemoryLimit(sqlmodels.DefaultMemoryLimit)})
	var le *file.LineError
	if !errors.As(err, &le) || le.Line != 6 || le.Field != "tag" {
		t.Fatalf("want line 6's tag refused, got %v", err)
	}
	if after := memoryLimit(t, db); after != limit {
		t.Errorf("DuckDB's memory limit %s after a refused import, %s before", after, limit)
	}
	total := func() (n int) {
		for _, table := range []string{"raw_records", "responders", "incidents", "notifications", "reviews"} {
			var c int
			db.QueryRow("select count(*) from " + table).Scan(&c)
			n += c
		}
		return n
	}
	if n := total(); n != 0 {
		t.Fatalf("a refused file left %d rows", n)
	}
	res, err := file.ImportJSONL(ctx, w, "g.jsonl", strings.NewReader(strings.Join(good, "\n")), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var labels string
	if err := db.QueryRow("select labels->>'team' from incidents where incident_id = 'i1'").Scan(&labels); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != 6 || res.Counts.New["incidents"] != 2 || labels != "web" {
		t.Errorf("after the good part: %d rows (want the file's raw record + 5), %d new incidents, i1's team label %q", n, res.Counts.New["incidents"], labels)
	}
}

// TestImportProgress: the steps after reading are told in order, each chunk by number.
func TestImportProgress(t *testing.T) {
	defer file.SetChunkLines(2)()
	lines := strings.Join([]string{
		`{"type":"incident","id":"i1","service":"web","title":"a","created_at":"2026-03-01T00:00:00Z"}`,
		`{"type":"incident","id":"i2","service":"web","title":"b","created_at":"2026-03-01T01:00:00Z"}`,
		`{"type":"incident","id":"i3","service":"web","title":"c","created_at":"2026-03-01T02:00:00Z"}`,
		`{"type":"notification","incident":"i1","responder":"u1","channel":"phone","at":"2026-03-01T00:01:00Z"}`,
	}, "\n")
	db := ingesttest.OpenDB(t)
	ctx := context.Background()
	w, err := ingest.NewWriter(ctx, db, "file")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var told []string
	if _, err := file.ImportJSONL(ctx, w, "p.jsonl", strings.NewReader(lines),
		file.Options{Progress: func(step string) { told = append(told, step) }}); err != nil {
		t.Fatal(err)
	}
	want := []string{"checking and storing incidents, chunk 1 of 2", "checking and storing incidents, chunk 2 of 2",
		"checking and storing notifications", "committing"}
	if !slices.Equal(told, want) {
		t.Fatalf("progress told %q, want %q", told, want)
	}
}
