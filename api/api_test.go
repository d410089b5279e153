package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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
)

const xssTitle = `<img src=x onerror=alert(1)></script>`

// smallHistory, in UTC with the default config (UTC, goal 10): January has 3 pages, two of
// them at night (DiskFull, Monday and Tuesday 02:00/03:00) and one in business hours
// (CPUHigh, Wednesday 10:00); February has one off-hours page (CPUHigh, Tuesday 19:00).
var smallHistory = strings.Join([]string{
	`{"type":"responder","id":"u1","name":"Ada","time_zone":"UTC"}`,
	`{"type":"service","id":"s1","name":"storage","team":"Alpha","rotation":"alpha-oncall"}`,
	`{"type":"service","id":"s2","name":"web","team":"Beta","rotation":"beta-oncall"}`,
	`{"type":"incident","id":"i1","service":"s1","rule":"DiskFull","title":"` + strings.ReplaceAll(xssTitle, `"`, `\"`) + `","created_at":"2026-01-05T02:00:00Z","resolved_at":"2026-01-05T02:03:00Z","resolved_by":"auto"}`,
	`{"type":"notification","incident":"i1","responder":"u1","channel":"phone","at":"2026-01-05T02:00:30Z"}`,
	`{"type":"incident","id":"i2","service":"s1","rule":"DiskFull","title":"disk full","created_at":"2026-01-06T03:00:00Z","acknowledged_at":"2026-01-06T03:05:00Z","resolved_at":"2026-01-06T03:30:00Z","resolved_by":"human"}`,
	`{"type":"notification","incident":"i2","responder":"u1","channel":"phone","at":"2026-01-06T03:00:30Z"}`,
	`{"type":"incident","id":"i3","service":"s2","rule":"CPUHigh","title":"cpu high","created_at":"2026-01-07T10:00:00Z","acknowledged_at":"2026-01-07T10:02:00Z","resolved_at":"2026-01-07T11:00:00Z","resolved_by":"human"}`,
	`{"type":"notification","incident":"i3","responder":"u1","channel":"phone","at":"2026-01-07T10:00:30Z"}`,
	`{"type":"incident","id":"i4","service":"s2","rule":"CPUHigh","title":"cpu high","created_at":"2026-02-03T19:00:00Z","acknowledged_at":"2026-02-03T19:10:00Z","resolved_at":"2026-02-03T20:00:00Z","resolved_by":"human"}`,
	`{"type":"notification","incident":"i4","responder":"u1","channel":"sms","at":"2026-02-03T19:00:30Z"}`,
}, "\n")

type fixture struct {
	srv *httptest.Server
	log *bytes.Buffer
}

func newFixture(t *testing.T, tokens api.Tokens) fixture {
	t.Helper()
	return newServer(t, smallHistory, "", api.Options{Tokens: tokens})
}

// newServer imports a history, builds it with a config ("" for the defaults) and serves
// it with opts; aopts configure the analytics (a frozen clock).
func newServer(t *testing.T, history, cfgYAML string, opts api.Options, aopts ...analytics.Option) fixture {
	t.Helper()
	db := builtHistory(t, history, cfgYAML)
	var logBuf bytes.Buffer
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(&logBuf, nil))
	}
	srv := httptest.NewServer(api.New(analytics.New(db, aopts...), opts))
	t.Cleanup(srv.Close)
	return fixture{srv: srv, log: &logBuf}
}

