package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/alertlens/alertlens/analytics/report"
)

// printed lays out a report chart for paper: common's title and plot area, but the
// legend shows every series at once (paper cannot scroll it, as the dashboards' charts
// do on a phone), with room below the plot for two lines of it.
func printed(title, subtitle string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle, Left: "8", Top: "4"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "plain", Bottom: "4", Left: "center"}),
		charts.WithGridOpts(opts.Grid{Top: "88", Left: "12", Right: "16", Bottom: "64", ContainLabel: opts.Bool(true)}),
		charts.WithAnimation(false),
		charts.WithInitializationOpts(opts.Initialization{AssetsHost: AssetsHost, Width: "680px", Height: "300px"}),
		charts.WithYAxisOpts(opts.YAxis{Name: "pages", MinInterval: 1}),
	}
}

// MonthlyTrendChart draws one scope type's after-hours pages per month of the report's
// trend, a bar per scope (each team, or each rotation), with the default goal's line.
func MonthlyTrendChart(title string, r report.MonthlyReport, scopeType string) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(printed(title, "after-hours pages per month, "+r.Months[0]+" to "+r.Month)...)
	bar.SetXAxis(r.Months)
	byScope := map[string]map[string]int{}
	var scopes []string
	for _, row := range r.Rows {
		if row.ScopeType != scopeType {
			continue
		}
		if byScope[row.Scope] == nil {
			byScope[row.Scope] = map[string]int{}
			scopes = append(scopes, row.Scope)
		}
		byScope[row.Scope][row.Month] = row.AfterHoursPages
	}
	for _, sc := range scopes {
		var data []opts.BarData
		for _, m := range r.Months {
			data = append(data, opts.BarData{Value: byScope[sc][m]})
		}
		bar.AddSeries(sc, data)
	}
	return bar
}

// MonthlyOrgChart draws the organisation's pages, after-hours and sleep-hours pages per
// month of the trend, with its goal.
func MonthlyOrgChart(r report.MonthlyReport) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(printed(r.Org, "pages per month, "+r.Months[0]+" to "+r.Month)...)
	var pages, after, sleep []opts.BarData
	var goal []opts.LineData
	for _, m := range r.Months {
		row, ok := r.Find("org", r.Org, m)
		if !ok {
			pages, after, sleep = append(pages, opts.BarData{Value: noData}), append(after, opts.BarData{Value: noData}), append(sleep, opts.BarData{Value: noData})
			goal = append(goal, opts.LineData{Value: noData})
			continue
		}
		pages = append(pages, opts.BarData{Value: row.Pages})
		after = append(after, opts.BarData{Value: row.AfterHoursPages})
		sleep = append(sleep, opts.BarData{Value: row.SleepHoursPages})
		goal = append(goal, opts.LineData{Value: row.Goal})
	}
	bar.SetXAxis(r.Months).
		AddSeries("pages", pages, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorBusiness})).
		AddSeries(SeriesAfterHours, after, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorOffHours})).
		AddSeries("sleep-hours pages", sleep, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorSleep}))
	line := charts.NewLine()
	line.SetXAxis(r.Months).AddSeries(SeriesGoal, goal,
		charts.WithLineChartOpts(opts.LineChart{Step: "middle", ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colorGoal, Type: "dashed", Width: 2}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colorGoal}))
	bar.Overlap(line)
	return bar
}

