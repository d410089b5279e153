package dashboards

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/alertlens/alertlens/analytics/report"
)

// Colours that carry meaning on every page.
const (
	colorMet      = "#2e9e5b" // under goal
	colorMissed   = "#d9534f" // at or over goal
	colorGoal     = "#333333"
	colorBusiness = "#5b8ff9"
	colorOffHours = "#f6bd16"
	colorSleep    = "#6f42c1"
)

// Series names the pages (and their tests) read back from the chart options.
const (
	SeriesAfterHours = "after-hours pages"
	SeriesGoal       = "goal"
	SeriesTrailing   = "3-month average"
	SeriesProjected  = "projected this month"
	SeriesCumulative = "cumulative %"
	SeriesBefore     = "before"
	SeriesAfter      = "after"
)

// AssetsHost is where the server serves ECharts; set on every chart so that nothing
// go-echarts renders points at its CDN.
const AssetsHost = "/assets/echarts/"

func initOpts(title string, height string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{
		AssetsHost: AssetsHost, Width: "100%", Height: height, PageTitle: title,
	})
}

// common lays out every chart the same way: the title and subtitle at the top left,
// the legend at the bottom (scrolling when it does not fit a phone's width), and a plot
// area that starts below the subtitle, so the y-axis name above the axis never runs
// into it, and that holds its axis labels (containLabel). The page's script moves the
// top further down when a narrow screen wraps the subtitle.
func common(title, subtitle string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle, Left: "8", Top: "4"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Bottom: "4", Left: "center"}),
		charts.WithGridOpts(grid("40")),
		charts.WithAnimation(false), // screenshots and tests read a finished chart
	}
}

// grid is the plot area below the title block, with room for the legend at the bottom.
func grid(bottom string) opts.Grid {
	return opts.Grid{Top: "88", Left: "12", Right: "16", Bottom: bottom, ContainLabel: opts.Bool(true)}
}

// noData marks a point ECharts should leave out.
const noData = "-"

// GoalChart draws one scope's after-hours pages per month against its goal: bars green
// under the goal and red at or over it, the goal line, the trailing 3-month average, and
// (when pace is given for the last month) the month's projection.
func GoalChart(scopeLabel string, months []report.GoalMonth, pace *report.Pace) *charts.Bar {
	bar := charts.NewBar()
	sub := ""
	if pace != nil {
		sub = fmt.Sprintf("%s: %d so far, on pace for %.0f (goal: fewer than %d)", pace.Month, pace.AfterHoursPages, pace.Projected, pace.Goal)
	}
	bar.SetGlobalOptions(append(common(scopeLabel, sub), initOpts(scopeLabel, "340px"),
		charts.WithYAxisOpts(opts.YAxis{Name: "pages", MinInterval: 1}))...)
	var (
		x        []string
		bars     []opts.BarData
		goal     []opts.LineData
		trailing []opts.LineData
		proj     []opts.LineData
	)
	for _, m := range months {
		x = append(x, m.Month)
		color := colorMissed
		if m.Met {
			color = colorMet
		}
		bars = append(bars, opts.BarData{Value: m.AfterHoursPages, ItemStyle: &opts.ItemStyle{Color: color}})
		goal = append(goal, opts.LineData{Value: m.Goal})
		if m.TrailingAvg3m != nil {
			trailing = append(trailing, opts.LineData{Value: round1(*m.TrailingAvg3m)})
		} else {
			trailing = append(trailing, opts.LineData{Value: noData})
		}
		if pace != nil && m.Month == pace.Month {
			proj = append(proj, opts.LineData{Value: round1(pace.Projected), Symbol: "diamond", SymbolSize: 12})
		} else {
			proj = append(proj, opts.LineData{Value: noData})
		}
	}
	bar.SetXAxis(x).AddSeries(SeriesAfterHours, bars, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorMissed}))
	line := charts.NewLine()
	line.SetXAxis(x).
		AddSeries(SeriesGoal, goal, charts.WithLineChartOpts(opts.LineChart{Step: "middle", ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: colorGoal, Type: "dashed", Width: 2}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colorGoal})).
		AddSeries(SeriesTrailing, trailing, charts.WithLineChartOpts(opts.LineChart{Smooth: opts.Bool(true)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBusiness}))
	if pace != nil {
		line.AddSeries(SeriesProjected, proj, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorOffHours}))
	}
	bar.Overlap(line)
	return bar
}

