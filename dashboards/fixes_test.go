package dashboards

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/analytics/report"
)

func render(t *testing.T, p Page) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, p); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The headline cards are the filter's scope: /?team=Data shows Data's month, not the
// organisation's 4 pages.
func TestGoalHeadlineFollowsTheFilter(t *testing.T) {
	months := []report.GoalMonth{
		{Month: "2026-10", ScopeType: "org", Scope: "Northwind", AfterHoursPages: 4, SleepHoursPages: 2, Goal: 10, Met: true},
		{Month: "2026-10", ScopeType: "team", Scope: "Data", AfterHoursPages: 0, SleepHoursPages: 0, Goal: 10, Met: true},
		{Month: "2026-10", ScopeType: "rotation", Scope: "data-oncall", AfterHoursPages: 1, SleepHoursPages: 1, Goal: 10, Met: true},
	}
	for _, c := range []struct {
		f       report.Filter
		want    string
		wantNot string
	}{
		{report.Filter{}, `<div class="v">4</div><div class="l">after-hours pages in 2026-10`, "Figures of"},
		{report.Filter{Team: "Data"}, `<div class="v">0</div><div class="l">after-hours pages in 2026-10`, `<div class="v">4</div><div class="l">after-hours`},
		{report.Filter{Rotation: "data-oncall"}, `<div class="v">1</div><div class="l">after-hours pages in 2026-10`, `<div class="v">4</div><div class="l">after-hours`},
	} {
		out := render(t, GoalPage(Choices{}, c.f, months, nil))
		if !strings.Contains(out, c.want) {
			t.Errorf("%+v: headline lacks %q", c.f, c.want)
		}
		if strings.Contains(out, c.wantNot) {
			t.Errorf("%+v: headline holds %q", c.f, c.wantNot)
		}
	}
}

func TestNoisiestRulesRankByNoiseThenImpact(t *testing.T) {
	rules := []report.RuleStats{
		{Rule: "impactful-quiet", NoiseScore: 0, ImpactScore: 90, Incidents: 50},
		{Rule: "noisy-small", NoiseScore: 80, ImpactScore: 2, Incidents: 4},
		{Rule: "noisy-big", NoiseScore: 80, ImpactScore: 40, Incidents: 60},
		{Rule: "noisiest", NoiseScore: 100, ImpactScore: 0, Incidents: 3},
	}
	var got []string
	for _, r := range NoisiestRules(rules, 3) {
		got = append(got, r.Rule)
	}
	if strings.Join(got, ",") != "noisiest,noisy-big,noisy-small" {
		t.Errorf("noisiest rules %v, want noisiest, noisy-big, noisy-small (the score-0 rule left out)", got)
	}
	if rules[0].Rule != "impactful-quiet" {
		t.Error("NoisiestRules reordered its argument")
	}
}

func TestPathPageSaysWhenTheGoalIsMet(t *testing.T) {
	path := report.PathToGoal{Month: "2026-10", ScopeType: "org", Scope: "N", AfterHoursPages: 4, Goal: 10, Met: true}
	met := []report.WhatIfMonth{{Month: "2026-09", ScopeType: "org", Scope: "N", MetAfter: true}, {Month: "2026-10", ScopeType: "org", Scope: "N", MetAfter: true}}
	if out := render(t, PathPage(Choices{}, report.Filter{}, path, met)); !strings.Contains(out, "The goal is met: every month of the period stayed under 10") {
		t.Error("all months met: the page does not say the goal is met")
	}
	// Opened on the latest missed month (2026-06) of a history whose later months met it.
	missed := report.PathToGoal{Month: "2026-06", ScopeType: "org", Scope: "N", AfterHoursPages: 18, Goal: 10, SmallestSet: 3}
	months := []report.WhatIfMonth{{Month: "2026-06", ScopeType: "org", Scope: "N", AfterHoursPages: 18, AfterHoursPagesAfter: 18}, {Month: "2026-07", ScopeType: "org", Scope: "N", MetAfter: true}}
	out := render(t, PathPage(Choices{}, report.Filter{}, missed, months))
	if !strings.Contains(out, "Opened on 2026-06, the latest month that missed the goal") {
		t.Error("the page does not say it opened on the latest missed month")
	}
	// The what-if "after" bars: red where the month misses, green where it meets.
	c := WhatIfChart(months)
	c.Validate()
	for _, s := range seriesList(t, c.JSON()["series"]) {
		if s.Name == SeriesAfter {
			if got := strings.Join(barColours(s.Data), ","); got != colorMissed+","+colorMet {
				t.Errorf("after bars %s, want red (18, over) then green (0, under)", got)
			}
		}
	}
}

