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

// TestDashboardsInChromium opens every page in headless Chromium on the demo history and
// checks that the charts drew, that the console stayed clean and that no request left
// 127.0.0.1. With ALERTLENS_SCREENSHOTS=1 it saves each page to docs/screenshots/.
func TestDashboardsInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not on PATH (.ci/run installs it)")
	}
	srv, svc := demoServer(t)
	top, err := svc.Rules(context.Background(), report.Filter{Limit: 1})
	if err != nil || len(top) == 0 {
		t.Fatalf("top rule: %v %v", top, err)
	}
	base, _ := url.Parse(srv.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("user-data-dir", t.TempDir()),
		chromedp.Flag("window-size", "1280,1000"),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	var (
		mu       sync.Mutex
		problems []string
	)
	report := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	if err := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				report("console %s: %s", ev.Type, strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			report("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				report("log: %s %s", ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Host != base.Host) {
				report("request left %s: %s", base.Host, ev.Request.URL)
			}
		case *network.EventLoadingFailed:
			report("loading failed: %s", ev.ErrorText)
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

	pages := []struct {
		name, path string
		series     [][]string // expected series names, chart by chart (a subset of each)
	}{
		{"goal", "/", [][]string{{"after-hours pages", "goal", "3-month average", "projected this month"}}},
		{"path", "/path?to=2025-11", [][]string{{"after-hours pages", "cumulative %", "goal"}, {"before", "after", "goal"}}},
		{"team", "/team/Data", [][]string{{"business hours", "off-hours", "sleep hours"}}},
		{"responders", "/responders", [][]string{{"interruptions"}, {"interruptions", "after-hours pages", "sleep-hours pages"}, {"platform-oncall"}}},
		{"rule", "/rule/" + url.PathEscape(top[0].RuleID), [][]string{{"incidents", "after-hours pages", "sleep-hours pages", "noise score"}}},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible("[data-chart] canvas")); err != nil {
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
			if os.Getenv("ALERTLENS_SCREENSHOTS") == "1" {
				png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				dir := filepath.Join(ingesttest.RepoRoot(t), "docs", "screenshots")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, p.name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}

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
	})

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}
