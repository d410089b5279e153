package dashboards

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
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
	// The headline numbers first, what a weekly review reads out: of the filter's
	// rotation, else its team, else the organisation, in the period's last month.
	head := scope{report.ScopeOrg, ""}
	switch {
	case f.Rotation != "":
		head = scope{report.ScopeRotation, f.Rotation}
	case f.Team != "":
		head = scope{report.ScopeTeam, f.Team}
	}
	for _, s := range order {
		if s.typ == head.typ && (head.name == "" || s.name == head.name) {
			head = s
		}
	}
	if rows := byScope[head]; len(rows) > 0 {
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
		if head.typ != report.ScopeOrg {
			note = fmt.Sprintf("Figures of %s %s. ", head.typ, head.name)
		}
		if pc := pace(head); pc != nil {
			figs = append(figs, Figure{Label: fmt.Sprintf("%s on pace for (%d so far, %.1f of %d days)", pc.Month, pc.AfterHoursPages, pc.ElapsedDays, pc.DaysInMonth),
				Value: fmt.Sprintf("%.0f", pc.Projected), Tone: tone(pc.OnTrack)})
			if pc.Month != last.Month {
				// The pace is always the current month's; say so when the figures beside it
				// are of an earlier one.
				note += fmt.Sprintf("The latest month shown is %s; the pace is for the current month, %s.", last.Month, pc.Month)
			}
		}
		p.Sections = append(p.Sections, Section{Title: "Latest month: " + last.Month, Note: note, Figures: figs})
	}
	for _, s := range order {
		label := "Organisation"
		if s.typ != report.ScopeOrg {
			label = fmt.Sprintf("%s %s", strings.ToUpper(s.typ[:1])+s.typ[1:], s.name)
		}
		p.Sections = append(p.Sections, Section{
			Note:      "Green bars are months under the goal, red at or over it. Click a bar for that month's pages.",
			Chart:     GoalChart(label, byScope[s], pace(s)),
			ClickHref: monthPagesHref(s.typ, s.name),
		})
	}
	return p
}

