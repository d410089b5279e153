package pagerduty

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

// syncWith runs one sync at now with the options the test sets on top of the usual ones.
func syncWith(t *testing.T, db *sql.DB, apiURL string, now time.Time, since time.Time, edit func(*Options)) (ingest.Report, error, string) {
	t.Helper()
	return syncOpts(context.Background(), t, db, apiURL, newClock(now), since, edit)
}

func build(t *testing.T, db *sql.DB) {
	t.Helper()
	cfg, err := config.Parse([]byte(""), "test config") // reporting zone UTC, no rotation zones
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Build(context.Background(), db, cfg); err != nil {
		t.Fatal(err)
	}
}

func streamOf(rep ingest.Report, name string) *ingest.StreamReport {
	for _, s := range rep.Streams {
		if s.Stream == name {
			return s
		}
	}
	return nil
}

var (
	dec1  = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	feb1  = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	chi   = "America/Chicago"
	local = func(s string) time.Time { t, _ := time.Parse("2006-01-02 15:04:05", s); return t }
)

// The documented account (pagerdutytest.Documented, every record written to the
// schema), synced on 2026-02-01 by an account without the Teams feature (402 on
// /teams) whose time zone is America/Chicago, then built with the default config
// (reporting zone UTC). Worked by hand:
//
//   - PINC001 (Tuesday 2026-01-13 03:00Z, high): Ada (Europe/Dublin, UTC+0 in January)
//     is phoned at 03:00:30Z, 03:00 local: a sleep-hours page of Ada. Her SMS at 03:00:40
//     failed: no interruption. Cai's push at 03:02:30Z belongs to PINC002, which was
//     merged into PINC001 (resolve_reason): it counts for PINC001, so 2 people were
//     interrupted. Its own policy and team (Platform on-call, Platform) win over its
//     service's current ones (Payments primary, Payments). Snooze, unacknowledge, assign
//     and delegate entries change nothing.
//   - PINC002: merged, so no incident (no page, no noise) of its own.
//   - PINC003 (Wednesday 2026-01-14 23:30Z, high): Ben has no time zone; in the
//     account's, UTC-6, his SMS at 23:30:30Z reached him at 17:30:30 on Wednesday:
//     business hours, a page but not after hours (in UTC it would have been a sleep-hours
//     page). The e-mail entry without a user is kept raw only and counted.
//   - PINC004 (low, no service): Cai's two notifications are chat (no means given) and
//     e-mail (user only in channel.notification.user): no interruption, and since it has
//     notification records it is no inferred page either.
//
// January 2026: 2 pages, 1 after hours, 1 in sleep hours; 3 people paged (Ada, Cai,
// Ben), 1 woken (Ada).
func TestDocumentedAccountHandWorked(t *testing.T) {
	data := pdt.Documented(t)
	fake, srv := pdt.Serve(t, testToken, data)
	fake.Refuse("/teams", http.StatusPaymentRequired)
	db := ingesttest.OpenDB(t)
	rep, err, progress := syncWith(t, db, srv.URL, feb1, dec1, func(o *Options) { o.AccountTimeZone = chi })
	if err != nil {
		t.Fatalf("the sync failed: %v\n%s", err, progress)
	}
	if bad := fake.BadRequests(); len(bad) > 0 {
		t.Errorf("the fake refused %d requests, first: %s", len(bad), bad[0])
	}
	if !slices.Equal(rep.Skipped, []string{"teams: 402 Payment Required"}) {
		t.Errorf("skipped %q, want teams: 402 Payment Required", rep.Skipped)
	}
	if !strings.Contains(progress, "pagerduty: warning: teams skipped, the account or key may not read them") {
		t.Errorf("progress does not warn of the skipped teams:\n%s", progress)
	}
	if rep.Count(NoteMerged) != 1 || rep.Count(NoteNoService) != 1 || rep.Count(NoteFailedDeliveries) != 1 || rep.Count(NoteUnknownMethods) != 1 || rep.Count(NoteAccountZoneUsers) != 1 {
		t.Errorf("report: merged %d, no service %d, failed %d, unknown means %d, account-zone users %d; want 1 each",
			rep.Count(NoteMerged), rep.Count(NoteNoService), rep.Count(NoteFailedDeliveries), rep.Count(NoteUnknownMethods), rep.Count(NoteAccountZoneUsers))
	}
	le := streamOf(rep, StreamLogEntries)
	if le == nil || le.Records != 21 || le.Unmapped != 1 || len(le.UnmappedIDs) != 1 || !strings.HasPrefix(le.UnmappedIDs[0], "L00303: notify_log_entry without a user") {
		t.Errorf("log entries report %+v: want 21 records, 1 unmapped (L00303, no user)", le)
	}
	if !strings.Contains(progress, "log_entries: 1 records could not be mapped and are kept raw only (first: L00303") {
		t.Errorf("progress does not name the unmapped entry:\n%s", progress)
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{`select count(*) from raw_records where kind = 'log_entry'`, 21},
		{`select count(*) from raw_records where kind = 'team'`, 0},
		{`select count(*) from incidents`, 4},
		// L00102 phone, L00103 failed SMS (chat), L00202 push, L00302 SMS, L00402 chat,
		// L00403 e-mail; not L00303
		{`select count(*) from notifications`, 6},
		{`select count(*) from notifications where channel in ('phone', 'sms', 'push')`, 3},
		// the acknowledgement L00104 and the four resolves
		{`select count(*) from incident_events`, 5},
		{`select count(*) from incident_events where kind = 'resolve'`, 4},
		{`select count(*) from responders where responder_id = 'PBEN02' and time_zone = 'America/Chicago'`, 1},
		{`select count(*) from incidents where incident_id = 'PINC004' and service_id = ''`, 1},
	} {
		if got := count(t, db, c.query); got != c.want {
			t.Errorf("%s: %d, want %d", c.query, got, c.want)
		}
	}

	build(t, db)
	type facts struct {
		page, afterHours, sleep bool
		people                  int
		responder, zone, team   string
		rotation, window        string
		localAt                 time.Time
	}
	get := func(id string) (f facts, ok bool) {
		var responder, zone, window sql.NullString
		var at sql.NullTime
		err := db.QueryRow(`select is_page, is_after_hours, is_sleep_hours, people_interrupted, first_responder_id, page_time_zone,
			team, rotation, page_window, page_local_at from incident_facts where incident_id = ?`, id).
			Scan(&f.page, &f.afterHours, &f.sleep, &f.people, &responder, &zone, &f.team, &f.rotation, &window, &at)
		if err == sql.ErrNoRows {
			return f, false
		}
		if err != nil {
			t.Fatal(err)
		}
		f.responder, f.zone, f.window, f.localAt = responder.String, zone.String, window.String, at.Time
		return f, true
	}
	want := map[string]facts{
		"PINC001": {page: true, afterHours: true, sleep: true, people: 2, responder: "PADA01", zone: "Europe/Dublin",
			team: "Platform", rotation: "Platform on-call", window: "sleep", localAt: local("2026-01-13 03:00:30")},
		"PINC003": {page: true, people: 1, responder: "PBEN02", zone: chi, team: "Payments", rotation: "Payments primary",
			window: "business", localAt: local("2026-01-14 17:30:30")},
		"PINC004": {team: "Payments", rotation: "Payments primary"},
	}
	for id, w := range want {
		got, ok := get(id)
		if !ok {
			t.Errorf("%s: not in incident_facts", id)
			continue
		}
		if got.page != w.page || got.afterHours != w.afterHours || got.sleep != w.sleep || got.people != w.people ||
			got.responder != w.responder || got.zone != w.zone || got.team != w.team || got.rotation != w.rotation ||
			got.window != w.window || !got.localAt.Equal(w.localAt) {
			t.Errorf("%s:\n got %+v\nwant %+v", id, got, w)
		}
	}
	if _, ok := get("PINC002"); ok {
		t.Errorf("PINC002 was merged into PINC001 but is an incident of its own")
	}
	var pages, afterHours, sleep, paged, woken int
	if err := db.QueryRow(`select pages, after_hours_pages, sleep_hours_pages, people_paged, people_woken from monthly_goal
		where scope_type = 'org' and month = date '2026-01-01'`).Scan(&pages, &afterHours, &sleep, &paged, &woken); err != nil {
		t.Fatal(err)
	}
	if pages != 2 || afterHours != 1 || sleep != 1 || paged != 3 || woken != 1 {
		t.Errorf("January 2026: %d pages, %d after hours, %d sleep, %d people paged, %d woken; want 2, 1, 1, 3, 1", pages, afterHours, sleep, paged, woken)
	}

	// The stream moved past the entry it could not map: a second run a day later
	// fetches only the overlap and has every entry stored once.
	rep2, err, _ := syncWith(t, db, srv.URL, feb1.Add(24*time.Hour), dec1, func(o *Options) { o.AccountTimeZone = chi })
	if err != nil {
		t.Fatal(err)
	}
	if n := newTotal(rep2); n != 0 {
		t.Errorf("the second run stored %d new rows: %v", n, rep2.New)
	}
	if n := count(t, db, `select count(*) from raw_records where kind = 'log_entry'`); n != 21 {
		t.Errorf("%d raw log entries after two runs, want 21", n)
	}
}