// ParetoChart draws the rules behind a month's after-hours pages, largest first, with the
// cumulative share on a second axis and the share that must go to meet the goal.
func ParetoChart(p report.PathToGoal) *charts.Bar {
	bar := charts.NewBar()
	sub := fmt.Sprintf("%s %s, %s: %d after-hours pages, goal fewer than %d", p.ScopeType, p.Scope, p.Month, p.AfterHoursPages, p.Goal)
	bar.SetGlobalOptions(append(common("Path to goal", sub), initOpts("Path to goal", "420px"),
		// Rule names are long: slanted, cut at 120 px, and the plot set in from the left
		// so the first name is not clipped.
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0", Width: 120, Overflow: "truncate"}}),
		charts.WithYAxisOpts(opts.YAxis{Name: "pages", MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Top: "88", Left: "72", Right: "16", Bottom: "40", ContainLabel: opts.Bool(true)}))...)
	bar.ExtendYAxis(opts.YAxis{Name: "%", Min: 0, Max: 100, Position: "right"})
	needPct := 0.0 // the share of the month's pages that must go to get under the goal
	if p.AfterHoursPages >= p.Goal && p.AfterHoursPages > 0 {
		needPct = round1(float64(p.AfterHoursPages-p.Goal+1) / float64(p.AfterHoursPages) * 100)
	}
	var (
		x    []string
		bars []opts.BarData
		cum  []opts.LineData
		goal []opts.LineData
	)
	for _, r := range p.Rules {
		x = append(x, r.Rule)
		color := colorOffHours
		if r.InSmallestSet {
			color = colorMissed
		}
		bars = append(bars, opts.BarData{Value: r.AfterHoursPages, ItemStyle: &opts.ItemStyle{Color: color}})
		cum = append(cum, opts.LineData{Value: round1(r.CumulativePct), YAxisIndex: 1})
		goal = append(goal, opts.LineData{Value: needPct, YAxisIndex: 1})
	}
	bar.SetXAxis(x).AddSeries(SeriesAfterHours, bars, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorOffHours}))
	line := charts.NewLine()
	line.SetXAxis(x).
		AddSeries(SeriesCumulative, cum, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBusiness})).
		AddSeries(SeriesGoal, goal, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: colorGoal, Type: "dashed", Width: 2}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colorGoal}))
	bar.Overlap(line)
	return bar
}

// WhatIfChart draws one scope's monthly after-hours pages before and after proposed
// changes; the path page redraws it in the browser from POST /api/v1/whatif.
func WhatIfChart(months []report.WhatIfMonth) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(common("What if", "choose changes below and press Recompute"), initOpts("What if", "340px"),
		charts.WithYAxisOpts(opts.YAxis{Name: "pages", MinInterval: 1}))...)
	var (
		x             []string
		before, after []opts.BarData
		goal          []opts.LineData
	)
	for _, m := range months {
		x = append(x, m.Month)
		before = append(before, opts.BarData{Value: m.AfterHoursPages})
		color := colorMissed
		if m.MetAfter {
			color = colorMet
		}
		after = append(after, opts.BarData{Value: m.AfterHoursPagesAfter, ItemStyle: &opts.ItemStyle{Color: color}})
		goal = append(goal, opts.LineData{Value: m.Goal})
	}
	bar.SetXAxis(x).
		AddSeries(SeriesBefore, before, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#aaaaaa"})).
		// The series colour is the legend's; each bar is coloured by whether its month
		// would meet the goal.
		AddSeries(SeriesAfter, after, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorMet}))
	line := charts.NewLine()
	line.SetXAxis(x).AddSeries(SeriesGoal, goal, charts.WithLineChartOpts(opts.LineChart{Step: "middle", ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colorGoal, Type: "dashed", Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorGoal}))
	bar.Overlap(line)
	return bar
}

// Window names as the models write them, in the order the stacks are drawn.
var windows = []struct{ key, label, color string }{
	{"business", "business hours", colorBusiness},
	{"off_hours", "off-hours", colorOffHours},
	{"sleep", "sleep hours", colorSleep},
}

// WindowsChart stacks each month's pages by hour window.
func WindowsChart(title string, counts []report.WindowCount) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(common(title, "pages by the window of their first interruption"), initOpts(title, "340px"),
		charts.WithYAxisOpts(opts.YAxis{Name: "pages", MinInterval: 1}))...)
	var months []string
	byKey := map[[2]string]int{}
	for _, c := range counts {
		if !slices.Contains(months, c.Month) {
			months = append(months, c.Month)
		}
		byKey[[2]string{c.Month, c.Window}] += c.Pages
	}
	slices.Sort(months)
	bar.SetXAxis(months)
	for _, w := range windows {
		var data []opts.BarData
		for _, m := range months {
			data = append(data, opts.BarData{Value: byKey[[2]string{m, w.key}]})
		}
		bar.AddSeries(w.label, data, charts.WithBarChartOpts(opts.BarChart{Stack: "window"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: w.color}))
	}
	return bar
}

var weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// SeriesInterruptions names the heat map's one series.
const SeriesInterruptions = "interruptions"

