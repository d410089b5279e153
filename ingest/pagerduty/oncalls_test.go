package pagerduty

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

var jul15 = time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)

// onCallAccount is a small account with a roster: three people hand a weekly primary
// shift over on Mondays at 09:00 UTC (one of them crosses the April window edge), two
// share a daily secondary shift, and a manager is assigned to level 2 directly
// (permanently on call: listed with start and end null). Jan 1 to Jul 15 is 195 days,
// three 90-day windows, and the first window alone holds 13 + 90 entries: two pages.
func onCallAccount(t *testing.T) *pdt.Data {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{3}, Users: 3})
	monday := time.Date(2025, 12, 29, 9, 0, 0, 0, time.UTC)
	for i := 0; monday.Before(jul15.AddDate(0, 0, 14)); i++ { // on past the sync's end
		data.OnCalls = append(data.OnCalls, pdt.OnCall{UserID: fmt.Sprintf("PUSER%02d", i%3), UserName: "R",
			PolicyID: "PEP0", PolicyName: "stale", ScheduleID: "PSCHED1", Level: 1,
			Start: monday, End: monday.AddDate(0, 0, 7)})
		monday = monday.AddDate(0, 0, 7)
	}
	for d := jan1; d.Before(jul15.AddDate(0, 0, 3)); d = d.AddDate(0, 0, 1) {
		data.OnCalls = append(data.OnCalls, pdt.OnCall{UserID: fmt.Sprintf("PSEC%d", d.YearDay()%2), UserName: "S",
			PolicyID: "PEP0", ScheduleID: "PSCHED2", Level: 1, Start: d, End: d.AddDate(0, 0, 1)})
	}
	data.OnCalls = append(data.OnCalls, pdt.OnCall{UserID: "PMGR", UserName: "Manager", PolicyID: "PEP0", Level: 2})
	sort.SliceStable(data.OnCalls, func(i, j int) bool { return data.OnCalls[i].Start.Before(data.OnCalls[j].Start) })
	return data
}

