package report

import (
	"io"
	"strconv"
	"time"
)

// The CSV form of every row type: one function per type, used by the API (text/csv) and by
// `alertlens export csv`, so both write the same columns. Column names are the json tags of
// the type; every row ends with the metric version and the reporting time zone it was
// computed with (METRICS.md, Exports).

var versionColumns = []string{"metrics_version", "reporting_time_zone"}

// writeCSV writes a header and one row per item, each row followed by the version columns.
func writeCSV[T any](w io.Writer, tz string, header []string, rows []T, cells func(T) []any) error {
	cw := NewCSVWriter(w)
	if err := cw.Header(append(header, versionColumns...)...); err != nil {
		return err
	}
	version := strconv.Itoa(MetricsVersion)
	for _, r := range rows {
		if err := cw.Row(append(cells(r), version, tz)...); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteGoalMonthsCSV writes monthly after-hours pages against the goal.
func WriteGoalMonthsCSV(w io.Writer, tz string, rows []GoalMonth) error {
	return writeCSV(w, tz, []string{"month", "scope_type", "scope", "pages", "after_hours_pages",
		"sleep_hours_pages", "goal", "met", "trailing_3m_avg", "people_paged",
		"people_paged_after_hours", "people_woken"}, rows, func(r GoalMonth) []any {
		return []any{r.Month, r.ScopeType, r.Scope, r.Pages, r.AfterHoursPages, r.SleepHoursPages,
			r.Goal, r.Met, r.TrailingAvg3m, r.PeoplePaged, r.PeoplePagedAfterHours, r.PeopleWoken}
	})
}

// WritePaceCSV writes month-to-date projections. as_of keeps the reporting zone's offset
// (RFC 3339), so a reader sees which local day the month-to-date figures were judged on.
func WritePaceCSV(w io.Writer, tz string, rows []Pace) error {
	return writeCSV(w, tz, []string{"month", "scope_type", "scope", "as_of", "after_hours_pages",
		"elapsed_days", "days_in_month", "projected", "goal", "on_track"}, rows, func(r Pace) []any {
		return []any{r.Month, r.ScopeType, r.Scope, r.AsOf.Format(time.RFC3339), r.AfterHoursPages, r.ElapsedDays,
			r.DaysInMonth, r.Projected, r.Goal, r.OnTrack}
	})
}

// WriteRulesCSV writes alert rules with their noise, impact and runbook.
func WriteRulesCSV(w io.Writer, tz string, rows []RuleStats) error {
	return writeCSV(w, tz, []string{"rule_id", "rule", "service", "team", "rotation", "incidents",
		"pages", "after_hours_pages", "sleep_hours_pages", "people_woken", "impact_score",
		"after_hours_engaged_minutes", "noise_score", "auto_resolved_pct", "transient_pct",
		"flapping_pct", "unacknowledged_pct", "no_action_pct", "actionable_rate", "reason",
		"has_runbook", "runbook_url", "defined"}, rows, func(r RuleStats) []any {
		return []any{r.RuleID, r.Rule, r.Service, r.Team, r.Rotation, r.Incidents, r.Pages,
			r.AfterHoursPages, r.SleepHoursPages, r.PeopleWoken, r.ImpactScore, r.EngagedMinutes,
			r.NoiseScore, r.AutoResolvedPct, r.TransientPct, r.FlappingPct, r.UnacknowledgedPct,
			r.NoActionPct, r.ActionableRate, r.Reason, r.HasRunbook, r.RunbookURL, r.Defined}
	})
}

// WriteRuleMonthsCSV writes one rule's numbers per month.
func WriteRuleMonthsCSV(w io.Writer, tz string, rows []RuleMonth) error {
	return writeCSV(w, tz, []string{"month", "incidents", "pages", "after_hours_pages",
		"sleep_hours_pages", "noise_score"}, rows, func(r RuleMonth) []any {
		return []any{r.Month, r.Incidents, r.Pages, r.AfterHoursPages, r.SleepHoursPages, r.NoiseScore}
	})
}

// WriteIncidentsCSV writes incidents with their signals.
func WriteIncidentsCSV(w io.Writer, tz string, rows []Incident) error {
	return writeCSV(w, tz, []string{"source", "incident_id", "rule_id", "rule", "title", "service",
		"team", "rotation", "urgency", "created_at", "acknowledged_at", "resolved_at", "is_page",
		"is_inferred", "paged_at", "window", "auto_resolved", "transient", "flapping",
		"unacknowledged", "review_tag", "noisy", "runbook_url", "has_runbook", "escalations",
		"manual_escalations"}, rows, func(r Incident) []any {
		return []any{r.Source, r.IncidentID, r.RuleID, r.Rule, r.Title, r.Service, r.Team,
			r.Rotation, r.Urgency, r.CreatedAt, r.AcknowledgedAt, r.ResolvedAt, r.IsPage,
			r.IsInferred, r.PagedAt, r.Window, r.AutoResolved, r.Transient, r.Flapping,
			r.Unacknowledged, r.ReviewTag, r.Noisy, r.RunbookURL, r.HasRunbook, r.Escalations,
			r.ManualEscalated}
	})
}

// WritePagesCSV writes pages.
func WritePagesCSV(w io.Writer, tz string, rows []Page) error {
	return writeCSV(w, tz, []string{"source", "incident_id", "paged_at", "month", "rule_id", "rule",
		"title", "service", "team", "rotation", "responder_id", "responder", "time_zone",
		"local_time", "window", "after_hours", "sleep_hours", "inferred", "people_interrupted",
		"has_runbook", "noisy"}, rows, func(r Page) []any {
		return []any{r.Source, r.IncidentID, r.PagedAt, r.Month, r.RuleID, r.Rule, r.Title,
			r.Service, r.Team, r.Rotation, r.ResponderID, r.Responder, r.TimeZone, r.LocalTime,
			r.Window, r.AfterHours, r.SleepHours, r.Inferred, r.People, r.HasRunbook, r.Noisy}
	})
}

// WriteWindowsCSV writes pages per month and hour window.
func WriteWindowsCSV(w io.Writer, tz string, rows []WindowCount) error {
	return writeCSV(w, tz, []string{"month", "window", "pages"}, rows, func(r WindowCount) []any {
		return []any{r.Month, r.Window, r.Pages}
	})
}

// WriteCoverageCSV writes the runbook coverage headline figures, one row per report (the
// gaps are rules: write them with WriteRulesCSV).
func WriteCoverageCSV(w io.Writer, tz string, rows []Coverage) error {
	return writeCSV(w, tz, []string{"pages", "pages_with_runbook", "pages_with_runbook_pct",
		"after_hours_pages", "after_hours_pages_with_runbook", "after_hours_pages_with_runbook_pct",
		"defined_rules", "defined_rules_with_runbook", "defined_rules_with_runbook_pct"}, rows,
		func(r Coverage) []any {
			return []any{r.Pages, r.PagesWithRunbook, r.PagesPct, r.AfterHoursPages,
				r.AfterHoursWithRunbook, r.AfterHoursPct, r.DefinedRules, r.DefinedWithRunbook, r.DefinedPct}
		})
}

// WriteRespondersCSV writes per-person load.
func WriteRespondersCSV(w io.Writer, tz string, rows []ResponderLoad) error {
	return writeCSV(w, tz, []string{"responder_id", "responder", "time_zone", "rotations",
		"interruptions", "pages", "after_hours_pages", "sleep_hours_pages", "hours_interrupted",
		"busiest_shift_pages", "shifts_over_limit", "shifts_from"}, rows, func(r ResponderLoad) []any {
		return []any{r.ResponderID, r.Responder, r.TimeZone, r.Rotations, r.Interruptions, r.Pages,
			r.AfterHoursPages, r.SleepHoursPages, r.HoursInterrupted, r.BusiestShift, r.ShiftsOverLimit, r.ShiftsFrom}
	})
}

// WriteFairnessCSV writes each rotation's spread of load per month.
func WriteFairnessCSV(w io.Writer, tz string, rows []Fairness) error {
	return writeCSV(w, tz, []string{"month", "rotation", "people", "max_interruptions",
		"median_interruptions", "ratio", "most_loaded"}, rows, func(r Fairness) []any {
		return []any{r.Month, r.Rotation, r.People, r.MaxLoad, r.Median, r.Ratio, r.MostLoaded}
	})
}

// WriteHeatmapCSV writes interruptions by local weekday and hour.
func WriteHeatmapCSV(w io.Writer, tz string, rows []HeatCell) error {
	return writeCSV(w, tz, []string{"weekday", "hour", "interruptions"}, rows, func(r HeatCell) []any {
		return []any{r.Weekday, r.Hour, r.Interruptions}
	})
}

// WriteResponseCSV writes MTTA, MTTR and escalations, one row per report.
func WriteResponseCSV(w io.Writer, tz string, rows []Response) error {
	return writeCSV(w, tz, []string{"incidents", "acknowledged", "resolved", "mtta_median_seconds",
		"mtta_p90_seconds", "mtta_mean_seconds", "mttr_median_seconds", "mttr_p90_seconds",
		"mttr_mean_seconds", "escalated_timeout", "escalated_manual"}, rows, func(r Response) []any {
		return []any{r.Incidents, r.Acknowledged, r.Resolved, r.MTTAMedianSec, r.MTTAP90Sec,
			r.MTTAMeanSec, r.MTTRMedianSec, r.MTTRP90Sec, r.MTTRMeanSec, r.EscalatedTimeout, r.EscalatedManual}
	})
}

// WriteParetoCSV writes the rules behind a month's after-hours pages (path to goal).
func WriteParetoCSV(w io.Writer, tz string, rows []ParetoRule) error {
	return writeCSV(w, tz, []string{"rank", "rule_id", "rule", "service", "team",
		"after_hours_pages", "cumulative_pages", "cumulative_pct", "in_smallest_set",
		"has_runbook", "noise_score"}, rows, func(r ParetoRule) []any {
		return []any{r.Rank, r.RuleID, r.Rule, r.Service, r.Team, r.AfterHoursPages,
			r.CumulativePages, r.CumulativePct, r.InSmallestSet, r.HasRunbook, r.NoiseScore}
	})
}

// WriteWhatIfCSV writes monthly after-hours pages before and after proposed changes.
func WriteWhatIfCSV(w io.Writer, tz string, rows []WhatIfMonth) error {
	return writeCSV(w, tz, []string{"month", "scope_type", "scope", "goal", "after_hours_pages",
		"after_hours_pages_after", "sleep_hours_pages", "sleep_hours_pages_after", "met_after"},
		rows, func(r WhatIfMonth) []any {
			return []any{r.Month, r.ScopeType, r.Scope, r.Goal, r.AfterHoursPages,
				r.AfterHoursPagesAfter, r.SleepHoursPages, r.SleepHoursPagesAfter, r.MetAfter}
		})
}