func TestErrorAndEmptyPagesSayHowToFixIt(t *testing.T) {
	out := render(t, ErrorPage(Choices{Teams: []string{"Data"}}, "/", http.StatusBadRequest, `from: 2026-05 is after to 2026-01`))
	for _, want := range []string{`data-status="400"`, "from: 2026-05 is after to 2026-01", `<form class="filter"`, `href="/responders"`} {
		if !strings.Contains(out, want) {
			t.Errorf("400 page lacks %q", want)
		}
	}
	out = render(t, ErrorPage(Choices{}, "/rule/x", http.StatusNotFound, `no rule "<x>"`))
	if !strings.Contains(out, `no rule &#34;&lt;x&gt;&#34;`) || strings.Contains(out, `<form class="filter"`) {
		t.Error("404 page: want the escaped message and no filter form")
	}
	out = render(t, EmptyPage(Choices{}, "Path to goal", "/path"))
	for _, want := range []string{"<code>alertlens demo</code>", "<code>alertlens import history.jsonl</code>", "sources:"} {
		if !strings.Contains(out, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
	if strings.Contains(out, "echarts.min.js") {
		t.Error("a page without charts loads ECharts")
	}
}

func TestReviewPageEscapesTheWeekAndLinksNoFilter(t *testing.T) {
	out := render(t, ReviewPage(Choices{}, `2026-W47"</script><b>`, true))
	if strings.Contains(out, `"</script><b>`) {
		t.Error("the week is written into the page unescaped")
	}
	if !strings.Contains(out, `id="reviewer"`) {
		t.Error("auth off: the page does not ask for the reviewer's name")
	}
	if strings.Contains(render(t, ReviewPage(Choices{}, "", false)), `id="reviewer"`) {
		t.Error("auth on: the page asks for a name the token already gives")
	}
	// Other pages' nav keeps the month filter; the review link does not take it.
	goal := render(t, GoalPage(Choices{}, report.Filter{Team: "Data"}, []report.GoalMonth{{Month: "2026-01", ScopeType: "org"}}, nil))
	if !strings.Contains(goal, `href="/review">Review`) || !strings.Contains(goal, `href="/team?team=Data"`) {
		t.Error("nav: want /review without the filter and /team with it")
	}
}

func TestPagerLinksKeepTheFilter(t *testing.T) {
	p := NewPager("/pages", report.Filter{From: "2026-01", To: "2026-01"}, 2, 50, true)
	if p.Prev != "/pages?from=2026-01&to=2026-01" || p.Next != "/pages?from=2026-01&page=3&to=2026-01" || p.Label != "rows 51–100" {
		t.Errorf("pager %+v", p)
	}
	if NewPager("/pages", report.Filter{}, 1, 12, false) != nil {
		t.Error("a single page has a pager")
	}
}

// The person page's form offers only the period: the person's pages come from every team.
func TestPersonPageFormIsThePeriodOnly(t *testing.T) {
	out := render(t, PersonPage(Choices{Teams: []string{"Data"}, FirstMonth: "2026-01", LastMonth: "2026-02"}, report.Filter{From: "2026-01"},
		report.Person{Source: "demo", ResponderID: "NW1", Responder: "Mia"}, nil, nil, nil, nil))
	if strings.Contains(out, `name="team"`) || strings.Contains(out, `name="rotation"`) || !strings.Contains(out, `<option value="2026-01" selected>`) {
		t.Error("person page: want From and To only, with the period kept")
	}
}
