package dashboards

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/report"
)

const evil = `</script><img src=x onerror=alert(1)>__f__alert(2)__f__`

func TestRenderEscapesSourceStrings(t *testing.T) {
	rule := report.RuleStats{RuleID: "r/1", Rule: evil, Service: evil, RunbookURL: "javascript:alert(3)", Incidents: 1}
	hist := []report.RuleMonth{{Month: "2026-01", Incidents: 1}}
	inc := []report.Incident{{Title: evil}}
	var buf bytes.Buffer
	if err := Render(&buf, RulePage(Choices{Teams: []string{evil}}, report.Filter{}, rule, hist, inc, nil, nil)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<img", "</script><", "href=\"javascript:"} {
		if strings.Contains(out, bad) {
			t.Errorf("page holds %q unescaped", bad)
		}
	}
	// The title is still there, as text in the table and as an escaped JSON string.
	if !strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("want the title shown as text in the table")
	}
	if !strings.Contains(out, `"\u003c/script\u003e\u003cimg src=x onerror=alert(1)\u003e__f__alert(2)__f__"`) {
		t.Error("want the title as a whole, quoted, JSON-escaped string in the chart options")
	}
	if strings.Count(out, "</script>") != strings.Count(out, "<script") {
		t.Errorf("script tags unbalanced: %d opened, %d closed", strings.Count(out, "<script"), strings.Count(out, "</script>"))
	}
}

func TestPagesLoadNothingFromAnotherHost(t *testing.T) {
	goal := []report.GoalMonth{{Month: "2026-01", ScopeType: "org", AfterHoursPages: 12, Goal: 10}}
	var buf bytes.Buffer
	if err := Render(&buf, GoalPage(Choices{}, report.Filter{}, goal, nil)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"go-echarts.github.io", "cdn", "src=\"http", "href=\"http"} {
		if strings.Contains(out, bad) {
			t.Errorf("page refers to %q", bad)
		}
	}
	if !strings.Contains(out, `<script src="/assets/echarts/echarts.min.js">`) {
		t.Error("want ECharts from /assets/")
	}
}

func TestGoalChartColoursAndGoalLine(t *testing.T) {
	avg := 11.0
	months := []report.GoalMonth{
		{Month: "2026-01", AfterHoursPages: 12, Goal: 10, Met: false, TrailingAvg3m: &avg},
		{Month: "2026-02", AfterHoursPages: 4, Goal: 10, Met: true},
	}
	c := GoalChart("Organisation", months, &report.Pace{Month: "2026-02", Projected: 8.04, Goal: 10})
	c.Validate()
	opt := c.JSON()
	series := opt["series"]
	var names []string
	var b bytes.Buffer
	for _, s := range seriesList(t, series) {
		names = append(names, s.Name)
		if s.Name == SeriesAfterHours {
			b.WriteString(strings.Join(barColours(s.Data), ","))
		}
	}
	if got := strings.Join(names, "|"); got != "after-hours pages|goal|3-month average|projected this month" {
		t.Errorf("series %q", got)
	}
	if b.String() != colorMissed+","+colorMet {
		t.Errorf("bar colours %q, want red then green", b.String())
	}
}

// seriesList reads the series out of a chart's options the way the browser will: as JSON.
func seriesList(t *testing.T, v any) []struct {
	Name string           `json:"name"`
	Data []map[string]any `json:"data"`
} {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out []struct {
		Name string           `json:"name"`
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func barColours(data []map[string]any) []string {
	var out []string
	for _, d := range data {
		style, _ := d["itemStyle"].(map[string]any)
		c, _ := style["color"].(string)
		out = append(out, c)
	}
	return out
}

func TestGoalPageShowsTheCurrentMonthsPaceAndZonedTimes(t *testing.T) {
	syd, err := time.LoadLocation("Australia/Sydney")
	if err != nil {
		t.Fatal(err)
	}
	ch := Choices{ReportingTimeZone: "Australia/Sydney",
		AsOf:    time.Date(2026, 4, 3, 21, 0, 0, 0, syd),
		BuiltAt: time.Date(2026, 12, 1, 8, 30, 0, 0, syd)}
	months := []report.GoalMonth{{Month: "2026-04", ScopeType: "org", Scope: "Acme", AfterHoursPages: 3, Goal: 10, Met: true}}
	paces := []report.Pace{{Month: "2026-12", ScopeType: "org", Scope: "Acme", ElapsedDays: 0.375, DaysInMonth: 31, Goal: 10, OnTrack: true}}
	var buf bytes.Buffer
	if err := Render(&buf, GoalPage(ch, report.Filter{}, months, paces)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"2026-12 on pace for (0 so far, 0.4 of 31 days)",
		"The latest month shown is 2026-04; the pace is for the current month, 2026-12.",
		// html/template writes the offset's "+" as &#43; in an attribute; browsers read it back
		`data up to <time datetime="2026-04-03T21:00:00&#43;11:00">2026-04-03 21:00 AEDT</time>`,
		`models built <time datetime="2026-12-01T08:30:00&#43;11:00">2026-12-01 08:30 AEDT</time>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("goal page lacks %q", want)
		}
	}
	if strings.Contains(out, "2026-04 on pace") {
		t.Error("goal page shows a finished month on pace")
	}
}
