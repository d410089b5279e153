package api_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// chartInfo is what the page's charts report back from ECharts itself.
type chartInfo struct {
	ID     string   `json:"id"`
	Series []string `json:"series"`
	Inked  int      `json:"inked"` // canvas pixels that are not blank
}

// readCharts asks ECharts for each chart's options and counts the canvas pixels it drew.
const readCharts = `Array.from(document.querySelectorAll("[data-chart]")).map(function(el){
  var c = echarts.getInstanceByDom(el), cv = el.querySelector("canvas"), inked = 0;
  if (cv) {
    var d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
    for (var i = 3; i < d.length; i += 4) if (d[i] !== 0) inked++;
  }
  return {id: el.id, series: c ? c.getOption().series.map(function(s){ return s.name; }) : [], inked: inked};
})`

// browser is one headless Chromium with the project's flags, watching what every page
// does: console errors, exceptions, failed loads and any request that leaves the server.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T, host string) *browser {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not on PATH: apt-get install chromium (.ci/run installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("user-data-dir", t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	b := &browser{ctx: bctx}
	if err := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				b.report("console %s: %s", ev.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.report("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception)
		case *log.EventEntryAdded:
			// A page that answers 4xx on purpose (the error pages) logs its status; the
			// tests check those statuses themselves.
			if ev.Entry.Level == log.EntryLevelError && !strings.Contains(ev.Entry.Text, "the server responded with a status of") {
				b.report("log: %s %s", ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Host != host) {
				b.report("request left %s: %s", host, ev.Request.URL)
			}
		case *network.EventLoadingFailed:
			b.report("loading failed: %s", ev.ErrorText)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Error(p)
		}
	})
	return b
}

