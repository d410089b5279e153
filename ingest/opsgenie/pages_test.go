package opsgenie

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// build runs every model over what the syncs stored, with the config document yml.
func build(t *testing.T, db *sql.DB, yml string) {
	t.Helper()
	cfg, err := config.Parse([]byte(yml), "test config")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Build(context.Background(), db, cfg); err != nil {
		t.Fatal(err)
	}
}

type pageFacts struct {
	isPage, inferred, afterHours, sleep bool
	window, responder, zone, month      string
	pagedAt, localAt                    time.Time
}

func factsOf(t *testing.T, db *sql.DB, id string) pageFacts {
	t.Helper()
	var f pageFacts
	var pagedAt, localAt sql.NullTime
	var window, responder, zone sql.NullString
	err := db.QueryRow(`select is_page, is_inferred, is_after_hours, is_sleep_hours, page_window, first_responder_id,
		page_time_zone, strftime(month, '%Y-%m'), paged_at, page_local_at from incident_facts where incident_id = ?`, id).
		Scan(&f.isPage, &f.inferred, &f.afterHours, &f.sleep, &window, &responder, &zone, &f.month, &pagedAt, &localAt)
	if err != nil {
		t.Fatalf("incident_facts of %s: %v", id, err)
	}
	f.window, f.responder, f.zone, f.pagedAt, f.localAt = window.String, responder.String, zone.String, pagedAt.Time, localAt.Time
	return f
}

type goalRow struct{ pages, afterHours, sleep, peoplePaged, woken int }

func orgGoal(t *testing.T, db *sql.DB, month string) goalRow {
	t.Helper()
	var g goalRow
	err := db.QueryRow(`select pages, after_hours_pages, sleep_hours_pages, people_paged, people_woken from monthly_goal
		where scope_type = 'org' and strftime(month, '%Y-%m') = ?`, month).Scan(&g.pages, &g.afterHours, &g.sleep, &g.peoplePaged, &g.woken)
	if err != nil {
		t.Fatalf("monthly_goal of %s: %v", month, err)
	}
	return g
}

// The closed sample alert was created on Tuesday 2017-03-21 at 20:32:52.353Z. Its
// recipients say huongkstn@gmail.com was sent an SMS 1 s later, at 20:32:53.353Z; her
// user record (GET /v2/users) puts her in Asia/Novosibirsk, UTC+7 all year since July
// 2016, so it reached her at 03:32:53 on Wednesday the 22nd: inside sleep hours
// (22:00-08:00). It is a page (an SMS interrupts), after hours and in sleep hours, of
// her; in UTC it would have been 20:32, off-hours only. yenhh8's voice call is logged as
// "Could not send", morpheus's e-mail does not interrupt, agent_smith's entry is his
// acknowledgement and neo was not active: she is the only person interrupted. March
// 2017 (reporting zone UTC) therefore holds 1 page, 1 after-hours page, 1 sleep-hours
// page, 1 person paged and 1 woken. The open sample (P5, no recipients) is no page.
func TestSample0332PageIsASleepHoursPageOfTheRightPerson(t *testing.T) {
	h := newHarness(t, genSpec{})
	db := ingesttest.OpenDB(t)
	if _, err := h.sync(context.Background(), db, syncNow); err != nil {
		t.Fatal(err)
	}
	build(t, db, "")

	got := factsOf(t, db, sampleClosed)
	want := pageFacts{isPage: true, afterHours: true, sleep: true, window: "sleep", responder: sampleUser,
		zone: "Asia/Novosibirsk", month: "2017-03",
		pagedAt: time.Date(2017, 3, 21, 20, 32, 53, 353e6, time.UTC),
		localAt: time.Date(2017, 3, 22, 3, 32, 53, 353e6, time.UTC)}
	if !got.pagedAt.Equal(want.pagedAt) || !got.localAt.Equal(want.localAt) {
		t.Errorf("paged at %v, local %v; want %v, local 03:32:53.353 on the 22nd", got.pagedAt, got.localAt, want.pagedAt)
	}
	got.pagedAt, got.localAt = want.pagedAt, want.localAt
	if got != want {
		t.Errorf("the 03:32 page: %+v\nwant %+v", got, want)
	}
	if open := factsOf(t, db, sampleOpen); open.isPage || open.inferred {
		t.Errorf("the open P5 sample without recipients: %+v, want no page", open)
	}
	if g := orgGoal(t, db, "2017-03"); g != (goalRow{pages: 1, afterHours: 1, sleep: 1, peoplePaged: 1, woken: 1}) {
		t.Errorf("monthly_goal 2017-03: %+v, want 1 page, after hours and in sleep hours, 1 person paged and woken", g)
	}

	// "Could not send [voice] call to [yenhh8@gmail.com]": no notification, no
	// interruption, though her recipient entry says notified by voice.
	if n := count(t, db, `select count(*) from notifications where responder_id = ?`, sampleUser2); n != 0 {
		t.Errorf("yenhh8, whose call could not be sent, has %d notifications", n)
	}
	if n := count(t, db, `select count(*) from interruptions where incident_id = ?`, sampleClosed); n != 1 {
		t.Errorf("the closed sample interrupted %d times, want once (huongkstn's SMS)", n)
	}
}

