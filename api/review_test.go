package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/api"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	"github.com/alertlens/alertlens/ingest/ingesttest"
	"github.com/alertlens/alertlens/ingest/review"
)

// The review tests run on analytics' review history (analytics/testdata/review): week
// 2026-W47 has five pages (DiskFull w47-1 and w47-2 at night, CPUHigh w47-3 in the
// evening and w47-4 in the day, LatencySLO w47-5 at night), and the clock is Wednesday of
// W48, so W47 is the last complete week.
var reviewNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

type reviewFixture struct {
	fixture
	db  *sql.DB
	cfg *config.Config
}

func newReviewServer(t *testing.T, opts api.Options) reviewFixture {
	t.Helper()
	db := ingesttest.OpenDB(t)
	cfg, err := config.Load("../analytics/testdata/review/review.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := reviewFixture{db: db, cfg: cfg}
	f.importHistory(t)
	f.build(t)
	// The gate is the live server's door: tags pass it like every other write.
	opts.Review = review.New(db, ingest.NewGate(nil))
	srv := httptest.NewServer(api.New(analytics.New(db, analytics.WithNow(func() time.Time { return reviewNow })), opts))
	t.Cleanup(srv.Close)
	f.fixture = fixture{srv: srv}
	return f
}

func (f reviewFixture) importHistory(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	h, err := os.Open("../analytics/testdata/review/history.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	w, err := ingest.NewWriter(ctx, f.db, "file")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := file.ImportJSONL(ctx, w, "history.jsonl", h, file.Options{}); err != nil {
		t.Fatal(err)
	}
}

func (f reviewFixture) build(t *testing.T) {
	t.Helper()
	if _, err := models.Build(context.Background(), f.db, f.cfg); err != nil {
		t.Fatal(err)
	}
}

// send makes a request with headers (name, value pairs) and decodes a JSON answer.
func (f reviewFixture) send(t *testing.T, method, path, body string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String()
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
	return v
}

func (f reviewFixture) week(t *testing.T, week string) report.ReviewWeek {
	t.Helper()
	code, body := f.send(t, "GET", "/api/v1/review?week="+week, "")
	if code != 200 {
		t.Fatalf("GET review: %d %s", code, body)
	}
	return decode[report.ReviewWeek](t, body)
}

func (f reviewFixture) ruleStats(t *testing.T, name string) report.RuleStats {
	t.Helper()
	code, body := f.send(t, "GET", "/api/v1/rules", "")
	if code != 200 {
		t.Fatalf("GET rules: %d %s", code, body)
	}
	for _, r := range decode[[]report.RuleStats](t, body) {
		if r.Rule == name {
			return r
		}
	}
	t.Fatalf("no rule %s in %s", name, body)
	return report.RuleStats{}
}

func TestReviewWeekAnswersTheContract(t *testing.T) {
	f := newReviewServer(t, api.Options{})
	w := f.week(t, "") // the last complete week at the clock
	if w.Week != "2026-W47" || w.From != "2026-11-16" || w.To != "2026-11-22" || w.PreviousWeek != "2026-W46" || w.NextWeek != nil {
		t.Errorf("week %s %s..%s previous %s next %v, want 2026-W47 2026-11-16..2026-11-22, previous W46, next null (W48 is under way)",
			w.Week, w.From, w.To, w.PreviousWeek, w.NextWeek)
	}
	// 5 pages; after hours: w47-1, -2, -3, -5; untagged: all but w47-1, whose imported
	// review counts (a tag of version 0).
	if w.Pages != 5 || w.AfterHours != 4 || w.Untagged != 4 {
		t.Errorf("pages %d, after hours %d, untagged %d; want 5, 4, 4", w.Pages, w.AfterHours, w.Untagged)
	}
	var order []string
	for _, r := range w.Rules {
		order = append(order, r.Rule)
	}
	// DiskFull 2 after hours; LatencySLO and CPUHigh 1 each, LatencySLO's in sleep hours.
	if strings.Join(order, ",") != "DiskFull,LatencySLO,CPUHigh" {
		t.Errorf("rule order %v, want DiskFull, LatencySLO, CPUHigh", order)
	}
	lat := w.Rules[1].Incidents[0]
	if lat.IncidentID != "w47-5" || lat.LocalTime != "2026-11-20 22:00" || lat.TimeZone != "America/New_York" || lat.Window != "sleep" ||
		lat.PagedAt.Format(time.RFC3339) != "2026-11-21T03:00:30Z" || strings.Join(lat.Interrupted, ",") != "Ben Ortiz,Ana Murphy" ||
		strings.Join(lat.Woken, ",") != "Ben Ortiz,Ana Murphy" || lat.RunbookURL != "https://runbooks.example/latency" || lat.Tag != nil {
		t.Errorf("w47-5 = %+v; want Ben's 22:00 Friday in New York, sleep, both woken, its runbook, no tag", lat)
	}
	disk := w.Rules[0]
	if disk.Incidents[0].IncidentID != "w47-2" || disk.Incidents[1].IncidentID != "w47-1" || !disk.Incidents[0].Flapping || !disk.Incidents[1].AutoResolved {
		t.Errorf("DiskFull's pages newest first with their signals: %+v", disk.Incidents)
	}
	if tag := disk.Incidents[1].Tag; tag == nil || tag.Tag != "action_taken" || tag.Version != 0 || tag.Reviewer != "ana" {
		t.Errorf("w47-1's imported review = %+v, want action_taken by ana as version 0", tag)
	}
	if w46 := f.week(t, "2026-W46"); w46.NextWeek == nil || *w46.NextWeek != "2026-W47" || w46.Pages != 2 {
		t.Errorf("2026-W46: next %v, %d pages; want next 2026-W47, 2 pages", w46.NextWeek, w46.Pages)
	}
	code, body := f.send(t, "GET", "/api/v1/review?week=2026-W47&format=csv", "")
	rows := csvRows(t, body)
	if code != 200 || len(rows) != 5 || rows[0]["incident_id"] != "w47-2" || rows[2]["interrupted"] != "Ben Ortiz; Ana Murphy" ||
		rows[0]["reporting_time_zone"] != "Europe/Dublin" {
		t.Errorf("CSV: %d, %d rows, %v", code, len(rows), rows)
	}
	if code, body := f.send(t, "GET", "/api/v1/review?week=2026-47", ""); code != 400 || !strings.Contains(body, `"param":"week"`) {
		t.Errorf("bad week: %d %s", code, body)
	}
	code, body = f.send(t, "GET", "/api/v1/reasons", "")
	reasons := decode[[]api.Reason](t, body)
	if code != 200 || len(reasons) != 8 || reasons[6] != (api.Reason{Reason: "real_problem_fixed", Label: "real problem fixed"}) {
		t.Errorf("reasons: %d %v", code, reasons)
	}
}

// TestTagsFeedTheNoiseScore: DiskFull has four incidents (oct-1, w46-1, w47-1, w47-2).
// Before the meeting only w47-2 is noisy: it flaps (w47-1 came 30 minutes before); w47-1
// is auto-resolved in 3 minutes, but its imported action_taken review overrides that;
// oct-1 and w46-1 were acknowledged and took 40 to 60 minutes. Noise 1/4 = 25.0.
// Tagging w46-1 no_action and bulk-tagging DiskFull's W47 (w47-1, w47-2) no_action makes
// three of four noisy: 75.0, exactly 50.0 more. A re-import of the history (which brings
// w47-1's action_taken review again) and a rebuild keep every tag and the 75.0.
func TestTagsFeedTheNoiseScore(t *testing.T) {
	f := newReviewServer(t, api.Options{})
	before := f.ruleStats(t, "DiskFull")
	if before.Incidents != 4 || before.NoiseScore != 25 {
		t.Fatalf("DiskFull before: %d incidents, noise %v; want 4 and 25", before.Incidents, before.NoiseScore)
	}
	who := []string{api.ReviewerHeader, "ana"}
	if code, body := f.send(t, "PUT", "/api/v1/incidents/w46-1/review", `{"tag":"no_action","reason":"threshold_too_sensitive","version":0}`, who...); code != 200 {
		t.Fatalf("tag w46-1: %d %s", code, body)
	}
	code, body := f.send(t, "PUT", "/api/v1/rules/"+before.RuleID+"/review?week=2026-W47",
		`{"tag":"no_action","reason":"flapping","owner":"Data team","note":"cleared itself"}`, who...)
	bulk := decode[api.RuleReviewAnswer](t, body)
	if code != 200 || bulk.Tagged != 2 || bulk.Tags[0].IncidentID != "w47-2" || bulk.Tags[1].IncidentID != "w47-1" || bulk.Tags[1].Version != 1 {
		t.Fatalf("bulk tag: %d %s", code, body)
	}
	// The review page reads the tags at once; the numbers count them from the next build.
	if w := f.week(t, "2026-W47"); w.Rules[0].Incidents[1].Tag.Tag != "no_action" || w.Untagged != 3 {
		t.Errorf("W47 after tagging: w47-1 %+v, %d untagged; want no_action, 3", w.Rules[0].Incidents[1].Tag, w.Untagged)
	}
	if still := f.ruleStats(t, "DiskFull"); still.NoiseScore != 25 {
		t.Errorf("noise before the rebuild = %v, want the built 25", still.NoiseScore)
	}
	f.build(t)
	after := f.ruleStats(t, "DiskFull")
	if after.NoiseScore != 75 || after.NoiseScore-before.NoiseScore != 50 {
		t.Errorf("DiskFull's noise after tagging = %v, want 75 (3 of 4, up 50)", after.NoiseScore)
	}
	f.importHistory(t)
	f.build(t)
	if again := f.ruleStats(t, "DiskFull"); again.NoiseScore != 75 {
		t.Errorf("after a re-import and rebuild, noise = %v, want 75: a tag was lost", again.NoiseScore)
	}
	w := f.week(t, "2026-W47")
	for _, p := range w.Rules[0].Incidents {
		if p.Tag == nil || p.Tag.Tag != "no_action" || p.Tag.Owner != "Data team" || p.Tag.Version != 1 {
			t.Errorf("%s after the re-import: %+v, want the page's no_action tag, version 1", p.IncidentID, p.Tag)
		}
	}
}

// TestStaleWriteGets409: two reviewers load w47-4 untagged (version 0); the first write
// lands as version 1, the second is refused with 409 naming what changed and carrying
// the current tag; resent with version 1 it lands as version 2, and both are in the
// history.
func TestStaleWriteGets409(t *testing.T) {
	f := newReviewServer(t, api.Options{})
	if code, body := f.send(t, "PUT", "/api/v1/incidents/w47-4/review", `{"tag":"action_taken","reason":"real_problem_fixed","version":0}`,
		api.ReviewerHeader, "ana"); code != 200 || decode[review.Tag](t, body).Version != 1 {
		t.Fatalf("first write: %d %s", code, body)
	}
	code, body := f.send(t, "PUT", "/api/v1/incidents/w47-4/review", `{"tag":"no_action","reason":"duplicate","version":0}`, api.ReviewerHeader, "ben")
	conflict := decode[api.ConflictAnswer](t, body)
	if code != 409 || conflict.Current == nil || conflict.Current.Version != 1 || conflict.Current.Reviewer != "ana" ||
		conflict.Current.Tag != "action_taken" || !strings.Contains(conflict.Error.Message, "version 1, you saw 0") {
		t.Fatalf("stale write: %d %s", code, body)
	}
	if code, body := f.send(t, "PUT", "/api/v1/incidents/w47-4/review?source=file", `{"tag":"no_action","reason":"duplicate","version":1}`,
		api.ReviewerHeader, "ben"); code != 200 || decode[review.Tag](t, body).Version != 2 {
		t.Fatalf("resent write: %d %s", code, body)
	}
	code, body = f.send(t, "GET", "/api/v1/incidents/w47-4/review/history", "")
	h := decode[[]review.Change](t, body)
	if code != 200 || len(h) != 2 || h[0].ChangedBy != "ana" || h[0].Old != nil || h[1].ChangedBy != "ben" ||
		h[1].Old == nil || h[1].Old.Tag != "action_taken" || h[1].New.Tag != "no_action" {
		t.Errorf("history: %d %s", code, body)
	}
}

// TestConcurrentTagWrites: eight reviewers who all saw version 0 write at once: exactly
// one lands, the other seven get 409, and the history holds the one.
func TestConcurrentTagWrites(t *testing.T) {
	f := newReviewServer(t, api.Options{})
	codes := make([]int, 8)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			codes[i], _ = f.send(t, "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action","version":0}`,
				api.ReviewerHeader, "reviewer-"+string(rune('a'+i)))
		})
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for _, c := range codes {
		switch c {
		case 200:
			ok++
		case 409:
			conflicts++
		}
	}
	if ok != 1 || conflicts != 7 {
		t.Errorf("codes %v: want one 200 and seven 409", codes)
	}
	if _, body := f.send(t, "GET", "/api/v1/incidents/w47-3/review/history", ""); len(decode[[]review.Change](t, body)) != 1 {
		t.Errorf("history %s, want the one write", body)
	}
}

func TestReviewRefusesBadRequests(t *testing.T) {
	f := newReviewServer(t, api.Options{})
	// A second source holding w47-4 makes the bare id ambiguous.
	w, err := ingest.NewWriter(context.Background(), f.db, "other")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file.ImportJSONL(context.Background(), w, "other.jsonl", strings.NewReader(
		`{"type":"service","id":"s","name":"S","team":"T","rotation":"r"}`+"\n"+
			`{"type":"incident","id":"w47-4","service":"s","title":"x","created_at":"2026-11-19T10:00:00Z"}`), file.Options{}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	who := []string{api.ReviewerHeader, "ana"}
	cases := []struct {
		name, method, path, body string
		headers                  []string
		code                     int
		param                    string
	}{
		{"no reviewer with auth off", "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action"}`, nil, 400, api.ReviewerHeader},
		{"bad tag", "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"noise"}`, who, 400, "tag"},
		{"bad reason", "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action","reason":"bored"}`, who, 400, "reason"},
		{"bad link", "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action","follow_up_url":"javascript:alert(1)"}`, who, 400, "follow_up_url"},
		{"unknown field", "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action","colour":"red"}`, who, 400, "body"},
		{"ambiguous id", "PUT", "/api/v1/incidents/w47-4/review", `{"tag":"no_action"}`, who, 400, "source"},
		{"unknown incident", "PUT", "/api/v1/incidents/nope/review", `{"tag":"no_action"}`, who, 404, "id"},
		{"unknown incident in a source", "PUT", "/api/v1/incidents/nope/review?source=file", `{"tag":"no_action"}`, who, 404, "incident"},
		{"unknown rule", "PUT", "/api/v1/rules/nope/review?week=2026-W47", `{"tag":"no_action"}`, who, 404, "rule"},
		{"bad week", "PUT", "/api/v1/rules/nope/review?week=47", `{"tag":"no_action"}`, who, 404, "rule"},
		{"unknown rule's follow-ups", "GET", "/api/v1/rules/nope/follow-ups", "", nil, 404, "rule"},
		{"bad ship date", "POST", "/api/v1/rules/nope/follow-ups", `{"change":"x","shipped_on":"18/11/2026"}`, who, 404, "rule"},
		{"history of no incident", "GET", "/api/v1/incidents/nope/review/history", "", nil, 404, "id"},
		{"big body", "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action","note":"` + strings.Repeat("x", api.MaxReviewBytes) + `"}`, who, 413, "body"},
		{"weekly format", "GET", "/api/v1/reports/weekly?format=pdf", "", nil, 400, "format"},
		{"monthly without a month", "GET", "/api/v1/reports/monthly", "", nil, 400, "month"},
		{"monthly bad month", "GET", "/api/v1/reports/monthly?month=2026-13", "", nil, 400, "month"},
	}
	for _, c := range cases {
		code, body := f.send(t, c.method, c.path, c.body, c.headers...)
		if code != c.code || !strings.Contains(body, `"param":"`+c.param+`"`) {
			t.Errorf("%s: %d %s, want %d naming %s", c.name, code, body, c.code, c.param)
		}
	}
	disk := f.ruleStats(t, "DiskFull").RuleID
	code, body := f.send(t, "POST", "/api/v1/rules/"+disk+"/follow-ups", `{"change":"x","shipped_on":"18/11/2026"}`, who...)
	if code != 400 || !strings.Contains(body, `"param":"shipped_on"`) {
		t.Errorf("bad ship date: %d %s", code, body)
	}
	code, body = f.send(t, "POST", "/api/v1/rules/"+disk+"/follow-ups", `{"ticket_url":"https://t.example/1","shipped_on":null}`, who...)
	if code != 400 || !strings.Contains(body, `"param":"change"`) {
		t.Errorf("no change: %d %s", code, body)
	}
	if code, body := f.send(t, "PUT", "/api/v1/incidents/w47-4/review?source=other", `{"tag":"no_action"}`, who...); code != 200 ||
		decode[review.Tag](t, body).Source != "other" {
		t.Errorf("with ?source: %d %s", code, body)
	}
}

