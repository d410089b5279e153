package grafanaoncall

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/grafanaoncall/oncalltest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

const testToken = "oncall+T0ken-never-stored"

var (
	jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mar1 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
)

// clock is the sync's clock: it moves only when the sync waits, so that tests run fast
// and still see what the sync waited for.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = append(c.waits, d)
	return nil
}

// harness is a fake organisation of 130 alert groups, one every 8 hours from 01:00 on
// 1 January 2026, synced from 1 January with the sync's clock at 1 March. With 30-day
// windows the walk asks for [1 Jan, 31 Jan), which holds groups 0..89 (created before
// 720 h: 1 + 8i < 720), two pages of 50, and [31 Jan, 1 Mar), groups 90..129, one page.
//
// By Org's table (i mod 6; 0..3 occur 22 times in 0..129, 4 and 5 21 times): open 65
// (firing 22, acknowledged 22, silenced 21), resolved by a person 43 (22 + 21), by the
// source 22; acknowledged by a person 44; high urgency 87 (the payments route's 66 and
// direct paging's 21); a runbook on every fourth, 33.
type harness struct {
	fake  *oncalltest.Fake
	url   string
	clock *clock
	opts  func(*Options)
}

func newHarness(t *testing.T) *harness { return newHarnessFor(t, testToken) }

// newHarnessFor serves the organisation to clients that send token.
func newHarnessFor(t *testing.T, token string) *harness {
	d := oncalltest.Org(130, jan1.Add(time.Hour), 8*time.Hour)
	f, srv := oncalltest.Serve(t, token, d)
	return &harness{fake: f, url: srv.URL, clock: &clock{now: mar1}}
}

// Requests of a first sync of the harness without faults: 7 for the lists (routes take
// two pages of 25), 3 for the windows, 3 for the open groups (one page per state).
const firstRunRequests = 7 + 3 + 3