// A key of one team's API integration may not list users or teams (403). The sync
// skips both with a warning, stores every alert and its notifications, and the people
// notified are judged by METRICS.md's fall-back: with no zone from Opsgenie, the
// rotation's zone from the config, else the organisation's (UTC by default). The same
// SMS at 20:32:53Z on a Tuesday is then off-hours (Mon-Fri 18:00-22:00) in UTC, and a
// sleep-hours page again when the config gives the rotation Asia/Novosibirsk.
func TestTeamRestrictedKeyStoresTheAlertsAndReportsSkippedStreams(t *testing.T) {
	h := newHarness(t, history())
	h.key = restrictedKey
	db := ingesttest.OpenDB(t)
	st, err := h.sync(context.Background(), db, syncNow)
	if err != nil {
		t.Fatalf("a team-restricted key stopped the sync: %v", err)
	}
	want := h.fake.expected()
	if st.Records(StreamAlerts) != want.alerts || count(t, db, `select count(*) from incidents`) != want.alerts {
		t.Errorf("stored %d alerts (stats %d), want all %d", count(t, db, `select count(*) from incidents`), st.Records(StreamAlerts), want.alerts)
	}
	if n := count(t, db, `select count(*) from notifications`); n != want.notifications || st.Count(CountNotifications) != want.notifications {
		t.Errorf("stored %d notifications (stats %d), want %d: recipients do not need the user list", n, st.Count(CountNotifications), want.notifications)
	}
	if !slices.Equal(st.Skipped, []string{"users: 403 Forbidden", "teams: 403 Forbidden"}) {
		t.Errorf("skipped %q, want users and teams, each with its 403", st.Skipped)
	}
	if st.Records(StreamUsers) != 0 || st.Records(StreamTeams) != 0 {
		t.Errorf("stats count %d users and %d teams from a key that may read neither", st.Records(StreamUsers), st.Records(StreamTeams))
	}
	out := h.output.String()
	for _, w := range []string{
		"opsgenie: warning: users skipped, the key may not read them", "403 Forbidden",
		"responders get no time zone from Opsgenie", "opsgenie: warning: teams skipped",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("progress output does not say %q:\n%.1500s", w, out)
		}
	}
	// Every person notified has a record, from the recipient entry, without a zone.
	if n := count(t, db, `select count(*) from notifications n anti join responders r using (source, responder_id)`); n != 0 {
		t.Errorf("%d notifications name a person the responders table lacks", n)
	}
	if n := count(t, db, `select count(*) from responders where time_zone <> ''`); n != 0 {
		t.Errorf("%d responders have a time zone, which only /v2/users gives", n)
	}
	var email string
	db.QueryRow(`select email from responders where responder_id = ?`, sampleUser).Scan(&email)
	if email != "huongkstn@gmail.com" {
		t.Errorf("sample user stored with e-mail %q, want the recipient's username", email)
	}
	var name string
	db.QueryRow(`select name from services where service_id = 'team:team-0'`).Scan(&name)
	if name != "team-0" {
		t.Errorf("team-0's service named %q without the team list, want its id", name)
	}

	build(t, db, "")
	got := factsOf(t, db, sampleClosed)
	if !got.isPage || got.inferred || got.window != "off_hours" || !got.afterHours || got.sleep || got.zone != "UTC" || got.responder != sampleUser {
		t.Errorf("the sample page judged without her zone: %+v, want an off-hours page of huongkstn in UTC", got)
	}
	if g := orgGoal(t, db, "2017-03"); g != (goalRow{pages: 1, afterHours: 1, peoplePaged: 1}) {
		t.Errorf("monthly_goal 2017-03 in UTC: %+v, want 1 page, after hours but not in sleep hours, nobody woken", g)
	}
	build(t, db, "rotations:\n  4513b7ea-3b91-438f-b7e4-e3e54af9147c:\n    time_zone: Asia/Novosibirsk\n")
	if got := factsOf(t, db, sampleClosed); got.window != "sleep" || got.zone != "Asia/Novosibirsk" {
		t.Errorf("with the rotation's zone from the config: %+v, want sleep in Asia/Novosibirsk", got)
	}

	// A restricted key after a full sync keeps what the full sync stored: the zones and
	// the team names are not overwritten with the less the restricted key can see.
	full := newHarness(t, history())
	db = ingesttest.OpenDB(t)
	if _, err := full.sync(context.Background(), db, syncNow); err != nil {
		t.Fatal(err)
	}
	full.key = restrictedKey
	if _, err := full.sync(context.Background(), db, syncNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var tz string
	db.QueryRow(`select time_zone from responders where responder_id = ?`, sampleUser).Scan(&tz)
	db.QueryRow(`select name from services where service_id = 'team:team-0'`).Scan(&name)
	if tz != "Asia/Novosibirsk" || name != "Platform" {
		t.Errorf("after a restricted sync: zone %q, team-0 named %q; want Asia/Novosibirsk and Platform kept", tz, name)
	}
}