func (b *browser) report(format string, args ...any) {
	b.mu.Lock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

// viewports are the two widths every page is checked and photographed at.
var viewports = []struct {
	suffix        string
	width, height int64
	mobile        bool
}{{"", 1400, 1000, false}, {"-phone", 390, 844, true}}

func (b *browser) viewport(t *testing.T, i int) {
	t.Helper()
	v := viewports[i]
	// The screen is the window's size too, so that screen.width is the width a page must
	// fit (see overflow).
	opts := []chromedp.EmulateViewportOption{func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		p.ScreenWidth, p.ScreenHeight = v.width, v.height
	}}
	if v.mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(v.width, v.height, opts...)); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves the whole page to docs/screenshots/NAME.png when ALERTLENS_SCREENSHOTS=1.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	if os.Getenv("ALERTLENS_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(ingesttest.RepoRoot(t), "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// overflow is how far the page is wider than the window: a table or form that does not
// fit must scroll inside its card, never push the page sideways. (Under mobile emulation
// innerWidth grows with the content; screen.width stays the device's.)
const overflow = `document.documentElement.scrollWidth - Math.min(window.innerWidth, screen.width)`

// TestDashboardsInChromium opens every page in headless Chromium on the demo history, at
// desktop and phone width, and checks that the charts drew, that nothing is wider than the
// window, that the console stayed clean and that no request left 127.0.0.1. With
// ALERTLENS_SCREENSHOTS=1 it saves each page to docs/screenshots/ (NAME.png, NAME-phone.png).
func TestDashboardsInChromium(t *testing.T) {
	srv, svc := demoServer(t)
	top, err := svc.Rules(context.Background(), report.Filter{Limit: 1})
	if err != nil || len(top) == 0 {
		t.Fatalf("top rule: %v %v", top, err)
	}
	people, err := svc.Responders(context.Background(), report.Filter{Limit: 1})
	if err != nil || len(people) == 0 {
		t.Fatalf("top responder: %v %v", people, err)
	}
	base, _ := url.Parse(srv.URL)
	b := newBrowser(t, base.Host)
	bctx := b.ctx
	person := "/person/" + url.PathEscape(people[0].Source) + "/" + url.PathEscape(people[0].ResponderID)

	pages := []struct {
		name, path string
		series     [][]string // expected series names, chart by chart (a subset of each)
	}{
		{"goal", "/", [][]string{{"after-hours pages", "goal", "3-month average", "projected this month"}}},
		{"path", "/path", [][]string{{"after-hours pages", "cumulative %", "goal"}, {"before", "after", "goal"}}},
		{"team", "/team/Data", [][]string{{"business hours", "off-hours", "sleep hours"}}},
		{"responders", "/responders?team=Data", [][]string{{"interruptions"}, {"interruptions", "after-hours pages", "sleep-hours pages"}, {"data-oncall"}}},
		{"rule", "/rule/" + url.PathEscape(top[0].RuleID), [][]string{{"incidents", "after-hours pages", "sleep-hours pages", "noise score"}}},
		{"person", person, [][]string{{"interruptions"}}},
		{"pages", "/pages?from=2026-01&to=2026-01", nil},
	}
	for vi, v := range viewports {
		b.viewport(t, vi)
		for _, p := range pages {
			t.Run(p.name+v.suffix, func(t *testing.T) {
				wait := chromedp.WaitVisible("[data-chart] canvas")
				if p.series == nil {
					wait = chromedp.WaitVisible(chromedp.CSS("table"))
				}
				if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+p.path), wait); err != nil {
					t.Fatal(err)
				}
				charts, err := chromedp.Run(bctx, chromedp.Evaluate[[]chartInfo](readCharts))
				if err != nil {
					t.Fatal(err)
				}
				if len(charts) < len(p.series) {
					t.Fatalf("%d charts, want at least %d: %+v", len(charts), len(p.series), charts)
				}
				for i, want := range p.series {
					for _, name := range want {
						if !slices.Contains(charts[i].Series, name) {
							t.Errorf("chart %d: series %q missing from %q", i, name, charts[i].Series)
						}
					}
				}
				for _, c := range charts {
					if c.Inked < 2000 {
						t.Errorf("chart %s looks blank: %d inked pixels", c.ID, c.Inked)
					}
				}
				if over, err := chromedp.Run(bctx, chromedp.Evaluate[int](overflow)); err != nil || over > 0 {
					t.Errorf("at %d px the page is %d px wider than the window (%v)", v.width, over, err)
				}
				b.screenshot(t, p.name+v.suffix)
			})
		}
	}
	b.viewport(t, 0)

	t.Run("drill-down", func(t *testing.T) {
		// The goal chart's first bar opens its month's pages; a name there opens the person.
		err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("[data-chart] canvas"))
		if err != nil {
			t.Fatal(err)
		}
		// The middle of the first bar's lowest page, in the window's coordinates.
		click := `(function(){ var el = document.querySelector("[data-chart]"), c = echarts.getInstanceByDom(el);
		  el.scrollIntoView(); var r = el.getBoundingClientRect(), p = c.convertToPixel({seriesIndex: 0}, [0, 0.5]);
		  return [r.left + p[0], r.top + p[1]]; })()`
		xy, err := chromedp.Run(bctx, chromedp.Evaluate[[]float64](click))
		if err != nil || len(xy) != 2 {
			t.Fatalf("first bar: %v %v", xy, err)
		}
		steps(t, bctx, chromedp.MouseClickXY(xy[0], xy[1]), chromedp.WaitVisible(chromedp.CSS("table")))
		loc, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`location.pathname + location.search`))
		if loc != "/pages?from=2025-11&to=2025-11" {
			t.Errorf("the first month's bar opened %q, want /pages?from=2025-11&to=2025-11", loc)
		}
		rows, _ := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("tbody tr").length`))
		if rows != 50 { // 82 pages in 2025-11: a first page of 50
			t.Errorf("%d rows on the first page of 2025-11's pages, want 50", rows)
		}
		next, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector("a[rel=next]") || {}).href || ""`))
		if !strings.HasSuffix(next, "/pages?from=2025-11&page=2&to=2025-11") {
			t.Errorf("next page link %q", next)
		}
	})

	t.Run("whatif", func(t *testing.T) {
		// Remove the top rule of the path page and recompute: "after" must drop below "before".
		sums := `(function(){ var o = echarts.getInstanceByDom(document.querySelector("[data-whatif-chart]")).getOption();
		  var s = {}; o.series.forEach(function(x){ s[x.name] = x.data.reduce(function(a, d){ return a + (typeof d === "object" ? d.value : d); }, 0); });
		  return [s.before, s.after]; })()`
		err := chromedp.Do(bctx,
			chromedp.Navigate(srv.URL+"/path?from=2025-11&to=2026-01"),
			chromedp.WaitVisible("#whatif select"),
			chromedp.SetValue("#whatif tr[data-rule-id] select", "remove"),
			chromedp.Click("#whatif button"),
		)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`document.getElementById("whatif-status").textContent.indexOf("→") >= 0`)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(bctx, chromedp.Evaluate[[]float64](sums))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !(got[1] < got[0]) {
			t.Errorf("after removing the top rule: before, after = %v; want after < before", got)
		}
		// Every month stays over the goal of 10 after removing one rule: all red.
		colors, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`echarts.getInstanceByDom(document.querySelector("[data-whatif-chart]")).getOption()
		  .series.filter(function(s){ return s.name === "after"; })[0].data.map(function(d){ return d.itemStyle.color; })`))
		if err != nil || len(colors) != 3 || colors[0] != "#d9534f" {
			t.Errorf("after bars' colours %v (%v), want 3 red: still over the goal", colors, err)
		}
	})
}
