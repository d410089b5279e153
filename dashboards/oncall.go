package dashboards

import (
	"slices"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/alertlens/alertlens/analytics/report"
)

// OnCall is what the on-call page shows: the month's people, shifts, escalations and rest
// breaches, and the roster of every month (the chart over time).
type OnCall struct {
	Month       string
	Roster      []report.RosterMonth
	Pay         []report.OnCallPay
	Shifts      []report.ShiftLoad
	Escalations []report.OnCallEscalation
	Rest        []report.RestBreach
}

// OnCallPage lays out the on-call page: who was on call against who was paged over time,
// the month's hours and pay per person, its shifts against the SRE reference and the
// roster's fairness.
func OnCallPage(ch Choices, f report.Filter, d OnCall) Page {
	p := Page{Title: "On call in " + d.Month, Path: "/oncall", Filter: f, Choices: ch}
	if f.Rotation != "" {
		p.Title = "On call for " + f.Rotation + " in " + d.Month
	}
	var total float64
	currency := ""
	for _, r := range d.Pay {
		total += r.Amount
		currency = r.Currency
	}
	over := 0
	for _, s := range d.Shifts {
		if s.OverReference {
			over++
		}
	}
	onCall, paged := 0, 0
	for _, r := range d.Roster {
		if r.Month == d.Month {
			onCall += r.PeopleOnCall
			paged += r.PeoplePaged
		}
	}
	escalated := 0
	for _, e := range d.Escalations {
		escalated += e.EscalatedPages
	}
	p.Sections = append(p.Sections, Section{Figures: []Figure{
		{Label: "on call (person-rotations)", Value: strconv.Itoa(onCall)},
		{Label: "paged", Value: strconv.Itoa(paged)},
		{Label: "on-call pay", Value: fixed2(total) + " " + currency},
		{Label: "shifts over the reference", Value: strconv.Itoa(over), Tone: tone(over == 0)},
		{Label: "pages escalated to level 2+", Value: strconv.Itoa(escalated)},
		{Label: "rest breaches", Value: strconv.Itoa(len(d.Rest)), Tone: tone(len(d.Rest) == 0)},
	}})
	p.Sections = append(p.Sections, Section{Note: "From the schedules (who could be paged) beside the notifications (who was).", Chart: RosterChart(d.Roster)})
	p.Sections = append(p.Sections, Section{Title: "Hours and pay per person", Note: "Hours by window in each person's own zone. Each amount's rule is the rate card's (docs/oncall.md); the amount is the sum of the parts.", Table: payTable(d.Pay)})
	p.Sections = append(p.Sections, Section{Chart: ShiftLoadChart(d.Shifts)})
	p.Sections = append(p.Sections, Section{Chart: RosterFairnessChart(d.Roster)})
	if len(d.Escalations) > 0 {
		t := &Table{Columns: []string{"rotation", "pages at level 2+", "people reached there", "tiers"}}
		for _, e := range d.Escalations {
			tiers := strconv.Itoa(e.Tiers)
			if e.MoreThanTwoTiers {
				tiers += " (more than two)"
			}
			t.Rows = append(t.Rows, []Cell{{Text: e.Rotation}, {Text: strconv.Itoa(e.EscalatedPages)}, {Text: e.PeopleReached}, {Text: tiers}})
		}
		p.Sections = append(p.Sections, Section{Title: "Escalations", Table: t})
	}
	if len(d.Rest) > 0 {
		t := &Table{Columns: []string{"person", "rest breaches", "first woken (UTC)"}}
		for _, r := range d.Rest {
			t.Rows = append(t.Rows, []Cell{{Text: r.Responder}, {Text: strconv.Itoa(r.Breaches)}, {Text: r.FirstBreachAt.UTC().Format("2006-01-02 15:04")}})
		}
		p.Sections = append(p.Sections, Section{Title: "Rest breaches", Note: "Woken in sleep hours, then interrupted again or on call within 11 hours (the EU Working Time Directive's daily rest).", Table: t})
	}
	return p
}

func payTable(rows []report.OnCallPay) *Table {
	t := &Table{Columns: []string{"person", "rotations", "hours on call", "business", "off-hours", "sleep", "weekend days",
		"holiday days", "after-hours pages", "hours interrupted", "amount", "how"}}
	for _, r := range rows {
		how := ""
		for _, part := range r.Parts() {
			if part.Rule != "" {
				if how != "" {
					how += "; "
				}
				how += part.Key + " " + part.Rule + " = " + fixed2(part.Amount)
			}
		}
		t.Rows = append(t.Rows, []Cell{{Text: r.Responder}, {Text: r.Rotations}, {Text: fixed2(r.HoursOnCall)},
			{Text: fixed2(r.BusinessHours)}, {Text: fixed2(r.OffHours)}, {Text: fixed2(r.SleepHours)},
			{Text: strconv.Itoa(r.WeekendDays)}, {Text: strconv.Itoa(r.HolidayDays)}, {Text: strconv.Itoa(r.AfterHoursPages)},
			{Text: strconv.Itoa(r.HoursInterrupted)}, {Text: fixed2(r.Amount) + " " + r.Currency}, {Text: how}})
	}
	return t
}

