package file_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

type importFunc func(context.Context, *ingest.Writer, string, io.Reader, file.Options) (file.Result, error)

// fuzzImport checks an import function on one input, against one store that every
// input of the run imports into (a migrated DuckDB per input would be too slow):
// a refused input names its line and stores nothing of itself, and an accepted
// one, imported again, changes no row count.
func fuzzImport(t *testing.T, db *sql.DB, w *ingest.Writer, imp importFunc, name string, data []byte) {
	ctx := context.Background()
	before := counts(t, db)
	_, err := imp(ctx, w, name, strings.NewReader(string(data)), file.Options{})
	after := counts(t, db)
	if err != nil {
		var le *file.LineError
		if !errors.As(err, &le) || le.File != name || le.Line < 1 || le.Msg == "" {
			t.Fatalf("error %q (%T) does not name the line to fix", err, err)
		}
		if !maps.Equal(before, after) {
			t.Fatalf("a refused import stored rows: %v, then %v", before, after)
		}
		return
	}
	if _, err := imp(ctx, w, name, strings.NewReader(string(data)), file.Options{}); err != nil {
		t.Fatalf("accepted once, refused the second time: %v", err)
	}
	if again := counts(t, db); !maps.Equal(after, again) {
		t.Fatalf("a second import of the same input changed the rows: %v, then %v", after, again)
	}
}

func fuzzWriter(f *testing.F) (*sql.DB, *ingest.Writer) {
	db := ingesttest.OpenDB(f)
	w, err := ingest.NewWriter(context.Background(), db, "file")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { w.Close() })
	return db, w
}

// FuzzImportJSONL feeds arbitrary JSON Lines to the import reader. Seeds: the history
// the other tests import, each bad line TestLineErrors names, and the golden history.
func FuzzImportJSONL(f *testing.F) {
	f.Add([]byte(history))
	for _, line := range []string{
		`{"type":"incident","id":"x","service":"s","created_at":"yesterday"}`,
		`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00Z","runbook":"u"}`,
		`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00Z","escalations":"two","labels":{"team":"web"}}`,
		`{"type":"incident","id":"x","service":"s","created_at":"2026-01-02T00:00:00Z","resolved_at":"2026-01-01T00:00:00Z"}`,
		`{"type":"responder","id":"u","time_zone":"Mars/Olympus"}`,
		`{"type":"review","incident":"i","tag":"meh","reviewed_at":"2026-01-01T00:00:00+01:00"}`,
		`{"type":"pager"}`, `not json`,
	} {
		f.Add([]byte(line))
	}
	golden, err := os.ReadFile(filepath.Join("..", "..", "analytics", "testdata", "golden.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	db, w := fuzzWriter(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, db, w, file.ImportJSONL, "f.jsonl", data)
	})
}

// FuzzImportCSV feeds arbitrary CSV to the import reader's CSV form. Seeds: the files
// TestImportCSV imports.
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"id,service,title,urgency,created_at,resolved_at,resolved_by,escalations\r\n" +
			"i-1,svc-api,\"CPU at 93%, db-7\",high,2026-03-29T00:30:00Z,2026-03-29T01:02:00Z,human,1\r\n" +
			"i-2,svc-api,Disk full,low,2026-03-30T00:30:00Z,,,\r\n",
		"id,service,created_at,acknowledged_at,priority,rule,runbook_url,manual_escalations,labels\n" +
			"i-3,s,2026-03-29T00:30:00Z,2026-03-29T00:31:00Z,P2,r,https://r,2,\"{\"\"team\"\":\"\"web\"\"}\"\n",
		"id,service,created_at,escalations\ni-3,s,2026-03-29T00:30:00Z,lots\n",
		"id,service\n",
		"\ufeffid,service,created_at\ni-4,s,2026-03-29T00:30:00Z,extra\n",
	} {
		f.Add([]byte(s))
	}
	db, w := fuzzWriter(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, db, w, file.ImportCSV, "f.csv", data)
	})
}
