package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/api"
)

// markup is an alert title that would run as code or break the page if it were written
// into it as HTML instead of as text.
const markup = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> "quoted" & 'single' </div>`

// overviewOnly is a history as the review page's shell needs it: the page itself is drawn
// from the review API.
type overviewOnly struct{ api.Analytics }

func (overviewOnly) Overview(context.Context) (report.Overview, error) {
	return report.Overview{ReportingTimeZone: "Europe/Dublin", FirstMonth: "2026-11", LastMonth: "2026-11", Teams: []string{"Data"}}, nil
}

// scriptedReview answers the review endpoints as docs/api.md describes them, scripted:
// the first tag write meets a newer version (409), and it records what the page sent.
type scriptedReview struct {
	mu     sync.Mutex
	loads  int
	writes []recordedWrite
}

type recordedWrite struct {
	Path, Query, Reviewer string
	Body                  map[string]any
}

func (s *scriptedReview) week() map[string]any {
	inc := func(id, title, window string, tag any) map[string]any {
		return map[string]any{"source": "demo", "incident_id": id, "title": title, "paged_at": "2026-11-18T03:12:00Z",
			"local_time": "2026-11-18 03:12", "time_zone": "Europe/Dublin", "window": window,
			"interrupted": []string{"Aoife <b>Byrne</b>"}, "woken": []string{"Aoife <b>Byrne</b>"}, "auto_resolved": true,
			"transient": false, "flapping": true, "unacknowledged": false, "runbook_url": "javascript:alert(1)", "tag": tag}
	}
	return map[string]any{"week": "2026-W47", "from": "2026-11-16", "to": "2026-11-22", "previous_week": "2026-W46", "next_week": "2026-W48",
		"pages": 2, "after_hours_pages": 2, "untagged": 2, "rules": []any{map[string]any{
			"rule_id": "r<1>", "rule": markup, "service": "disk", "team": "Data", "rotation": "data-oncall", "pages": 2,
			"after_hours_pages": 2, "sleep_hours_pages": 1, "has_runbook": false, "runbook_url": "", "follow_ups": []any{},
			"incidents": []any{inc("i1", markup, "sleep", nil), inc("i2", "DiskFull on db-2", "off_hours", nil)}}}}
}

func (s *scriptedReview) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v1/reasons":
		io.WriteString(w, `[{"reason":"threshold_too_sensitive","label":"threshold too sensitive"},{"reason":"flapping","label":"flapping"},
		  {"reason":"duplicate","label":"duplicate"},{"reason":"maintenance_or_deploy","label":"maintenance or deploy"},
		  {"reason":"no_runbook","label":"no runbook"},{"reason":"could_wait_for_business_hours","label":"could wait until business hours"},
		  {"reason":"real_problem_fixed","label":"real problem fixed"},{"reason":"other","label":"other"}]`)
	case r.Method == "GET" && r.URL.Path == "/api/v1/review":
		s.loads++
		json.NewEncoder(w).Encode(s.week())
	case r.Method == "PUT":
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		s.writes = append(s.writes, recordedWrite{Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Reviewer: r.Header.Get("X-Alertlens-Reviewer"), Body: body})
		if len(s.writes) == 1 {
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"error":{"message":"the tag changed since version 0"},"current":{"tag":"action_taken","reason":"real_problem_fixed",
			  "note":"fixed the disk","owner":"Ana","follow_up_url":"https://tickets.example/OPS-1","reviewer":"Ana","updated_at":"2026-11-24T09:05:00Z","version":1}}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"tag": body["tag"], "reason": body["reason"], "note": body["note"], "owner": body["owner"],
			"follow_up_url": body["follow_up_url"], "reviewer": r.Header.Get("X-Alertlens-Reviewer"), "updated_at": "2026-11-24T10:00:00Z", "version": 2})
	default:
		http.NotFound(w, r)
	}
}

// TestReviewPageDrawsAlertTextAsText drives the review page against a scripted review API:
// a title and names holding markup show as text, a javascript: runbook is no link, a stale
// write shows whose tag won and offers a reload, and the meeting keys (j, n, 5, Enter) send
// the tag with the typed reviewer's name.
func TestReviewPageDrawsAlertTextAsText(t *testing.T) {
	fake := &scriptedReview{}
	shell := api.New(overviewOnly{}, api.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/v1/review") || strings.HasPrefix(r.URL.Path, "/api/v1/reasons") || r.Method == "PUT" {
			fake.ServeHTTP(w, r)
			return
		}
		shell.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	b := newBrowser(t, base.Host)
	ctx := b.ctx
	b.viewport(t, 0)

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/review?week=2026-W47"), chromedp.WaitVisible(chromedp.CSS(".inc"))); err != nil {
		t.Fatal(err)
	}
	type shown struct {
		Title, Rule, Who, Summary, Prev, Next string
		Pwned                                 bool
		Elements, RunbookLinks                int
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`({
	  title: document.querySelector(".inc .title").textContent,
	  rule: document.querySelector("section.rule h2").textContent,
	  who: document.querySelector(".inc .who").textContent,
	  summary: document.getElementById("review-summary").textContent,
	  prev: document.getElementById("week-prev").getAttribute("href"),
	  next: document.getElementById("week-next").getAttribute("href"),
	  pwned: window.pwned !== undefined,
	  elements: document.querySelectorAll("#review img, #review script, #review b").length,
	  runbookLinks: document.querySelectorAll('#review a[href^="javascript"]').length})`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != markup || got.Rule != markup {
		t.Errorf("title shown as %q and rule as %q, want the text %q", got.Title, got.Rule, markup)
	}
	if got.Who != "interrupted: Aoife <b>Byrne</b> · woken: Aoife <b>Byrne</b>" {
		t.Errorf("people shown as %q", got.Who)
	}
	if got.Pwned || got.Elements != 0 || got.RunbookLinks != 0 {
		t.Errorf("markup ran or became elements: pwned %v, %d img/script/b elements, %d javascript: links", got.Pwned, got.Elements, got.RunbookLinks)
	}
	if !strings.Contains(got.Summary, "2 still untagged") || got.Prev != "/review?week=2026-W46" || got.Next != "/review?week=2026-W48" {
		t.Errorf("summary %q, week links %q %q", got.Summary, got.Prev, got.Next)
	}

	// A stale write: the page shows the tag that won, then reloads the week.
	steps(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#reviewer"), "Bea"),
		chromedp.Click(chromedp.CSS(".inc .tag-one")),
		chromedp.Click(chromedp.CSS(`.review-form input[value="no_action"]`)),
		chromedp.SetValue(chromedp.CSS(".review-form select[name=reason]"), "flapping"),
		chromedp.Click(chromedp.CSS(`.review-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".conflict")),
	)
	conflict, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".conflict").textContent`))
	for _, want := range []string{"Ana changed this tag at 2026-11-24 09:05", "real problem fixed", "fixed the disk", "flapping"} {
		if !strings.Contains(conflict, want) {
			t.Errorf("conflict box %q lacks %q", conflict, want)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".conflict .reload"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector(".conflict")`)); err != nil {
		t.Fatal(err)
	}

	// Meeting mode: j to the second page, n, reason 5, Enter.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("h1")), chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("n"),
		chromedp.KeyEvent("5"), chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('.inc[data-incident="demo/i2"] .tag').textContent.indexOf("no action") === 0`)); err != nil {
		t.Fatal(err)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if fake.loads != 2 {
		t.Errorf("the week was loaded %d times, want 2 (the page, then the reload after the conflict)", fake.loads)
	}
	if len(fake.writes) != 2 {
		t.Fatalf("writes %+v, want the stale one and the keyboard one", fake.writes)
	}
	w := fake.writes[0]
	if w.Path != "/api/v1/incidents/i1/review" || w.Query != "source=demo" || w.Reviewer != "Bea" || w.Body["tag"] != "no_action" || w.Body["reason"] != "flapping" || w.Body["version"] != float64(0) {
		t.Errorf("first write %+v", w)
	}
	w = fake.writes[1]
	if w.Path != "/api/v1/incidents/i2/review" || w.Body["tag"] != "no_action" || w.Body["reason"] != "no_runbook" || w.Reviewer != "Bea" {
		t.Errorf("keyboard write %+v, want i2 no_action no_runbook (reason 5) by Bea", w)
	}
	left, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("untagged").textContent`))
	if left != "1 still untagged" {
		t.Errorf("after one tag the page says %q, want 1 still untagged", left)
	}
}