// "System" owns the log entries Opsgenie writes itself (the creation, failed
// deliveries): it must not become a person, whatever line it owns.
func TestSystemIsNotAPerson(t *testing.T) {
	h := newHarness(t, history())
	db := ingesttest.OpenDB(t)
	if _, err := h.sync(context.Background(), db, syncNow); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `select count(*) from raw_records where kind = 'alert_log' and json_extract_string(payload, '$.owner') = 'System'`); n < h.fake.expected().alerts {
		t.Fatalf("only %d log entries owned by System: the test history lacks them", n)
	}
	for _, q := range []string{
		`select count(*) from responders where lower(responder_id) = 'system' or lower(name) = 'system'`,
		`select count(*) from notifications where lower(responder_id) = 'system'`,
		`select count(*) from incident_events where lower(responder_id) = 'system'`,
	} {
		if n := count(t, db, q); n != 0 {
			t.Errorf("%s: %d, want 0", q, n)
		}
	}
	// Every fifth generated alert logs a failed delivery to its first recipient: none
	// of those became a notification.
	undelivered := 0
	for key := range h.fake.undelivered {
		alert, person, _ := strings.Cut(key, "/")
		undelivered++
		if n := count(t, db, `select count(*) from notifications where incident_id = ? and responder_id = ?`, alert, person); n != 0 {
			t.Errorf("alert %s: %d notifications to %s, whose delivery could not be sent", alert, n, person)
		}
	}
	if undelivered < 100 {
		t.Errorf("only %d failed deliveries in the test history", undelivered)
	}
}

// Opsgenie's 429 carries no Retry-After: X-RateLimit-Period-In-Sec says how long the
// throttle lasts, and each throttled request waits exactly that long, once.
func TestThrottledAnswerWaitsTheDocumentedPeriod(t *testing.T) {
	h := newHarness(t, genSpec{})
	h.fake.throttleEvery, h.fake.throttlePeriod = 3, 45
	db := ingesttest.OpenDB(t)
	st, err := h.sync(context.Background(), db, syncNow)
	if err != nil {
		t.Fatal(err)
	}
	if h.fake.throttled < 3 {
		t.Fatalf("the fake throttled %d of %d requests", h.fake.throttled, h.fake.requests)
	}
	if len(h.slept) != h.fake.throttled || countOf(h.slept, 45*time.Second) != h.fake.throttled {
		t.Errorf("slept %v for %d throttled requests, want one wait of 45 s each", h.slept, h.fake.throttled)
	}
	// Samples only, from 2017-03-01 to 2025-01-20 in 30-day windows: users, teams, the
	// window holding the two alerts, then per alert one GET, its recipients and one log
	// page (6), then seven empty windows that double (30, 60, ..., 1920 days; the last
	// cut at the end): 1 + 1 + 1 + 6 + 7 = 16 requests answered. Every third request sent
	// was throttled and sent again.
	if answered := h.fake.requests - h.fake.throttled; answered != 16 || st.Requests != h.fake.requests || st.Records(StreamAlerts) != 2 {
		t.Errorf("%d requests answered (%d sent, stats %d), %d alerts; want 16 answered and 2 alerts", answered, h.fake.requests, st.Requests, st.Records(StreamAlerts))
	}
}

