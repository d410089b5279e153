package dashboards

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertlens/alertlens/analytics/report"
)

// GoalPage shows after-hours pages per month against the goal for the organisation and
// each rotation (and the filter's team), with this month's pace.
func GoalPage(ch Choices, f report.Filter, months []report.GoalMonth, paces []report.Pace) Page {
	p := Page{Title: "After-hours pages against the goal", Path: "/", Filter: f, Choices: ch}
	type scope struct{ typ, name string }
	var order []scope
	byScope := map[scope][]report.GoalMonth{}
	for _, m := range months {
		s := scope{m.ScopeType, m.Scope}
		if s.typ == report.ScopeTeam && f.Team == "" {
			continue // teams have their own page; the goal is kept per rotation
		}
		if _, ok := byScope[s]; !ok {
			order = append(order, s)
		}
		byScope[s] = append(byScope[s], m)
	}
	pace := func(s scope) *report.Pace {
		for i := range paces {
			if paces[i].ScopeType == s.typ && paces[i].Scope == s.name {
				return &paces[i]
			}
		}
		return nil
	}
	if len(order) == 0 {
		p.Notice = "No pages in this period."
		return p
	}
	// The organisation's headline numbers first: what a weekly review reads out.
	var org scope
	for _, s := range order {
		if s.typ == report.ScopeOrg {
			org = s
		}
	}
	if rows := byScope[org]; len(rows) > 0 {
		last := rows[len(rows)-1]
		figs := []Figure{
			{Label: "after-hours pages in " + last.Month, Value: strconv.Itoa(last.AfterHoursPages), Tone: tone(last.Met)},
			{Label: "goal: fewer than", Value: strconv.Itoa(last.Goal)},
			{Label: "sleep-hours pages in " + last.Month, Value: strconv.Itoa(last.SleepHoursPages)},
			{Label: "people woken in " + last.Month, Value: strconv.Itoa(last.PeopleWoken)},
			{Label: "people paged after hours", Value: strconv.Itoa(last.PeoplePagedAfterHours)},
		}
		if last.TrailingAvg3m != nil {
			figs = append(figs, Figure{Label: "3-month average", Value: fmt.Sprintf("%.1f", *last.TrailingAvg3m), Tone: tone(*last.TrailingAvg3m < float64(last.Goal))})
		}
		note := ""
		if pc := pace(org); pc != nil {
			figs = append(figs, Figure{Label: fmt.Sprintf("%s on pace for (%d so far, %.1f of %d days)", pc.Month, pc.AfterHoursPages, pc.ElapsedDays, pc.DaysInMonth),
				Value: fmt.Sprintf("%.0f", pc.Projected), Tone: tone(pc.OnTrack)})
			if pc.Month != last.Month {
				// The pace is always the current month's; say so when the figures beside it
				// are of an earlier one.
				note = fmt.Sprintf("The latest month shown is %s; the pace is for the current month, %s.", last.Month, pc.Month)
			}
		}
		p.Sections = append(p.Sections, Section{Title: "This month", Note: note, Figures: figs})
	}
	for _, s := range order {
		label := "Organisation"
		if s.typ != report.ScopeOrg {
			label = fmt.Sprintf("%s %s", strings.ToUpper(s.typ[:1])+s.typ[1:], s.name)
		}
		p.Sections = append(p.Sections, Section{
			Note:  "Green bars are months under the goal, red at or over it.",
			Chart: GoalChart(label, byScope[s], pace(s)),
		})
	}
	return p
}