// steps runs browser actions one by one, each within 30 s, so a stuck step fails naming
// itself instead of using up the test's whole deadline.
func steps(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, a := range actions {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := chromedp.Do(sctx, a)
		cancel()
		if err != nil {
			t.Fatalf("step %d of %d: %v", i+1, len(actions), err)
		}
	}
}

// TestReviewInChromium runs the weekly review on the demo history through the real review
// API: tag one page and bulk-tag a rule by clicking, choosing and saving, reload, and see
// both tags on the page and in the API, with the untagged count down by exactly the pages
// that were untagged. It photographs the page at both widths.
func TestReviewInChromium(t *testing.T) {
	srv, _ := demoServer(t)
	const week = "2026-W10"
	get := func() report.ReviewWeek {
		res, err := http.Get(srv.URL + "/api/v1/review?week=" + week)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var w report.ReviewWeek
		if err := json.NewDecoder(res.Body).Decode(&w); err != nil || res.StatusCode != 200 {
			t.Fatalf("review %s: %d %v", week, res.StatusCode, err)
		}
		return w
	}
	before := get()
	if len(before.Rules) < 2 {
		t.Fatalf("%s has %d rules, want at least 2", week, len(before.Rules))
	}
	// The first untagged page of the first rule, and every page of the second rule.
	one := -1
	for i, in := range before.Rules[0].Incidents {
		if in.Tag == nil {
			one = i
			break
		}
	}
	if one < 0 {
		t.Fatalf("%s: the first rule has no untagged page", week)
	}
	target := before.Rules[0].Incidents[one]
	bulk := before.Rules[1]
	untaggedInBulk := 0
	for _, in := range bulk.Incidents {
		if in.Tag == nil {
			untaggedInBulk++
		}
	}
	wantUntagged := before.Untagged - 1 - untaggedInBulk

	base, _ := url.Parse(srv.URL)
	b := newBrowser(t, base.Host)
	ctx := b.ctx
	b.viewport(t, 0)
	row := fmt.Sprintf(`.inc[data-incident="%s/%s"]`, target.Source, target.IncidentID)
	section := `section.rule:nth-of-type(2)`
	steps(t, ctx,
		chromedp.Navigate(srv.URL+"/review?week="+week),
		chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.SendKeys(chromedp.CSS("#reviewer"), "Róisín Test"),
		// One page: no action, flapping, with a note and an owner.
		chromedp.Click(chromedp.CSS(row+" .tag-one")),
		chromedp.Click(chromedp.CSS(row+` .review-form input[value="no_action"]`)),
		chromedp.SetValue(chromedp.CSS(row+" .review-form select[name=reason]"), "flapping"),
		chromedp.SendKeys(chromedp.CSS(row+" .review-form input[name=note]"), `pages every night "by design" <ok>`),
		chromedp.SendKeys(chromedp.CSS(row+" .review-form input[name=owner]"), "data-oncall"),
		chromedp.Click(chromedp.CSS(row+` .review-form button[type=submit]`)),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('`+row+` .tag').textContent.indexOf("no action · flapping") === 0`)); err != nil {
		msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(".review-form .err") || {}).textContent || ""`))
		t.Fatalf("the single tag did not show (%v); the form says %q", err, msg)
	}
	// The second rule's pages, all at once: action taken, real problem fixed, a ticket.
	steps(t, ctx,
		chromedp.Click(chromedp.CSS(section+" button.bulk")),
		chromedp.Click(chromedp.CSS(section+` .review-form input[value="action_taken"]`)),
		chromedp.SetValue(chromedp.CSS(section+" .review-form select[name=reason]"), "real_problem_fixed"),
		chromedp.SendKeys(chromedp.CSS(section+" .review-form input[name=follow_up_url]"), "https://tickets.example/OPS-7"),
		chromedp.Click(chromedp.CSS(section+` .review-form button[type=submit]`)),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("review-summary").textContent.indexOf("tagged `+fmt.Sprint(len(bulk.Incidents))+` pages") >= 0`)); err != nil {
		t.Fatalf("the bulk tag did not finish: %v", err)
	}

	// Reload: both tags are there, from the server.
	steps(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(row)))
	type seen struct {
		One      string   `json:"one"`
		Bulk     []string `json:"bulk"`
		Untagged string   `json:"untagged"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[seen](`({
	  one: document.querySelector('`+row+` .tag').textContent,
	  bulk: Array.from(document.querySelectorAll('`+section+` .inc .tag')).map(function(e){ return e.textContent; }),
	  untagged: document.getElementById("untagged").textContent})`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.One, `no action · flapping · owner data-oncall · “pages every night "by design" <ok>” — Róisín Test`) {
		t.Errorf("after reload the page's tag reads %q", got.One)
	}
	if len(got.Bulk) != len(bulk.Incidents) {
		t.Errorf("%d tags under the bulk-tagged rule, want %d", len(got.Bulk), len(bulk.Incidents))
	}
	for _, tag := range got.Bulk {
		if !strings.HasPrefix(tag, "action taken · real problem fixed · follow-up — Róisín Test") {
			t.Errorf("bulk-tagged page reads %q", tag)
		}
	}
	if got.Untagged != fmt.Sprintf("%d still untagged", wantUntagged) {
		t.Errorf("the page says %q, want %d still untagged (%d before, less 1 and the rule's %d)", got.Untagged, wantUntagged, before.Untagged, untaggedInBulk)
	}
	after := get()
	if after.Untagged != wantUntagged {
		t.Errorf("the API counts %d untagged, want %d", after.Untagged, wantUntagged)
	}
	for _, in := range after.Rules[1].Incidents {
		if in.Tag == nil || in.Tag.Tag != "action_taken" || in.Tag.Reviewer != "Róisín Test" || in.Tag.FollowUpURL != "https://tickets.example/OPS-7" {
			t.Errorf("API: bulk-tagged %s has tag %+v", in.IncidentID, in.Tag)
		}
	}

	// The screenshots: the tagged week with a form open, at desktop and phone width.
	for vi, v := range viewports {
		b.viewport(t, vi)
		steps(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(row)),
			chromedp.Click(chromedp.CSS("h1")), chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("t"),
			chromedp.WaitVisible(chromedp.CSS(".review-form")))
		if over, err := chromedp.Run(ctx, chromedp.Evaluate[int](overflow)); err != nil || over > 0 {
			t.Errorf("at %d px the review is %d px wider than the window (%v)", v.width, over, err)
		}
		b.screenshot(t, "review"+v.suffix)
	}
	b.viewport(t, 0)
}
