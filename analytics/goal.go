package analytics

import (
	"context"
	"database/sql"
	"time"
)

// Overview tells what the database holds.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	var o Overview
	var first, last, asOf sql.NullTime
	err := s.db.QueryRowContext(ctx, `
		select st.reporting_time_zone, st.metrics_version, st.built_at,
		       (select min(month) from incident_facts), (select max(month) from incident_facts),
		       (select max(reporting_at) from incident_facts), (select count(*) from incident_facts)
		from cfg_settings st`).Scan(&o.ReportingTimeZone, &o.MetricsVersion, &o.BuiltAt, &first, &last, &asOf, &o.Incidents)
	if err != nil {
		return o, s.wrap(err)
	}
	if first.Valid {
		o.FirstMonth, o.LastMonth, o.AsOf = monthString(first.Time), monthString(last.Time), asOf.Time
	}
	if o.Teams, err = s.strings(ctx, `select distinct team from alert_rules order by 1`); err != nil {
		return o, err
	}
	o.Rotations, err = s.strings(ctx, `select distinct rotation from alert_rules order by 1`)
	return o, err
}

func (s *Service) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// MonthlyGoal lists after-hours pages per month against the goal: the organisation,
// every rotation and every team. A Team or Rotation filter keeps the organisation's rows
// and that scope's rows.
func (s *Service) MonthlyGoal(ctx context.Context, f Filter) ([]GoalMonth, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "month", "", "")
	if f.Team != "" || f.Rotation != "" {
		w.add("(scope_type = 'org' or (scope_type = 'team' and scope = ?) or (scope_type = 'rotation' and scope = ?))", f.Team, f.Rotation)
	}
	rows, err := s.db.QueryContext(ctx, `
		select month, scope_type, scope, pages, after_hours_pages, sleep_hours_pages, goal, met,
		       trailing_3m_avg, people_paged, people_paged_after_hours, people_woken
		from monthly_goal
		where `+w.String()+`
		order by case scope_type when 'org' then 0 when 'rotation' then 1 else 2 end, scope, month`+limitClause(f), w.args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []GoalMonth{}
	for rows.Next() {
		var g GoalMonth
		var month time.Time
		var avg sql.NullFloat64
		if err := rows.Scan(&month, &g.ScopeType, &g.Scope, &g.Pages, &g.AfterHoursPages, &g.SleepHoursPages,
			&g.Goal, &g.Met, &avg, &g.PeoplePaged, &g.PeoplePagedAfterHours, &g.PeopleWoken); err != nil {
			return nil, err
		}
		g.Month, g.TrailingAvg3m = monthString(month), nullFloat(avg)
		out = append(out, g)
	}
	return out, rows.Err()
}

// Pace projects the latest month's after-hours pages for a scope (scopeType "org" with
// scope "" for the organisation) as of the latest data: pages so far ÷ elapsed days ×
// days in the month.
func (s *Service) Pace(ctx context.Context, scopeType, scope string) (Pace, error) {
	p := Pace{ScopeType: scopeType, Scope: scope}
	var asOf sql.NullTime
	if err := s.db.QueryRowContext(ctx, `select max(reporting_at) from incident_facts`).Scan(&asOf); err != nil {
		return p, s.wrap(err)
	}
	if !asOf.Valid {
		return p, &Error{Code: ENOTFOUND, Message: "the history is empty"}
	}
	// reporting_at is wall-clock time in the reporting zone, stored as a naive timestamp
	local := asOf.Time.UTC()
	start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, time.UTC)
	p.Month, p.AsOf = monthString(start), local
	p.DaysInMonth = start.AddDate(0, 1, -1).Day()
	p.ElapsedDays = local.Sub(start).Hours() / 24
	switch scopeType {
	case ScopeOrg:
		if err := s.db.QueryRowContext(ctx, `select org_name from cfg_settings`).Scan(&p.Scope); err != nil {
			return p, s.wrap(err)
		}
	case ScopeRotation, ScopeTeam:
	default:
		return p, invalid("scope_type", "want org, rotation or team, got %q", scopeType)
	}
	err := s.db.QueryRowContext(ctx, `
		select after_hours_pages, goal from monthly_goal where scope_type = ? and scope = ? and month = ?`,
		scopeType, p.Scope, start).Scan(&p.AfterHoursPages, &p.Goal)
	if err == sql.ErrNoRows {
		return p, &Error{Code: ENOTFOUND, Param: "scope", Message: "no " + scopeType + " named " + quote(scope)}
	}
	if err != nil {
		return p, s.wrap(err)
	}
	if p.ElapsedDays > 0 {
		p.Projected = float64(p.AfterHoursPages) / p.ElapsedDays * float64(p.DaysInMonth)
	}
	p.OnTrack = p.Projected < float64(p.Goal)
	return p, nil
}