func (h *harness) sync(ctx context.Context, t testing.TB, db *sql.DB) (ingest.Report, string, error) {
	t.Helper()
	var progress bytes.Buffer
	o := Options{APIURL: h.url, Token: testToken, Since: jan1, Progress: &progress,
		Transport: ingest.Transport{Now: h.clock.Now, Sleep: h.clock.Sleep}}
	if h.opts != nil {
		h.opts(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ingest.NewWriter(context.Background(), db, "grafana-oncall")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rep, err := c.Sync(ctx, db, w)
	return rep, progress.String(), err
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkOrg asserts the store holds the harness's organisation, each record once.
func checkOrg(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, c := range []struct {
		what, query string
		want        int
	}{
		{"incidents", `select count(*) from incidents`, 130},
		{"distinct incidents", `select count(distinct incident_id) from incidents`, 130},
		{"open", `select count(*) from incidents where resolved_at is null and resolved_by = ''`, 65},
		{"resolved by a person", `select count(*) from incidents where resolved_by = 'human'`, 43},
		{"resolved by the source", `select count(*) from incidents where resolved_by = 'auto'`, 22},
		{"acknowledged", `select count(*) from incidents where acknowledged_at is not null`, 44},
		{"high urgency", `select count(*) from incidents where urgency = 'high'`, 87},
		{"runbooks", `select count(*) from incidents where runbook_url like 'https://runbooks.example.com/%'`, 33},
		{"templated runbooks", `select count(*) from incidents where runbook_url like '%{{%'`, 0},
		{"payments route rule", `select count(*) from incidents where rule = 'Alertmanager: team="payments"'`, 66},
		{"default route rule", `select count(*) from incidents where rule = 'Alertmanager'`, 43},
		{"services (routes)", `select count(*) from services`, 27},
		{"responders", `select count(*) from responders`, 3},
		{"raw alert groups", `select count(*) from raw_records where kind = 'alert_group'`, 130},
		{"raw routes", `select count(*) from raw_records where kind = 'route'`, 27},
		{"raw records", `select count(*) from raw_records`, 130 + 27 + 3 + 2 + 2 + 4 + 2},
		{"notifications (the API has none)", `select count(*) from notifications`, 0},
	} {
		if got := count(t, db, c.query); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	if n := count(t, db, `select count(*) from raw_records where contains(payload::varchar, ?)`, testToken) +
		count(t, db, `select count(*) from sync_state where contains(cursor, ?)`, testToken); n > 0 {
		t.Errorf("the token is in %d stored rows", n)
	}
}

// dump is every stored row but the fetch times, table by table.
func dump(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, q := range map[string]string{
		"incidents":   `select * exclude (source) from incidents order by incident_id`,
		"services":    `select * from services order by service_id`,
		"responders":  `select * from responders order by responder_id`,
		"raw_records": `select kind, record_id, payload::varchar from raw_records order by kind, record_id`,
		"sync_state":  `select stream, cursor from sync_state order by stream`,
	} {
		for _, vals := range ingesttest.Rows(t, db, q) {
			out[name] = append(out[name], fmt.Sprint(vals...))
		}
	}
	return out
}

func sameRows(t *testing.T, want, got map[string][]string, tables ...string) {
	t.Helper()
	for _, table := range tables {
		if !slices.Equal(want[table], got[table]) {
			diff := ""
			for i := range min(len(want[table]), len(got[table])) {
				if want[table][i] != got[table][i] {
					diff = fmt.Sprintf("%q vs %q", got[table][i], want[table][i])
					break
				}
			}
			t.Errorf("%s: %d rows, want %d (first difference %s)", table, len(got[table]), len(want[table]), diff)
		}
	}
}

var allTables = []string{"incidents", "services", "responders", "raw_records", "sync_state"}

// TestSyncAcrossPages walks the organisation over several pages and windows, and a
// second run finds nothing new but re-reads the open groups.
func TestSyncAcrossPages(t *testing.T) {
	h := newHarness(t)
	db := ingesttest.OpenDB(t)
	rep, progress, err := h.sync(context.Background(), t, db)
	if err != nil {
		t.Fatal(err)
	}
	checkOrg(t, db)
	if rep.Requests != firstRunRequests || h.fake.Requests() != firstRunRequests {
		t.Errorf("%d requests (the fake saw %d), want %d", rep.Requests, h.fake.Requests(), firstRunRequests)
	}
	if rep.Records(StreamAlertGroups) != 130 || rep.Stream(StreamAlertGroups).Windows != 2 || rep.Count(CountOpen) != 0 || rep.Count(CountRefetched) != 0 || rep.Records("routes") != 27 || rep.Records("users") != 3 {
		t.Errorf("report %+v", rep)
	}
	if bad := h.fake.BadRequests(); len(bad) > 0 {
		t.Errorf("the fake refused %v", bad)
	}
	for _, want := range []string{
		"grafana-oncall: routes: 27 records, 2 requests",
		"grafana-oncall: alert groups 2026-01-01T00:00:00Z..2026-01-31T00:00:00Z: 90 records, 2 requests",
		"grafana-oncall: alert groups 2026-01-31T00:00:00Z..2026-03-01T00:00:00Z: 40 records, 1 requests",
	} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress lacks %q:\n%s", want, progress)
		}
	}
	// The first window's second page was asked for as the next link said.
	if !slices.Contains(h.fake.Paths(), "/api/v1/alert_groups/?page=2&started_at=2026-01-01T00%3A00%3A00_2026-01-31T00%3A00%3A00") {
		t.Errorf("no request for page 2 of the first window: %q", h.fake.Paths())
	}
	got := db.QueryRow(`select s.team || '/' || s.rotation || '/' || r.time_zone from incidents i join services s using (source, service_id)
		join responders r on r.responder_id = 'UADA1' where i.incident_id = 'IG00001'`)
	var joined string
	if err := got.Scan(&joined); err != nil || joined != "Payments/payments-primary/Europe/Dublin" {
		t.Errorf("IG00001's team/rotation and ada's zone: %q, %v", joined, err)
	}

	// A day later: one window from an hour before the last run's end, empty, and the 65
	// open groups re-listed (firing, acknowledged and silenced: one page each).
	h.clock.now = mar1.Add(24 * time.Hour)
	before := h.fake.Requests()
	rep, _, err = h.sync(context.Background(), t, db)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records(StreamAlertGroups) != 0 || rep.Count(CountOpen) != 65 || rep.Count(CountRefetched) != 0 || rep.New["incidents"] != 0 || rep.Stored["incidents"] != 65 {
		t.Errorf("second run: groups %d, open %d, refetched %d, incidents stored %d (%d new)",
			rep.Records(StreamAlertGroups), rep.Count(CountOpen), rep.Count(CountRefetched), rep.Stored["incidents"], rep.New["incidents"])
	}
	if n := h.fake.Requests() - before; n != 7+1+3 {
		t.Errorf("second run: %d requests, want 11", n)
	}
	checkOrg(t, db)
}

// A sync killed part-way (the context cancelled during request N) keeps what it
// committed, and the next run ends with exactly the rows of an uninterrupted one,
// through rate limits and server errors.
func TestKilledSyncResumesToTheSameRows(t *testing.T) {
	faults := func(h *harness) { h.fake.RateLimit(5, 2); h.fake.Fail(7, 0) }
	ref := newHarness(t)
	faults(ref)
	whole := ingesttest.OpenDB(t)
	if _, _, err := ref.sync(context.Background(), t, whole); err != nil {
		t.Fatal(err)
	}
	want := dump(t, whole)
	total := ref.fake.Requests()
	// Among the lists, on the first window's second page, and among the open groups.
	for _, killAt := range []int{2, 10, total - 1} {
		t.Run(fmt.Sprintf("killed at request %d of %d", killAt, total), func(t *testing.T) {
			h := newHarness(t)
			faults(h)
			db := ingesttest.OpenDB(t)
			ctx, cancel := context.WithCancel(context.Background())
			h.fake.OnRequest(func(n int) {
				if n == killAt {
					cancel()
				}
			})
			if _, _, err := h.sync(ctx, t, db); err == nil {
				t.Fatal("the killed sync finished")
			}
			h.fake.OnRequest(nil)
			// Resumed at the reference's start, so that its cursor ends where the
			// reference's did; the waits of the killed run moved the clock.
			h.clock.now = mar1
			if _, _, err := h.sync(context.Background(), t, db); err != nil {
				t.Fatal(err)
			}
			sameRows(t, want, dump(t, db), allTables...)
		})
	}
}

// An API that goes down at request 9 (the first window's second page): the sync stops
// with where it was, keeps the first page, and the next run resumes at page 2.
func TestFailedSyncResumesAtThePage(t *testing.T) {
	ref := newHarness(t)
	whole := ingesttest.OpenDB(t)
	if _, _, err := ref.sync(context.Background(), t, whole); err != nil {
		t.Fatal(err)
	}

	h := newHarness(t)
	h.fake.Fail(0, 9)
	db := ingesttest.OpenDB(t)
	_, _, err := h.sync(context.Background(), t, db)
	if err == nil {
		t.Fatal("a sync against a dead API succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"alert groups 2026-01-01T00:00:00Z..2026-01-31T00:00:00Z, page 2", "500", "(after 5 attempts)", "run the sync again"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if n := count(t, db, `select count(*) from incidents`); n != 50 {
		t.Errorf("%d incidents stored before the failure, want the first page's 50", n)
	}
	h.fake.Fail(0, 0)
	h.clock.now = mar1 // the retries' backoff moved the clock; resume at the reference's start
	before := h.fake.Requests()
	if _, _, err := h.sync(context.Background(), t, db); err != nil {
		t.Fatal(err)
	}
	// The lists again (7), the first window from page 2, the second window, the open groups.
	if n := h.fake.Requests() - before; n != 7+2+3 {
		t.Errorf("the resumed run made %d requests, want 12", n)
	}
	sameRows(t, dump(t, whole), dump(t, db), allTables...)
}

// A later run picks up what happened to groups created long before its window: the
// resolve of an acknowledged group (no longer in the open lists: fetched by id), the
// acknowledgement of a firing one (in the acknowledged list), and a deleted group (404:
// kept as stored).
func TestIncrementalRunUpdatesOpenGroups(t *testing.T) {
	h := newHarness(t)
	db := ingesttest.OpenDB(t)
	if _, _, err := h.sync(context.Background(), t, db); err != nil {
		t.Fatal(err)
	}
	created := jan1.Add(time.Hour)
	h.fake.Update("IG00001", func(g *oncalltest.Group) { // created at 09:00, acknowledged by ada at 09:02
		g.ResolvedAt, g.ResolvedBy = created.Add(8*time.Hour+45*time.Minute), "UADA1"
	})
	h.fake.Update("IG00000", func(g *oncalltest.Group) {
		g.AcknowledgedAt, g.AcknowledgedBy = created.Add(50*24*time.Hour), "UBOB2"
	})
	h.fake.Update("IG00006", func(g *oncalltest.Group) { // created at 01:00 on 3 January, firing
		g.ResolvedAt = created.Add(49 * time.Hour) // by the source
	})
	h.fake.Delete("IG00004")
	h.clock.now = mar1.Add(24 * time.Hour)
	before := h.fake.Requests()
	rep, _, err := h.sync(context.Background(), t, db)
	if err != nil {
		t.Fatal(err)
	}
	// Open now: 65 - IG00001 - IG00006 - IG00004 = 62; fetched one by one: IG00001,
	// IG00006 and the deleted IG00004.
	if rep.Count(CountOpen) != 62 || rep.Count(CountRefetched) != 2 || rep.Count(CountGone) != 1 {
		t.Errorf("open %d, refetched %d, gone %d; want 62, 2, 1", rep.Count(CountOpen), rep.Count(CountRefetched), rep.Count(CountGone))
	}
	if n := h.fake.Requests() - before; n != 7+1+3+3 {
		t.Errorf("%d requests, want 14", n)
	}
	for _, c := range []struct{ id, want string }{
		{"IG00001", "human 2026-01-01 09:45:00 acked 2026-01-01 09:02:00"},
		{"IG00000", "- open acked 2026-02-20 01:00:00"},
		{"IG00006", "auto 2026-01-03 02:00:00 acked none"},
		{"IG00004", "- open acked none"}, // deleted in OnCall: kept as it was
	} {
		var got string
		err := db.QueryRow(`select coalesce(nullif(resolved_by, ''), '-') || ' ' || coalesce(strftime(resolved_at, '%Y-%m-%d %H:%M:%S'), 'open')
			|| ' acked ' || coalesce(strftime(acknowledged_at, '%Y-%m-%d %H:%M:%S'), 'none') from incidents where incident_id = ?`, c.id).Scan(&got)
		if err != nil || got != c.want {
			t.Errorf("%s: %q (%v), want %q", c.id, got, err, c.want)
		}
	}
}

// 429s are waited out for as long as Retry-After says, 502s retried, and every record
// is stored once all the same.
func TestSyncWaitsOutRateLimitsAndRetries(t *testing.T) {
	h := newHarness(t)
	h.fake.RateLimit(3, 7)
	h.fake.Fail(5, 0)
	db := ingesttest.OpenDB(t)
	if _, _, err := h.sync(context.Background(), t, db); err != nil {
		t.Fatal(err)
	}
	checkOrg(t, db)
	sevens := 0
	for _, w := range h.clock.waits {
		if w == 7*time.Second {
			sevens++
		}
	}
	if sevens == 0 || sevens < h.fake.Requests()/3-2 {
		t.Errorf("%d waits of the 7 s Retry-After over %d requests (every third a 429): %v", sevens, h.fake.Requests(), h.clock.waits)
	}
}

// A wrong credential or API URL stops the sync at its first answer, saying what was wrong.
func TestSyncStopsAtTheFirstRefusal(t *testing.T) {
	for _, c := range []struct {
		what, fakeToken string
		setup           func(h *harness)
		want            string
	}{
		{"a wrong token", testToken, func(h *harness) { h.opts = func(o *Options) { o.Token = "wrong-" + testToken } }, "403 Forbidden: {\"detail\":\"Invalid token.\"}"},
		{"a proxy's 401", testToken, func(h *harness) { h.fake.Unauthorized(true) }, "401 Unauthorized"},
		{"a service account token without the stack", "glsa_" + testToken, func(h *harness) {
			h.opts = func(o *Options) { o.Token = "glsa_" + testToken }
		}, "Missing X-Grafana-Instance-ID"},
		{"the Grafana stack's URL for OnCall's", testToken, func(h *harness) { h.url += "/grafana" },
			"404 Not Found: {\"detail\":\"Not found.\"} (is the API URL the one OnCall → Settings shows?"},
	} {
		t.Run(c.what, func(t *testing.T) {
			h := newHarnessFor(t, c.fakeToken)
			c.setup(h)
			db := ingesttest.OpenDB(t)
			_, _, err := h.sync(context.Background(), t, db)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("the error shows the token: %v", err)
			}
			if h.fake.Requests() != 1 || count(t, db, `select count(*) from raw_records`) != 0 {
				t.Errorf("%d requests, %d records: want the sync to stop at the first answer", h.fake.Requests(), count(t, db, `select count(*) from raw_records`))
			}
		})
	}
}

// A service account token with its stack named in X-Grafana-URL (Grafana Cloud IRM).
func TestSyncWithAServiceAccountToken(t *testing.T) {
	h := newHarnessFor(t, "glsa_"+testToken)
	h.url += "/api/v1/" // as copied from the docs' examples: allowed
	h.opts = func(o *Options) { o.Token, o.GrafanaURL = "glsa_"+testToken, "https://stack.grafana.example" }
	db := ingesttest.OpenDB(t)
	if _, _, err := h.sync(context.Background(), t, db); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `select count(*) from incidents`); n != 130 {
		t.Errorf("%d incidents, want 130", n)
	}
}

// A token without a permission for the escalation policies: the sync goes on, says so,
// and counts every group whose route has a chain as paging.
func TestSyncGoesOnWithoutAList(t *testing.T) {
	h := newHarness(t)
	h.fake.Deny("escalation_policies")
	db := ingesttest.OpenDB(t)
	rep, progress, err := h.sync(context.Background(), t, db)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Skipped, []string{"escalation_policies"}) || !strings.Contains(progress, "escalation_policies: skipped") {
		t.Errorf("skipped %v; progress:\n%s", rep.Skipped, progress)
	}
	if n := count(t, db, `select count(*) from incidents where urgency = 'high'`); n != 130 {
		t.Errorf("%d high-urgency incidents, want all 130", n)
	}
	if s := rep.Summary("grafana-oncall", time.Second); !strings.Contains(s, "may not read: escalation_policies; see docs/sources.md") {
		t.Errorf("summary does not name the skipped list:\n%s", s)
	}
}

