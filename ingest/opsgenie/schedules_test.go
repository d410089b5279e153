package opsgenie

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// serveSchedules answers GET /v2/schedules (no paging: the OAS gives the list none; its
// one parameter is expand) and GET /v2/schedules/{identifier}/timeline as the OAS
// documents them: identifierType id or name (default id), date (a date-time, default
// now), interval (an integer, default 1) in intervalUnit (days, weeks or months, default
// weeks), expand (base, forwarding, override). Periods that overlap the timeline's range
// are listed whole, not cut to it.
func (f *fakeOpsgenie) serveSchedules(w http.ResponseWriter, n int, parts []string, q url.Values) {
	switch {
	case len(parts) == 2:
		if f.params(w, n, q, "expand") {
			reply(w, http.StatusOK, map[string]any{"data": f.schedules, "expandable": []string{"rotation"}, "took": 0.01, "requestId": requestID(n)})
		}
		return
	case len(parts) != 4 || parts[3] != "timeline":
		reply(w, http.StatusNotFound, errorBody(n, "no such endpoint"))
		return
	}
	if !f.params(w, n, q, "identifierType", "expand", "interval", "intervalUnit", "date") {
		return
	}
	typ, ok := f.enumParam(w, n, q, "identifierType", "id", "id", "name")
	if !ok {
		return
	}
	for _, e := range strings.Split(q.Get("expand"), ",") {
		if e != "" && e != "base" && e != "forwarding" && e != "override" {
			f.refuse(w, n, http.StatusUnprocessableEntity, "expand must be base, forwarding or override, got %q", e)
			return
		}
	}
	interval, ok := f.intParam(w, n, q, "interval", 1, 1, -1)
	if !ok {
		return
	}
	unit, ok := f.enumParam(w, n, q, "intervalUnit", "weeks", "days", "weeks", "months")
	if !ok {
		return
	}
	from := time.Now().UTC()
	if v := q.Get("date"); v != "" {
		var err error
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			f.refuse(w, n, http.StatusUnprocessableEntity, "date must be a date-time, got %q", v)
			return
		}
	}
	to := map[string]time.Time{"days": from.AddDate(0, 0, interval), "weeks": from.AddDate(0, 0, 7*interval), "months": from.AddDate(0, interval, 0)}[unit]
	var sched map[string]any
	for _, s := range f.schedules {
		if typ == "id" && s["id"] == parts[2] || typ == "name" && s["name"] == parts[2] {
			sched = s
		}
	}
	if sched == nil {
		reply(w, http.StatusNotFound, errorBody(n, "Schedule with identifier ["+parts[2]+"] does not exist"))
		return
	}
	periods := []map[string]any{}
	for _, p := range f.periods[sched["id"].(string)] {
		start, _ := time.Parse(time.RFC3339, p["startDate"].(string))
		end, _ := time.Parse(time.RFC3339, p["endDate"].(string))
		if start.Before(to) && end.After(from) {
			periods = append(periods, p)
		}
	}
	data := map[string]any{
		"_parent":   map[string]any{"id": sched["id"], "name": sched["name"], "enabled": true},
		"startDate": from.Format(time.RFC3339), "endDate": to.Format(time.RFC3339),
		"finalTimeline": map[string]any{"rotations": []any{map[string]any{
			"id": sched["id"].(string) + "-rot", "name": "weekly", "order": 1, "periods": periods}}},
	}
	reply(w, http.StatusOK, map[string]any{"data": data, "expandable": []string{"base", "forwarding", "override"}, "took": 0.05, "requestId": requestID(n)})
}

func period(start, end time.Time, typ string, recipient map[string]any) map[string]any {
	p := map[string]any{"startDate": start.UTC().Format(time.RFC3339), "endDate": end.UTC().Format(time.RFC3339), "type": typ}
	if recipient != nil {
		p["recipient"] = recipient
	}
	return p
}

