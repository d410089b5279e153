package pagerduty

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

const testToken = "u+Tok3n-never-stored"

// fakeClock is the sync's clock: it moves only when the sync sleeps, so tests run fast
// and can still see how long the sync would have waited.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	start time.Time
	waits []time.Duration
}

func newClock(at time.Time) *fakeClock { return &fakeClock{now: at, start: at} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	return nil
}

// longWaits counts the waits of at least d: rate-limit waits and backoff, not pacing.
func (c *fakeClock) longWaits(d time.Duration) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, w := range c.waits {
		if w >= d {
			n++
		}
	}
	return n
}

var (
	jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	apr1 = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
)

// syncOnce runs one sync of the fake into db and returns its report, error and
// progress output.
func syncOnce(ctx context.Context, t testing.TB, db *sql.DB, apiURL string, clock *fakeClock) (ingest.Report, error, string) {
	t.Helper()
	return syncSince(ctx, t, db, apiURL, clock, jan1)
}

// syncSince is syncOnce with another backfill start.
func syncSince(ctx context.Context, t testing.TB, db *sql.DB, apiURL string, clock *fakeClock, since time.Time) (ingest.Report, error, string) {
	t.Helper()
	return syncOpts(ctx, t, db, apiURL, clock, since, nil)
}

// syncOpts is syncSince with the options edit sets on top of the usual ones.
func syncOpts(ctx context.Context, t testing.TB, db *sql.DB, apiURL string, clock *fakeClock, since time.Time, edit func(*Options)) (ingest.Report, error, string) {
	t.Helper()
	var progress bytes.Buffer
	opts := Options{APIURL: apiURL, Token: testToken, Since: since, Progress: &progress,
		Transport: ingest.Transport{Now: clock.Now, Sleep: clock.Sleep}}
	if edit != nil {
		edit(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ingest.NewWriter(context.Background(), db, "pagerduty")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rep, err := c.Sync(ctx, db, w)
	return rep, err, progress.String()
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func newTotal(rep ingest.Report) int64 {
	var n int64
	for _, v := range rep.New {
		n += v
	}
	return n
}

// checkAccount asserts the store holds the fake account's records exactly once.
func checkAccount(t *testing.T, db *sql.DB, d *pdt.Data) {
	t.Helper()
	checks := []struct {
		what  string
		query string
		want  int
	}{
		{"incidents", `select count(*) from incidents`, len(d.Incidents)},
		{"distinct incidents", `select count(distinct incident_id) from incidents`, len(d.Incidents)},
		{"notifications", `select count(*) from notifications`, d.Notifications},
		{"events", `select count(*) from incident_events`, d.Events},
		{"runbook events", `select count(*) from incident_events where kind = 'runbook' and detail like 'https://wiki.example.com/runbooks/%'`, d.Runbooks},
		{"responders", `select count(*) from responders`, len(d.Users)},
		{"services", `select count(*) from services`, len(d.Services)},
		{"resolved by a person", `select count(*) from incidents where resolved_by = 'human'`, d.ResolvedByHuman},
		{"resolved automatically", `select count(*) from incidents where resolved_by = 'auto'`, d.ResolvedAuto},
		{"open", `select count(*) from incidents where resolved_at is null and resolved_by = ''`, d.Open},
		{"raw records", `select count(*) from raw_records`, d.Records()},
		{"raw log entries", `select count(*) from raw_records where kind = 'log_entry'`, len(d.LogEntries)},
	}
	for _, c := range checks {
		if got := count(t, db, c.query); got != c.want {
			t.Errorf("%s: %d rows, want %d", c.what, got, c.want)
		}
	}
}

// checkNoToken asserts the token is nowhere in the store.
func checkNoToken(t *testing.T, db *sql.DB) {
	t.Helper()
	if n := count(t, db, `select count(*) from raw_records where contains(payload::varchar, ?)`, testToken); n > 0 {
		t.Errorf("the token is in %d raw records", n)
	}
	if n := count(t, db, `select count(*) from sync_state where contains(cursor, ?) or contains(stream, ?)`, testToken, testToken); n > 0 {
		t.Errorf("the token is in %d cursors", n)
	}
}

// TestSyncBackfillsOnce walks an account with more than 10,000 incidents in one month,
// through 429s and 500s, and checks that every record is stored once, that a second
// run stores nothing new, and that the sync paced itself under the rate limit.
func TestSyncBackfillsOnce(t *testing.T) {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{10150, 250, 200}, Users: 12, LogEvery: 10})
	fake, srv := pdt.Serve(t, testToken, data)
	fake.RateLimit(97, 3)
	fake.Fail(89, 0)
	db := ingesttest.OpenDB(t)
	clock := newClock(apr1)

	rep, err, progress := syncOnce(context.Background(), t, db, srv.URL, clock)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, db, data)
	checkNoToken(t, db)
	if bad := fake.BadRequests(); len(bad) > 0 {
		t.Errorf("the sync sent %d requests the API refuses, first: %s", len(bad), bad[0])
	}
	var incidents *ingest.StreamReport
	for _, s := range rep.Streams {
		if s.Stream == StreamIncidents {
			incidents = s
		}
	}
	if incidents == nil || incidents.Splits == 0 {
		t.Errorf("incidents report %+v: want at least one split window (January holds more than 10,000)", incidents)
	}
	if !strings.Contains(progress, "pagerduty: incidents 2026-01-01T00:00:00Z..") || !strings.Contains(progress, "splitting") {
		t.Errorf("progress does not report windows and splits:\n%s", progress)
	}
	if got := int64(len(data.Incidents)); rep.New["incidents"] != got {
		t.Errorf("report: %d new incidents, want %d", rep.New["incidents"], got)
	}

	// 429s were waited out for their reset (3 s), 500s retried after a backoff (>= 1 s).
	limited := fake.Requests() / 97
	if waits := clock.longWaits(3 * time.Second); waits < limited {
		t.Errorf("%d waits of 3 s or more for %d rate-limited answers", waits, limited)
	}
	// Pacing: never more than 960 requests a minute of the sync's clock.
	elapsed := clock.Now().Sub(clock.start)
	if perMinute := float64(rep.Requests) / elapsed.Minutes(); perMinute > float64(Pace.Requests) {
		t.Errorf("%d requests in %v: %.0f a minute, over the limit of %d", rep.Requests, elapsed, perMinute, Pace.Requests)
	}

	// A second run re-lists the overlap and the still-open incidents but stores nothing new.
	rep2, err, _ := syncOnce(context.Background(), t, db, srv.URL, newClock(apr1.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	if n := newTotal(rep2); n != 0 {
		t.Errorf("second run stored %d new rows: %v", n, rep2.New)
	}
	checkAccount(t, db, data)
	if rep2.Requests >= rep.Requests/4 {
		t.Errorf("second run sent %d requests, the backfill %d: an incremental run should be far smaller", rep2.Requests, rep.Requests)
	}
}

// TestSyncMapsRecords checks the mapped values of a few records against what the fake
// generated them from.
func TestSyncMapsRecords(t *testing.T) {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{120}, Users: 5})
	_, srv := pdt.Serve(t, testToken, data)
	db := ingesttest.OpenDB(t)
	if _, err, _ := syncOnce(context.Background(), t, db, srv.URL, newClock(apr1)); err != nil {
		t.Fatal(err)
	}
	// Names come from the teams and escalation policies, not the stale references.
	var team, rotation string
	if err := db.QueryRow(`select team, rotation from services where service_id = 'PSVC0'`).Scan(&team, &rotation); err != nil {
		t.Fatal(err)
	}
	if team != "Test Team" || rotation != "Payments primary" {
		t.Errorf("PSVC0: team %q, rotation %q; want Test Team, Payments primary", team, rotation)
	}
	if err := db.QueryRow(`select team from services where service_id = 'PSVC3'`).Scan(&team); err != nil || team != "" {
		t.Errorf("PSVC3 has no team: got %q (%v)", team, err)
	}
	var zone string
	if err := db.QueryRow(`select time_zone from responders where responder_id = 'PUSER01'`).Scan(&zone); err != nil || zone != "America/New_York" {
		t.Errorf("PUSER01 time zone %q (%v), want America/New_York", zone, err)
	}
	// Incident 6 (see generate): priority P2 (priorities[6 % 5]), urgency high, resolved
	// by its responder PUSER01 after 30 minutes, who was notified by push (6 % 4).
	var (
		priority, resolvedBy, urgency string
		created, resolved             time.Time
	)
	if err := db.QueryRow(`select priority, resolved_by, urgency, created_at, resolved_at from incidents where incident_id = 'PINC000006'`).
		Scan(&priority, &resolvedBy, &urgency, &created, &resolved); err != nil {
		t.Fatal(err)
	}
	if priority != "P2" || resolvedBy != "human" || urgency != "high" || resolved.Sub(created) != 30*time.Minute {
		t.Errorf("PINC000006: priority %q, resolved by %q, urgency %q, resolved after %v", priority, resolvedBy, urgency, resolved.Sub(created))
	}
	var channel, responder string
	if err := db.QueryRow(`select channel, responder_id from notifications where incident_id = 'PINC000006'`).Scan(&channel, &responder); err != nil {
		t.Fatal(err)
	}
	if channel != ingest.ChannelPush || responder != "PUSER01" {
		t.Errorf("PINC000006 notified %s by %s, want PUSER01 by push", responder, channel)
	}
	kinds := map[string]string{}
	rows, err := db.Query(`select event_id, kind from incident_events where incident_id in ('PINC000070', 'PINC000007')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind string
		rows.Scan(&id, &kind)
		kinds[id] = kind
	}
	want := map[string]string{
		"RPINC00000703": ingest.EventEscalateTimeout,
		"RPINC00007000": ingest.EventRunbook,
		"RPINC00007002": ingest.EventAcknowledge,
		"RPINC00007003": ingest.EventEscalateTimeout,
		// resolves are kept as events, which no model counts (see rereadResolved)
		"RPINC00000704": eventResolve,
		"RPINC00007004": eventResolve,
	}
	for id, kind := range want {
		if kinds[id] != kind {
			t.Errorf("event %s: kind %q, want %q", id, kinds[id], kind)
		}
	}
	if len(kinds) != len(want) {
		t.Errorf("events of PINC000007 and PINC000070: %v, want %v", kinds, want)
	}
}

// TestSyncUpdatesIncidentsThatChanged resolves an incident that was open at the first
// run, and adds new ones; the next run picks up both.
func TestSyncUpdatesIncidentsThatChanged(t *testing.T) {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{0, 0, 400}, Users: 5})
	_, srv := pdt.Serve(t, testToken, data)
	db := ingesttest.OpenDB(t)
	if _, err, _ := syncOnce(context.Background(), t, db, srv.URL, newClock(apr1)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `select count(*) from incidents where incident_id = 'PINC000050' and resolved_at is null`); n != 1 {
		t.Fatalf("PINC000050 should be open after the first run")
	}
	// Ten days later PINC000050 (created early in March) is resolved by a person, and
	// five incidents are new.
	later := apr1.Add(10 * 24 * time.Hour)
	for i := range data.Incidents {
		var inc map[string]any
		if err := json.Unmarshal(data.Incidents[i].Body, &inc); err != nil {
			t.Fatal(err)
		}
		if inc["id"] == "PINC000050" {
			inc["status"], inc["resolved_at"] = "resolved", "2026-04-05T10:00:00Z"
			inc["last_status_change_by"] = pdt.UserRef("PUSER00", "Responder 0")
			data.Incidents[i].Body = pdt.MustJSON(inc)
		}
	}
	incT := pdt.Sample(t, "incidents_records_faros.json")
	for k := 0; k < 5; k++ {
		inc := pdt.Clone(incT)
		inc["id"], inc["created_at"] = fmt.Sprintf("PNEW%d", k), pdt.RFC3339(apr1.Add(time.Duration(k+1)*24*time.Hour))
		data.Incidents = append(data.Incidents, pdt.Record{At: apr1.Add(time.Duration(k+1) * 24 * time.Hour), Body: pdt.MustJSON(inc)})
	}
	rep, err, _ := syncOnce(context.Background(), t, db, srv.URL, newClock(later))
	if err != nil {
		t.Fatal(err)
	}
	var resolvedBy string
	var resolved sql.NullTime
	if err := db.QueryRow(`select resolved_by, resolved_at from incidents where incident_id = 'PINC000050'`).Scan(&resolvedBy, &resolved); err != nil {
		t.Fatal(err)
	}
	if resolvedBy != "human" || !resolved.Valid || !resolved.Time.Equal(time.Date(2026, 4, 5, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("PINC000050 after the second run: resolved by %q at %v, want human at 2026-04-05 10:00", resolvedBy, resolved)
	}
	if rep.New["incidents"] != 5 {
		t.Errorf("second run: %d new incidents, want 5", rep.New["incidents"])
	}
}

// dump reads a table's rows, sorted, as text, to compare two stores.
func dump(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	var out []string
	for _, vals := range ingesttest.Rows(t, db, query) {
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}

// sameRows asserts two stores hold the same records (fetched_at and the cursors'
// bookkeeping aside).
func sameRows(t *testing.T, want, got *sql.DB) {
	t.Helper()
	for _, q := range []string{
		`select * from responders order by all`,
		`select * from services order by all`,
		`select * from incidents order by all`,
		`select * from notifications order by all`,
		`select * from incident_events order by all`,
		`select * from oncall_shifts order by all`,
		`select source, kind, record_id, payload::varchar from raw_records order by all`,
	} {
		w, g := dump(t, want, q), dump(t, got, q)
		if len(w) != len(g) {
			t.Errorf("%s: %d rows, want %d", q, len(g), len(w))
			continue
		}
		for i := range w {
			if w[i] != g[i] {
				t.Errorf("%s: row %d is\n%s\nwant\n%s", q, i, g[i], w[i])
				break
			}
		}
	}
}

// TestSyncResumesAfterKill kills a sync in each stream in turn and checks that the runs
// that follow end with the rows of one uninterrupted sync, fetching little again.
func TestSyncResumesAfterKill(t *testing.T) {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{450, 300, 250}, Users: 8})
	fake, srv := pdt.Serve(t, testToken, data)

	whole := ingesttest.OpenDB(t)
	rep, err, _ := syncOnce(context.Background(), t, whole, srv.URL, newClock(apr1))
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, whole, data)

	killed := ingesttest.OpenDB(t)
	requests := 0
	// Request 3 is /users, 7 a page of incidents, 25 a page of log entries; the first
	// kill comes before any stream has a cursor.
	for _, at := range []int{3, 7, 25} {
		ctx, cancel := context.WithCancel(context.Background())
		base := fake.Requests()
		fake.OnRequest(func(n int) {
			if n == base+at {
				cancel()
			}
		})
		// Runs after the first say another --since: the streams still start from the
		// first run's, the one stored before any stream had a cursor.
		since := jan1
		if at != 3 {
			since = apr1.AddDate(0, 0, -7)
		}
		r, err, _ := syncSince(ctx, t, killed, srv.URL, newClock(apr1), since)
		cancel()
		if err == nil {
			t.Fatalf("the sync killed at its request %d did not fail", at)
		}
		requests += r.Requests
	}
	fake.OnRequest(nil)
	r, err, _ := syncSince(context.Background(), t, killed, srv.URL, newClock(apr1), apr1.AddDate(0, 0, -7))
	if err != nil {
		t.Fatal(err)
	}
	requests += r.Requests
	sameRows(t, whole, killed)

	// Resuming costs at most: the whole run, one incremental run (the last run re-lists
	// the recent incidents, as any run after a finished stream does), and for each kill
	// the four small lists again and the page that was in flight.
	again, err, _ := syncOnce(context.Background(), t, whole, srv.URL, newClock(apr1))
	if err != nil {
		t.Fatal(err)
	}
	if bound := rep.Requests + again.Requests + 3*(4+1); requests > bound {
		t.Errorf("the killed runs sent %d requests in all; the whole run %d, an incremental run %d: more than %d", requests, rep.Requests, again.Requests, bound)
	}
}

// TestSyncGivesUpOnServerErrors lets the fake die half-way through the incidents: the
// sync retries, then fails saying how far it got, and a later run completes.
func TestSyncGivesUpOnServerErrors(t *testing.T) {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{300, 200}, Users: 4})
	fake, srv := pdt.Serve(t, testToken, data)
	fake.Fail(0, 7) // teams, policies, users, services, then 2 pages of incidents
	db := ingesttest.OpenDB(t)
	clock := newClock(apr1)
	_, err, _ := syncOnce(context.Background(), t, db, srv.URL, clock)
	if err == nil {
		t.Fatal("the sync did not fail against a dead server")
	}
	msg := err.Error()
	t.Logf("what the user sees: %s", msg)
	for _, want := range []string{
		"pagerduty: incidents window 2026-01-01T00:00:00Z..2026-04-01T00:00:00Z at offset 200",
		"500", "after 5 attempts",
		"stored before this: 5 teams, 3 escalation policies, 4 users, 4 services, 200 incidents",
		"run the sync again to resume",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, testToken) {
		t.Errorf("the error shows the token: %s", msg)
	}
	if retries := clock.longWaits(time.Second / 2); retries != 4 {
		t.Errorf("%d backoff waits before giving up, want 4 (the default retries)", retries)
	}
	if n := count(t, db, `select count(*) from incidents`); n != 200 {
		t.Errorf("%d incidents stored, want the 200 of the pages committed before the failure", n)
	}

	fake.Fail(0, 0)
	if _, err, _ := syncOnce(context.Background(), t, db, srv.URL, newClock(apr1)); err != nil {
		t.Fatal(err)
	}
	checkAccount(t, db, data)
}

// TestSyncWaitsForRateLimitReset answers every other request with a 429 and checks the
// sync waits for the reset the header gives each time, and still stores everything.
func TestSyncWaitsForRateLimitReset(t *testing.T) {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{150}, Users: 3})
	fake, srv := pdt.Serve(t, testToken, data)
	fake.RateLimit(2, 7)
	db := ingesttest.OpenDB(t)
	clock := newClock(apr1)
	rep, err, _ := syncOnce(context.Background(), t, db, srv.URL, clock)
	if err != nil {
		t.Fatal(err)
	}
	checkAccount(t, db, data)
	limited := fake.Requests() / 2
	if waits := clock.longWaits(7 * time.Second); waits != limited {
		t.Errorf("%d waits of 7 s or more for %d answers that said to wait 7 s", waits, limited)
	}
	if long := clock.longWaits(8 * time.Second); long != 0 {
		t.Errorf("%d waits longer than the 7 s the reset header asked for", long)
	}
	if rep.Requests != fake.Requests() {
		t.Errorf("report counts %d requests, the fake answered %d", rep.Requests, fake.Requests())
	}
}

// TestSyncRefusesABadToken checks that a 401 stops the sync with a clear error that
// does not show the token.
func TestSyncRefusesABadToken(t *testing.T) {
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{10}, Users: 1})
	_, srv := pdt.Serve(t, "another-token", data)
	_, err, _ := syncOnce(context.Background(), t, ingesttest.OpenDB(t), srv.URL, newClock(apr1))
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "teams") {
		t.Fatalf("error %v: want a 401 on the first list, teams", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("the error shows the token: %v", err)
	}
}