// Without --account-time-zone a user without one keeps none, and the models judge him
// in the organisation's zone (UTC here): PINC003's SMS at 23:30:30Z is then a
// sleep-hours page. This is the figure the account's zone corrects.
func TestUserWithoutZoneWithoutAccountZone(t *testing.T) {
	_, srv := pdt.Serve(t, testToken, pdt.Documented(t))
	db := ingesttest.OpenDB(t)
	rep, err, _ := syncWith(t, db, srv.URL, feb1, dec1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(NoteAccountZoneUsers) != 0 || count(t, db, `select count(*) from responders where responder_id = 'PBEN02' and time_zone = ''`) != 1 {
		t.Errorf("PBEN02 got a zone without an account zone given (%d users)", rep.Count(NoteAccountZoneUsers))
	}
	build(t, db)
	var window string
	if err := db.QueryRow(`select page_window from incident_facts where incident_id = 'PINC003'`).Scan(&window); err != nil || window != "sleep" {
		t.Errorf("PINC003 judged in UTC: window %q (%v), want sleep", window, err)
	}
	if _, err := New(Options{Token: "x", Since: dec1, AccountTimeZone: "Mars/Olympus"}); err == nil ||
		!strings.Contains(err.Error(), `account time zone: want an IANA name such as Europe/Dublin, got "Mars/Olympus"`) {
		t.Errorf("an unknown account zone: %v", err)
	}
}

// Each stream the sync can do without is skipped on a 402 or 403 with a warning, and
// the incidents still arrive; a 403 on incidents stops the sync.
func TestSkipsStreamsTheKeyMayNotRead(t *testing.T) {
	for _, c := range []struct {
		path, stream string
		status       int
		table        string // holds nothing from the skipped stream
	}{
		{"/teams", StreamTeams, 403, `select count(*) from raw_records where kind = 'team'`},
		{"/escalation_policies", StreamEscalationPolicies, 403, `select count(*) from raw_records where kind = 'escalation_policy'`},
		{"/users", StreamUsers, 403, `select count(*) from responders`},
		{"/services", StreamServices, 402, `select count(*) from services`},
		{"/oncalls", StreamOnCalls, 403, `select count(*) from oncall_shifts`},
	} {
		t.Run(c.stream, func(t *testing.T) {
			fake, srv := pdt.Serve(t, testToken, pdt.Documented(t))
			fake.Refuse(c.path, c.status)
			db := ingesttest.OpenDB(t)
			rep, err, progress := syncWith(t, db, srv.URL, feb1, dec1, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := c.stream + ": " + map[int]string{402: "402 Payment Required", 403: "403 Forbidden"}[c.status]
			if !slices.Equal(rep.Skipped, []string{want}) || !strings.Contains(progress, "warning: "+c.stream+" skipped") {
				t.Errorf("skipped %q, want %q; progress:\n%s", rep.Skipped, want, progress)
			}
			if n := count(t, db, c.table); n != 0 {
				t.Errorf("%s: %d", c.table, n)
			}
			if n := count(t, db, `select count(*) from incidents`); n != 4 {
				t.Errorf("%d incidents stored, want the account's 4", n)
			}
		})
	}
	fake, srv := pdt.Serve(t, testToken, pdt.Documented(t))
	fake.Refuse("/incidents", http.StatusForbidden)
	_, err, _ := syncWith(t, ingesttest.OpenDB(t), srv.URL, feb1, dec1, nil)
	if err == nil || !strings.Contains(err.Error(), "pagerduty: incidents window") || !strings.Contains(err.Error(), `403 Forbidden: {"error":{"message":"Access Denied","code":2010}}`) {
		t.Errorf("a 403 on incidents: %v, want the sync to stop naming the window and the error", err)
	}
}

// PINC005 was created on 2025-12-01 and was still open at the run of 2026-01-05. By the
// run of 2026-02-01 it is 35 days older than the last run's end, past the 30-day
// lookback, so /incidents does not list it again; its resolve entry (2026-01-20 12:00,
// Ada) arrives in the log, and the run reads GET /incidents/PINC005: resolved at
// 12:00 by a person. A run after that reads nothing again.
func TestOldOpenIncidentIsClosedFromItsResolveEntry(t *testing.T) {
	full := pdt.Documented(t)
	data := &pdt.Data{Users: full.Users, Teams: full.Teams, Policies: full.Policies, Services: full.Services}
	inc := full.Incidents[3].Decode(t) // PINC004, as the template
	created := time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)
	inc["id"], inc["incident_number"], inc["title"] = "PINC005", 105, "Disk 91% full on db-2"
	inc["created_at"], inc["updated_at"], inc["last_status_change_at"] = pdt.RFC3339(created), pdt.RFC3339(created), pdt.RFC3339(created)
	inc["status"], inc["resolved_at"], inc["last_status_change_by"] = "triggered", nil, nil
	data.Incidents = []pdt.Record{{At: created, Body: pdt.MustJSON(inc)}}
	fake, srv := pdt.Serve(t, testToken, data)
	db := ingesttest.OpenDB(t)
	if _, err, _ := syncWith(t, db, srv.URL, time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2025, 11, 30, 0, 0, 0, 0, time.UTC), nil); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `select count(*) from incidents where incident_id = 'PINC005' and resolved_at is null`); n != 1 {
		t.Fatalf("PINC005 should be stored open after the first run")
	}

	resolved := time.Date(2026, 1, 20, 12, 0, 0, 0, time.UTC)
	inc["status"], inc["resolved_at"], inc["last_status_change_at"] = "resolved", pdt.RFC3339(resolved), pdt.RFC3339(resolved)
	inc["last_status_change_by"] = pdt.UserRef("PADA01", "Ada Lovelace")
	data.Incidents[0].Body = pdt.MustJSON(inc)
	entry := full.LogEntries[len(full.LogEntries)-1].Decode(t) // L00404, a resolve entry
	entry["id"], entry["created_at"], entry["agent"] = "L00502", pdt.RFC3339(resolved), pdt.UserRef("PADA01", "Ada Lovelace")
	entry["incident"].(map[string]any)["id"] = "PINC005"
	data.LogEntries = []pdt.Record{{At: resolved, Body: pdt.MustJSON(entry)}}
	before := len(fake.Paths())
	rep, err, progress := syncWith(t, db, srv.URL, feb1, dec1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var relisted, reread int
	for _, p := range fake.Paths()[before:] {
		if strings.HasPrefix(p, "/incidents?") && strings.Contains(p, "since=2025-12-01") {
			relisted++
		}
		if p == "/incidents/PINC005" {
			reread++
		}
	}
	if relisted != 0 || reread != 1 {
		t.Errorf("second run: %d lists of incidents from 2025-12-01, %d reads of PINC005; want 0 and 1", relisted, reread)
	}
	var by string
	var at sql.NullTime
	if err := db.QueryRow(`select resolved_by, resolved_at from incidents where incident_id = 'PINC005'`).Scan(&by, &at); err != nil {
		t.Fatal(err)
	}
	if by != ingest.ResolvedByHuman || !at.Time.Equal(resolved) {
		t.Errorf("PINC005 after the second run: resolved by %q at %v, want human at %v", by, at.Time, resolved)
	}
	if s := streamOf(rep, StreamResolved); s == nil || s.Records != 1 || s.Requests != 1 || !strings.Contains(progress, "pagerduty: resolved_incidents: 1 records, 1 requests") {
		t.Errorf("resolved_incidents report %+v; progress:\n%s", s, progress)
	}
	rep, err, _ = syncWith(t, db, srv.URL, feb1.Add(time.Hour), dec1, nil)
	if s := streamOf(rep, StreamResolved); err != nil || s == nil || s.Requests != 0 {
		t.Errorf("a third run read resolved incidents again: %+v, %v", s, err)
	}
}

