package file_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/file"
)

func TestImportShifts(t *testing.T) {
	db, w := open(t)
	ctx := context.Background()
	// One shift with an id and one without (keyed by person, rotation, level and start),
	// the second given with an offset: it is stored in UTC.
	lines := `{"type":"oncall_shift","id":"s-1","responder":"u1","rotation":"platform","escalation_level":2,"starts_at":"2026-10-05T08:00:00Z","ends_at":"2026-10-12T08:00:00Z"}
{"type":"oncall_shift","responder":"u2","rotation":"platform","starts_at":"2026-10-05T09:00:00+01:00","ends_at":"2026-10-05T21:00:00+01:00"}
`
	for range 2 { // twice: a re-import replaces, it does not add
		if _, err := file.ImportJSONL(ctx, w, "s.jsonl", strings.NewReader(lines), file.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(`select shift_id, responder_id, rotation, escalation_level, starts_at, ends_at from oncall_shifts order by shift_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, who, rot string
		var level int
		var start, end time.Time
		if err := rows.Scan(&id, &who, &rot, &level, &start, &end); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{id, who, rot, strconv.Itoa(level), start.Format(time.RFC3339), end.Format(time.RFC3339)}, " "))
	}
	want := []string{
		"s-1 u1 platform 2 2026-10-05T08:00:00Z 2026-10-12T08:00:00Z",
		"u2|platform|1|2026-10-05T08:00:00Z u2 platform 1 2026-10-05T08:00:00Z 2026-10-05T20:00:00Z",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("oncall_shifts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestShiftLineErrors(t *testing.T) {
	_, w := open(t)
	cases := []struct{ line, want string }{
		{`{"type":"oncall_shift","rotation":"r","starts_at":"2026-10-05T08:00:00Z","ends_at":"2026-10-06T08:00:00Z"}`, `x.jsonl:1: field "responder": required`},
		{`{"type":"oncall_shift","responder":"u","starts_at":"2026-10-05T08:00:00Z","ends_at":"2026-10-06T08:00:00Z"}`, `x.jsonl:1: field "rotation": required`},
		{`{"type":"oncall_shift","responder":"u","rotation":"r","escalation_level":0,"starts_at":"2026-10-05T08:00:00Z","ends_at":"2026-10-06T08:00:00Z"}`, `x.jsonl:1: field "escalation_level": want 1 (the first tier) to 20, got 0`},
		{`{"type":"oncall_shift","responder":"u","rotation":"r","starts_at":"2026-10-05T08:00:00Z","ends_at":"2026-10-05T08:00:00Z"}`, `x.jsonl:1: field "ends_at": 2026-10-05T08:00:00Z is not after starts_at`},
		{`{"type":"oncall_shift","responder":"u","rotation":"r","starts_at":"2026-10-05T08:00:00Z","ends_at":"2026-12-05T08:00:00Z"}`, `x.jsonl:1: field "ends_at": the shift lasts 1464h0m0s, over the 31 days`},
		{`{"type":"oncall_shift","responder":"u","rotation":"r","starts_at":"monday","ends_at":"2026-10-05T08:00:00Z"}`, `x.jsonl:1: field "starts_at": want an RFC 3339 time`},
		{`{"type":"oncall_shift","responder":"u","rotation":"r","level":2,"starts_at":"2026-10-05T08:00:00Z","ends_at":"2026-10-06T08:00:00Z"}`, `x.jsonl:1: field "level": unknown field`},
	}
	for _, c := range cases {
		_, err := file.ImportJSONL(context.Background(), w, "x.jsonl", strings.NewReader(c.line), file.Options{})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s\n  error = %v\n  want prefix %q", c.line, err, c.want)
		}
	}
}
