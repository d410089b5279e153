package ingest_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

func incident(id string, title string) ingest.Incident {
	return ingest.Incident{ID: id, ServiceID: "svc", Title: title, Urgency: "high",
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// newWriter opens a new store and a writer of source "src" on it.
func newWriter(tb testing.TB) (*sql.DB, *ingest.Writer) {
	tb.Helper()
	db := ingesttest.OpenDB(tb)
	w, err := ingest.NewWriter(context.Background(), db, "src")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	return db, w
}

func TestCommitMergesByKeyAndCountsNewRecords(t *testing.T) {
	ctx := context.Background()
	db, w := newWriter(t)
	w.Incident(incident("a", "first"))
	w.Incident(incident("b", "b"))
	w.Incident(incident("a", "second")) // the last staged record of a key wins
	c, err := w.Commit(ctx, ingest.Cursor{Stream: "incidents", Value: "page-1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Stored["incidents"] != 2 || c.New["incidents"] != 2 {
		t.Errorf("first commit: %+v", c)
	}
	w.Incident(incident("b", "b again"))
	w.Incident(incident("c", "c"))
	c, err = w.Commit(ctx, ingest.Cursor{Stream: "incidents", Value: "page-2"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Stored["incidents"] != 2 || c.New["incidents"] != 1 {
		t.Errorf("second commit: %+v, want 2 stored, 1 new", c)
	}
	rows, err := db.Query(`select incident_id, title from incidents order by 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, title string
		rows.Scan(&id, &title)
		got = append(got, id+"="+title)
	}
	if fmt.Sprint(got) != "[a=second b=b again c=c]" {
		t.Errorf("incidents = %v", got)
	}
	cur, err := ingest.LoadCursor(ctx, db, "src", "incidents")
	if err != nil || cur != "page-2" {
		t.Errorf("cursor = %q, %v; want page-2", cur, err)
	}
	// Discard drops what is staged; nothing of it reaches the store.
	w.Incident(incident("d", "d"))
	if err := w.Discard(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow(`select count(*) from incidents`).Scan(&n)
	if n != 3 {
		t.Errorf("after a discard: %d incidents, want 3", n)
	}
}

// A key of several columns matches only as a whole (a raw record is its kind and id),
// and only among the rows of the writer's own source.
func TestCommitMatchesWholeKeysOfItsOwnSource(t *testing.T) {
	ctx := context.Background()
	db, w := newWriter(t)
	other, err := ingest.NewWriter(ctx, db, "other")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	w.Raw(ingest.Raw{Kind: "incident", ID: "a", Payload: []byte(`{"v":1}`)})
	w.Raw(ingest.Raw{Kind: "log_entry", ID: "a", Payload: []byte(`{"v":1}`)})
	other.Raw(ingest.Raw{Kind: "incident", ID: "a", Payload: []byte(`{"v":1}`)})
	for _, wr := range []*ingest.Writer{w, other} {
		if _, err := wr.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w.Raw(ingest.Raw{Kind: "incident", ID: "a", Payload: []byte(`{"v":2}`)})
	w.Raw(ingest.Raw{Kind: "incident", ID: "b", Payload: []byte(`{"v":2}`)})
	c, err := w.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stored["raw_records"] != 2 || c.New["raw_records"] != 1 {
		t.Errorf("second commit: %+v, want 2 stored, 1 new", c)
	}
	rows, err := db.Query(`select source, kind, record_id, payload from raw_records order by all`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var source, kind, id, payload string
		rows.Scan(&source, &kind, &id, &payload)
		got = append(got, source+"/"+kind+"/"+id+"="+payload)
	}
	want := `[other/incident/a={"v":1} src/incident/a={"v":2} src/incident/b={"v":2} src/log_entry/a={"v":1}]`
	if fmt.Sprint(got) != want {
		t.Errorf("raw records = %v\nwant %s", got, want)
	}
}

// BenchmarkCommitPage measures committing one page of 100 incidents (with their raw
// records) into a store that already holds 200,000: the cost of a page in a long backfill.
func BenchmarkCommitPage(b *testing.B) {
	ctx := context.Background()
	_, w := newWriter(b)
	for i := 0; i < 200000; i++ {
		id := fmt.Sprintf("old-%d", i)
		w.Incident(incident(id, "old"))
		w.Raw(ingest.Raw{Kind: "incident", ID: id, Payload: []byte(`{"id":"x"}`)})
	}
	if _, err := w.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 100; j++ {
			id := fmt.Sprintf("new-%d-%d", i, j)
			w.Incident(incident(id, "new"))
			w.Raw(ingest.Raw{Kind: "incident", ID: id, Payload: []byte(`{"id":"x"}`)})
		}
		if _, err := w.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// Labels and raw payloads are stored as the source sent them, byte for byte, whether a
// first import appends them straight into the table (Begin) or a later commit merges
// them, and the JSON functions read them.
func TestLabelsAndPayloadsAreKeptAsSent(t *testing.T) {
	ctx := context.Background()
	db := ingesttest.OpenDB(t)
	labels := `{ "team" : "Pay\u00e9ments",  "n": 12345678901234567890123, "nested": {"k": [1, 2.50, "a\"b"]} }`
	for _, begin := range []bool{true, false} {
		w, err := ingest.NewWriter(ctx, db, fmt.Sprintf("src-%v", begin))
		if err != nil {
			t.Fatal(err)
		}
		if begin {
			if err := w.Begin(ctx); err != nil {
				t.Fatal(err)
			}
		}
		i := incident("a", "x")
		i.Labels = []byte(labels)
		w.Incident(i)
		w.Raw(ingest.Raw{Kind: "incident", ID: "a", Payload: []byte(labels)})
		if _, err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		w.Close()
		var gotLabels, gotPayload, team string
		if err := db.QueryRow(`select i.labels, r.payload, i.labels->>'team' from incidents i join raw_records r using (source)
			where i.source = ?`, fmt.Sprintf("src-%v", begin)).Scan(&gotLabels, &gotPayload, &team); err != nil {
			t.Fatal(err)
		}
		if gotLabels != labels || gotPayload != labels || team != "Payéments" {
			t.Errorf("begin %v: labels %q, payload %q, team %q; want %q twice and Payéments", begin, gotLabels, gotPayload, team, labels)
		}
	}
}

// TestStagedRowsAreFreedAfterEachCommit holds the writer's staging tables to one
// commit's rows: DuckDB keeps a temporary table's deleted rows until it is
// checkpointed, and before the writer did so a sync's memory grew with every page it
// had staged (the raw payloads of a whole backfill).
func TestStagedRowsAreFreedAfterEachCommit(t *testing.T) {
	ctx := context.Background()
	db, w := newWriter(t)
	payload := []byte(`{"text":"` + strings.Repeat("x", 4000) + `"}`)
	segments := func() (n int) {
		rows, err := w.Query(ctx, "select count(*) from pragma_storage_info('temp.main.stage_raw_records')")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			rows.Scan(&n)
		}
		return n
	}
	var after []int
	for page := range 12 {
		for i := range 200 {
			if err := w.Raw(ingest.Raw{Kind: "incident", ID: fmt.Sprintf("p%d-%d", page, i), Payload: payload}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		after = append(after, segments())
	}
	if after[len(after)-1] > after[0] {
		t.Errorf("the staging table's segments after each commit: %v; want no more than after the first", after)
	}
	var n int
	if err := db.QueryRow("select count(*) from raw_records where source = 'src'").Scan(&n); err != nil || n != 12*200 {
		t.Errorf("stored %d raw records (%v), want %d", n, err, 12*200)
	}
}
