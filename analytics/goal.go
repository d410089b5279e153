package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Overview tells what the database holds. AsOf and BuiltAt are instants shown in the
// reporting time zone, so their JSON carries its offset.
func (s *Service) Overview(ctx context.Context) (Overview, error) {
	var o Overview
	var first, last, asOf sql.NullTime
	// The latest page or creation time is read in UTC: reporting_at is the same instant as
	// a naive local wall clock, which would be marshalled as if it were UTC.
	err := s.db.QueryRowContext(ctx, `
		select st.reporting_time_zone, st.metrics_version, st.built_at,
		       (select min(month) from incident_facts), (select max(month) from incident_facts),
		       (select max(coalesce(paged_at, created_at)) from incident_facts), (select count(*) from incident_facts)
		from cfg_settings st`).Scan(&o.ReportingTimeZone, &o.MetricsVersion, &o.BuiltAt, &first, &last, &asOf, &o.Incidents)
	if err != nil {
		return o, s.wrap(err)
	}
	loc, err := reportingZone(o.ReportingTimeZone)
	if err != nil {
		return o, err
	}
	o.BuiltAt = o.BuiltAt.In(loc)
	if first.Valid {
		o.FirstMonth, o.LastMonth, o.AsOf = monthString(first.Time), monthString(last.Time), asOf.Time.In(loc)
	}
	if o.Teams, err = s.strings(ctx, `select distinct team from alert_rules order by 1`); err != nil {
		return o, err
	}
	o.Rotations, err = s.strings(ctx, `select distinct rotation from alert_rules order by 1`)
	return o, err
}

// reportingZone loads the zone the build cut months in (the build's config checked it).
func reportingZone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("reporting time zone of the last build: %w", err)
	}
	return loc, nil
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

// Pace projects the current month's after-hours pages for a scope (scopeType "org" with
// scope "" for the organisation) as of now: pages so far ÷ elapsed days × days in the
// month. "Now" is the Service's clock in the reporting time zone, never the last incident:
// a history that stopped months ago is quiet this month, not on pace for a finished one.
func (s *Service) Pace(ctx context.Context, scopeType, scope string) (Pace, error) {
	p := Pace{ScopeType: scopeType, Scope: scope}
	owner := ""
	switch scopeType {
	case ScopeOrg:
	case ScopeRotation:
		owner = "rotation = ?"
	case ScopeTeam:
		owner = "team = ?"
	default:
		return p, invalid("scope_type", "want org, rotation or team, got %q", scopeType)
	}
	var zone, org string
	if err := s.db.QueryRowContext(ctx, `select reporting_time_zone, org_name from cfg_settings`).Scan(&zone, &org); err != nil {
		return p, s.wrap(err)
	}
	loc, err := reportingZone(zone)
	if err != nil {
		return p, err
	}
	now := s.now().In(loc)
	// Local midnight of the 1st in the zone: time.Date picks the offset in force then, so
	// a month in which the clocks change is measured in real elapsed time.
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	p.Month, p.AsOf = monthString(start), now
	p.DaysInMonth = time.Date(now.Year(), now.Month()+1, 0, 12, 0, 0, 0, loc).Day()
	p.ElapsedDays = now.Sub(start).Hours() / 24
	if scopeType == ScopeOrg {
		p.Scope = org
	}
	// The mart gives a scope one goal in every month, so its latest row holds the goal and
	// proves the scope exists, even when this month has no row yet. Only the organisation
	// exists without any history; its goal then comes from the build's goal settings.
	err = s.db.QueryRowContext(ctx, `
		select goal from monthly_goal where scope_type = ? and scope = ? order by month desc limit 1`,
		scopeType, p.Scope).Scan(&p.Goal)
	if err == sql.ErrNoRows && scopeType == ScopeOrg {
		err = s.db.QueryRowContext(ctx, `select goal from cfg_goals where scope_type = 'org'`).Scan(&p.Goal)
	}
	if err == sql.ErrNoRows {
		return p, &Error{Code: ENOTFOUND, Param: "scope", Message: "no " + scopeType + " named " + quote(scope)}
	}
	if err != nil {
		return p, s.wrap(err)
	}
	// Counted from the facts up to now: pages stamped later than the clock (a frozen or
	// lagging clock) are not "so far".
	w := &where{}
	w.add("is_after_hours")
	w.add("month = ?", time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC))
	w.add("paged_at <= ?", now.UTC())
	if owner != "" {
		w.add(owner, p.Scope)
	}
	if err := s.db.QueryRowContext(ctx, `select count(*) from incident_facts where `+w.String(), w.args...).Scan(&p.AfterHoursPages); err != nil {
		return p, s.wrap(err)
	}
	if p.ElapsedDays > 0 {
		p.Projected = float64(p.AfterHoursPages) / p.ElapsedDays * float64(p.DaysInMonth)
	}
	p.OnTrack = p.Projected < float64(p.Goal)
	return p, nil
}