// builtHistory imports a history into a new database and builds it with a config (""
// for the defaults).
func builtHistory(t *testing.T, history, cfgYAML string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db := ingesttest.OpenDB(t)
	w, err := ingest.NewWriter(ctx, db, "file")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := file.ImportJSONL(ctx, w, "small.jsonl", strings.NewReader(history), file.Options{}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	cfg, err := config.Load("")
	if cfgYAML != "" {
		cfg, err = config.Parse([]byte(cfgYAML), "test.yaml")
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Build(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	return db
}

func (f fixture) do(t *testing.T, method, path, token, accept string, body string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func getJSON[T any](t *testing.T, f fixture, path string) T {
	t.Helper()
	code, body, _ := f.do(t, "GET", path, "", "", "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return v
}

func csvRows(t *testing.T, body string) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("csv: %v in %q", err, body)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func TestEndpointsOnASmallHistory(t *testing.T) {
	f := newFixture(t, api.Tokens{})

	goal := getJSON[[]report.GoalMonth](t, f, "/api/v1/goal")
	org := map[string]report.GoalMonth{}
	for _, g := range goal {
		if g.ScopeType == report.ScopeOrg {
			org[g.Month] = g
		}
	}
	if g := org["2026-01"]; g.Pages != 3 || g.AfterHoursPages != 2 || g.SleepHoursPages != 2 || !g.Met || g.Goal != 10 {
		t.Errorf("org 2026-01 = %+v, want 3 pages, 2 after hours, 2 in sleep, met", g)
	}
	if g := org["2026-02"]; g.Pages != 1 || g.AfterHoursPages != 1 || g.SleepHoursPages != 0 {
		t.Errorf("org 2026-02 = %+v, want 1 page, 1 after hours, 0 in sleep", g)
	}

	code, body, hdr := f.do(t, "GET", "/api/v1/goal?rotation=alpha-oncall", "", "text/csv", "")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("goal csv: %d %s", code, hdr.Get("Content-Type"))
	}
	for _, r := range csvRows(t, body) {
		if r["metrics_version"] != "1" || r["reporting_time_zone"] != "UTC" {
			t.Errorf("csv row without version columns: %v", r)
		}
		if r["scope_type"] == "rotation" && r["scope"] == "alpha-oncall" && r["month"] == "2026-01" && r["after_hours_pages"] != "2" {
			t.Errorf("alpha-oncall 2026-01 after_hours_pages = %s, want 2", r["after_hours_pages"])
		}
	}

	rules := getJSON[[]report.RuleStats](t, f, "/api/v1/rules?from=2026-01&to=2026-01")
	if len(rules) != 2 || rules[0].Rule != "DiskFull" || rules[0].Incidents != 2 || rules[0].AfterHoursPages != 2 || rules[0].SleepHoursPages != 2 {
		t.Fatalf("rules in January = %+v, want DiskFull first with 2 incidents, 2 after-hours and 2 sleep pages", rules)
	}
	if rules[1].Rule != "CPUHigh" || rules[1].AfterHoursPages != 0 {
		t.Errorf("second rule = %+v, want CPUHigh with no after-hours page in January", rules[1])
	}
	code, body, _ = f.do(t, "GET", "/api/v1/rules?format=csv&team=Beta", "", "", "")
	rows := csvRows(t, body)
	if code != 200 || len(rows) != 1 || rows[0]["rule"] != "CPUHigh" || rows[0]["incidents"] != "2" || rows[0]["after_hours_pages"] != "1" {
		t.Errorf("Beta's rules as CSV: %d %v", code, rows)
	}
	if got := getJSON[[]report.RuleStats](t, f, "/api/v1/rules?limit=1"); len(got) != 1 {
		t.Errorf("limit=1 gave %d rules", len(got))
	}

	one := getJSON[struct {
		Rule      report.RuleStats   `json:"rule"`
		History   []report.RuleMonth `json:"history"`
		Incidents []report.Incident  `json:"incidents"`
	}](t, f, "/api/v1/rules/"+rules[0].RuleID)
	if one.Rule.Rule != "DiskFull" || len(one.Incidents) != 2 || len(one.History) == 0 {
		t.Errorf("one rule: %+v", one)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/rules/nosuchrule", "", "", ""); code != 404 {
		t.Errorf("unknown rule: %d, want 404", code)
	}

	pages := getJSON[[]report.Page](t, f, "/api/v1/pages")
	if len(pages) != 4 {
		t.Errorf("%d pages, want 4", len(pages))
	}
	windows := getJSON[[]report.WindowCount](t, f, "/api/v1/windows?from=2026-01&to=2026-01")
	byWindow := map[string]int{}
	for _, w := range windows {
		byWindow[w.Window] += w.Pages
	}
	if byWindow["sleep"] != 2 || byWindow["business"] != 1 {
		t.Errorf("January windows %v, want 2 sleep and 1 business", byWindow)
	}
	resp := getJSON[report.Response](t, f, "/api/v1/response")
	if resp.Incidents != 4 || resp.Acknowledged != 3 {
		t.Errorf("response %+v, want 4 incidents, 3 acknowledged", resp)
	}
	heat := getJSON[[]report.HeatCell](t, f, "/api/v1/heatmap")
	total := 0
	for _, h := range heat {
		total += h.Interruptions
	}
	if total != 4 {
		t.Errorf("heat map holds %d interruptions, want 4", total)
	}
	for _, p := range []string{"/api/v1/overview", "/api/v1/pace", "/api/v1/coverage", "/api/v1/responders", "/api/v1/fairness",
		"/api/v1/path", "/api/v1/incidents", "/api/v1/rules/" + rules[0].RuleID + "/history", "/api/v1/rules/" + rules[0].RuleID + "/incidents?format=csv",
		"/healthz", "/metrics", "/", "/path", "/team/Alpha", "/responders", "/rule/" + rules[0].RuleID} {
		if code, body, _ := f.do(t, "GET", p, "", "", ""); code != 200 {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
	}
	code, body, _ = f.do(t, "POST", "/api/v1/whatif", "", "", `{"changes":[{"rule_id":"`+rules[0].RuleID+`","action":"remove"}]}`)
	var wi []report.WhatIfMonth
	json.Unmarshal([]byte(body), &wi)
	for _, m := range wi {
		if m.ScopeType == report.ScopeOrg && m.Month == "2026-01" && (m.AfterHoursPages != 2 || m.AfterHoursPagesAfter != 0) {
			t.Errorf("what-if removing DiskFull in January: %+v, want 2 → 0", m)
		}
	}
	if code != 200 || len(wi) == 0 {
		t.Errorf("whatif: %d %s", code, body)
	}
}

func TestBadParameters(t *testing.T) {
	f := newFixture(t, api.Tokens{})
	cases := []struct{ method, path, body, param string }{
		{"GET", "/api/v1/rules?from=2026-13", "", "from"},
		{"GET", "/api/v1/rules?to=26-01", "", "to"},
		{"GET", "/api/v1/rules?from=2026-03&to=2026-01", "", "from"},
		{"GET", "/api/v1/rules?team=Gamma", "", "team"},
		{"GET", "/api/v1/pages?rotation=nope", "", "rotation"},
		{"GET", "/api/v1/rules?limit=0", "", "limit"},
		{"GET", "/api/v1/rules?limit=10001", "", "limit"},
		{"GET", "/api/v1/rules?limit=ten", "", "limit"},
		{"GET", "/api/v1/rules?format=xml", "", "format"},
		{"POST", "/api/v1/whatif", `{"changes":[{"rule_id":"x","action":"zap"}]}`, "changes[0].action"},
		{"POST", "/api/v1/whatif", `{"changes":[{"rule_id":"x","action":"delay"}]}`, "changes[0].delay_minutes"},
		{"POST", "/api/v1/whatif", `{"filter":{"from":"2026-1"},"changes":[]}`, "from"},
		{"POST", "/api/v1/whatif", `{"changes":[{"rule_id":"x","action":"remove"},{"rule_id":"x","action":"delay","delay_minutes":5}]}`, "changes[1].rule_id"},
		{"POST", "/api/v1/whatif", `not json`, "body"},
	}
	for _, c := range cases {
		code, body, _ := f.do(t, c.method, c.path, "", "", c.body)
		var e struct {
			Error struct{ Param, Message string } `json:"error"`
		}
		json.Unmarshal([]byte(body), &e)
		if code != 400 || e.Error.Param != c.param || e.Error.Message == "" {
			t.Errorf("%s %s: %d %s, want 400 naming %q", c.method, c.path, code, body, c.param)
		}
	}
}

func TestAuth(t *testing.T) {
	env := map[string]string{"R": "read-secret-123", "W": "write-secret-456"}
	tokens, err := api.AuthConfig{ReadTokensEnv: []string{"R"}, WriteTokensEnv: []string{"W"}}.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, tokens)
	whatif := `{"changes":[{"rule_id":"x","action":"remove"}]}`
	cases := []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/healthz", "", 200},
		{"GET", "/api/v1/goal", "", 401},
		{"GET", "/api/v1/goal", "wrong", 401},
		{"GET", "/api/v1/goal", env["R"], 200},
		{"GET", "/api/v1/goal", env["W"], 200},
		{"GET", "/", "", 401},
		{"GET", "/metrics", "", 401},
		{"GET", "/metrics", env["R"], 200},
		{"POST", "/api/v1/whatif", env["R"], 403},
		{"POST", "/api/v1/whatif", "", 401},
		{"POST", "/api/v1/whatif", env["W"], 200},
	}
	for _, c := range cases {
		code, body, _ := f.do(t, c.method, c.path, c.token, "", whatif)
		if code != c.want && !(c.want == 200 && code == 400) { // a known-bad rule id may be refused after auth
			t.Errorf("%s %s with %q: %d %s, want %d", c.method, c.path, c.token, code, body, c.want)
		}
	}
	for _, secret := range env {
		if strings.Contains(f.log.String(), secret) {
			t.Errorf("the log holds a token")
		}
	}
	if _, err := (api.AuthConfig{ReadTokensEnv: []string{"MISSING"}}).Load(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "MISSING") {
		t.Errorf("an unset token variable: %v, want an error naming it", err)
	}
}

// countingAnalytics counts the responder loads the server asks for.
type countingAnalytics struct {
	*analytics.Service
	responders atomic.Int64
}

func (c *countingAnalytics) Responders(ctx context.Context, f report.Filter) ([]report.ResponderLoad, error) {
	c.responders.Add(1)
	return c.Service.Responders(ctx, f)
}

// When the server starts (Run), it computes the default answer of every page and
// endpoint before anyone asks, past auth as its own requests: a browser's first request
// of the responders' page with a token is an answer computed already, and a request
// without a token is still refused.
func TestServerComputesDefaultAnswersWhenItStarts(t *testing.T) {
	env := map[string]string{"R": "read-secret-123"}
	tokens, err := api.AuthConfig{ReadTokensEnv: []string{"R"}}.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a := &countingAnalytics{Service: analytics.New(builtHistory(t, smallHistory, ""))}
	handler := api.New(a, api.Options{Tokens: tokens, Generation: func() uint64 { return 1 }})
	f := fixture{srv: httptest.NewServer(handler), log: &bytes.Buffer{}}
	t.Cleanup(f.srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go handler.Run(ctx)
	// the responders' page and /api/v1/responders each load them once
	for deadline := time.Now().Add(10 * time.Second); a.responders.Load() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server loaded the responders %d times after it started, want 2", a.responders.Load())
		}
	}
	if code, _, _ := f.do(t, "GET", "/responders", "", "", ""); code != http.StatusUnauthorized {
		t.Errorf("the warmed page without a token: %d, want 401", code)
	}
	code, body, h := f.do(t, "GET", "/responders", env["R"], "text/html,application/xhtml+xml,*/*;q=0.8", "")
	if code != http.StatusOK || h.Get("X-Cache") != "hit" || !strings.Contains(body, "<html") {
		t.Errorf("the responders' page after the start: %d, X-Cache %q", code, h.Get("X-Cache"))
	}
	if n := a.responders.Load(); n != 2 {
		t.Errorf("the responders were loaded %d times, want 2 (the start's two)", n)
	}
}

func TestXSSTitleIsEscaped(t *testing.T) {
	f := newFixture(t, api.Tokens{})
	rules := getJSON[[]report.RuleStats](t, f, "/api/v1/rules")
	for _, p := range []string{"/rule/" + rules[0].RuleID, "/team/Alpha"} {
		code, body, _ := f.do(t, "GET", p, "", "", "")
		if code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
		if strings.Contains(body, "<img") || strings.Contains(body, "onerror=alert(1)></script>") {
			t.Errorf("%s holds the title unescaped", p)
		}
	}
	_, body, _ := f.do(t, "GET", "/rule/"+rules[0].RuleID, "", "", "")
	if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;") {
		t.Error("want the title shown as text in the incidents table")
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t, api.Tokens{})
	doc := getJSON[struct {
		Paths map[string]map[string]any `json:"paths"`
	}](t, f, "/api/openapi.json")
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for _, r := range api.New(nil, api.Options{}).Routes() {
		key := r.Method + " " + r.Path
		if !documented[key] {
			t.Errorf("route %s is not documented", key)
		}
		delete(documented, key)
	}
	for key := range documented {
		t.Errorf("documented %s is not served", key)
	}
}
