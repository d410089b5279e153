package dashboards

import (
	"html/template"
	"io"
	"strconv"

	"github.com/alertlens/alertlens/analytics/report"
)

// OnCallGroup is one table of the on-call report: the people paid under the same
// rotations, with their totals. A person paid under two rotations is one sum (the rate
// card's rule), so they sit in one group named after both ("data, platform") and the
// groups' totals add up to the month's.
type OnCallGroup struct {
	Rotations string
	People    []report.OnCallPay
	Total     report.OnCallPay // the sums of the people's figures
}

// GroupOnCall splits a month's pay into groups by rotations, in the order they come
// (oncall_pay sorts by rotations), each with its totals.
func GroupOnCall(rows []report.OnCallPay) []OnCallGroup {
	var out []OnCallGroup
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Rotations != r.Rotations {
			out = append(out, OnCallGroup{Rotations: r.Rotations, Total: report.OnCallPay{Currency: r.Currency}})
		}
		g := &out[len(out)-1]
		g.People = append(g.People, r)
		t := &g.Total
		t.HoursOnCall += r.HoursOnCall
		t.BusinessHours += r.BusinessHours
		t.OffHours += r.OffHours
		t.SleepHours += r.SleepHours
		t.WeekendDays += r.WeekendDays
		t.HolidayDays += r.HolidayDays
		t.AfterHoursPages += r.AfterHoursPages
		t.HoursInterrupted += r.HoursInterrupted
		t.WeeklyShiftAmount += r.WeeklyShiftAmount
		t.WeekendDayAmount += r.WeekendDayAmount
		t.HolidayDayAmount += r.HolidayDayAmount
		t.AfterHoursPageAmount += r.AfterHoursPageAmount
		t.HoursInterruptedAmount += r.HoursInterruptedAmount
		t.Amount += r.Amount
	}
	return out
}

// fixed2 shows hours and money as they were rounded, to 2 decimals (sums of cents are
// rounded again: a float sum of cents need not be one).
func fixed2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// WriteOnCallReportHTML writes the month's on-call report: a table per group of
// rotations with its totals, each amount's rule under it, on A4. Every value, a
// person's name included, is escaped by html/template.
func WriteOnCallReportHTML(w io.Writer, month, tz string, rows []report.OnCallPay) error {
	return oncallTemplate.Execute(w, struct {
		Month, TimeZone string
		Groups          []OnCallGroup
	}{month, tz, GroupOnCall(rows)})
}

var oncallTemplate = template.Must(template.New("oncall").Funcs(template.FuncMap{"f2": fixed2}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>On call {{.Month}}</title>
<style>
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1100px;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
p.sub{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
th{font-weight:600;border-bottom:2px solid #999}
tr.total td{font-weight:600;border-top:2px solid #999}
.rule{display:block;color:#666;font-size:.8em;white-space:normal}
@page{size:A4 landscape;margin:12mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:10px}th,td{padding:.15rem .3rem}h2{break-after:avoid}tr{break-inside:avoid}}
</style></head><body>
<h1>On call {{.Month}}</h1>
<p class="sub">Hours by window in each person's own time zone; the month in {{.TimeZone}}. Each amount shows the rate card's rule under it.</p>
{{range .Groups}}<h2>{{.Rotations}}</h2>
<table><thead><tr><th>person</th><th>hours on call</th><th>business</th><th>off-hours</th><th>sleep</th><th>weekend days</th><th>holiday days</th><th>after-hours pages</th><th>hours interrupted</th><th>weekly shift</th><th>weekend days</th><th>holidays</th><th>after-hours pages</th><th>hours interrupted</th><th>amount</th></tr></thead><tbody>
{{range .People}}<tr><td>{{.Responder}}</td><td>{{f2 .HoursOnCall}}</td><td>{{f2 .BusinessHours}}</td><td>{{f2 .OffHours}}</td><td>{{f2 .SleepHours}}</td><td>{{.WeekendDays}}</td><td>{{.HolidayDays}}</td><td>{{.AfterHoursPages}}</td><td>{{.HoursInterrupted}}</td>{{range .Parts}}<td>{{f2 .Amount}}<span class="rule">{{.Rule}}</span></td>{{end}}<td>{{f2 .Amount}} {{.Currency}}</td></tr>
{{end}}{{with .Total}}<tr class="total"><td>total</td><td>{{f2 .HoursOnCall}}</td><td>{{f2 .BusinessHours}}</td><td>{{f2 .OffHours}}</td><td>{{f2 .SleepHours}}</td><td>{{.WeekendDays}}</td><td>{{.HolidayDays}}</td><td>{{.AfterHoursPages}}</td><td>{{.HoursInterrupted}}</td>{{range .Parts}}<td>{{f2 .Amount}}</td>{{end}}<td>{{f2 .Amount}} {{.Currency}}</td></tr>{{end}}
</tbody></table>
{{else}}<p>No one was on call or paged after hours in {{.Month}}.</p>
{{end}}</body></html>
`))