func userRecipient(id, name string) map[string]any {
	return map[string]any{"id": id, "name": name, "type": "user"}
}

// withRoster gives the fake two schedules. "Platform rota" (owned by the Platform team)
// hands over every Monday at 09:00 in Dublin between the two sample users, from Monday
// Aug 31 2026 on; Dublin leaves summer time on Sunday Oct 25, so the week from Oct 19
// runs 169 hours (08:00Z to 09:00Z). "Nights" (no owner team) has a historical period
// naming its person only in flattenedRecipients, a period of nobody, and a plain one.
func withRoster(f *fakeOpsgenie) {
	dublin, _ := time.LoadLocation("Europe/Dublin")
	f.schedules = []map[string]any{
		{"id": "sched-platform", "name": "Platform rota", "timezone": "Europe/Dublin", "enabled": true,
			"ownerTeam": map[string]any{"id": "team-platform", "name": "Platform"}, "rotations": []any{}},
		{"id": "sched-nights", "name": "Nights", "timezone": "UTC", "enabled": true, "rotations": []any{}},
	}
	f.periods = map[string][]map[string]any{}
	for i := 0; i < 12; i++ {
		start := time.Date(2026, 8, 31+7*i, 9, 0, 0, 0, dublin)
		end := time.Date(2026, 8, 31+7*i+7, 9, 0, 0, 0, dublin)
		who := userRecipient(sampleUser, "huongkstn@gmail.com")
		if i%2 == 1 {
			who = userRecipient(sampleUser2, "yenhh8@gmail.com")
		}
		f.periods["sched-platform"] = append(f.periods["sched-platform"], period(start, end, "default", who))
	}
	hist := period(time.Date(2026, 10, 1, 22, 0, 0, 0, time.UTC), time.Date(2026, 10, 2, 6, 0, 0, 0, time.UTC), "historical", nil)
	hist["flattenedRecipients"] = []any{userRecipient("user-c", "c@example.com")}
	f.periods["sched-nights"] = []map[string]any{
		hist,
		period(time.Date(2026, 10, 2, 6, 0, 0, 0, time.UTC), time.Date(2026, 10, 2, 22, 0, 0, 0, time.UTC), "default", map[string]any{"id": "", "name": "", "type": "none"}),
		period(time.Date(2026, 10, 2, 22, 0, 0, 0, time.UTC), time.Date(2026, 10, 3, 6, 0, 0, 0, time.UTC), "default", userRecipient("user-c", "c@example.com")),
	}
}

// unionHours is each person's hours on call per rotation over the union of the stored
// pieces: pieces of one person that touch or overlap count once.
func unionHours(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`
		with s as (select responder_id, rotation, starts_at, ends_at,
		               max(ends_at) over (partition by responder_id, rotation order by starts_at, ends_at
		                                  rows between unbounded preceding and 1 preceding) as prev_end
		           from oncall_shifts),
		     g as (select *, sum(case when prev_end >= starts_at then 0 else 1 end)
		                        over (partition by responder_id, rotation order by starts_at, ends_at) as grp from s),
		     islands as (select responder_id, rotation, grp, max(ends_at) - min(starts_at) as d from g group by all)
		select responder_id, rotation, sum(epoch(d)) / 3600 from islands group by all order by all`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var who, rot string
		var h float64
		if err := rows.Scan(&who, &rot, &h); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %g", who, rot, h))
	}
	return strings.Join(out, "\n")
}

var (
	rosterSince = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	rosterNow   = time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
)