// onCallHours is each person's hours on call per schedule level, over the union of their
// stored pieces (touching or overlapping pieces of one person count once), as the
// models will count them.
func onCallHours(t *testing.T, db *sql.DB) map[string]float64 {
	t.Helper()
	rows, err := db.Query(`select responder_id, escalation_level, rotation, starts_at, ends_at from oncall_shifts order by responder_id, starts_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	type span struct{ a, b time.Time }
	open := map[string]*span{}
	for rows.Next() {
		var who, rot string
		var level int
		var a, b time.Time
		if err := rows.Scan(&who, &level, &rot, &a, &b); err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprintf("%s L%d %s", who, level, rot)
		if s := open[k]; s != nil && !a.After(s.b) {
			if b.After(s.b) {
				s.b = b
			}
			continue
		} else if s != nil {
			out[k] += s.b.Sub(s.a).Hours()
		}
		open[k] = &span{a, b}
	}
	for k, s := range open {
		out[k] += s.b.Sub(s.a).Hours()
	}
	return out
}

// TestSyncOnCalls walks the roster in 90-day windows through two pages a window and
// checks each person's hours: cut to the history (from the backfill start to the
// sync's start), the rotation named by the policy fetched, the manager's permanent
// assignment as the whole history at level 2.
func TestSyncOnCalls(t *testing.T) {
	data := onCallAccount(t)
	fake, srv := pdt.Serve(t, testToken, data)
	db := ingesttest.OpenDB(t)
	rep, err, progress := syncOnce(context.Background(), t, db, srv.URL, newClock(jul15))
	if err != nil {
		t.Fatal(err)
	}
	if bad := fake.BadRequests(); len(bad) > 0 {
		t.Fatalf("the sync sent requests the API refuses: %v", bad)
	}
	var oc *ingest.StreamReport
	for _, s := range rep.Streams {
		if s.Stream == StreamOnCalls {
			oc = s
		}
	}
	// 195 days: windows of 90, 90 and 15 days; the first two need two pages each.
	if oc == nil || oc.Windows != 3 || oc.Requests != 5 {
		t.Errorf("oncalls report %+v: want 3 windows in 5 requests", oc)
	}
	for _, w := range []string{"oncalls 2026-01-01T00:00:00Z..2026-04-01T00:00:00Z", "oncalls 2026-04-01T00:00:00Z..2026-06-30T00:00:00Z", "oncalls 2026-06-30T00:00:00Z..2026-07-15T00:00:00Z"} {
		if !strings.Contains(progress, w) {
			t.Errorf("progress has no window %q:\n%s", w, progress)
		}
	}
	got := onCallHours(t, db)
	// Primary: Dec 29 09:00 to Jul 20 09:00 in weekly shifts, cut to Jan 1 00:00 ..
	// Jul 15 00:00 = 195 days * 24 h = 4680 h, in turn: PUSER00 takes weeks 0, 3, 6 ...
	// Week k runs Dec 29 09:00 + 7k days. PUSER00's first week is cut to Jan 1 00:00 ..
	// Jan 5 09:00 = 105 h; the 29th week (k=28, Jul 13 09:00 ..) is PUSER01's, cut to
	// 39 h. Weeks: PUSER00 k=0,3,..,27 (10 weeks: 105 + 9*168 = 1617 h), PUSER01
	// k=1,4,..,28 (10 weeks: 9*168 + 39 = 1551 h), PUSER02 k=2,..,26 (9 weeks: 1512 h):
	// 1617 + 1551 + 1512 = 4680.
	// Secondary: 195 days, PSEC1 on odd days of the year (Jan 1 is day 1): 98 days, PSEC0 97.
	want := map[string]float64{
		"PUSER00 L1 Payments primary": 1617, "PUSER01 L1 Payments primary": 1551, "PUSER02 L1 Payments primary": 1512,
		"PSEC1 L1 Payments primary": 98 * 24, "PSEC0 L1 Payments primary": 97 * 24,
		"PMGR L2 Payments primary": 4680,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hours on call:\n got %v\nwant %v", got, want)
	}
	if n := count(t, db, `select count(*) from raw_records where kind = 'oncall'`); n != count(t, db, `select count(*) from oncall_shifts`) {
		t.Errorf("%d raw on-call records for the shifts stored", n)
	}

	// Two weeks later the next run goes on from an hour before the last end: the new
	// pieces overlap the stored ones by that hour, and each person's hours grow by the
	// two weeks to Jul 29 00:00 only: PUSER01's week to Jul 20 09:00 (+5 d 9 h), PUSER02's
	// week to Jul 27 09:00 (+168 h), then PUSER00's from Jul 27 09:00 (+39 h).
	if _, err, _ := syncOnce(context.Background(), t, db, srv.URL, newClock(jul15.AddDate(0, 0, 14))); err != nil {
		t.Fatal(err)
	}
	got = onCallHours(t, db)
	want["PUSER01 L1 Payments primary"] += 5*24 + 9
	want["PUSER02 L1 Payments primary"] += 168
	want["PUSER00 L1 Payments primary"] += 39
	want["PMGR L2 Payments primary"] += 14 * 24
	want["PSEC0 L1 Payments primary"] += 2 * 24 // the secondary ends Jul 18: Jul 15 (day 196) and 17
	want["PSEC1 L1 Payments primary"] += 24     // Jul 16
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hours on call after the incremental run:\n got %v\nwant %v", got, want)
	}
}

// TestSyncOnCallsResumesAfterKill stops a sync at the second page of the first on-call
// window and checks that the next run ends with the rows of an uninterrupted one,
// fetching the on-call pages it committed once.
func TestSyncOnCallsResumesAfterKill(t *testing.T) {
	data := onCallAccount(t)
	_, whole := pdt.Serve(t, testToken, data)
	want := ingesttest.OpenDB(t)
	if _, err, _ := syncOnce(context.Background(), t, want, whole.URL, newClock(jul15)); err != nil {
		t.Fatal(err)
	}

	fake := pdt.NewFake(testToken, data)
	var onCallRequests atomic.Int32
	var cancel context.CancelFunc
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oncalls" && onCallRequests.Add(1) == 2 {
			cancel() // the client gives up on this request, as a kill would
		}
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()
	db := ingesttest.OpenDB(t)
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	if _, err, _ := syncOnce(ctx, t, db, srv.URL, newClock(jul15)); err == nil {
		t.Fatal("the sync stopped at its second on-call page did not fail")
	}
	cancel()
	if n := count(t, db, `select count(*) from sync_state where stream = 'oncalls' and cursor like '%"offset":100%'`); n != 1 {
		t.Errorf("the cursor does not stand at the second page of the first window (%d rows)", n)
	}
	onCallRequests.Store(10) // no more stops
	if _, err, _ := syncOnce(context.Background(), t, db, srv.URL, newClock(jul15)); err != nil {
		t.Fatal(err)
	}
	sameRows(t, want, db)
	// 2 before the stop, then the rest of the walk: page 2 of window 1, window 2 (2 pages), window 3.
	if got := onCallRequests.Load() - 10; got != 4 {
		t.Errorf("the resumed run sent %d on-call requests, want 4", got)
	}
}

// TestFakeOnCallsRefusesWhatTheDocsRefuse checks the fake itself: a range over 90 days,
// until before since and an unknown zone are 400s; earliest=true keeps one entry per
// policy, level and user; time_zone renders the times.
func TestFakeOnCallsRefusesWhatTheDocsRefuse(t *testing.T) {
	data := onCallAccount(t)
	_, srv := pdt.Serve(t, testToken, data)
	get := func(q string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/oncalls?"+q, nil)
		req.Header.Set("Authorization", "Token token="+testToken)
		req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	for q, want := range map[string]string{
		"since=2026-01-01T00:00:00Z&until=2026-04-01T00:00:01Z":                     "cannot exceed 90 days",
		"since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z":                     "cannot be before",
		"since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z&time_zone=Mars/Base": "time_zone",
	} {
		if code, body := get(q); code != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %s, want 400 saying %q", q, code, body, want)
		}
	}
	_, body := get("since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z&earliest=true&limit=100")
	// One per person: three primaries, two secondaries, the manager.
	if n := strings.Count(body, `"escalation_level"`); n != 6 {
		t.Errorf("earliest=true listed %d entries, want 6", n)
	}
	_, body = get("since=2026-01-05T00:00:00Z&until=2026-01-05T01:00:00Z&time_zone=Europe/Dublin")
	if !strings.Contains(body, `"start":"2025-12-29T09:00:00Z"`) || !strings.Contains(body, `"start":"2026-01-05T00:00:00Z"`) {
		t.Errorf("Dublin in winter renders UTC times with Z: %s", body)
	}
	_, body = get("since=2026-07-06T10:00:00Z&until=2026-07-06T11:00:00Z&time_zone=Europe/Dublin")
	if !strings.Contains(body, `"start":"2026-07-06T10:00:00+01:00"`) {
		t.Errorf("Dublin in summer renders +01:00: %s", body)
	}
}