// PathPage ranks the rules behind the period's last month of after-hours pages and offers
// the what-if form.
func PathPage(ch Choices, f report.Filter, path report.PathToGoal, whatIf []report.WhatIfMonth) Page {
	p := Page{Title: "Path to goal", Path: "/path", Filter: f, Choices: ch}
	p.Sections = append(p.Sections, Section{Figures: []Figure{
		{Label: fmt.Sprintf("after-hours pages in %s", path.Month), Value: strconv.Itoa(path.AfterHoursPages), Tone: tone(path.Met)},
		{Label: "goal: fewer than", Value: strconv.Itoa(path.Goal)},
		{Label: "rules to fix to meet it", Value: strconv.Itoa(path.SmallestSet)},
	}})
	p.Sections = append(p.Sections, Section{
		Note:  "Bars: after-hours pages per rule, largest first (red: the smallest set whose removal meets the goal). Line: cumulative share; dashed: the share that has to go.",
		Chart: ParetoChart(path),
	})
	t := &Table{Columns: []string{"#", "rule", "service", "team", "after-hours pages", "cumulative %", "in smallest set", "runbook", "noise score"}}
	for _, r := range path.Rules {
		t.Rows = append(t.Rows, []Cell{{Text: strconv.Itoa(r.Rank)}, ruleCell(r.RuleID, r.Rule, f), {Text: r.Service}, {Text: r.Team},
			{Text: strconv.Itoa(r.AfterHoursPages)}, {Text: fmt.Sprintf("%.0f", r.CumulativePct)}, {Text: yesNo(r.InSmallestSet)},
			{Text: yesNo(r.HasRunbook)}, {Text: fmt.Sprintf("%.0f", r.NoiseScore)}})
	}
	p.Sections = append(p.Sections, Section{Title: "Rules", Table: t})
	top := path.Rules
	if len(top) > 10 {
		top = top[:10]
	}
	p.Sections = append(p.Sections, Section{
		Title:  "What if",
		Note:   "Remove a rule, page for it in business hours only, or give it a longer 'for' delay (incidents resolved within the delay disappear), then recompute.",
		Chart:  WhatIfChart(scopeMonths(whatIf, path.ScopeType, path.Scope)),
		WhatIf: &WhatIf{Rules: top, ScopeType: path.ScopeType, Scope: path.Scope},
	})
	return p
}

// scopeMonths keeps one scope's what-if months.
func scopeMonths(rows []report.WhatIfMonth, typ, scope string) []report.WhatIfMonth {
	var out []report.WhatIfMonth
	for _, r := range rows {
		if r.ScopeType == typ && r.Scope == scope {
			out = append(out, r)
		}
	}
	return out
}

// TeamPage shows a team's pages by window, its noisiest rules with their reasons, runbook
// coverage and response times.
func TeamPage(ch Choices, f report.Filter, windows []report.WindowCount, rules []report.RuleStats,
	cov report.Coverage, resp report.Response) Page {
	title := "All teams"
	if f.Team != "" {
		title = "Team " + f.Team
	}
	p := Page{Title: title, Path: "/team", Filter: f, Choices: ch}
	p.Sections = append(p.Sections, Section{Chart: WindowsChart("Pages by window", windows)})
	t := &Table{Columns: []string{"rule", "service", "incidents", "after-hours pages", "sleep-hours pages", "noise score", "why", "runbook"}}
	for _, r := range rules {
		t.Rows = append(t.Rows, []Cell{ruleCell(r.RuleID, r.Rule, f), {Text: r.Service}, {Text: strconv.Itoa(r.Incidents)},
			{Text: strconv.Itoa(r.AfterHoursPages)}, {Text: strconv.Itoa(r.SleepHoursPages)}, {Text: fmt.Sprintf("%.0f", r.NoiseScore)},
			{Text: r.Reason}, runbookCell(r.HasRunbook, r.RunbookURL)})
	}
	p.Sections = append(p.Sections, Section{Title: "Noisiest rules", Note: "Ranked by after-hours impact (a sleep-hours page counts twice).", Table: t})
	p.Sections = append(p.Sections, Section{Title: "Runbook coverage", Figures: []Figure{
		{Label: fmt.Sprintf("of %d pages had a runbook", cov.Pages), Value: pct(cov.PagesPct)},
		{Label: fmt.Sprintf("of %d after-hours pages had a runbook", cov.AfterHoursPages), Value: pct(cov.AfterHoursPct)},
		{Label: fmt.Sprintf("of %d defined rules carry a runbook", cov.DefinedRules), Value: pct(cov.DefinedPct)},
	}})
	if len(cov.Gaps) > 0 {
		g := &Table{Columns: []string{"rule", "service", "after-hours pages", "sleep-hours pages"}}
		for _, r := range cov.Gaps {
			g.Rows = append(g.Rows, []Cell{ruleCell(r.RuleID, r.Rule, f), {Text: r.Service}, {Text: strconv.Itoa(r.AfterHoursPages)}, {Text: strconv.Itoa(r.SleepHoursPages)}})
		}
		p.Sections = append(p.Sections, Section{Title: "After-hours rules without a runbook", Table: g})
	}
	p.Sections = append(p.Sections, Section{Title: "Response", Figures: []Figure{
		{Label: fmt.Sprintf("MTTA median (%d acknowledged)", resp.Acknowledged), Value: duration(resp.MTTAMedianSec)},
		{Label: "MTTA p90", Value: duration(resp.MTTAP90Sec)},
		{Label: "MTTA mean", Value: duration(resp.MTTAMeanSec)},
		{Label: fmt.Sprintf("MTTR median (%d resolved)", resp.Resolved), Value: duration(resp.MTTRMedianSec)},
		{Label: "MTTR p90", Value: duration(resp.MTTRP90Sec)},
		{Label: "MTTR mean", Value: duration(resp.MTTRMeanSec)},
		{Label: "escalated by timeout", Value: strconv.Itoa(resp.EscalatedTimeout)},
		{Label: "escalated by hand", Value: strconv.Itoa(resp.EscalatedManual)},
	}})
	return p
}