// TestFollowUpsAndFixEffect: a DiskFull follow-up shipped 2026-11-18. As of 25 November
// the 28 days before (21 October to 17 November) hold w46-1, w47-1 and w47-2: 3 pages, 3
// after hours, noise 1 of 3 (w47-2 flaps; w47-1 is covered by its imported action_taken)
// = 33.3; the 7 days after (19 to 25 November) hold none.
func TestFollowUpsAndFixEffect(t *testing.T) {
	f := newReviewServer(t, api.Options{})
	disk := f.ruleStats(t, "DiskFull").RuleID
	code, body := f.send(t, "POST", "/api/v1/rules/"+disk+"/follow-ups",
		`{"ticket_url":"https://tickets.example/DATA-7","change":"disk alert at 90 % for 15 minutes","shipped_on":"2026-11-18"}`, api.ReviewerHeader, "ana")
	fu := decode[review.FollowUp](t, body)
	if code != 201 || fu.RuleID != disk || fu.CreatedBy != "ana" || fu.ShippedOn == nil || fu.ShippedOn.Format(time.DateOnly) != "2026-11-18" {
		t.Fatalf("add follow-up: %d %s", code, body)
	}
	code, body = f.send(t, "GET", "/api/v1/rules/"+disk+"/follow-ups", "")
	if list := decode[[]review.FollowUp](t, body); code != 200 || len(list) != 1 || list[0].ID != fu.ID {
		t.Errorf("follow-ups: %d %s", code, body)
	}
	code, body = f.send(t, "GET", "/api/v1/rules/"+disk+"/fix-effect", "")
	fx := decode[[]report.FixEffect](t, body)
	if code != 200 || len(fx) != 1 || fx[0].PagesBefore != 3 || fx[0].AfterHoursPagesBefore != 3 || fx[0].PagesAfter != 0 ||
		fx[0].DaysAfter != 7 || fx[0].NoiseScoreBefore == nil || *fx[0].NoiseScoreBefore != 33.3 || fx[0].NoiseScoreAfter != nil ||
		!fx[0].AfterHoursPagesDropped || fx[0].AfterHoursPagesChange != -3 {
		t.Errorf("fix effect: %d %s", code, body)
	}
	// The week's list carries the rule's follow-ups.
	if w := f.week(t, "2026-W47"); len(w.Rules[0].FollowUps) != 1 || w.Rules[0].FollowUps[0].Change != fu.Change {
		t.Errorf("W47's DiskFull follow-ups: %+v", w.Rules[0].FollowUps)
	}
	code, body = f.send(t, "GET", "/api/v1/reports/weekly?week=2026-W47", "")
	if code != 200 || !strings.HasPrefix(body, "Alert review 2026-W47 (2026-11-16 to 2026-11-22, Europe/Dublin), Acme\n") ||
		!strings.Contains(body, "after-hours pages 3 before, 0 in the 4 days after (dropped)") {
		t.Errorf("weekly report: %d %s", code, body)
	}
	code, body = f.send(t, "GET", "/api/v1/reports/monthly?month=2026-11", "")
	rows := csvRows(t, body)
	if code != 200 || len(rows) != 30 || rows[5]["month"] != "2026-11" || rows[5]["after_hours_pages"] != "5" || rows[5]["mttr_median_minutes"] != "31.5" {
		t.Errorf("monthly CSV: %d %d rows %v", code, len(rows), rows)
	}
	code, body = f.send(t, "GET", "/api/v1/reports/monthly?month=2026-11&format=html", "")
	if code != 200 || !strings.Contains(body, "Acme: alert report 2026-11") || strings.Contains(body, "src=\"http") {
		t.Errorf("monthly HTML: %d %.300s", code, body)
	}
}