// rosterMonths lists the roster's months and rotations in order, with each row by key.
func rosterMonths(rows []report.RosterMonth) (months, rotations []string, by map[[2]string]report.RosterMonth) {
	by = map[[2]string]report.RosterMonth{}
	for _, r := range rows {
		if !slices.Contains(months, r.Month) {
			months = append(months, r.Month)
		}
		if !slices.Contains(rotations, r.Rotation) {
			rotations = append(rotations, r.Rotation)
		}
		by[[2]string{r.Rotation, r.Month}] = r
	}
	slices.Sort(months)
	slices.Sort(rotations)
	return months, rotations, by
}

// RosterChart draws, per rotation and month, the people on call (bars) beside the people
// paged (lines): the group the schedules hold against the group on-call touches.
func RosterChart(rows []report.RosterMonth) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(common("Roster", "people on call (bars) and paged (lines) per rotation and month"), initOpts("Roster", "340px"),
		charts.WithYAxisOpts(opts.YAxis{Name: "people", MinInterval: 1}))...)
	months, rotations, by := rosterMonths(rows)
	bar.SetXAxis(months)
	line := charts.NewLine()
	for _, rot := range rotations {
		var on []opts.BarData
		var paged []opts.LineData
		for _, m := range months {
			if r, ok := by[[2]string{rot, m}]; ok {
				on = append(on, opts.BarData{Value: r.PeopleOnCall})
				paged = append(paged, opts.LineData{Value: r.PeoplePaged})
			} else {
				on = append(on, opts.BarData{Value: noData})
				paged = append(paged, opts.LineData{Value: noData})
			}
		}
		bar.AddSeries(rot+" on call", on)
		line.AddSeries(rot+" paged", paged)
	}
	bar.Overlap(line)
	return bar
}

// RosterFairnessChart draws each rotation's most- to median-paged ratio over everyone on
// call, the never-paged counting 0; a month whose median is 0 has no point.
func RosterFairnessChart(rows []report.RosterMonth) *charts.Line {
	line := charts.NewLine()
	line.SetGlobalOptions(append(common("Fairness over the roster", "most- to median-paged person of everyone on call (1 = even; none when the median is 0)"),
		initOpts("Fairness over the roster", "320px"), charts.WithYAxisOpts(opts.YAxis{Name: "ratio", Min: 0}))...)
	months, rotations, by := rosterMonths(rows)
	line.SetXAxis(months)
	for _, rot := range rotations {
		var data []opts.LineData
		for _, m := range months {
			if r, ok := by[[2]string{rot, m}]; ok && r.FairnessRatio != nil {
				data = append(data, opts.LineData{Value: round1(*r.FairnessRatio)})
			} else {
				data = append(data, opts.LineData{Value: noData})
			}
		}
		line.AddSeries(rot, data)
	}
	return line
}

// ShiftLoadChart draws each real shift's pages against the SRE reference scaled to its
// length (2 per 12 hours): bars red over it.
func ShiftLoadChart(shifts []report.ShiftLoad) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(common("Load per shift", "pages on each real shift against the SRE reference, 2 per 12 hours of the shift"), initOpts("Load per shift", "360px"),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Rotate: 30, Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Name: "pages", MinInterval: 1}))...)
	var x []string
	var pages []opts.BarData
	var ref []opts.LineData
	for _, s := range shifts {
		x = append(x, s.Responder+" "+s.StartsAt.UTC().Format("01-02"))
		color := colorMet
		if s.OverReference {
			color = colorMissed
		}
		pages = append(pages, opts.BarData{Value: s.Pages, ItemStyle: &opts.ItemStyle{Color: color}})
		ref = append(ref, opts.LineData{Value: s.ReferencePages})
	}
	bar.SetXAxis(x).AddSeries("pages", pages)
	line := charts.NewLine()
	line.SetXAxis(x).AddSeries("reference (2 per 12 h)", ref, charts.WithItemStyleOpts(opts.ItemStyle{Color: colorGoal}))
	bar.Overlap(line)
	return bar
}