// HeatmapChart shows interruptions by the local hour and weekday of the person
// interrupted: the sleep-hours band at the edges is what the goal is about.
func HeatmapChart(cells []report.HeatCell) *charts.HeatMap {
	hm := charts.NewHeatMap()
	maxVal := 1
	var data []opts.HeatMapData
	for _, c := range cells {
		if c.Weekday < 1 || c.Weekday > 7 || c.Hour < 0 || c.Hour > 23 {
			continue
		}
		maxVal = max(maxVal, c.Interruptions)
		data = append(data, opts.HeatMapData{Value: [3]int{c.Hour, c.Weekday - 1, c.Interruptions}})
	}
	hours := make([]string, 24)
	for h := range hours {
		hours[h] = fmt.Sprintf("%02d", h)
	}
	hm.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: "Interruptions by local hour and weekday", Left: "8", Top: "4"}),
		// The colour scale below is the key; a legend would sit on the title.
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Top: "48", Left: "12", Right: "16", Bottom: "64", ContainLabel: opts.Bool(true)}),
		charts.WithAnimation(false),
		initOpts("Interruptions", "360px"),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: hours, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: weekdays, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: 0, Max: float32(maxVal),
			Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: []string{"#f7fbff", "#fdae61", "#d73027"}}}),
	)
	hm.SetXAxis(hours).AddSeries(SeriesInterruptions, data)
	return hm
}

// LoadChart compares people's load: interruptions, after-hours and sleep-hours pages.
func LoadChart(load []report.ResponderLoad) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(common("Load per person", "most interrupted first"), initOpts("Load per person", "360px"),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{MinInterval: 1}))...)
	var (
		x                []string
		intr, after, slp []opts.BarData
	)
	for _, l := range load {
		x = append(x, l.Responder)
		intr = append(intr, opts.BarData{Value: l.Interruptions})
		after = append(after, opts.BarData{Value: l.AfterHoursPages})
		slp = append(slp, opts.BarData{Value: l.SleepHoursPages})
	}
	bar.SetXAxis(x).
		AddSeries(SeriesInterruptions, intr, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBusiness})).
		AddSeries(SeriesAfterHours, after, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorOffHours})).
		AddSeries("sleep-hours pages", slp, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorSleep}))
	return bar
}

// FairnessChart draws each rotation's most- to median-loaded ratio per month (1 is even).
func FairnessChart(rows []report.Fairness) *charts.Line {
	line := charts.NewLine()
	line.SetGlobalOptions(append(common("Fairness", "most- to median-loaded person, per rotation (1 = even)"), initOpts("Fairness", "320px"),
		charts.WithYAxisOpts(opts.YAxis{Name: "ratio", Min: 0}))...)
	var months, rotations []string
	ratio := map[[2]string]float64{}
	for _, r := range rows {
		if !slices.Contains(months, r.Month) {
			months = append(months, r.Month)
		}
		if !slices.Contains(rotations, r.Rotation) {
			rotations = append(rotations, r.Rotation)
		}
		if r.Ratio != nil {
			ratio[[2]string{r.Rotation, r.Month}] = round1(*r.Ratio)
		}
	}
	slices.Sort(months)
	slices.Sort(rotations)
	line.SetXAxis(months)
	for _, rot := range rotations {
		var data []opts.LineData
		for _, m := range months {
			if v, ok := ratio[[2]string{rot, m}]; ok {
				data = append(data, opts.LineData{Value: v})
			} else {
				data = append(data, opts.LineData{Value: noData})
			}
		}
		line.AddSeries(rot, data)
	}
	return line
}

// Series of the rule history chart.
const (
	SeriesIncidents = "incidents"
	SeriesSleep     = "sleep-hours pages"
	SeriesNoise     = "noise score"
)

// RuleHistoryChart draws one rule's incidents and after-hours pages per month, with its
// noise score on a second axis.
func RuleHistoryChart(rule string, months []report.RuleMonth) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(common(rule, "per month"), initOpts(rule, "340px"),
		charts.WithYAxisOpts(opts.YAxis{MinInterval: 1}))...)
	bar.ExtendYAxis(opts.YAxis{Name: "noise %", Min: 0, Max: 100, Position: "right"})
	var (
		x                 []string
		inc, after, sleep []opts.BarData
		noise             []opts.LineData
	)
	for _, m := range months {
		x = append(x, m.Month)
		inc = append(inc, opts.BarData{Value: m.Incidents})
		after = append(after, opts.BarData{Value: m.AfterHoursPages})
		sleep = append(sleep, opts.BarData{Value: m.SleepHoursPages})
		noise = append(noise, opts.LineData{Value: round1(m.NoiseScore), YAxisIndex: 1})
	}
	bar.SetXAxis(x).
		AddSeries(SeriesIncidents, inc, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBusiness})).
		AddSeries(SeriesAfterHours, after, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorOffHours})).
		AddSeries(SeriesSleep, sleep, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorSleep}))
	line := charts.NewLine()
	line.SetXAxis(x).AddSeries(SeriesNoise, noise, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorMissed}))
	bar.Overlap(line)
	return bar
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
