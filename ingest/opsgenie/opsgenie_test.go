package opsgenie

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

const testKey = "6b1e2c7d-0a4f-4e55-9c1d-key-under-test"

var (
	syncNow   = time.Date(2025, 1, 20, 12, 0, 0, 0, time.UTC)
	syncSince = time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)
)

// history is the generated part of the standard test history: 700 alerts in one week,
// more than the (lowered) offset cap lets one window list, and 200 spread over December.
func history() genSpec {
	var at []time.Time
	for i := range 700 {
		at = append(at, time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*14*time.Minute))
	}
	for i := range 200 {
		at = append(at, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*3*time.Hour+17*time.Millisecond))
	}
	return genSpec{users: 12, alerts: at, bigLogEvery: 97}
}

// testCap stands in for Opsgenie's offset cap of 20000, so that a test can exceed it
// with 700 alerts.
const testCap = 300

type harness struct {
	t      *testing.T
	key    string // the API key the collector sends; testKey unless a test sets another
	fake   *fakeOpsgenie
	srv    *httptest.Server
	mu     sync.Mutex
	slept  []time.Duration
	output bytes.Buffer
	// schedules turns on the schedules' timelines, from since (zero: syncSince).
	schedules bool
	since     time.Time
}

func newHarness(t *testing.T, spec genSpec) *harness {
	h := &harness{t: t, key: testKey, fake: newFake(t, testKey, spec)}
	h.fake.offsetCap = testCap
	h.srv = httptest.NewServer(h.fake)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) sync(ctx context.Context, db *sql.DB, now time.Time) (ingest.Report, error) {
	since := syncSince
	if !h.since.IsZero() {
		since = h.since
	}
	c, err := New(Config{
		APIURL: h.srv.URL, Key: h.key, Since: since, Overlap: time.Hour, Window: 30 * 24 * time.Hour, Schedules: h.schedules,
		Progress: &h.output,
		Transport: ingest.Transport{
			Now: func() time.Time { return now },
			// The clock stands still here and every wait is counted as a rate-limit or
			// retry wait: pacing has its own test (ingest's limiter test).
			Limit: rate.Inf,
			Sleep: func(_ context.Context, d time.Duration) error {
				h.mu.Lock()
				defer h.mu.Unlock()
				h.slept = append(h.slept, d)
				return nil
			},
		},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	c.offsetCap = testCap
	w, err := ingest.NewWriter(ctx, db, "opsgenie")
	if err != nil {
		h.t.Fatal(err)
	}
	defer w.Close()
	return c.Sync(ctx, db, w)
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// dump renders every stored row (but the fetch times) as sorted text, to compare stores.
func dump(t testing.TB, db *sql.DB) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"raw_records":     "select kind, record_id, payload::varchar from raw_records",
		"responders":      "select * from responders",
		"services":        "select * from services",
		"incidents":       "select * from incidents",
		"notifications":   "select * from notifications",
		"incident_events": "select * from incident_events",
		"sync_state":      "select source, stream, cursor from sync_state",
		"oncall_shifts":   "select * from oncall_shifts",
	}
	out := map[string][]string{}
	for table, q := range queries {
		for _, vals := range ingesttest.Rows(t, db, q) {
			out[table] = append(out[table], fmt.Sprint(vals...))
		}
		slices.Sort(out[table])
	}
	return out
}

func TestSyncStoresEveryRecordOnce(t *testing.T) {
	h := newHarness(t, history())
	h.fake.throttleEvery, h.fake.failEvery = 41, 53
	db := ingesttest.OpenDB(t)
	st, err := h.sync(context.Background(), db, syncNow)
	if err != nil {
		t.Fatal(err)
	}
	want := h.fake.expected()
	got := map[string]int{
		"incidents":        count(t, db, "select count(*) from incidents"),
		"raw alerts":       count(t, db, "select count(*) from raw_records where kind = 'alert'"),
		"raw alert logs":   count(t, db, "select count(*) from raw_records where kind = 'alert_log'"),
		"raw recipients":   count(t, db, "select count(*) from raw_records where kind = 'alert_recipient'"),
		"notifications":    count(t, db, "select count(*) from notifications"),
		"acknowledgements": count(t, db, "select count(*) from incident_events where kind = 'acknowledge'"),
		"responders":       count(t, db, "select count(*) from responders"),
		"raw users":        count(t, db, "select count(*) from raw_records where kind = 'user'"),
		"raw teams":        count(t, db, "select count(*) from raw_records where kind = 'team'"),
		// every team, plus the sample alert's team that the team list lacks and the
		// integration of the sample alert that has no team
		"services": count(t, db, "select count(*) from services"),
	}
	for name, w := range map[string]int{
		"incidents": want.alerts, "raw alerts": want.alerts, "raw alert logs": want.alertLogs, "raw recipients": want.recipients,
		"notifications": want.notifications, "acknowledgements": want.acks, "responders": want.responders,
		"raw users": want.users, "raw teams": want.teams, "services": want.teams + 2,
	} {
		if got[name] != w {
			t.Errorf("%s: stored %d, the fake holds %d", name, got[name], w)
		}
	}
	if st.Records(StreamAlerts) != want.alerts || st.New["incidents"] != int64(want.alerts) || st.Count(CountNotifications) != want.notifications || st.Records(StreamUsers) != want.users {
		t.Errorf("stats %+v do not match the fake's %+v", st, want)
	}
	if st.Requests != h.fake.requests {
		t.Errorf("stats count %d requests, the fake served %d", st.Requests, h.fake.requests)
	}

	if len(h.fake.refused) != 0 {
		t.Errorf("the fake refused %d requests the documentation does not allow, first: %s", len(h.fake.refused), h.fake.refused[0])
	}
	// The fake answered 429s and 503s along the way; each 429 was waited out for the
	// 60 s of its X-RateLimit-Period-In-Sec, each 503 retried after a backoff (at most
	// the 1 s base delay on a first retry).
	if h.fake.throttled == 0 || h.fake.failed == 0 {
		t.Fatalf("the fake throttled %d and failed %d requests: the test did not exercise retries", h.fake.throttled, h.fake.failed)
	}
	if minutes := countOf(h.slept, time.Minute); minutes != h.fake.throttled {
		t.Errorf("%d waits of the 60 s throttle period for %d throttled requests", minutes, h.fake.throttled)
	}
	if len(h.slept) != h.fake.throttled+h.fake.failed {
		t.Errorf("slept %d times for %d throttled and %d failed requests", len(h.slept), h.fake.throttled, h.fake.failed)
	}

	// 700 alerts in one window cannot be listed under an offset cap of 300: the window
	// was split where each listing reached the cap.
	splits := 0
	for _, q := range h.fake.listQueries {
		m := regexp.MustCompile(`createdAt >= (\d+) .* offset=0$`).FindStringSubmatch(q)
		if m == nil {
			continue
		}
		ms, _ := strconv.ParseInt(m[1], 10, 64)
		from := time.UnixMilli(ms).UTC()
		if from.After(time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)) && from.Before(time.Date(2025, 1, 13, 0, 0, 0, 0, time.UTC)) {
			splits++
		}
	}
	if splits < 2 {
		t.Errorf("the busy week was listed from %d split points, want at least 2 (700 alerts, cap %d)", splits, testCap)
	}

	if !strings.Contains(h.output.String(), "opsgenie: alerts 2025-01-") || !strings.Contains(h.output.String(), "alerts/s") {
		t.Errorf("progress output lacks per-window lines:\n%.600s", h.output.String())
	}
	assertKeyAbsent(t, db)
}

