package file

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// A file merged in several chunks lands as if merged at once: a record given twice, in
// different chunks, keeps its last version and counts once, on a first import (rows
// appended, duplicates dropped at commit) and on a re-import (rows merged by key).
func TestChunkedImportKeepsTheLastRecord(t *testing.T) {
	prev := flushEvery
	flushEvery = 2
	t.Cleanup(func() { flushEvery = prev })
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
		res, err := ImportJSONL(ctx, w, "c.jsonl", strings.NewReader(lines), Options{})
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		if run == 0 && (res.Counts.Stored["incidents"] != want.stored || res.Counts.New["incidents"] != want.fresh) {
			t.Errorf("first import: incidents stored %d, new %d; want %d and %d", res.Counts.Stored["incidents"], res.Counts.New["incidents"], want.stored, want.fresh)
		}
		if run == 1 && res.Counts.New["incidents"] != 0 {
			t.Errorf("re-import: %d new incidents, want 0", res.Counts.New["incidents"])
		}
		var incidents, notifications, raw int
		var title string
		db.QueryRow("select count(*) from incidents").Scan(&incidents)
		db.QueryRow("select count(*) from notifications").Scan(&notifications)
		db.QueryRow("select count(*) from raw_records").Scan(&raw)
		db.QueryRow("select title from incidents where incident_id = 'i1'").Scan(&title)
		if incidents != 2 || notifications != 1 || raw != 3 || title != "last" {
			t.Errorf("run %d: %d incidents, %d notifications, %d raw records, i1 titled %q; want 2, 1, 3, last", run, incidents, notifications, raw, title)
		}
	}
}

// A first import appends its rows straight into the tables, inside the import's
// transaction: a bad line after several chunks have been written leaves nothing of the
// file stored, and the same writer then imports the good part whole.
func TestBadLineAfterWrittenChunksStoresNothing(t *testing.T) {
	prev := flushEvery
	flushEvery = 2
	t.Cleanup(func() { flushEvery = prev })
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
	bad := strings.Join(append(append([]string{}, good...), `{"type":"incident","id":"i3","service":"web","created_at":"soon"}`), "\n")
	_, err = ImportJSONL(ctx, w, "b.jsonl", strings.NewReader(bad), Options{})
	var le *LineError
	if !errors.As(err, &le) || le.Line != 6 || le.Field != "created_at" {
		t.Fatalf("want line 6's created_at refused, got %v", err)
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
	res, err := ImportJSONL(ctx, w, "g.jsonl", strings.NewReader(strings.Join(good, "\n")), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var labels string
	if err := db.QueryRow("select labels->>'team' from incidents where incident_id = 'i1'").Scan(&labels); err != nil {
		t.Fatal(err)
	}
	if n := total(); n != 10 || res.Counts.New["incidents"] != 2 || labels != "web" {
		t.Errorf("after the good part: %d rows (want 5 raw + 5), %d new incidents, i1's team label %q", n, res.Counts.New["incidents"], labels)
	}
}
