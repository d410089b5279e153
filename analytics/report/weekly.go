package report

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/alertlens/alertlens/ingest/review"
)

// The weekly report in three forms. The markdown is written to paste cleanly into Slack
// (mrkdwn) and into a wiki alike: plain lines and "- " lists, no tables or headings
// (Slack shows neither), bare links (both link them), and text from the history with
// &, < and > written as entities (Slack reads < as a link or a mention; a wiki reads
// the entities as the characters).

// WriteWeeklyMarkdown writes the weekly report as markdown.
func WriteWeeklyMarkdown(w io.Writer, r WeeklyReport) error {
	var b strings.Builder
	wk := r.Week
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("Alert review %s (%s to %s, %s), %s", wk.Week, wk.From, wk.To, r.TimeZone, text(r.Org))
	line("")
	line("After-hours pages: %d this week (%s against %s), %d of them in sleep hours (%s).",
		r.This.AfterHoursPages, change(r.This.AfterHoursPages, r.Previous.AfterHoursPages), wk.PreviousWeek,
		r.This.SleepHoursPages, change(r.This.SleepHoursPages, r.Previous.SleepHoursPages))
	line("Pages: %d this week (%s).", r.This.Pages, change(r.This.Pages, r.Previous.Pages))
	line("Month to date (%s, to %s): %d after-hours pages, %d in sleep hours; goal fewer than %d a month; %s.",
		r.Month, wk.To, r.MonthToDate.AfterHoursPages, r.MonthToDate.SleepHoursPages, r.Pace.Goal, paceWords(r.Pace))
	line("Untagged: %d of the week's %d pages.", wk.Untagged, wk.Pages)
	line("")
	line("Rules that paged after hours:")
	n := 0
	for _, rule := range wk.Rules {
		if rule.AfterHoursPages == 0 {
			continue
		}
		n++
		line("- %s (%s, %s): %s after hours, %d in sleep hours, of %d; %s%s",
			text(rule.Rule), text(rule.Team), text(rule.Rotation), plural(rule.AfterHoursPages, "page", "pages"),
			rule.SleepHoursPages, rule.Pages, tagWords(rule), ownerWords(rule))
		for _, f := range rule.FollowUps {
			line("  - follow-up: %s%s%s", text(f.Change), shippedWords(f), linkWords(f.TicketURL))
		}
	}
	if n == 0 {
		line("- none")
	}
	line("")
	line("Rules without a runbook that paged:")
	n = 0
	for _, rule := range wk.Rules {
		if !rule.HasRunbook {
			n++
			line("- %s (%s): %s, %d after hours", text(rule.Rule), text(rule.Team), plural(rule.Pages, "page", "pages"), rule.AfterHoursPages)
		}
	}
	if n == 0 {
		line("- none")
	}
	line("")
	line("People woken:")
	for _, p := range r.Woken {
		line("- %s: %s", text(p.Name), plural(p.Pages, "page", "pages"))
	}
	if len(r.Woken) == 0 {
		line("- nobody")
	}
	line("")
	line("Fixes shipped (28 days before the ship date against the days after it):")
	for _, f := range r.Fixes {
		line("- %s, %s, shipped %s: after-hours pages %d before, %d in the %s after (%s); pages %d before, %d after; noise %s before, %s after%s",
			text(f.Rule), text(f.Change), f.ShippedOn, f.AfterHoursPagesBefore, f.AfterHoursPagesAfter,
			plural(f.DaysAfter, "day", "days"), dropWords(f), f.PagesBefore, f.PagesAfter,
			scoreWords(f.NoiseScoreBefore), scoreWords(f.NoiseScoreAfter), linkWords(f.TicketURL))
	}
	if len(r.Fixes) == 0 {
		line("- none in the 8 weeks up to " + wk.To)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// text makes history text safe in markdown and Slack: one line, entities for &, < and >.
func text(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func change(now, before int) string {
	switch d := now - before; {
	case d > 0:
		return fmt.Sprintf("up %d from %d", d, before)
	case d < 0:
		return fmt.Sprintf("down %d from %d", -d, before)
	default:
		return fmt.Sprintf("the same as the %d", before)
	}
}

func paceWords(p Pace) string {
	on := "on track"
	if !p.OnTrack {
		on = "off track"
	}
	return fmt.Sprintf("on pace for %s this month, %s", strconv.FormatFloat(p.Projected, 'f', 1, 64), on)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func tagWords(r ReviewRule) string {
	var parts []string
	if r.NoAction > 0 {
		parts = append(parts, fmt.Sprintf("%d no action", r.NoAction))
	}
	if r.ActionTaken > 0 {
		parts = append(parts, fmt.Sprintf("%d action taken", r.ActionTaken))
	}
	if r.Untagged > 0 {
		parts = append(parts, fmt.Sprintf("%d untagged", r.Untagged))
	}
	var reasons []string
	for _, p := range r.Incidents {
		if p.Tag != nil && p.Tag.Reason != "" && !slices.Contains(reasons, review.ReasonLabels[p.Tag.Reason]) {
			reasons = append(reasons, review.ReasonLabels[p.Tag.Reason])
		}
	}
	if r.NoAction+r.ActionTaken == 0 {
		return "not tagged yet"
	}
	s := "tagged " + strings.Join(parts, ", ")
	if len(reasons) > 0 {
		s += " (" + strings.Join(reasons, ", ") + ")"
	}
	return s
}

// owners lists a rule's tag owners in page order, once each.
func owners(r ReviewRule) []string {
	var out []string
	for _, p := range r.Incidents {
		if p.Tag != nil && p.Tag.Owner != "" && !slices.Contains(out, p.Tag.Owner) {
			out = append(out, p.Tag.Owner)
		}
	}
	return out
}

func ownerWords(r ReviewRule) string {
	o := owners(r)
	if len(o) == 0 {
		return ""
	}
	return "; owner " + text(strings.Join(o, ", "))
}

func shippedWords(f review.FollowUp) string {
	if f.ShippedOn == nil {
		return ", not shipped yet"
	}
	return ", shipped " + f.ShippedOn.Format("2006-01-02")
}

func linkWords(u string) string {
	if u == "" {
		return ""
	}
	return " " + text(u)
}

func dropWords(f FixEffect) string {
	switch {
	case f.AfterHoursPagesDropped:
		return "dropped"
	case f.AfterHoursPagesChange == 0:
		return "no change"
	default:
		return "rose"
	}
}

func scoreWords(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// WriteWeeklyCSV writes one row per rule that paged in the week, with the week's figures
// by METRICS.md's export rules (writeCSV: header row, RFC 4180, neutralised cells, the
// metrics version and reporting zone).
func WriteWeeklyCSV(w io.Writer, r WeeklyReport) error {
	return writeCSV(w, r.TimeZone, []string{"week", "rule_id", "rule", "service", "team", "rotation", "pages",
		"after_hours_pages", "sleep_hours_pages", "no_action", "action_taken", "untagged", "owners",
		"follow_ups", "has_runbook", "runbook_url"}, r.Week.Rules, func(x ReviewRule) []any {
		var fus []string
		for _, f := range x.FollowUps {
			fus = append(fus, f.Change+shippedWords(f)+linkWords(f.TicketURL))
		}
		return []any{r.Week.Week, x.RuleID, x.Rule, x.Service, x.Team, x.Rotation, x.Pages, x.AfterHoursPages,
			x.SleepHoursPages, x.NoAction, x.ActionTaken, x.Untagged, strings.Join(owners(x), "; "),
			strings.Join(fus, "; "), x.HasRunbook, x.RunbookURL}
	})
}

// WriteWeeklyHTML writes the weekly report as one page with no outside asset: the
// markdown's sections as HTML, every value escaped by html/template.
func WriteWeeklyHTML(w io.Writer, r WeeklyReport) error {
	return weeklyHTML.Execute(w, r)
}

var weeklyHTML = template.Must(template.New("weekly").Funcs(template.FuncMap{
	"change": change, "pace": paceWords, "tags": tagWords, "owners": func(r ReviewRule) string { return strings.Join(owners(r), ", ") },
	"shipped": shippedWords, "drop": dropWords, "score": scoreWords,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Alert review {{.Week.Week}}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right}@media print{body{margin:0}}</style></head><body>
<h1>Alert review {{.Week.Week}}</h1>
<p>{{.Org}}: {{.Week.From}} to {{.Week.To}} ({{.TimeZone}})</p>
<ul>
<li>After-hours pages: {{.This.AfterHoursPages}} ({{change .This.AfterHoursPages .Previous.AfterHoursPages}} in {{.Week.PreviousWeek}}), {{.This.SleepHoursPages}} in sleep hours ({{change .This.SleepHoursPages .Previous.SleepHoursPages}})</li>
<li>Pages: {{.This.Pages}} ({{change .This.Pages .Previous.Pages}})</li>
<li>Month to date ({{.Month}}): {{.MonthToDate.AfterHoursPages}} after-hours pages, {{.MonthToDate.SleepHoursPages}} in sleep hours; goal fewer than {{.Pace.Goal}}; {{pace .Pace}}</li>
<li>Untagged: {{.Week.Untagged}} of {{.Week.Pages}} pages</li>
</ul>
<h2>Rules that paged</h2>
<table><thead><tr><th>rule</th><th>team</th><th>pages</th><th>after hours</th><th>sleep</th><th>tags</th><th>owners</th><th>runbook</th><th>follow-ups</th></tr></thead><tbody>
{{range .Week.Rules}}<tr><td>{{.Rule}}</td><td>{{.Team}}</td><td class="n">{{.Pages}}</td><td class="n">{{.AfterHoursPages}}</td><td class="n">{{.SleepHoursPages}}</td><td>{{tags .}}</td><td>{{owners .}}</td><td>{{if .HasRunbook}}yes{{else}}<strong>none</strong>{{end}}</td><td>{{range .FollowUps}}{{.Change}}{{shipped .}} {{if .TicketURL}}<a href="{{.TicketURL}}">{{.TicketURL}}</a>{{end}}<br>{{end}}</td></tr>
{{else}}<tr><td colspan="9">no pages this week</td></tr>{{end}}</tbody></table>
<h2>People woken</h2>
<ul>{{range .Woken}}<li>{{.Name}}: {{.Pages}}</li>{{else}}<li>nobody</li>{{end}}</ul>
<h2>Fixes shipped</h2>
<table><thead><tr><th>rule</th><th>change</th><th>shipped</th><th>after-hours before</th><th>after</th><th>days after</th><th>pages before</th><th>after</th><th>noise before</th><th>after</th></tr></thead><tbody>
{{range .Fixes}}<tr><td>{{.Rule}}</td><td>{{.Change}}</td><td>{{.ShippedOn}}</td><td class="n">{{.AfterHoursPagesBefore}}</td><td class="n">{{.AfterHoursPagesAfter}} ({{drop .}})</td><td class="n">{{.DaysAfter}}</td><td class="n">{{.PagesBefore}}</td><td class="n">{{.PagesAfter}}</td><td class="n">{{score .NoiseScoreBefore}}</td><td class="n">{{score .NoiseScoreAfter}}</td></tr>
{{else}}<tr><td colspan="10">none in the 8 weeks up to {{.Week.To}}</td></tr>{{end}}</tbody></table>
</body></html>
`))

// WriteMonthlyCSV writes leadership's monthly report: one row per scope per month of the
// trend (the report's month and the 5 before), by METRICS.md's export rules.
func WriteMonthlyCSV(w io.Writer, r MonthlyReport) error {
	return writeCSV(w, r.TimeZone, []string{"month", "scope_type", "scope", "pages", "after_hours_pages",
		"sleep_hours_pages", "goal", "met", "people_paged", "people_paged_after_hours", "people_woken",
		"mtta_median_minutes", "mttr_median_minutes", "pages_with_runbook_pct",
		"after_hours_pages_with_runbook_pct", "tagged", "actionable_rate"}, r.Rows, func(x MonthlyRow) []any {
		return []any{x.Month, x.ScopeType, x.Scope, x.Pages, x.AfterHoursPages, x.SleepHoursPages, x.Goal, x.Met,
			x.PeoplePaged, x.PeoplePagedAfterHours, x.PeopleWoken, x.MTTAMedianMinutes, x.MTTRMedianMinutes,
			x.PagesWithRunbookPct, x.AfterHoursRunbookPct, x.Tagged, x.ActionableRate}
	})
}

// WriteReviewCSV writes the review week's pages, one row per page, by METRICS.md's export
// rules; people are joined with "; ".
func WriteReviewCSV(w io.Writer, tz string, wk ReviewWeek) error {
	type row struct {
		r ReviewRule
		p ReviewPage
	}
	var rows []row
	for _, r := range wk.Rules {
		for _, p := range r.Incidents {
			rows = append(rows, row{r, p})
		}
	}
	return writeCSV(w, tz, []string{"week", "rule_id", "rule", "service", "team", "rotation", "source", "incident_id",
		"title", "paged_at", "local_time", "time_zone", "window", "interrupted", "woken", "auto_resolved", "transient",
		"flapping", "unacknowledged", "runbook_url", "tag", "reason", "note", "owner", "follow_up_url", "reviewer",
		"tag_version"}, rows, func(x row) []any {
		t := review.Tag{}
		if x.p.Tag != nil {
			t = *x.p.Tag
		}
		return []any{wk.Week, x.r.RuleID, x.r.Rule, x.r.Service, x.r.Team, x.r.Rotation, x.p.Source, x.p.IncidentID,
			x.p.Title, x.p.PagedAt, x.p.LocalTime, x.p.TimeZone, x.p.Window, strings.Join(x.p.Interrupted, "; "),
			strings.Join(x.p.Woken, "; "), x.p.AutoResolved, x.p.Transient, x.p.Flapping, x.p.Unacknowledged,
			x.p.RunbookURL, t.Tag, t.Reason, t.Note, t.Owner, t.FollowUpURL, t.Reviewer, t.Version}
	})
}