// The fake holds a client to what the documentation says, with PagerDuty's error
// document: these are the refusals the collector must never see (TestDocumented... and
// the backfill tests assert it sent none).
func TestFakeRefusesWhatTheDocsRefuse(t *testing.T) {
	fake, srv := pdt.Serve(t, testToken, pdt.Documented(t))
	fake.Refuse("/users", http.StatusForbidden)
	fake.Refuse("/teams", http.StatusPaymentRequired)
	const v2 = "application/vnd.pagerduty+json;version=2"
	cases := []struct {
		path, accept string
		status, code int
		detail       string
	}{
		{"/services?limit=101", v2, 400, 2001, "limit must be a number from 1 to 100"},
		{"/services?limit=100&offset=9901", v2, 400, 2001, "Offset+limit must be less than or equal to 10000"},
		{"/services?total=yes", v2, 400, 2001, "total must be true or false"},
		{"/services?sort_by=created_at", v2, 400, 2001, `sort_by "created_at"`},
		{"/incidents?sort_by=created_at:up", v2, 400, 2001, `sort_by "created_at:up"`},
		{"/incidents?sort_by=created_at,urgency,incident_number", v2, 400, 2001, "want at most two"},
		{"/log_entries?since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z&include[]=notifications", v2, 400, 2001, `include[] "notifications"`},
		{"/log_entries?since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z&time_zone=Mars/Olympus", v2, 400, 2001, "time_zone is not a known time zone"},
		{"/log_entries?since=yesterday&until=2026-02-01T00:00:00Z", v2, 400, 2004, "since must be an ISO 8601 time"},
		{"/incidents?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", v2, 400, 2005, "since must be before until"},
		{"/incidents?since=2025-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", v2, 400, 2005, "Date range cannot exceed 6 months"},
		{"/services", "", 400, 2001, "Accept must be application/vnd.pagerduty+json;version=2"},
		{"/services", "application/json", 400, 2001, "Accept must be"},
		{"/services", "application/vnd.pagerduty+json;version=1", 400, 2001, "Accept must be"},
		{"/users", v2, 403, 2010, ""},
		{"/teams", v2, 402, 2014, ""},
		{"/incidents/PNOSUCH", v2, 404, 2100, ""},
		{"/services", "application/vnd.pagerduty+json; version=2", 200, 0, ""},
		{"/incidents/PINC002", v2, 200, 0, ""},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
		req.Header.Set("Authorization", "Token token="+testToken)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error *struct {
				Code   int      `json:"code"`
				Errors []string `json:"errors"`
			} `json:"error"`
			Incident *struct {
				ResolveReason struct{ Type string } `json:"resolve_reason"`
			} `json:"incident"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		switch {
		case resp.StatusCode != c.status:
			t.Errorf("%s (Accept %q): %d, want %d", c.path, c.accept, resp.StatusCode, c.status)
		case c.code != 0 && (body.Error == nil || body.Error.Code != c.code || (c.detail != "" && !strings.Contains(strings.Join(body.Error.Errors, "; "), c.detail))):
			t.Errorf("%s: error %+v, want code %d saying %q", c.path, body.Error, c.code, c.detail)
		case c.path == "/incidents/PINC002" && (body.Incident == nil || body.Incident.ResolveReason.Type != "merge_resolve_reason"):
			t.Errorf("GET /incidents/PINC002: %+v, want the merged incident", body.Incident)
		}
	}

	// A 429 carries the documented rate-limit headers.
	fake.RateLimit(1, 20)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/services", nil)
	req.Header.Set("Authorization", "Token token="+testToken)
	req.Header.Set("Accept", v2)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("ratelimit-limit") != "960" || resp.Header.Get("ratelimit-remaining") != "0" || resp.Header.Get("ratelimit-reset") != "20" {
		t.Errorf("429: status %d, headers %v", resp.StatusCode, resp.Header)
	}
}