// TestSyncSchedules walks both timelines in 28-day windows (Sep 1 .. Nov 10 is 70 days:
// 28, 28 and 14) and checks each person's hours by hand:
//
//	huongkstn (weeks 0, 2, 4, 6, 8, 10): week 0 from Sep 1 00:00Z to Sep 7 08:00Z = 152 h,
//	  weeks 2, 4, 6 and 8 = 4 x 168 h, week 10 from Nov 9 09:00Z to the sync's start
//	  Nov 10 00:00Z = 15 h: 839 h.
//	yenhh8 (weeks 1, 3, 5, 7, 9): 4 x 168 h and the DST week (Oct 19 08:00Z to Oct 26
//	  09:00Z) 169 h: 841 h. 839 + 841 = 1680 = 70 days.
//	user-c: 8 h named only in flattenedRecipients and 8 h plain; the period of nobody
//	  counts for no one: 16 h, under the schedule's own name (it has no owner team).
func TestSyncSchedules(t *testing.T) {
	h := newHarness(t, genSpec{})
	withRoster(h.fake)
	h.schedules, h.since = true, rosterSince
	db := ingesttest.OpenDB(t)
	st, err := h.sync(context.Background(), db, rosterNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.fake.refused) > 0 {
		t.Fatalf("the fake refused %v", h.fake.refused)
	}
	want := "01952c09-d155-454a-ae85-0ebbc8da040b Platform 839\n44e5ea7e-de82-4e4d-baf6-21108ccd3125 Platform 841\nuser-c Nights 16"
	if got := unionHours(t, db); got != want {
		t.Errorf("hours on call:\n%s\nwant\n%s", got, want)
	}
	// The platform schedule's 11 weeks, 2 of them cut at a window edge (Sep 28 - Oct 5
	// at Sep 29, Oct 26 - Nov 2 at Oct 27), and the 2 nights shifts.
	if st.Records(StreamShifts) != 11+2+2 || count(t, db, `select count(*) from oncall_shifts`) != 15 {
		t.Errorf("%d shifts reported, %d stored; want 15", st.Records(StreamShifts), count(t, db, `select count(*) from oncall_shifts`))
	}
	if n := count(t, db, `select count(*) from raw_records where kind = 'schedule_timeline'`); n != 6 {
		t.Errorf("%d timelines stored, want 3 windows x 2 schedules", n)
	}
	if n := count(t, db, `select count(*) from sync_state where stream like 'schedule:%' and cursor = '{"done":"2026-11-10T00:00:00Z","end":"2026-11-10T00:00:00Z"}'`); n != 2 {
		t.Errorf("%d schedule cursors at the sync's start, want 2", n)
	}

	// A week later the next run reads again from an hour before the last end (the pieces
	// overlap by that hour, and count once): huongkstn's week 10 is whole now (839 - 15 +
	// 168 = 992 h), and yenhh8's week 11 runs from Nov 16 09:00Z to Nov 17 00:00Z (+15 h).
	if _, err := h.sync(context.Background(), db, rosterNow.AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	want = "01952c09-d155-454a-ae85-0ebbc8da040b Platform 992\n44e5ea7e-de82-4e4d-baf6-21108ccd3125 Platform 856\nuser-c Nights 16"
	if got := unionHours(t, db); got != want {
		t.Errorf("hours on call after a week:\n%s\nwant\n%s", got, want)
	}
}

// TestSyncSchedulesResumesAfterKill stops a sync at its second timeline request, then
// runs it again: the store ends with the rows of an uninterrupted sync, and the window
// committed before the stop is not asked for again.
func TestSyncSchedulesResumesAfterKill(t *testing.T) {
	ref := newHarness(t, genSpec{})
	withRoster(ref.fake)
	ref.schedules, ref.since = true, rosterSince
	whole := ingesttest.OpenDB(t)
	if _, err := ref.sync(context.Background(), whole, rosterNow); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t, genSpec{})
	withRoster(h.fake)
	h.schedules, h.since = true, rosterSince
	db := ingesttest.OpenDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	timelines := 0
	h.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/timeline") {
			if timelines++; timelines == 2 {
				cancel()
			}
		}
		h.fake.ServeHTTP(w, r)
	})
	if _, err := h.sync(ctx, db, rosterNow); err == nil {
		t.Fatal("the sync stopped at its second timeline request finished")
	}
	cancel()
	if n := count(t, db, `select count(*) from sync_state where stream = 'schedule:sched-platform' and cursor = '{"done":"2026-09-29T00:00:00Z","end":"2026-11-10T00:00:00Z"}'`); n != 1 {
		t.Errorf("the platform schedule's cursor is not at the end of its first window")
	}
	before := timelines
	if _, err := h.sync(context.Background(), db, rosterNow); err != nil {
		t.Fatal(err)
	}
	// The rest: the platform's second and third windows, the nights' three.
	if got := timelines - before; got != 5 {
		t.Errorf("the resumed sync asked for %d timelines, want 5", got)
	}
	if got, want := unionHours(t, db), unionHours(t, whole); got != want {
		t.Errorf("hours after the resumed sync:\n%s\nwant (uninterrupted)\n%s", got, want)
	}
	// The shifts and the schedule cursors, row for row. (The alert cursor differs: the
	// resumed run lists the alerts' overlap again, as every run after a finished walk does.)
	g, w := dump(t, db), dump(t, whole)
	if fmt.Sprint(g["oncall_shifts"]) != fmt.Sprint(w["oncall_shifts"]) {
		t.Errorf("shifts after the resumed sync:\n%v\nwant\n%v", g["oncall_shifts"], w["oncall_shifts"])
	}
	schedCursors := func(rows []string) (out []string) {
		for _, r := range rows {
			if strings.Contains(r, "schedule:") {
				out = append(out, r)
			}
		}
		return out
	}
	if fmt.Sprint(schedCursors(g["sync_state"])) != fmt.Sprint(schedCursors(w["sync_state"])) {
		t.Errorf("schedule cursors %v, want %v", schedCursors(g["sync_state"]), schedCursors(w["sync_state"]))
	}
}