func countOf(ds []time.Duration, d time.Duration) int {
	n := 0
	for _, x := range ds {
		if x == d {
			n++
		}
	}
	return n
}

func assertKeyAbsent(t *testing.T, db *sql.DB) {
	t.Helper()
	for table, rows := range dump(t, db) {
		for _, r := range rows {
			if strings.Contains(r, testKey) {
				t.Fatalf("the API key is stored in %s: %.200s", table, r)
			}
		}
	}
}

func TestSyncMapsTheRealSamples(t *testing.T) {
	h := newHarness(t, history())
	db := ingesttest.OpenDB(t)
	if _, err := h.sync(context.Background(), db, syncNow); err != nil {
		t.Fatal(err)
	}
	type row struct {
		service, title, urgency, priority, resolvedBy, rule, runbook string
		created                                                      time.Time
		acked, resolved                                              sql.NullTime
	}
	get := func(id string) row {
		var r row
		err := db.QueryRow(`select service_id, title, urgency, priority, resolved_by, rule, runbook_url, created_at,
			acknowledged_at, resolved_at from incidents where incident_id = ?`, id).
			Scan(&r.service, &r.title, &r.urgency, &r.priority, &r.resolvedBy, &r.rule, &r.runbook, &r.created, &r.acked, &r.resolved)
		if err != nil {
			t.Fatalf("incident %s: %v", id, err)
		}
		return r
	}

	// The closed sample: report.ackTime 15702 ms and closeTime 60503 ms after creation,
	// closed by neo@opsgenie.com (a person), first responder a team.
	closed := get("80413a06-38d6-4c85-92b8-5ebc900d42e2")
	created := time.Date(2017, 3, 21, 20, 32, 52, 353e6, time.UTC)
	if !closed.created.Equal(created) || !closed.acked.Time.Equal(created.Add(15702*time.Millisecond)) ||
		!closed.resolved.Time.Equal(created.Add(60503*time.Millisecond)) {
		t.Errorf("closed sample times: created %v acked %v resolved %v", closed.created, closed.acked, closed.resolved)
	}
	if closed.resolvedBy != "human" || closed.urgency != "low" || closed.priority != "P4" ||
		closed.service != "team:4513b7ea-3b91-438f-b7e4-e3e54af9147c" || closed.title != "Our servers are in danger" ||
		closed.rule != "" || closed.runbook != "https://wiki.example.com/runbooks/danger" {
		t.Errorf("closed sample mapped to %+v", closed)
	}
	// The open sample has no team among its responders: its integration is the service.
	open := get("70413a06-38d6-4c85-92b8-5ebc900d42e2")
	if open.resolved.Valid || open.acked.Valid || open.resolvedBy != "" || open.service != "integration:4513b7ea-3b91-b7e4-438f-e3e54af9147c" {
		t.Errorf("open sample mapped to %+v", open)
	}
	var integrationName string
	db.QueryRow(`select name from services where service_id = ?`, open.service).Scan(&integrationName)
	if integrationName != "My_Lovely_Amazon" {
		t.Errorf("integration service named %q, want the alert's integration.name", integrationName)
	}

	// Generated alerts: i%3 == 1 was closed by "System", i%3 == 2 by an integration and
	// acknowledged only in its log; P1 is high urgency; every fourth carries a runbook.
	gen := func(i int) string { return fmt.Sprintf("a%06d-0000-4000-8000-%012d", i, i) }
	if r := get(gen(0)); r.resolvedBy != "human" || r.urgency != "high" || r.runbook != "https://wiki.example.com/runbooks/0" || r.service != "team:team-0" {
		t.Errorf("alert 0 mapped to %+v", r)
	}
	if r := get(gen(1)); r.resolvedBy != "auto" || r.urgency != "high" || r.runbook != "" {
		t.Errorf("alert 1 mapped to %+v", r)
	}
	if r := get(gen(2)); r.resolvedBy != "auto" || r.urgency != "low" || r.acked.Valid {
		t.Errorf("alert 2 mapped to %+v", r)
	}
	var ackBy string
	var ackAt time.Time
	if err := db.QueryRow(`select responder_id, occurred_at from incident_events where incident_id = ? and kind = 'acknowledge'`, gen(2)).Scan(&ackBy, &ackAt); err != nil {
		t.Fatalf("alert 2's log acknowledgement: %v", err)
	}
	// Alert 2 is created at 00:28 (2 × 14 min); its log holds the creation, one view and
	// then the acknowledgement, each a second apart.
	if ackBy != "user-0002" || !ackAt.Equal(time.Date(2025, 1, 6, 0, 28, 2, 0, time.UTC)) {
		t.Errorf("alert 2 acknowledged by %s at %v, want user-0002 (oncall2@example.com) at 00:28:02", ackBy, ackAt)
	}

	// Notifications come from the recipients: of the closed sample's five, huongkstn was
	// notified by sms and morpheus by email 1 s after creation (20:32:53.353Z); yenhh8's
	// voice call is in the log as "Could not send", agent_smith's entry records his
	// acknowledgement (no channel) and neo was not active: two notifications.
	type note struct{ person, channel string }
	var notes []note
	rows, _ := db.Query(`select responder_id, channel, notified_at from notifications where incident_id = ? order by channel`, sampleClosed)
	for rows.Next() {
		var n note
		var at time.Time
		rows.Scan(&n.person, &n.channel, &at)
		if want := created.Add(time.Second); !at.Equal(want) {
			t.Errorf("notification %+v at %v, want %v (the recipient's updatedAt)", n, at, want)
		}
		notes = append(notes, n)
	}
	rows.Close()
	if want := []note{{sampleMailed, "email"}, {sampleUser, "sms"}}; !slices.Equal(notes, want) {
		t.Errorf("closed sample's notifications %v, want %v", notes, want)
	}
	if n := count(t, db, `select count(*) from notifications where incident_id = ?`, sampleOpen); n != 0 {
		t.Errorf("the open sample, with no recipients, has %d notifications", n)
	}

	// Every method maps to its channel, in the numbers the fake's recipients give.
	method := map[string]string{"sms": "sms", "voice": "phone", "mobile": "push", "email": "email"}
	want := map[string]int{}
	for id, recs := range h.fake.recipients {
		for _, r := range recs {
			u := r["user"].(map[string]any)["id"].(string)
			if r["state"] == "notified" && !h.fake.undelivered[id+"/"+u] {
				want[method[r["method"].(string)]]++
			}
		}
	}
	got := map[string]int{}
	rows, _ = db.Query(`select channel, count(*) from notifications group by all`)
	for rows.Next() {
		var c string
		var n int
		rows.Scan(&c, &n)
		got[c] = n
	}
	rows.Close()
	if !maps.Equal(got, want) || len(got) != 4 {
		t.Errorf("notifications per channel %v, want %v", got, want)
	}
	if n := count(t, db, `select count(*) from notifications n anti join responders r using (source, responder_id)`); n != 0 {
		t.Errorf("%d notifications name a person the responders table lacks", n)
	}
	var tz, mailedEmail, mailedTZ string
	db.QueryRow(`select time_zone from responders where responder_id = ?`, sampleUser).Scan(&tz)
	if tz != "Asia/Novosibirsk" {
		t.Errorf("sample user's time zone %q, want Asia/Novosibirsk", tz)
	}
	// morpheus is no user of the account: the recipient entry gives id and address only.
	db.QueryRow(`select email, time_zone from responders where responder_id = ?`, sampleMailed).Scan(&mailedEmail, &mailedTZ)
	if mailedEmail != "morpheus@opsgenie.com" || mailedTZ != "" {
		t.Errorf("recipient without a user record stored with e-mail %q, zone %q; want morpheus@opsgenie.com and none", mailedEmail, mailedTZ)
	}
}

