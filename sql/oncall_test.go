package sql_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// testdata/oncall_roster.jsonl is October 2026 in Dublin, worked by hand below (the
// API's on-call tests read it too, so both check the same figures). Everyone is in
// Europe/Dublin, which leaves summer time (IST, UTC+1) for GMT at 02:00 on Sunday Oct 25:
// that local day has 25 hours, and the week from Monday Oct 19 09:00 IST (08:00Z) to
// Monday Oct 26 09:00 GMT (09:00Z) has 169. Saturday Oct 24 is a public holiday (config).
//
//	Aoife  platform level 1  Oct 19 08:00Z .. Oct 26 09:00Z   (hands over at 09:00 local)
//	       platform level 2  Oct 24 00:00Z .. Oct 27 00:00Z   (overlaps her own week)
//	Brian  platform level 1  Oct 26 09:00Z .. Nov 2 09:00Z    (takes over; crosses the month)
//	Mia    platform level 2  Oct 26 09:00Z .. Nov 2 09:00Z    (the managers' tier)
//	Cara   data     level 1  Oct 19 08:00Z .. Oct 26 09:00Z   (on call, never paged)
//
// Pages (platform): i1 Aoife, phone, Sat Oct 24 03:10 IST (02:10Z, sleep); i2 Aoife,
// push, Sat 10:20 IST (09:20Z, off-hours, 7 h 10 min after i1); i3 Brian, phone, Tue Oct
// 27 20:05Z (off-hours), escalated once to Mia at 20:15Z; i4 Brian, phone, Sun Nov 1
// 12:00Z (off-hours). buildRoster imports it into a new file and builds the models.
func buildRoster(t *testing.T) *sql.DB {
	t.Helper()
	history, err := os.Open("testdata/oncall_roster.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer history.Close()
	return buildHistory(t, history)
}

// buildHistory imports a history in the import format into a new file and builds the
// models with the roster's config.
func buildHistory(t *testing.T, history io.Reader) *sql.DB {
	t.Helper()
	ctx := context.Background()
	// testdata/oncall_roster.yaml is the rate card of TestOnCallPayByHand.
	cfg, err := config.Load("testdata/oncall_roster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db := ingesttest.OpenDB(t)
	w, err := ingest.NewWriter(ctx, db, "file")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := file.ImportJSONL(ctx, w, "history.jsonl", history, file.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Build(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	return db
}

// rows renders a query's rows as "a b c" lines.
func rows(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var out []string
	for _, vals := range ingesttest.Rows(t, db, q) {
		var cells []string
		for _, v := range vals {
			cells = append(cells, fmt.Sprint(v))
		}
		out = append(out, strings.Join(cells, " "))
	}
	return strings.Join(out, "\n")
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got\n%s\nwant\n%s", what, got, want)
	}
}

// TestOnCallHoursByHand checks the merged shifts and the hours by window.
//
// Aoife's two shifts merge into one stretch, Oct 19 08:00Z .. Oct 27 00:00Z = 184 h (the
// overlap Oct 24 00:00Z .. Oct 26 09:00Z counts once). In local time, Mon Oct 19 09:00 IST
// to Tue Oct 27 00:00 GMT:
//
//	Mon 19: business 09-18 = 9, off 18-22 = 4, sleep 22-24 = 2
//	Tue-Fri 20-23, each: sleep 0-8 and 22-24 = 10, business 8-18 = 10, off 18-22 = 4
//	Sat 24 (holiday): sleep 10, off 14;  Sun 25 (25 hours): sleep 0-8 = 9 + 2 = 11, off 14
//	Mon 26: sleep 10, business 10, off 4
//	business 9 + 40 + 10 = 59, off-hours 4 + 16 + 14 + 14 + 4 = 52, sleep 2 + 40 + 10 + 11 + 10 = 73
//
// Her local dates on call are Oct 19..26: Sat 24 is a holiday (not a weekend day), Sun
// 25 a weekend day. Brian's week crosses the month: Oct 26 09:00Z .. Nov 1 00:00Z (midnight
// in Dublin, GMT) = 135 h in October, 33 h in November; his weekend days are Sat Oct 31
// and Sun Nov 1. His October, Mon Oct 26 09:00 .. Sun Nov 1 00:00 GMT:
//
//	Mon 26 from the 09:00 handover: business 9, off 4, sleep 2
//	Tue-Fri 27-30: business 40, off 16, sleep 40;  Sat 31: sleep 10, off 14
//	business 49, off-hours 34, sleep 52 (135 h)
//
// and his November, Sun Nov 1 00:00 .. Mon Nov 2 09:00: sleep 8 + 2 + 8 = 18, off 14,
// business 08-09 = 1 (33 h). Mia's shift is Brian's. Cara, never paged: Aoife's week
// without Mon 26 after 09:00 (business 9, off 4, sleep 2): 169 h = 50 + 48 + 71.
func TestOnCallHoursByHand(t *testing.T) {
	db := buildRoster(t)
	check(t, "spans", rows(t, db, `select responder_id, strftime(starts_at, '%m-%d %H:%M'), strftime(ends_at, '%m-%d %H:%M'), hours from oncall_spans order by all`),
		"a 10-19 08:00 10-27 00:00 184\nb 10-26 09:00 11-02 09:00 168\nc 10-19 08:00 10-26 09:00 169\nm 10-26 09:00 11-02 09:00 168")
	check(t, "monthly hours", rows(t, db, `select responder_id, strftime(month, '%Y-%m'), hours_on_call, business_hours, off_hours, sleep_hours, weekend_days, holiday_days from oncall_hours_monthly order by all`),
		"a 2026-10 184 59 52 73 1 1\n"+
			"b 2026-10 135 49 34 52 1 0\n"+
			"b 2026-11 33 1 14 18 1 0\n"+
			"c 2026-10 169 50 48 71 1 1\n"+
			"m 2026-10 135 49 34 52 1 0\n"+
			"m 2026-11 33 1 14 18 1 0")
	// The ISO week of Oct 19 ends at Mon Oct 26 00:00 in Dublin (00:00Z): Aoife's and
	// Cara's hours from Oct 19 08:00Z to there are 6 d 16 h = 160 h; the rest of their
	// stretches falls in the next week. Brian's and Mia's week runs to Mon Nov 2 09:00, 9 h
	// past the next week edge: 159 + 9.
	check(t, "weekly hours of the DST week", rows(t, db, `select responder_id, strftime(week, '%m-%d'), hours_on_call from oncall_hours_weekly order by all`),
		"a 10-19 160\na 10-26 24\nb 10-26 159\nb 11-02 9\nc 10-19 160\nc 10-26 9\nm 10-26 159\nm 11-02 9")
}

// TestOnCallPayByHand applies the rate card (EUR: 300 a week, 60 a weekend day, 120 a
// holiday, 10 an after-hours page, 25 an hour interrupted after hours; the data rotation
// pays 150 a week) to the history above:
//
//	Aoife Oct: 184/168 x 300 = 328.571 -> 328.57; Sun 25: 60; Sat 24 (holiday on a
//	  weekend, paid as a holiday only): 120; i1 and i2 after hours: 2 x 10 = 20; hours
//	  interrupted 03:00 and 10:00 on Oct 24: 2 x 25 = 50.  Total 578.57
//	Brian Oct: 135/168 x 300 = 241.071 -> 241.07; Sat 31: 60; i3: 10; its 20:00 hour: 25.  336.07
//	Brian Nov: 33/168 x 300 = 58.929 -> 58.93; Sun Nov 1: 60; i4: 10; its 12:00 hour: 25.  153.93
//	Mia Oct: as Brian's October (i3 reached her at 20:15, the same clock hour).  336.07
//	Mia Nov: 58.93 + Sun Nov 1 60, no page.  118.93
//	Cara Oct: 169/168 x 150 = 150.893 -> 150.89; Sat 24 holiday 120; Sun 25 60; never
//	  paged.  330.89
func TestOnCallPayByHand(t *testing.T) {
	db := buildRoster(t)
	check(t, "pay", rows(t, db, `select responder_name, strftime(month, '%Y-%m'), currency, weekly_shift_amount, weekend_day_amount,
		holiday_day_amount, after_hours_pages, after_hours_page_amount, hours_interrupted, hours_interrupted_amount, amount
		from oncall_compensation order by all`),
		"Aoife 2026-10 EUR 328.57 60 120 2 20 2 50 578.57\n"+
			"Brian 2026-10 EUR 241.07 60 0 1 10 1 25 336.07\n"+
			"Brian 2026-11 EUR 58.93 60 0 1 10 1 25 153.93\n"+
			"Cara 2026-10 EUR 150.89 60 120 0 0 0 0 330.89\n"+
			"Mia 2026-10 EUR 241.07 60 0 1 10 1 25 336.07\n"+
			"Mia 2026-11 EUR 58.93 60 0 0 0 0 0 118.93")
	check(t, "the rules of Cara's pay", rows(t, db, `select weekly_shift_rule, weekend_day_rule, holiday_day_rule from oncall_compensation where responder_id = 'c'`),
		"data: 169.00 h / 168 x 150.00 data: 1 x 60.00 data: 1 x 120.00")
}

// TestOnCallLoadRosterEscalationsRestByHand checks the per-shift load against the SRE
// reference, the roster, the escalations and the rest breaches of the history above.
//
//	Load: Aoife's 184 h stretch may hold 184/12 x 2 = 30.67 pages and held 2 (0.13 per
//	  12 h); Brian's 168 h (28 allowed) held 2; Mia's 1; Cara's 169 h none.
//	Roster, October: platform had Aoife, Brian and Mia on call and paged them all (pages
//	  2, 1, 1: the most to the median is 2/1 = 2); data had Cara on call and never paged
//	  (median 0: no ratio). November: platform had Brian (1 page) and Mia (0): 1/0.5 = 2.
//	Escalations: i3 was escalated and reached Mia at level 2; platform's roster has 2
//	  tiers, so it is not flagged.
//	Rest: i1 woke Aoife at 02:10Z; i2 interrupted her 7 h 10 min later: one breach.
func TestOnCallLoadRosterEscalationsRestByHand(t *testing.T) {
	db := buildRoster(t)
	check(t, "load", rows(t, db, `select responder_id, hours, pages, reference_pages, pages_per_12h, over_reference from oncall_shift_load order by all`),
		"a 184 2 30.67 0.13 false\nb 168 2 28 0.14 false\nc 169 0 28.17 0 false\nm 168 1 28 0.07 false")
	check(t, "roster", rows(t, db, `select rotation, strftime(month, '%Y-%m'), people_on_call, people_paged, on_call_never_paged, max_pages, median_pages, fairness_ratio from oncall_roster_monthly order by all`),
		"data 2026-10 1 0 1 0 0 <nil>\nplatform 2026-10 3 3 0 2 1 2\nplatform 2026-11 2 1 1 1 0.5 2")
	check(t, "escalations", rows(t, db, `select rotation, strftime(month, '%Y-%m'), escalated_pages, people_reached, tiers, more_than_two_tiers from escalations_monthly order by all`),
		"platform 2026-10 1 Mia 2 false")
	check(t, "rest", rows(t, db, `select responder_id, strftime(month, '%Y-%m'), breaches, strftime(first_breach_at, '%d %H:%M') from rest_breaches_monthly order by all`),
		"a 2026-10 1 24 02:10")
}

// TestRestBreachesByHand checks the edges of a rest breach for Zoe, in Dublin in November
// (GMT, so local time is UTC). rest_breaches_monthly looks for another incident's
// interruption in 11-hour buckets of time from the epoch; 2026-11-20 04:00Z starts one.
//
//	s1 Nov 10 03:00Z, her shift starts 12:00Z, 9 h later:              a breach
//	b1 Nov 20 03:59Z, b2 (another incident) 14:58Z, 10 h 59 min later,
//	   in the next bucket:                                             a breach
//	e1 Nov 23 02:00Z, e2 13:00Z, exactly 11 h later:                   none
//	f1 Nov 26 01:00Z, f1 again at 05:00Z (the same incident):         none
//	g1 and g2 Nov 28 02:00Z, at the same instant:                      none
//
// Each case is more than 11 hours from the others and from the shift's start.
func TestRestBreachesByHand(t *testing.T) {
	lines := []string{
		`{"type":"responder","id":"z","name":"Zoe","time_zone":"Europe/Dublin"}`,
		`{"type":"service","id":"api","name":"API","team":"Platform","rotation":"platform"}`,
		`{"type":"oncall_shift","responder":"z","rotation":"platform","starts_at":"2026-11-10T12:00:00Z","ends_at":"2026-11-11T12:00:00Z"}`,
	}
	page := func(id, at string, notified ...string) {
		lines = append(lines, fmt.Sprintf(`{"type":"incident","id":%q,"service":"api","title":%q,"created_at":%q}`, id, id, at))
		for _, n := range append([]string{at}, notified...) {
			lines = append(lines, fmt.Sprintf(`{"type":"notification","incident":%q,"responder":"z","channel":"phone","at":%q}`, id, n))
		}
	}
	page("s1", "2026-11-10T03:00:00Z")
	page("b1", "2026-11-20T03:59:00Z")
	page("b2", "2026-11-20T14:58:00Z")
	page("e1", "2026-11-23T02:00:00Z")
	page("e2", "2026-11-23T13:00:00Z")
	page("f1", "2026-11-26T01:00:00Z", "2026-11-26T05:00:00Z")
	page("g1", "2026-11-28T02:00:00Z")
	page("g2", "2026-11-28T02:00:00Z")
	db := buildHistory(t, strings.NewReader(strings.Join(lines, "\n")+"\n"))
	check(t, "interruptions in sleep hours", rows(t, db, `select count(*) from interruptions where hour_window = 'sleep'`), "7")
	check(t, "rest", rows(t, db, `select responder_id, strftime(month, '%Y-%m'), breaches, strftime(first_breach_at, '%d %H:%M') from rest_breaches_monthly order by all`),
		"z 2026-11 2 10 03:00")
}
