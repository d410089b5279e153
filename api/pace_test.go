package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/api"
)

// The small history (January and February 2026) served on 1 December in Sydney: the pace
// is December's, and every time carries Sydney's offset.
func TestPaceAndAsOfThroughTheAPI(t *testing.T) {
	sydney, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, sydney)
	f := newServer(t, smallHistory, "organisation: {name: Acme, time_zone: Australia/Sydney}\n", api.Options{},
		analytics.WithNow(func() time.Time { return now }))

	code, body, _ := f.do(t, "GET", "/api/v1/pace", "", "", "")
	if code != 200 || !strings.Contains(body, `"month":"2026-12"`) || !strings.Contains(body, `"as_of":"2026-12-01T09:00:00+11:00"`) ||
		!strings.Contains(body, `"after_hours_pages":0,"elapsed_days":0.375,"days_in_month":31,"projected":0,"goal":10,"on_track":true`) {
		t.Errorf("pace on 1 December: %d %s, want 2026-12 as of 09:00+11:00 with 0 pages in 0.375 of 31 days", code, body)
	}
	_, body, _ = f.do(t, "GET", "/api/v1/pace?format=csv", "", "", "")
	if rows := csvRows(t, body); len(rows) != 1 || rows[0]["as_of"] != "2026-12-01T09:00:00+11:00" || rows[0]["month"] != "2026-12" {
		t.Errorf("pace CSV %v, want as_of 2026-12-01T09:00:00+11:00 in 2026-12", rows)
	}
	// The last page, i4, interrupted at 19:00:30Z on 3 February: 06:00:30 AEDT on the 4th.
	_, body, _ = f.do(t, "GET", "/api/v1/overview", "", "", "")
	if !strings.Contains(body, `"as_of":"2026-02-04T06:00:30+11:00"`) {
		t.Errorf("overview %s, want as_of 2026-02-04T06:00:30+11:00", body)
	}
	code, body, _ = f.do(t, "GET", "/", "", "", "")
	if code != 200 || !strings.Contains(body, "2026-12 on pace for (0 so far, 0.4 of 31 days)") ||
		!strings.Contains(body, "2026-02-04 06:00 AEDT") || strings.Contains(body, "2026-02 on pace") {
		t.Errorf("goal page: %d, want December's pace and the data-up-to time in AEDT", code)
	}
}