// An older OnCall that ignores started_at lists every group in each request: the sync
// notices, pages newest first once back to its start, and stores the same rows.
func TestSyncAgainstAnOnCallWithoutStartedAt(t *testing.T) {
	ref := newHarness(t)
	whole := ingesttest.OpenDB(t)
	if _, _, err := ref.sync(context.Background(), t, whole); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.fake.IgnoreStartedAt(true)
	db := ingesttest.OpenDB(t)
	rep, progress, err := h.sync(context.Background(), t, db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress, "the API ignores started_at") || rep.Stream(StreamAlertGroups).Windows != 1 || rep.Records(StreamAlertGroups) != 130 {
		t.Errorf("windows %d, groups %d; progress:\n%s", rep.Stream(StreamAlertGroups).Windows, rep.Records(StreamAlertGroups), progress)
	}
	// 7 lists, 3 pages of all 130 groups, 3 open lists.
	if rep.Requests != 7+3+3 {
		t.Errorf("%d requests, want 13", rep.Requests)
	}
	sameRows(t, dump(t, whole), dump(t, db), "incidents", "services", "responders", "raw_records")
}

// Next links that name another host (OnCall's BASE_URL is not the address used) are
// followed at the configured address: the token goes nowhere else.
func TestNextLinksStayOnTheAPIURL(t *testing.T) {
	h := newHarness(t)
	h.fake.NextBase("http://oncall-engine.invalid:8080")
	db := ingesttest.OpenDB(t)
	if _, _, err := h.sync(context.Background(), t, db); err != nil {
		t.Fatal(err)
	}
	checkOrg(t, db)
}