// WriteMonthlyReportHTML writes leadership's monthly report as one HTML file that works
// offline and as a file: the ECharts script is inline (the report is mailed and printed,
// not served), the charts render as SVG so print is sharp, and a print stylesheet lays
// it out on A4. Every value is escaped by html/template; chart options go through
// encoding/json, which escapes <, > and &.
func WriteMonthlyReportHTML(w io.Writer, r report.MonthlyReport) error {
	script, err := assets.ReadFile("assets/echarts/echarts.min.js")
	if err != nil {
		return err
	}
	v := monthlyView{R: r, Script: template.JS(script)}
	for _, c := range []struct {
		title string
		chart Chartable
	}{
		{r.Org, MonthlyOrgChart(r)},
		{"Teams", MonthlyTrendChart("Teams", r, report.ScopeTeam)},
		{"Rotations", MonthlyTrendChart("Rotations", r, report.ScopeRotation)},
	} {
		c.chart.Validate()
		opt, err := json.Marshal(c.chart.JSON())
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.title, err)
		}
		v.Charts = append(v.Charts, template.JS(opt))
	}
	for _, row := range r.Rows {
		if row.Month == r.Month {
			v.Current = append(v.Current, monthlyLine{Row: row, Trend: r.Trend(row.ScopeType, row.Scope)})
		}
	}
	var buf bytes.Buffer
	if err := monthlyTemplate.Execute(&buf, v); err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

type monthlyView struct {
	R       report.MonthlyReport
	Script  template.JS
	Charts  []template.JS
	Current []monthlyLine
}

type monthlyLine struct {
	Row   report.MonthlyRow
	Trend []int
}

func num(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

var monthlyTemplate = template.Must(template.New("monthly").Funcs(template.FuncMap{
	"num": num,
	"rate": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + " %"
	},
	"pct": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v, 'f', -1, 64) + " %"
	},
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{.R.Org}}: alert report {{.R.Month}}</title>
<style>
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1000px;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
p.sub{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
th{font-weight:600;border-bottom:2px solid #999}
td.missed{color:#b52b27;font-weight:600}td.met{color:#1f7a45}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{width:680px;height:300px;break-inside:avoid}
.note{color:#555;font-size:.85rem}
@page{size:A4 portrait;margin:12mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:10px}th,td{padding:.15rem .3rem}
.chart{width:680px;height:290px}h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}}
</style></head><body>
<h1>{{.R.Org}}: alert report {{.R.Month}}</h1>
<p class="sub">Per team and rotation; months in {{.R.TimeZone}}; the trend is {{index .R.Months 0}} to {{.R.Month}}. Goal: fewer after-hours pages a month than the scope's goal.</p>
<table><thead><tr><th>scope</th><th></th><th>pages</th><th>after hours</th><th>sleep</th><th>goal</th><th>met</th><th>people paged</th><th>woken</th><th>MTTA (min, median)</th><th>MTTR (min, median)</th><th>runbook</th><th>actionable</th><th>after hours, 6 months</th></tr></thead><tbody>
{{range .Current}}<tr><td>{{.Row.Scope}}</td><td>{{.Row.ScopeType}}</td><td>{{.Row.Pages}}</td><td>{{.Row.AfterHoursPages}}</td><td>{{.Row.SleepHoursPages}}</td><td>&lt; {{.Row.Goal}}</td>{{if .Row.Met}}<td class="met">yes</td>{{else}}<td class="missed">no</td>{{end}}<td>{{.Row.PeoplePaged}}</td><td>{{.Row.PeopleWoken}}</td><td>{{num .Row.MTTAMedianMinutes}}</td><td>{{num .Row.MTTRMedianMinutes}}</td><td>{{pct .Row.PagesWithRunbookPct}}</td><td>{{rate .Row.ActionableRate}}</td><td>{{range $i, $n := .Trend}}{{if $i}} · {{end}}{{$n}}{{end}}</td></tr>
{{end}}</tbody></table>
<p class="note">Runbook: share of pages with a runbook link. Actionable: incidents tagged action taken of those tagged in review. MTTA over acknowledged incidents, MTTR over resolved ones.</p>
<h2>Trend</h2>
<div class="charts">{{range $i, $c := .Charts}}<div class="chart" id="chart-{{$i}}"></div>{{end}}</div>
<script>{{.Script}}</script>
<script>
var options = [{{range $i, $c := .Charts}}{{if $i}},{{end}}{{$c}}{{end}}];
options.forEach(function (o, i) {
  echarts.init(document.getElementById("chart-" + i), null, {renderer: "svg"}).setOption(o);
});
</script>
</body></html>
`))