// TestReviewerIdentity: a named write token's name is the reviewer whatever the page
// sends; a proxy's user header is trusted only when configured; read tokens may not tag.
func TestReviewerIdentity(t *testing.T) {
	env := map[string]string{"R": "read-secret", "ANA": "ana-secret", "W": "plain-secret"}
	tokens, err := api.AuthConfig{ReadTokensEnv: []string{"R"}, WriteTokensEnv: []string{"W"},
		WriteTokens: []api.NamedToken{{Name: "ana", Env: "ANA"}}}.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (api.AuthConfig{WriteTokens: []api.NamedToken{{Name: "ana", Env: "ANA_UNSET"}}}).Load(func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), "api.write_tokens[0] (ana): environment variable ANA_UNSET is not set") {
		t.Errorf("a named token's unset variable: %v", err)
	}
	f := newReviewServer(t, api.Options{Tokens: tokens})
	put := func(token string, headers ...string) (int, string) {
		return f.send(t, "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action","note":"`+token+`"}`,
			append([]string{"Authorization", "Bearer " + token}, headers...)...)
	}
	if code, body := put("ana-secret", api.ReviewerHeader, "mallory"); code != 200 || decode[review.Tag](t, body).Reviewer != "ana" {
		t.Errorf("named token: %d %s, want reviewer ana", code, body)
	}
	if code, body := put("plain-secret", api.ReviewerHeader, "ben"); code != 200 || decode[review.Tag](t, body).Reviewer != "ben" {
		t.Errorf("unnamed write token with a typed name: %d %s, want ben", code, body)
	}
	if code, body := put("plain-secret"); code != 400 || !strings.Contains(body, api.ReviewerHeader) {
		t.Errorf("unnamed write token, no name: %d %s, want 400 naming %s", code, body, api.ReviewerHeader)
	}
	if code, _ := put("read-secret", api.ReviewerHeader, "ben"); code != 403 {
		t.Errorf("read token: %d, want 403", code)
	}
	if code, _ := f.send(t, "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action"}`); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := f.send(t, "GET", "/api/v1/review", "", "Authorization", "Bearer read-secret"); code != 200 {
		t.Errorf("read token reading the review: %d", code)
	}

	proxied := newReviewServer(t, api.Options{UserHeader: "X-Forwarded-User"})
	code, body := proxied.send(t, "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action"}`, "X-Forwarded-User", "carol", api.ReviewerHeader, "mallory")
	if code != 200 || decode[review.Tag](t, body).Reviewer != "carol" {
		t.Errorf("proxy header: %d %s, want carol", code, body)
	}
	plain := newReviewServer(t, api.Options{})
	code, body = plain.send(t, "PUT", "/api/v1/incidents/w47-4/review", `{"tag":"no_action"}`, api.ReviewerHeader, "R%C3%B3is%C3%ADn%20N%C3%AD")
	if code != 200 || decode[review.Tag](t, body).Reviewer != "Róisín Ní" {
		t.Errorf("a percent-encoded name: %d %s, want Róisín Ní", code, body)
	}
	code, body = plain.send(t, "PUT", "/api/v1/incidents/w47-3/review", `{"tag":"no_action"}`, "X-Forwarded-User", "carol", api.ReviewerHeader, "dan")
	if code != 200 || decode[review.Tag](t, body).Reviewer != "dan" {
		t.Errorf("an unconfigured proxy header is not trusted: %d %s, want dan", code, body)
	}
}