// RespondersPage shows when people are interrupted, each person's load, and how evenly a
// rotation shares it.
func RespondersPage(ch Choices, f report.Filter, heat []report.HeatCell, load []report.ResponderLoad, fair []report.Fairness) Page {
	p := Page{Title: "Responders", Path: "/responders", Filter: f, Choices: ch}
	p.Sections = append(p.Sections, Section{Note: "Local time of the person interrupted.", Chart: HeatmapChart(heat)})
	p.Sections = append(p.Sections, Section{Chart: LoadChart(load)})
	t := &Table{Columns: []string{"person", "time zone", "rotations", "interruptions", "pages", "after-hours pages", "sleep-hours pages", "hours interrupted", "busiest 12-hour shift", "shifts over 2 pages"}}
	for _, l := range load {
		t.Rows = append(t.Rows, []Cell{{Text: l.Responder}, {Text: l.TimeZone}, {Text: l.Rotations}, {Text: strconv.Itoa(l.Interruptions)},
			{Text: strconv.Itoa(l.Pages)}, {Text: strconv.Itoa(l.AfterHoursPages)}, {Text: strconv.Itoa(l.SleepHoursPages)},
			{Text: strconv.Itoa(l.HoursInterrupted)}, {Text: strconv.Itoa(l.BusiestShift)}, {Text: strconv.Itoa(l.ShiftsOverLimit)}})
	}
	p.Sections = append(p.Sections, Section{Title: "Load per person", Note: "The SRE-book reference is at most 2 incidents per 12-hour shift.", Table: t})
	p.Sections = append(p.Sections, Section{Chart: FairnessChart(fair)})
	return p
}

