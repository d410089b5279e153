package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/api"
)

type errorAnswer struct {
	Error struct{ Param, Message string } `json:"error"`
}

func decodeError(t *testing.T, body string) errorAnswer {
	t.Helper()
	var e errorAnswer
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return e
}

func TestWhatIfBodyOverTheLimitIs413(t *testing.T) {
	f := newFixture(t, api.Tokens{})
	rules := getJSON[[]report.RuleStats](t, f, "/api/v1/rules")
	const limit = 1 << 20
	// A complete JSON document padded past the limit: a reader that cut the body at the
	// limit would parse the document and answer 200.
	doc := `{"changes":[{"rule_id":"` + rules[0].RuleID + `","action":"remove"}]}`
	code, body, _ := f.do(t, "POST", "/api/v1/whatif", "", "", doc+strings.Repeat(" ", limit))
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("over-size what-if body: %d %s, want 413", code, body)
	}
	e := decodeError(t, body)
	if e.Error.Param != "body" || !strings.Contains(e.Error.Message, "1048576 bytes") {
		t.Errorf("413 answer %s, want param body and the limit 1048576 bytes", body)
	}
	// At the limit exactly, the same document is read whole.
	code, body, _ = f.do(t, "POST", "/api/v1/whatif", "", "", doc+strings.Repeat(" ", limit-len(doc)))
	if code != http.StatusOK {
		t.Errorf("a body of exactly the limit: %d %s, want 200", code, body)
	}
}

// manyIncidents is a history of n low-urgency incidents (no pages), one an hour from
// 1 March 2026, all of one rule.
func manyIncidents(n int) string {
	lines := []string{`{"type":"service","id":"s1","name":"batch","team":"Alpha","rotation":"alpha-oncall"}`}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		lines = append(lines, fmt.Sprintf(`{"type":"incident","id":"n%d","service":"s1","rule":"Batch","title":"batch late","urgency":"low","created_at":%q}`, i, at))
	}
	return strings.Join(lines, "\n")
}

