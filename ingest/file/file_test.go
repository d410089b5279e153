package file_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

const history = `{"type":"responder","id":"u1","name":"Ana Ruiz","email":"ana@example.com","time_zone":"Europe/Dublin"}
{"type":"service","id":"svc-api","name":"Public API","team":"Platform","rotation":"after-hours"}
{"type":"incident","id":"i-1","service":"svc-api","title":"[db-7] CPU at 93%","urgency":"high","created_at":"2026-03-29T00:30:00Z","acknowledged_at":"2026-03-29T00:34:10Z","resolved_at":"2026-03-29T01:02:00Z","resolved_by":"human","rule":"","runbook_url":"","escalations":0}
{"type":"notification","incident":"i-1","responder":"u1","channel":"phone","at":"2026-03-29T00:31:00Z"}

{"type":"review","incident":"i-1","tag":"no_action","note":"threshold too low","reviewer":"u1"}
`

func open(t *testing.T) (*sql.DB, *ingest.Writer) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlmodels.Open(ctx, filepath.Join(t.TempDir(), "t.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := ingest.NewWriter(ctx, db, "file")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); db.Close() })
	return db, w
}

func counts(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"responders", "services", "incidents", "notifications", "reviews", "raw_records"} {
		var n int
		if err := db.QueryRow("select count(*) from " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestImportIsIdempotent(t *testing.T) {
	db, w := open(t)
	ctx := context.Background()
	res, err := file.ImportJSONL(ctx, w, "h.jsonl", strings.NewReader(history), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 5 || res.Counts.New["incidents"] != 1 {
		t.Fatalf("first import: %+v", res)
	}
	first := counts(t, db)
	// the raw layer keeps the file itself, by its digest: the records are in the tables
	want := map[string]int{"responders": 1, "services": 1, "incidents": 1, "notifications": 1, "reviews": 1, "raw_records": 1}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %d after one import, want %d", k, first[k], v)
		}
	}
	// The same file again, then with the incident's title changed: same rows, updated in place.
	if _, err := file.ImportJSONL(ctx, w, "h.jsonl", strings.NewReader(history), file.Options{}); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(history, `CPU at 93%`, `CPU at 97%`, 1)
	res, err = file.ImportJSONL(ctx, w, "h.jsonl", strings.NewReader(changed), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.New["incidents"] != 0 || res.Counts.Stored["incidents"] != 1 {
		t.Errorf("re-import counted %+v, want 0 new and 1 stored incident", res.Counts)
	}
	if again := counts(t, db); again["incidents"] != 1 || again["notifications"] != 1 || again["raw_records"] != 2 {
		t.Errorf("after re-imports: %v, want the same rows as after one, and two files in raw_records", again)
	}
	var payload string
	if err := db.QueryRow(`select payload from raw_records where kind = 'file' order by fetched_at limit 1`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`{"name":"h.jsonl","bytes":%d,"lines":6,"sha256":"%x"}`, len(history), sha256.Sum256([]byte(history))); payload != want {
		t.Errorf("the file's raw record = %s, want %s", payload, want)
	}
	var title string
	var acked sql.NullTime
	if err := db.QueryRow(`select title, acknowledged_at from incidents where incident_id = 'i-1'`).Scan(&title, &acked); err != nil {
		t.Fatal(err)
	}
	if title != "[db-7] CPU at 97%" || acked.Time.Format("15:04:05") != "00:34:10" {
		t.Errorf("stored incident: title %q, acknowledged %v", title, acked.Time)
	}
}

func TestBadLineCommitsNothing(t *testing.T) {
	db, w := open(t)
	ctx := context.Background()
	bad := strings.Replace(history, `"channel":"phone"`, `"channel":"pager"`, 1)
	_, err := file.ImportJSONL(ctx, w, "bad.jsonl", strings.NewReader(bad), file.Options{})
	if err == nil {
		t.Fatal("import of a bad channel succeeded")
	}
	want := `bad.jsonl:4: field "channel": want one of phone, sms, push, email, chat, got "pager"`
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start with %q", err, want)
	}
	for table, n := range counts(t, db) {
		if n != 0 {
			t.Errorf("%s has %d rows after a failed import, want 0", table, n)
		}
	}
	// The writer is still usable, and --skip-invalid keeps the good lines.
	res, err := file.ImportJSONL(ctx, w, "bad.jsonl", strings.NewReader(bad), file.Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 4 || len(res.Invalid) != 1 || res.Invalid[0].Line != 4 {
		t.Errorf("skip-invalid: %d records, invalid %v", res.Records, res.Invalid)
	}
	if c := counts(t, db); c["incidents"] != 1 || c["notifications"] != 0 {
		t.Errorf("after skip-invalid: %v", c)
	}
}

func TestLineErrors(t *testing.T) {
	_, w := open(t)
	cases := []struct{ line, want string }{
		{`{"type":"incident","id":"x","service":"s","created_at":"yesterday"}`, `x.jsonl:1: field "created_at": want an RFC 3339 time`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00Z","runbook":"u"}`, `x.jsonl:1: field "runbook": unknown field`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00Z","escalations":"two"}`, `x.jsonl:1: field "escalations": want a whole number, got "two"`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00Z","escalations":1.5}`, `x.jsonl:1: field "escalations": want a whole number, got 1.5`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T24:00:00Z"}`, `x.jsonl:1: field "created_at": want an RFC 3339 time`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01 00:00:00Z"}`, `x.jsonl:1: field "created_at": want an RFC 3339 time`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00"}`, `x.jsonl:1: field "created_at": want an RFC 3339 time`},
		{`{"type":"incident","id":" ","service":"s","created_at":"2026-01-01T00:00:00Z"}`, `x.jsonl:1: field "id": required, and missing or empty`},
		{`{"type":"incident","id":"\t\n \r","service":"s","created_at":"2026-01-01T00:00:00Z"}`, `x.jsonl:1: field "id": required, and missing or empty`},
		{`{"type":"incident","id":"x","service":"","created_at":"2026-01-01T00:00:00Z"}`, `x.jsonl:1: field "service": required, and missing or empty`},
		{`{"type":"notification","incident":"i","responder":" \t","channel":"phone","at":"2026-01-01T00:00:00Z"}`, `x.jsonl:1: field "responder": required, and missing or empty`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00Z","labels":[1]}`, `x.jsonl:1: field "labels": want a JSON object`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-01T00:00:00Z","priority":"P9"}`, `x.jsonl:1: field "priority": want P1 to P5 or empty, got "P9"`},
		{`{"type":"notification","incident":"i","responder":"u","channel":"phone","at":"2026-01-01T00:00:00Z","tag":"no_action"}`, `x.jsonl:1: field "tag": unknown field`},
		{`{"type":"oncall_shift","responder":"u","rotation":"r","starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-03-01T00:00:00Z"}`, `x.jsonl:1: field "ends_at": the shift lasts 1416h0m0s, over the 31 days`},
		{`{"type":"oncall_shift","responder":"u","rotation":"r","escalation_level":0,"starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-01-02T00:00:00Z"}`, `x.jsonl:1: field "escalation_level": want 1 (the first tier) to 20, got 0`},
		{`{"type":3}`, `x.jsonl:1: field "type": want a string, got 3`},
		{`{"id":"x","labels":{"type":"incident"}}`, `x.jsonl:1: field "type": missing`},
		{`{"type":"incident","type":"review","incident":"i","tag":"no_action"}`, `x.jsonl:1: field "type": given more than once`},
		{`[1, 2]`, `x.jsonl:1: not a JSON object`},
		{"{\"type\":\"review\",\"incident\":\"i\xff\",\"tag\":\"no_action\"}", `x.jsonl:1: not valid UTF-8`},
		{"{\"type\":\"review\",\"incident\":\"i\r\",\"tag\":\"no_action\"}", `x.jsonl:1: a carriage return inside the line`},
		{"{\"type\":\"review\",\"incident\":\"i\x00\",\"tag\":\"no_action\"}", `x.jsonl:1: a NUL byte in the line`},
		{`{"type":"incident","id":"x","service":"s","created_at":"2026-01-02T00:00:00Z","resolved_at":"2026-01-01T00:00:00Z"}`, `x.jsonl:1: field "resolved_at": 2026-01-01T00:00:00Z is before created_at`},
		{`{"type":"responder","id":"u","time_zone":"Mars/Olympus"}`, `x.jsonl:1: field "time_zone": want an IANA time zone`},
		{`{"type":"pager"}`, `x.jsonl:1: field "type": unknown type "pager"`},
		{`not json`, `x.jsonl:1: not a JSON object`},
		{`{"type":"review","incident":"i","tag":"meh"}`, `x.jsonl:1: field "tag": want one of no_action, action_taken`},
	}
	for _, c := range cases {
		_, err := file.ImportJSONL(context.Background(), w, "x.jsonl", strings.NewReader(c.line), file.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s\n  error = %v\n  want prefix %q", c.line, err, c.want)
		}
	}
}

func TestImportCSV(t *testing.T) {
	db, w := open(t)
	csv := "id,service,title,urgency,created_at,resolved_at,resolved_by,escalations\r\n" +
		"i-1,svc-api,\"CPU at 93%, db-7\",high,2026-03-29T00:30:00Z,2026-03-29T01:02:00Z,human,1\r\n" +
		"i-2,svc-api,Disk full,low,2026-03-30T00:30:00Z,,,\r\n"
	res, err := file.ImportCSV(context.Background(), w, "i.csv", strings.NewReader(csv), file.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 2 {
		t.Fatalf("records = %d", res.Records)
	}
	var title string
	var esc int
	if err := db.QueryRow(`select title, escalations from incidents where incident_id = 'i-1'`).Scan(&title, &esc); err != nil {
		t.Fatal(err)
	}
	if title != "CPU at 93%, db-7" || esc != 1 {
		t.Errorf("i-1: title %q, escalations %d", title, esc)
	}
	bad := "id,service,created_at,escalations\ni-3,s,2026-03-29T00:30:00Z,lots\n"
	_, err = file.ImportCSV(context.Background(), w, "b.csv", strings.NewReader(bad), file.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), `b.csv:2: field "escalations": want a whole number, got "lots"`) {
		t.Errorf("bad CSV error = %v", err)
	}
	_, err = file.ImportCSV(context.Background(), w, "h.csv", strings.NewReader("id,service\n"), file.Options{})
	if err == nil || !strings.Contains(err.Error(), `no "created_at" column`) {
		t.Errorf("missing column error = %v", err)
	}
}

// Lines are numbered as in the file, whatever their order by type, blank lines and
// Windows line ends; with --skip-invalid, every bad line is reported in the file's
// order, those the Go reader refuses among those SQL does, and the good ones stored.
func TestLineNumbersAndSkipInvalid(t *testing.T) {
	db, w := open(t)
	lines := strings.Join([]string{
		`{"type":"service","id":"web"}`,
		``,
		`{"type":"incident","id":"i1","service":"web","created_at":"2026-03-01T00:00:00Z"}`,
		`{"type": "notification", "incident": "i1", "responder": "u1", "channel": "phone", "at": "2026-03-01T00:01:00+01:00"}`,
		"   ",
		`{"type":"notification","incident":"i1","responder":"u1","channel":"pager","at":"2026-03-01T00:01:00Z"}`,
		"{\"type\":\"incident\",\"id\":\"\xff\"}",
		`{"ty\u0070e":"incident","id":"i2","service":"web","created_at":"2026-03-02T00:00:00Z"}`,
		`{"type":"incident","id":"i3","service":"web","created_at":"later"}`,
		`{"type":"review","incident":"i1","tag":"no_action"}`,
	}, "\r\n")
	_, err := file.ImportJSONL(context.Background(), w, "m.jsonl", strings.NewReader(lines), file.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), `m.jsonl:6: field "channel"`) {
		t.Fatalf("error = %v, want line 6's channel", err)
	}
	res, err := file.ImportJSONL(context.Background(), w, "m.jsonl", strings.NewReader(lines), file.Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, le := range res.Invalid {
		got = append(got, fmt.Sprintf("%d %s", le.Line, le.Field))
	}
	if want := []string{"6 channel", "7 ", "9 created_at"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("invalid lines %v, want %v", got, want)
	}
	if res.Records != 5 || res.ByType["incident"] != 2 || res.ByType["notification"] != 1 {
		t.Errorf("stored %d records %v, want 5: 2 incidents, 1 notification, a service and a review", res.Records, res.ByType)
	}
	var at string
	if err := db.QueryRow(`select strftime(notified_at, '%H:%M') from notifications`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if at != "23:01" {
		t.Errorf("notification at %s UTC, want 23:01 (00:01 at +01:00)", at)
	}
}

// A line over 16 MiB is refused with its number, and the lines after it keep theirs.
func TestLongLine(t *testing.T) {
	db, w := open(t)
	long := `{"type":"incident","id":"big","service":"web","created_at":"2026-03-01T00:00:00Z","title":"` +
		strings.Repeat("x", 17<<20) + `"}`
	lines := strings.Join([]string{
		`{"type":"service","id":"web"}`,
		long,
		`{"type":"incident","id":"i1","service":"web","created_at":"2026-03-01T00:00:00Z"}`,
		`{"type":"incident","id":"i2","service":"web","created_at":"soon"}`,
	}, "\n")
	_, err := file.ImportJSONL(context.Background(), w, "l.jsonl", strings.NewReader(lines), file.Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "l.jsonl:2: line longer than 16 MiB") {
		t.Fatalf("error = %v, want line 2 too long", err)
	}
	res, err := file.ImportJSONL(context.Background(), w, "l.jsonl", strings.NewReader(lines), file.Options{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Invalid) != 2 || res.Invalid[0].Line != 2 || res.Invalid[1].Line != 4 || res.Invalid[1].Field != "created_at" {
		t.Errorf("invalid lines %v, want 2 (too long) and 4's created_at", res.Invalid)
	}
	var n int
	if err := db.QueryRow(`select count(*) from incidents where incident_id = 'i1'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("i1 stored %d times (%v), want once", n, err)
	}
}

// An import that runs DuckDB out of memory says which limit and how to raise it, and
// stores nothing: wide lines hold more than DuckDB counts of a chunk.
func TestOutOfMemoryNamesTheLimit(t *testing.T) {
	db, w := open(t)
	ctx := context.Background()
	if _, err := file.ImportJSONL(ctx, w, "first.jsonl", strings.NewReader(history), file.Options{}); err != nil {
		t.Fatal(err)
	}
	before := counts(t, db)
	if _, err := db.ExecContext(ctx, "set memory_limit = '8MB'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.ExecContext(ctx, "reset memory_limit") })
	var b strings.Builder
	labels := strings.Repeat("x", 4000)
	for i := range 6000 {
		fmt.Fprintf(&b, `{"type":"incident","id":"w-%d","service":"svc-api","created_at":"2026-03-29T00:30:00Z","labels":{"note":"%s%d"}}`+"\n", i, labels, i)
	}
	_, err := file.ImportJSONL(ctx, w, "wide.jsonl", strings.NewReader(b.String()), file.Options{})
	if err == nil {
		t.Fatal("24 MB of wide lines imported under an 8MB limit; the test needs a file that runs DuckDB out of memory")
	}
	for _, want := range []string{"import wide.jsonl: DuckDB ran out of memory (7.6 MiB)", "nothing of the file was stored", "ALERTLENS_MEMORY_LIMIT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if after := counts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the failed import changed the tables: %v, before %v", after, before)
	}
}

// A required value that starts with white space but holds more is a value, kept as
// given: only a value of nothing but white space is refused.
func TestRequiredValueLedByWhiteSpaceIsKept(t *testing.T) {
	db, w := open(t)
	line := `{"type":"incident","id":"\ti-7","service":" s ","created_at":"2026-01-01T00:00:00Z"}`
	if _, err := file.ImportJSONL(context.Background(), w, "x.jsonl", strings.NewReader(line), file.Options{}); err != nil {
		t.Fatal(err)
	}
	var id, service string
	if err := db.QueryRow("select incident_id, service_id from incidents").Scan(&id, &service); err != nil {
		t.Fatal(err)
	}
	if id != "\ti-7" || service != " s " {
		t.Errorf("stored id %q, service %q; want %q and %q", id, service, "\ti-7", " s ")
	}
}