// PathPage ranks the rules behind one month's after-hours pages and offers the what-if
// form. whatIf holds the scope's months as they are (before any change): from them the
// page says plainly when the month shown, or every month, met the goal.
func PathPage(ch Choices, f report.Filter, path report.PathToGoal, whatIf []report.WhatIfMonth) Page {
	p := Page{Title: "Path to goal", Path: "/path", Filter: f, Choices: ch}
	months := scopeMonths(whatIf, path.ScopeType, path.Scope)
	missed := 0
	for _, m := range months {
		if !m.MetAfter {
			missed++
		}
	}
	note := ""
	switch {
	case path.Met && missed == 0:
		note = fmt.Sprintf("The goal is met: every month of the period stayed under %d after-hours pages, so no rule has to go. The rules below are %s's, for the next fixes.", path.Goal, path.Month)
	case path.Met:
		note = fmt.Sprintf("The goal is met in %s: no rule has to go. %d months of the period missed it; choose one as To to see its path.", path.Month, missed)
	case f.To == "" && len(months) > 0 && months[len(months)-1].Month != path.Month:
		note = fmt.Sprintf("Opened on %s, the latest month that missed the goal (the months after it met it). Choose To for another month.", path.Month)
	}
	p.Sections = append(p.Sections, Section{Note: note, Figures: []Figure{
		{Label: fmt.Sprintf("after-hours pages in %s", path.Month), Value: strconv.Itoa(path.AfterHoursPages), Tone: tone(path.Met)},
		{Label: "goal: fewer than", Value: strconv.Itoa(path.Goal)},
		{Label: fmt.Sprintf("rules to fix to meet it in %s", path.Month), Value: strconv.Itoa(path.SmallestSet), Tone: tone(path.Met)},
	}})
	p.Sections = append(p.Sections, Section{
		Note:  "Bars: after-hours pages per rule, largest first (red: the smallest set whose removal meets the goal). Line: cumulative share; dashed: the share that has to go.",
		Chart: ParetoChart(path),
	})
	t := &Table{Columns: []string{"rule", "#", "service", "team", "after-hours pages", "cumulative %", "in smallest set", "runbook", "noise score"}}
	for _, r := range path.Rules {
		t.Rows = append(t.Rows, []Cell{ruleCell(r.RuleID, r.Rule, f), {Text: strconv.Itoa(r.Rank)}, {Text: r.Service}, teamCell(r.Team, f),
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
		Note:   "Remove a rule, page for it in business hours only, or give it a longer 'for' delay (incidents resolved within the delay disappear), then recompute. After bars are green where the month would meet the goal, red where not.",
		Chart:  WhatIfChart(months),
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

// teamRules is how many rules the team page lists as its noisiest.
const teamRules = 15

// NoisiestRules ranks rules by noise score, ties by after-hours impact, then by incidents
// (a rule noisy over many incidents before one noisy once), and keeps the first n.
func NoisiestRules(rules []report.RuleStats, n int) []report.RuleStats {
	out := slices.Clone(rules)
	slices.SortStableFunc(out, func(a, b report.RuleStats) int {
		if c := cmp.Compare(b.NoiseScore, a.NoiseScore); c != 0 {
			return c
		}
		if c := cmp.Compare(b.ImpactScore, a.ImpactScore); c != 0 {
			return c
		}
		return cmp.Compare(b.Incidents, a.Incidents)
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// TeamPage shows a team's pages by window, its noisiest rules with their reasons, runbook
// coverage and response times. rules are all of the period's rules; the page ranks them.
func TeamPage(ch Choices, f report.Filter, windows []report.WindowCount, rules []report.RuleStats,
	cov report.Coverage, resp report.Response) Page {
	title := "All teams"
	if f.Team != "" {
		title = "Team " + f.Team
	}
	p := Page{Title: title, Path: "/team", Filter: f, Choices: ch}
	p.Sections = append(p.Sections, Section{Chart: WindowsChart("Pages by window", windows),
		Note: "Click a bar for that month's pages.", ClickHref: monthPagesHref(report.ScopeTeam, f.Team)})
	t := &Table{Columns: []string{"rule", "noise score", "why", "incidents", "after-hours pages", "sleep-hours pages", "service", "runbook"}}
	for _, r := range NoisiestRules(rules, teamRules) {
		t.Rows = append(t.Rows, []Cell{ruleCell(r.RuleID, r.Rule, f), {Text: fmt.Sprintf("%.0f", r.NoiseScore)}, {Text: r.Reason},
			{Text: strconv.Itoa(r.Incidents)}, {Text: strconv.Itoa(r.AfterHoursPages)}, {Text: strconv.Itoa(r.SleepHoursPages)},
			{Text: r.Service}, runbookCell(r.HasRunbook, r.RunbookURL)})
	}
	p.Sections = append(p.Sections, Section{Title: "Noisiest rules", Note: "Ranked by noise score (the share of incidents that were noisy), ties by after-hours impact.", Table: t})
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
// rotation shares it. With a team filter, load and heat map count the team's incidents
// and fair holds the rotations the team's rules page (fairness is per rotation).
func RespondersPage(ch Choices, f report.Filter, heat []report.HeatCell, load []report.ResponderLoad, fair []report.Fairness) Page {
	p := Page{Title: "Responders", Path: "/responders", Filter: f, Choices: ch}
	if f.Team != "" {
		p.Title = "Responders paged for team " + f.Team
	}
	p.Sections = append(p.Sections, Section{Note: "Local time of the person interrupted.", Chart: HeatmapChart(heat)})
	p.Sections = append(p.Sections, Section{Chart: LoadChart(load)})
	t := &Table{Columns: []string{"person", "interruptions", "pages", "after-hours pages", "sleep-hours pages", "hours interrupted", "busiest shift (pages)", "shifts over 2 per 12 h", "shifts from", "time zone", "rotations"}}
	for _, l := range load {
		t.Rows = append(t.Rows, []Cell{personCell(l.Source, l.ResponderID, l.Responder, f), {Text: strconv.Itoa(l.Interruptions)},
			{Text: strconv.Itoa(l.Pages)}, {Text: strconv.Itoa(l.AfterHoursPages)}, {Text: strconv.Itoa(l.SleepHoursPages)},
			{Text: strconv.Itoa(l.HoursInterrupted)}, {Text: strconv.Itoa(l.BusiestShift)}, {Text: strconv.Itoa(l.ShiftsOverLimit)}, {Text: l.ShiftsFrom},
			{Text: l.TimeZone}, {Text: l.Rotations}})
	}
	p.Sections = append(p.Sections, Section{Title: "Load per person", Note: "The SRE-book reference is at most 2 incidents per 12-hour shift, scaled to each real shift's length; shifts come from the schedules, or are guessed as 12-hour local halves of the day for people the schedules do not hold (shifts from). A name opens the person's page.", Table: t})
	p.Sections = append(p.Sections, Section{Chart: FairnessChart(fair)})
	return p
}

// RulePage shows one rule: its history, signals, runbook and one page of its incidents,
// each page with the first person interrupted and their local time (from pages, matched
// by incident).
func RulePage(ch Choices, f report.Filter, r report.RuleStats, history []report.RuleMonth, incidents []report.Incident,
	pages []report.Page, pager *Pager) Page {
	p := Page{Title: "Rule " + r.Rule, Path: "/rule/" + url.PathEscape(r.RuleID), Filter: f, Choices: ch}
	p.Sections = append(p.Sections, Section{Title: "Over the period", Note: fmt.Sprintf("service %s", r.Service), Table: &Table{
		Columns: []string{"team", "rotation"}, Rows: [][]Cell{{teamCell(r.Team, f), rotationCell(r.Rotation, f)}}}, Figures: []Figure{
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
	byIncident := map[[2]string]report.Page{}
	for _, pg := range pages {
		byIncident[[2]string{pg.Source, pg.IncidentID}] = pg
	}
	t := &Table{Columns: []string{"created (UTC)", "title", "paged (their local time)", "person paged", "window", "acknowledged", "resolved", "signals", "review", "runbook"}}
	for _, in := range incidents {
		pg, paged := byIncident[[2]string{in.Source, in.IncidentID}]
		local, who := Cell{Text: pageKind(in)}, Cell{}
		if paged {
			local = Cell{Text: localTime(pg)}
			who = personCell(pg.Source, pg.ResponderID, pg.Responder, f)
		}
		t.Rows = append(t.Rows, []Cell{{Text: in.CreatedAt.UTC().Format("2006-01-02 15:04")}, {Text: in.Title}, local, who,
			{Text: windowLabel(in.Window)}, {Text: timeOrDash(in.AcknowledgedAt)}, {Text: timeOrDash(in.ResolvedAt)},
			{Text: signals(in)}, {Text: in.ReviewTag}, runbookCell(in.HasRunbook, in.RunbookURL)})
	}
	p.Sections = append(p.Sections, Section{Title: "Incidents", Table: t, Pager: pager})
	return p
}

// PersonPage shows one responder: their load, when they were interrupted (their own local
// hours) and one page of the pages that reached them.
func PersonPage(ch Choices, f report.Filter, person report.Person, heat []report.HeatCell, shifts []report.ShiftLoad, pages []report.Page, pager *Pager) Page {
	l := person.Load
	p := Page{Title: person.Responder, Path: "/person/" + url.PathEscape(person.Source) + "/" + url.PathEscape(person.ResponderID),
		Filter: f, Choices: ch, PeriodOnly: true}
	note := fmt.Sprintf("%s · time zone %s", person.ResponderID, orDash(l.TimeZone))
	if l.Rotations != "" {
		note += " · rotations " + l.Rotations
	}
	p.Sections = append(p.Sections, Section{Title: "Load over the period", Note: note, Figures: []Figure{
		{Label: "interruptions", Value: strconv.Itoa(l.Interruptions)},
		{Label: "pages", Value: strconv.Itoa(l.Pages)},
		{Label: "after-hours pages", Value: strconv.Itoa(l.AfterHoursPages)},
		{Label: "sleep-hours pages", Value: strconv.Itoa(l.SleepHoursPages), Tone: tone(l.SleepHoursPages == 0)},
		{Label: "hours interrupted", Value: strconv.Itoa(l.HoursInterrupted)},
		{Label: "busiest shift (pages, " + l.ShiftsFrom + ")", Value: strconv.Itoa(l.BusiestShift)},
		{Label: "shifts over 2 pages per 12 h", Value: strconv.Itoa(l.ShiftsOverLimit), Tone: tone(l.ShiftsOverLimit == 0)},
	}})
	p.Sections = append(p.Sections, Section{Note: "Their own local time.", Chart: HeatmapChart(heat)})
	if len(shifts) > 0 {
		p.Sections = append(p.Sections, Section{Title: "Their on-call shifts",
			Note:  "From the schedules; overlapping shifts merged. The reference is the SRE book's 2 pages per 12 hours of shift.",
			Table: shiftsTable(shifts)})
	}
	t := pagesTable(pages, f, false)
	p.Sections = append(p.Sections, Section{Title: "Their pages", Note: "Time and window of their own first interruption; newest first.", Table: t, Pager: pager})
	return p
}

// shiftsTable lists a person's on-call shifts with their load against the reference.
func shiftsTable(shifts []report.ShiftLoad) *Table {
	t := &Table{Columns: []string{"from (UTC)", "to (UTC)", "rotations", "hours", "pages", "interruptions", "reference pages", "over the reference"}}
	for _, sh := range shifts {
		t.Rows = append(t.Rows, []Cell{{Text: sh.StartsAt.UTC().Format("2006-01-02 15:04")}, {Text: sh.EndsAt.UTC().Format("2006-01-02 15:04")},
			{Text: sh.Rotations}, {Text: strconv.FormatFloat(sh.Hours, 'f', 2, 64)}, {Text: strconv.Itoa(sh.Pages)},
			{Text: strconv.Itoa(sh.Interruptions)}, {Text: strconv.FormatFloat(sh.ReferencePages, 'f', 2, 64)}, {Text: yesNo(sh.OverReference)}})
	}
	return t
}

// PagesPage lists the pages of a period (a month's bar opens it), newest first, one page
// of rows at a time.
func PagesPage(ch Choices, f report.Filter, pages []report.Page, pager *Pager) Page {
	title := "Pages"
	if f.From != "" && f.From == f.To {
		title = "Pages in " + f.From
	}
	for _, x := range []struct{ k, v string }{{"team", f.Team}, {"rotation", f.Rotation}} {
		if x.v != "" {
			title += ", " + x.k + " " + x.v
		}
	}
	p := Page{Title: title, Path: "/pages", Filter: f, Choices: ch}
	if len(pages) == 0 {
		p.Notice = "No pages in this period."
	}
	p.Sections = append(p.Sections, Section{Note: "Local time and window of the first person interrupted; newest first.", Table: pagesTable(pages, f, true), Pager: pager})
	return p
}

// pagesTable lists pages; withPerson adds who was paged.
func pagesTable(pages []report.Page, f report.Filter, withPerson bool) *Table {
	t := &Table{Columns: []string{"paged, local time", "window", "rule", "title"}}
	if withPerson {
		t.Columns = append(t.Columns, "person paged")
	}
	t.Columns = append(t.Columns, "team", "rotation", "people interrupted", "noisy", "runbook")
	for _, pg := range pages {
		row := []Cell{{Text: localTime(pg)}, {Text: windowLabel(pg.Window)}, ruleCell(pg.RuleID, pg.Rule, f), {Text: pg.Title}}
		if withPerson {
			row = append(row, personCell(pg.Source, pg.ResponderID, pg.Responder, f))
		}
		row = append(row, teamCell(pg.Team, f), rotationCell(pg.Rotation, f), Cell{Text: strconv.Itoa(pg.People)}, Cell{Text: yesNo(pg.Noisy)}, Cell{Text: yesNo(pg.HasRunbook)})
		t.Rows = append(t.Rows, row)
	}
	return t
}

// PerPage is how many rows a long table (a rule's incidents, a person's or a month's
// pages) shows at a time.
const PerPage = 50

// NewPager links the pages of a long table at path (the filter and extra query kept):
// page is 1-based, shown the rows on this page, more whether another page follows.
func NewPager(path string, f report.Filter, page, shown int, more bool) *Pager {
	if page <= 1 && !more {
		return nil
	}
	link := func(n int) string {
		q, _ := url.ParseQuery(filterQuery(f))
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if e := q.Encode(); e != "" {
			return path + "?" + e
		}
		return path
	}
	first := (page-1)*PerPage + 1
	pg := &Pager{Label: fmt.Sprintf("rows %d–%d", first, first+shown-1)}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if more {
		pg.Next = link(page + 1)
	}
	return pg
}

// monthPagesHref is where a month's bar of a scope leads: that month's pages.
func monthPagesHref(typ, name string) string {
	h := "/pages?from={name}&to={name}"
	switch {
	case typ == report.ScopeRotation && name != "":
		h += "&rotation=" + url.QueryEscape(name)
	case typ == report.ScopeTeam && name != "":
		h += "&team=" + url.QueryEscape(name)
	}
	return h
}

func personCell(source, id, name string, f report.Filter) Cell {
	if id == "" {
		return Cell{Text: "– (inferred)"}
	}
	if name == "" {
		name = id
	}
	href := "/person/" + url.PathEscape(source) + "/" + url.PathEscape(id)
	q := filterQuery(report.Filter{From: f.From, To: f.To})
	if q != "" {
		href += "?" + q
	}
	return Cell{Text: name, Href: href}
}

func teamCell(team string, f report.Filter) Cell {
	if team == "" {
		return Cell{Text: "–"}
	}
	href := "/team/" + url.PathEscape(team)
	if q := filterQuery(report.Filter{From: f.From, To: f.To}); q != "" {
		href += "?" + q
	}
	return Cell{Text: team, Href: href}
}

func rotationCell(rot string, f report.Filter) Cell {
	if rot == "" {
		return Cell{Text: "–"}
	}
	q, _ := url.ParseQuery(filterQuery(report.Filter{From: f.From, To: f.To, Rotation: rot}))
	return Cell{Text: rot, Href: "/?" + q.Encode()}
}

// localTime is a page's wall clock where it was judged, with the zone.
func localTime(p report.Page) string {
	if p.LocalTime == "" {
		return p.PagedAt.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	return p.LocalTime + " " + p.TimeZone
}

func windowLabel(w string) string { return strings.ReplaceAll(w, "_", "-") }

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
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