// TestFakeTimelineRefusesWhatTheDocsRefuse checks the fake's timeline parameters.
func TestFakeTimelineRefusesWhatTheDocsRefuse(t *testing.T) {
	h := newHarness(t, genSpec{})
	withRoster(h.fake)
	for q, want := range map[string]string{
		"intervalUnit=hours":   "intervalUnit must be one of",
		"interval=0":           "interval must be an integer",
		"identifierType=alias": "identifierType must be one of",
		"date=yesterday":       "date must be a date-time",
		"expand=rotation":      "expand must be",
		"from=2026-01-01":      `undocumented parameter "from"`,
	} {
		req, _ := http.NewRequest("GET", h.srv.URL+"/v2/schedules/sched-platform/timeline?"+q, nil)
		req.Header.Set("Authorization", "GenieKey "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(strings.Join(h.fake.refused, "|"), want) {
			t.Errorf("%s: %d, refused %v; want 422 saying %q", q, resp.StatusCode, h.fake.refused, want)
		}
	}
	// By name, a week from a Monday: the week's one period and its neighbours that overlap.
	req, _ := http.NewRequest("GET", h.srv.URL+"/v2/schedules/Platform%20rota/timeline?identifierType=name&date=2026-09-08T00:00:00Z", nil)
	req.Header.Set("Authorization", "GenieKey "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data timeline `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("timeline by name: %d %v", resp.StatusCode, err)
	}
	// Sep 8 00:00Z .. Sep 15 00:00Z overlaps week 0 (to Sep 7 08:00Z)? No: week 1 (Sep 7
	// 08:00Z .. Sep 14 08:00Z) and week 2 (from Sep 14 08:00Z), listed whole.
	ps := body.Data.FinalTimeline.Rotations[0].Periods
	if len(ps) != 2 || !ps[0].StartDate.Equal(time.Date(2026, 9, 7, 8, 0, 0, 0, time.UTC)) || ps[0].Recipient.ID != sampleUser2 {
		t.Errorf("the week from Sep 8 lists %+v, want weeks 1 and 2 whole", ps)
	}
}