// The fake refuses what Opsgenie's documentation refuses, with its error body.
func TestFakeRefusesWhatTheDocsRefuse(t *testing.T) {
	h := newHarness(t, genSpec{})
	get := func(key, path string) (int, http.Header, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatalf("%s: body %q is not JSON", path, b)
		}
		return resp.StatusCode, resp.Header, body
	}
	genie := "GenieKey " + testKey
	for _, tc := range []struct {
		key, path string
		status    int
		message   string
	}{
		{"", "/v2/alerts", 401, "Could not authenticate"},
		{"Bearer " + testKey, "/v2/alerts", 401, "Could not authenticate"},
		{"GenieKey someone-elses-key", "/v2/alerts", 401, "Could not authenticate"},
		{genie, "/v2/alerts?limit=101", 422, "limit"},
		{genie, "/v2/alerts?limit=0", 422, "limit"},
		{genie, "/v2/alerts?offset=-1", 422, "offset"},
		{genie, "/v2/alerts?offset=250&limit=100", 422, "must not exceed 300"},
		{genie, "/v2/alerts?order=up", 422, "order"},
		{genie, "/v2/alerts?sort=priority", 422, "sort"},
		{genie, "/v2/alerts?query=" + "createdAt+%3E%3D+2017-03-01", 422, "Invalid query"},
		{genie, "/v2/alerts?limits=100", 422, "undocumented parameter"},
		{genie, "/v2/alerts/" + sampleClosed + "?identifierType=uuid", 422, "identifierType"},
		{genie, "/v2/alerts/" + sampleClosed + "/logs?direction=up", 422, "direction"},
		{genie, "/v2/alerts/" + sampleClosed + "/logs?limit=200", 422, "limit"},
		{genie, "/v2/alerts/" + sampleClosed + "/logs?offset=nope", 422, "unknown offset"},
		{genie, "/v2/alerts/no-such-alert/recipients", 404, "Alert does not exist"},
		{"GenieKey " + restrictedKey, "/v2/users", 403, "not authorized"},
		{"GenieKey " + restrictedKey, "/v2/teams", 403, "not authorized"},
	} {
		status, _, body := get(tc.key, tc.path)
		msg, _ := body["message"].(string)
		_, took := body["took"].(float64)
		id, _ := body["requestId"].(string)
		if status != tc.status || !strings.Contains(msg, tc.message) || !took || id == "" {
			t.Errorf("%s (%q): %d %v, want %d with message %q, took and requestId", tc.path, tc.key, status, body, tc.status, tc.message)
		}
	}

	// What the restricted key may read, it reads.
	if status, _, body := get("GenieKey "+restrictedKey, "/v2/alerts?limit=100"); status != 200 || len(body["data"].([]any)) != 2 {
		t.Errorf("restricted key listing alerts: %d %v", status, body)
	}
	// The documented defaults: 20 a page, newest first, for alerts and for logs.
	if _, _, body := get(genie, "/v2/alerts/"+sampleClosed+"/logs"); body["data"].([]any)[0].(map[string]any)["log"] != "Alert closed via web" {
		t.Errorf("logs without order: first %v, want the newest (order defaults to desc)", body["data"].([]any)[0])
	}
	if _, _, body := get(genie, "/v2/alerts"); body["data"].([]any)[0].(map[string]any)["id"] == nil {
		t.Errorf("alerts listed without parameters: %v", body)
	}
	// Variants: the open sample has no report; the closed one has recipients in each state.
	_, _, open := get(genie, "/v2/alerts/1792?identifierType=tiny")
	if data := open["data"].(map[string]any); data["id"] != sampleOpen || data["report"] != nil {
		t.Errorf("open sample by tiny id: %v, want it without a report", data)
	}
	_, _, recs := get(genie, "/v2/alerts/"+sampleClosed+"/recipients")
	states := map[string]int{}
	for _, r := range recs["data"].([]any) {
		states[r.(map[string]any)["state"].(string)]++
	}
	if fmt.Sprint(states) != "map[action:1 notactive:1 notified:3]" {
		t.Errorf("closed sample's recipient states %v", states)
	}

	h.fake.throttleEvery = 1
	status, hdr, body := get(genie, "/v2/alerts")
	if status != 429 || hdr.Get("X-RateLimit-State") != "THROTTLED" || hdr.Get("X-RateLimit-Period-In-Sec") != "60" || body["requestId"] == nil {
		t.Errorf("throttled: %d %v %v, want 429 with THROTTLED for 60 s", status, hdr, body)
	}
	h.fake.throttleEvery, h.fake.failEvery = 0, 1
	if status, _, body := get(genie, "/v2/alerts"); status != 503 || body["message"] == nil {
		t.Errorf("failing: %d %v, want 503 with a message", status, body)
	}
}
