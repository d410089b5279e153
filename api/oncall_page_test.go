package api_test

import (
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The on-call page on the hand-worked October: the pay table holds each person's amount
// (Cara's formula name escaped, not markup), and the escalation and rest breach are named.
func TestOnCallPageHTML(t *testing.T) {
	f := oncallServer(t)
	code, body, _ := f.do(t, "GET", "/oncall?month=2026-10", "", "", "")
	if code != 200 {
		t.Fatalf("GET /oncall: %d %s", code, body)
	}
	for _, want := range []string{"On call in 2026-10", "578.57 EUR", "336.07 EUR", "330.89 EUR", html.EscapeString(formulaName),
		"weekly_shift platform: 184.00 h / 168 x 300.00 = 328.57", "Rest breaches", `href="/oncall?to=2026-10"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Without ?month the page opens on the history's last month, November 2026.
	if _, body, _ := f.do(t, "GET", "/oncall", "", "", ""); !strings.Contains(body, "On call in 2026-11") || !strings.Contains(body, "153.93 EUR") {
		t.Errorf("/oncall without a month does not show November")
	}
	if code, _, _ := f.do(t, "GET", "/oncall?month=2026-13", "", "", ""); code != 400 {
		t.Errorf("a bad month answered %d, want 400", code)
	}
}

// TestOnCallPageInChromium draws the on-call page on the hand-worked October at desktop and
// phone width: every chart draws with its series, the pay table scrolls inside its card at
// 390 px rather than widening the page, and the console stays clean (newBrowser reports
// any error). The demo history has no schedules, so the page is checked here, on one that
// has.
func TestOnCallPageInChromium(t *testing.T) {
	f := oncallServer(t)
	base, _ := url.Parse(f.srv.URL)
	b := newBrowser(t, base.Host)
	want := [][]string{{"platform on call", "platform paged", "data on call"}, {"pages", "reference (2 per 12 h)"}, {"platform"}}
	for vi, v := range viewports {
		b.viewport(t, vi)
		t.Run("oncall"+v.suffix, func(t *testing.T) {
			if err := chromedp.Do(b.ctx, chromedp.Navigate(f.srv.URL+"/oncall?month=2026-10"), chromedp.WaitVisible("[data-chart] canvas")); err != nil {
				t.Fatal(err)
			}
			charts, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]chartInfo](readCharts))
			if err != nil {
				t.Fatal(err)
			}
			if len(charts) != len(want) {
				t.Fatalf("%d charts, want %d: %+v", len(charts), len(want), charts)
			}
			for i, names := range want {
				for _, n := range names {
					if !slices.Contains(charts[i].Series, n) {
						t.Errorf("chart %d: series %q missing from %q", i, n, charts[i].Series)
					}
				}
				if charts[i].Inked < 2000 {
					t.Errorf("chart %s looks blank: %d inked pixels", charts[i].ID, charts[i].Inked)
				}
			}
			// Against the viewport's width: under mobile emulation innerWidth grows with the
			// content (browser_test.go's overflow, kept here while that file is mid-edit).
			if over, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.documentElement.scrollWidth - %d`, v.width))); err != nil || over > 0 {
				t.Errorf("at %d px the page is %d px wider than the window (%v)", v.width, over, err)
			}
			// The pay table (12 columns) is wider than a phone: its card scrolls instead.
			const payScroll = `(function(){ var w = document.querySelectorAll(".table-wrap")[0]; return w.scrollWidth - w.clientWidth; })()`
			if scroll, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](payScroll)); err != nil || (v.mobile && scroll <= 0) {
				t.Errorf("at %d px the pay table's card scrolls by %d px, want > 0 on a phone (%v)", v.width, scroll, err)
			}
			b.screenshot(t, "oncall"+v.suffix)
		})
	}
}