func TestListsHaveADefaultLimitAndSayWhenCut(t *testing.T) {
	const n = 1003 // three more than the JSON default of 1000
	f := newServer(t, manyIncidents(n), "", api.Options{})
	count := func(path, accept string) (int, string) {
		t.Helper()
		code, body, hdr := f.do(t, "GET", path, "", accept, "")
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		if strings.Contains(path, "format=csv") {
			return len(csvRows(t, body)), hdr.Get("X-Truncated")
		}
		var rows []json.RawMessage
		if err := json.Unmarshal([]byte(body), &rows); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return len(rows), hdr.Get("X-Truncated")
	}
	rules := getJSON[[]report.RuleStats](t, f, "/api/v1/rules")
	if len(rules) != 1 {
		t.Fatalf("rules = %+v, want the one Batch rule", rules)
	}
	id := rules[0].RuleID
	cases := []struct {
		path      string
		rows      int
		truncated string
	}{
		{"/api/v1/incidents", 1000, "true"},
		{"/api/v1/rules/" + id + "/incidents", 1000, "true"},
		{"/api/v1/incidents?limit=1003", 1003, ""},
		{"/api/v1/incidents?limit=1002", 1002, "true"},
		{"/api/v1/incidents?limit=5000", 1003, ""},
		// A CSV export without limit holds every row; with one it is cut and says so.
		{"/api/v1/incidents?format=csv", 1003, ""},
		{"/api/v1/incidents?format=csv&limit=10", 10, "true"},
		{"/api/v1/rules", 1, ""},
	}
	for _, c := range cases {
		rows, truncated := count(c.path, "")
		if rows != c.rows || truncated != c.truncated {
			t.Errorf("GET %s: %d rows, X-Truncated %q; want %d rows, %q", c.path, rows, truncated, c.rows, c.truncated)
		}
	}
	// The one-rule answer carries its incidents under the same default.
	code, body, hdr := f.do(t, "GET", "/api/v1/rules/"+id, "", "", "")
	var d struct {
		Rule      report.RuleStats  `json:"rule"`
		Incidents []report.Incident `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil {
		t.Fatalf("GET one rule: %d %v", code, err)
	}
	if d.Rule.Incidents != n || len(d.Incidents) != 1000 || hdr.Get("X-Truncated") != "true" {
		t.Errorf("one rule: %d incidents counted, %d listed, X-Truncated %q; want %d, 1000, true",
			d.Rule.Incidents, len(d.Incidents), hdr.Get("X-Truncated"), n)
	}
	// Newest first, so the default keeps the latest 1000: the newest is n1002.
	inc := getJSON[[]report.Incident](t, f, "/api/v1/incidents")
	if inc[0].IncidentID != "n1002" || inc[999].IncidentID != "n3" {
		t.Errorf("default list runs %s..%s, want n1002..n3", inc[0].IncidentID, inc[999].IncidentID)
	}
	code, body, _ = f.do(t, "GET", "/api/v1/incidents?limit=10001", "", "", "")
	if e := decodeError(t, body); code != 400 || e.Error.Param != "limit" || !strings.Contains(e.Error.Message, "10000") {
		t.Errorf("limit over the maximum: %d %s, want 400 naming limit and 10000", code, body)
	}
}

func TestQueryPastTheDeadlineIs503(t *testing.T) {
	f := newServer(t, smallHistory, "", api.Options{QueryTimeout: time.Nanosecond})
	for _, p := range []string{"/api/v1/incidents", "/api/v1/goal"} {
		code, body, _ := f.do(t, "GET", p, "", "", "")
		if code != http.StatusServiceUnavailable || !strings.Contains(decodeError(t, body).Error.Message, "1ns deadline") {
			t.Errorf("GET %s with a 1 ns deadline: %d %s, want 503 naming the deadline", p, code, body)
		}
	}
	// A dashboard says the same as a page in its shell.
	if code, body, _ := f.do(t, "GET", "/", "", "", ""); code != http.StatusServiceUnavailable || !strings.Contains(body, "ran past the server&#39;s 1ns deadline") {
		t.Errorf("GET / with a 1 ns deadline: %d, want the 503 page naming the deadline; got %.200s", code, body)
	}
	if code, _, _ := f.do(t, "GET", "/healthz", "", "", ""); code != 200 {
		t.Errorf("healthz with a 1 ns deadline: %d, want 200 (it runs no query)", code)
	}
	// Without a deadline the same server answers.
	f = newServer(t, smallHistory, "", api.Options{QueryTimeout: -1})
	if code, body, _ := f.do(t, "GET", "/api/v1/incidents", "", "", ""); code != 200 {
		t.Errorf("no deadline: %d %s", code, body)
	}
}

// slowRules answers Rules only when its context ends, like a query that would run forever.
type slowRules struct {
	api.Analytics // every other method is unused here
	started       chan struct{}
}

func (s slowRules) Rules(ctx context.Context, _ report.Filter) ([]report.RuleStats, error) {
	close(s.started)
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestSlowQueryEndsAtTheDeadline(t *testing.T) {
	a := slowRules{started: make(chan struct{})}
	srv := httptest.NewServer(api.New(a, api.Options{QueryTimeout: 50 * time.Millisecond}))
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: 10 * time.Second} // a missing deadline fails here, not by hanging
	start := time.Now()
	res, err := client.Get(srv.URL + "/api/v1/rules")
	if err != nil {
		t.Fatalf("a query without a working deadline hangs: %v", err)
	}
	res.Body.Close()
	<-a.started
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("slow query: %d, want 503", res.StatusCode)
	}
	if took := time.Since(start); took < 50*time.Millisecond || took > 5*time.Second {
		t.Errorf("slow query answered after %v, want just past the 50 ms deadline", took)
	}
}