// The real samples, through the fake: the sample group in the older shape makes the sync
// fetch its alerts (none in the sample), and the sample alert's group gets its
// payload's rule name.
func TestSyncTheRealSamples(t *testing.T) {
	d := oncalltest.Org(0, time.Time{}, 0)
	if err := d.AddSamples("testdata"); err != nil {
		t.Fatal(err)
	}
	f, srv := oncalltest.Serve(t, testToken, d)
	h := &harness{fake: f, url: srv.URL, clock: &clock{now: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)}}
	h.opts = func(o *Options) { o.Since = time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC) }
	db := ingesttest.OpenDB(t)
	rep, _, err := h.sync(context.Background(), t, db)
	if err != nil {
		t.Fatal(err)
	}
	// 7 lists, 2 windows (May 1..31, May 31..Jun 1), the alerts of the 2 older-shape
	// groups, 3 open lists.
	if rep.Requests != 7+2+2+3 || rep.Count(CountAlerts) != 1 {
		t.Errorf("%d requests, %d alerts; want 14 and 1", rep.Requests, rep.Count(CountAlerts))
	}
	for _, c := range []struct{ q, want string }{
		{`select title || '|' || resolved_by || '|' || strftime(resolved_at, '%H:%M:%S') || '|' || service_id || '|' || rule from incidents where incident_id = 'I68T24C13IFW1'`,
			"Memory above 90% threshold||13:37:01|RIYGUJXCPFHXY|CFRPV98RPR1U8: route RIYGUJXCPFHXY"},
		{`select labels->>'alertname' || '|' || (resolved_at is null) || '|' || rule || '|' || urgency from incidents where incident_id = 'T3HRAP3K3IKOP'`,
			"Test notification|true|Alertmanager|low"},
		{`select name from services where service_id = 'RIYGUJXCPFHXY'`, "CFRPV98RPR1U8: route RIYGUJXCPFHXY"},
		{`select record_id from raw_records where kind = 'alert'`, "OH3V5FYQEYJ6M"},
	} {
		var got string
		if err := db.QueryRow(c.q).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s\n = %q (%v), want %q", c.q, got, err, c.want)
		}
	}
}