func TestSecondSyncStoresNothingNewAndUpdatesClosedAlerts(t *testing.T) {
	h := newHarness(t, history())
	db := ingesttest.OpenDB(t)
	first, err := h.sync(context.Background(), db, syncNow)
	if err != nil {
		t.Fatal(err)
	}
	before := dump(t, db)
	openBefore := count(t, db, "select count(*) from incidents where resolved_at is null")

	// A responder closes an alert that was open at the first sync, created weeks before it.
	reopened := fmt.Sprintf("a%06d-0000-4000-8000-%012d", 9, 9)
	h.fake.closeAlert(reopened, syncNow.Add(30*time.Minute), "oncall3@example.com")

	second, err := h.sync(context.Background(), db, syncNow.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if second.New["incidents"] != 0 {
		t.Errorf("second sync stored %d new alerts, want 0", second.New["incidents"])
	}
	// It lists again from the oldest open alert, and fetches only the alerts stored open.
	if second.Records(StreamAlerts) != openBefore {
		t.Errorf("second sync fetched %d alerts, want the %d stored open", second.Records(StreamAlerts), openBefore)
	}
	if second.Requests >= first.Requests/4 {
		t.Errorf("second sync sent %d requests, the first %d: unchanged closed alerts should not be fetched again", second.Requests, first.Requests)
	}
	after := dump(t, db)
	for table, rows := range before {
		if table != "raw_records" && table != "sync_state" && table != "incidents" && !slices.Equal(rows, after[table]) {
			t.Errorf("%s changed on a second sync: %d rows before, %d after", table, len(rows), len(after[table]))
		}
		if len(rows) != len(after[table]) {
			t.Errorf("%s: %d rows before, %d after the second sync", table, len(rows), len(after[table]))
		}
	}
	var resolvedBy string
	var resolved sql.NullTime
	db.QueryRow(`select resolved_by, resolved_at from incidents where incident_id = ?`, reopened).Scan(&resolvedBy, &resolved)
	if !resolved.Valid || !resolved.Time.Equal(syncNow.Add(30*time.Minute)) || resolvedBy != "human" {
		t.Errorf("alert closed between syncs: resolved %v by %q, want %v by human", resolved, resolvedBy, syncNow.Add(30*time.Minute))
	}

	third, err := h.sync(context.Background(), db, syncNow.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if third.New["incidents"] != 0 || third.Records(StreamAlerts) != openBefore-1 {
		t.Errorf("third sync fetched %d alerts (%d new), want the %d still open and none new", third.Records(StreamAlerts), third.New["incidents"], openBefore-1)
	}
}

func TestKilledSyncResumesToTheSameRows(t *testing.T) {
	spec := history()
	ref := newHarness(t, spec)
	ref.fake.throttleEvery, ref.fake.failEvery = 41, 53
	whole := ingesttest.OpenDB(t)
	if _, err := ref.sync(context.Background(), whole, syncNow); err != nil {
		t.Fatal(err)
	}
	want := dump(t, whole)

	// Kill at three points: among the users, in the middle of the busy week, and near the end.
	for _, killAt := range []int{2, 800, 1700} {
		t.Run(fmt.Sprintf("killed at request %d", killAt), func(t *testing.T) {
			h := newHarness(t, spec)
			h.fake.throttleEvery, h.fake.failEvery = 41, 53
			db := ingesttest.OpenDB(t)
			ctx, cancel := context.WithCancel(context.Background())
			h.fake.onRequest = func(n int) {
				if n == killAt {
					cancel()
				}
			}
			if _, err := h.sync(ctx, db, syncNow); err == nil {
				t.Fatalf("the sync killed at request %d of %d finished", killAt, ref.fake.requests)
			}
			h.fake.onRequest = nil
			if _, err := h.sync(context.Background(), db, syncNow); err != nil {
				t.Fatal(err)
			}
			got := dump(t, db)
			for table, rows := range want {
				if !slices.Equal(rows, got[table]) {
					t.Errorf("%s: %d rows after resuming, %d in an uninterrupted sync (first difference %q)", table, len(got[table]), len(rows), firstDiff(rows, got[table]))
				}
			}
		})
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i]
		}
	}
	return ""
}

func TestFailedSyncSaysHowFarItGotAndHidesTheKey(t *testing.T) {
	h := newHarness(t, history())
	h.fake.echoKeyOnError = true
	h.fake.onRequest = func(n int) {
		if n == 500 {
			h.fake.failEvery = 1 // from here on the API is down
		}
	}
	db := ingesttest.OpenDB(t)
	_, err := h.sync(context.Background(), db, syncNow)
	if err == nil {
		t.Fatal("sync against a failing API succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, testKey) {
		t.Fatalf("error shows the API key: %s", msg)
	}
	for _, want := range []string{"503", "after 6 attempts", "are stored", "running the sync again resumes"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	stored := count(t, db, "select count(*) from incidents")
	if stored == 0 || stored >= h.fake.expected().alerts {
		t.Errorf("%d alerts stored before the API went down, want some but not all", stored)
	}
	assertKeyAbsent(t, db)

	wrong := newHarness(t, history())
	wrong.fake.key = "another-key"
	_, err = wrong.sync(context.Background(), ingesttest.OpenDB(t), syncNow)
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "Could not authenticate") || strings.Contains(err.Error(), testKey) {
		t.Errorf("wrong key: error %v, want the 401 and Opsgenie's message without the key", err)
	}
}