// RulePage shows one rule: its history, signals, runbook and incidents.
func RulePage(ch Choices, f report.Filter, r report.RuleStats, history []report.RuleMonth, incidents []report.Incident) Page {
	p := Page{Title: "Rule " + r.Rule, Path: "/rule/" + url.PathEscape(r.RuleID), Filter: f, Choices: ch}
	p.Sections = append(p.Sections, Section{Title: "Over the period", Note: fmt.Sprintf("service %s · team %s · rotation %s", r.Service, r.Team, r.Rotation), Figures: []Figure{
		{Label: "incidents", Value: strconv.Itoa(r.Incidents)},
		{Label: "after-hours pages", Value: strconv.Itoa(r.AfterHoursPages)},
		{Label: "sleep-hours pages", Value: strconv.Itoa(r.SleepHoursPages)},
		{Label: "people woken", Value: strconv.Itoa(r.PeopleWoken)},
		{Label: "noise score", Value: fmt.Sprintf("%.0f", r.NoiseScore), Tone: tone(r.NoiseScore < 50)},
	}})
	p.Sections = append(p.Sections, Section{Title: "Signals", Note: r.Reason, Figures: []Figure{
		{Label: "auto-resolved", Value: fmt.Sprintf("%.0f %%", r.AutoResolvedPct)},
		{Label: "transient", Value: fmt.Sprintf("%.0f %%", r.TransientPct)},
		{Label: "flapping", Value: fmt.Sprintf("%.0f %%", r.FlappingPct)},
		{Label: "unacknowledged", Value: fmt.Sprintf("%.0f %%", r.UnacknowledgedPct)},
		{Label: "reviewed: no action", Value: fmt.Sprintf("%.0f %%", r.NoActionPct)},
		{Label: "actionable rate (of reviewed)", Value: ratioPct(r.ActionableRate)},
	}})
	rb := &Table{Columns: []string{"runbook"}, Rows: [][]Cell{{runbookCell(r.HasRunbook, r.RunbookURL)}}}
	p.Sections = append(p.Sections, Section{Title: "Runbook", Table: rb})
	p.Sections = append(p.Sections, Section{Chart: RuleHistoryChart(r.Rule, history)})
	t := &Table{Columns: []string{"created", "title", "page", "window", "acknowledged", "resolved", "signals", "review", "runbook"}}
	for _, in := range incidents {
		t.Rows = append(t.Rows, []Cell{{Text: in.CreatedAt.UTC().Format(time.RFC3339)}, {Text: in.Title}, {Text: pageKind(in)},
			{Text: in.Window}, {Text: timeOrDash(in.AcknowledgedAt)}, {Text: timeOrDash(in.ResolvedAt)},
			{Text: signals(in)}, {Text: in.ReviewTag}, runbookCell(in.HasRunbook, in.RunbookURL)})
	}
	p.Sections = append(p.Sections, Section{Title: "Incidents", Table: t})
	return p
}

func ruleCell(id, name string, f report.Filter) Cell {
	href := "/rule/" + url.PathEscape(id)
	if q := filterQuery(f); q != "" {
		href += "?" + q
	}
	return Cell{Text: name, Href: href}
}

// runbookCell links a runbook only over http(s): a link from a payload is not trusted.
func runbookCell(has bool, link string) Cell {
	if u, err := url.Parse(link); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		return Cell{Text: link, Href: link}
	}
	if link != "" {
		return Cell{Text: link}
	}
	if has {
		return Cell{Text: "yes"}
	}
	return Cell{Text: "none"}
}

func pageKind(in report.Incident) string {
	switch {
	case in.IsPage && in.IsInferred:
		return "page (inferred)"
	case in.IsPage:
		return "page"
	}
	return "no"
}

func signals(in report.Incident) string {
	var s []string
	for _, x := range []struct {
		on   bool
		name string
	}{{in.AutoResolved, "auto-resolved"}, {in.Transient, "transient"}, {in.Flapping, "flapping"}, {in.Unacknowledged, "unacknowledged"}} {
		if x.on {
			s = append(s, x.name)
		}
	}
	return strings.Join(s, ", ")
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "–"
	}
	return t.UTC().Format(time.RFC3339)
}

func tone(good bool) string {
	if good {
		return "good"
	}
	return "bad"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func pct(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", *p)
}

// ratioPct shows a 0–1 ratio as a percentage.
func ratioPct(r *float64) string {
	if r == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", *r*100)
}

// duration formats seconds as a short human duration.
func duration(sec *float64) string {
	if sec == nil {
		return "–"
	}
	return (time.Duration(*sec) * time.Second).Round(time.Second).String()
}
