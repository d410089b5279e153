package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/alertlens/alertlens/analytics/report"
	"time"
)

// Overview tells what the database holds (sql/queries/overview.sql). AsOf and BuiltAt
// are instants shown in the reporting time zone, so their JSON carries its offset.
func (s *Service) Overview(ctx context.Context) (report.Overview, error) {
	var o report.Overview
	var first, last, asOf sql.NullTime
	var teams, rotations []any
	// The latest page or creation time is read in UTC: reporting_at is the same instant as
	// a naive local wall clock, which would be marshalled as if it were UTC.
	err := s.db.QueryRowContext(ctx, `select * from overview()`).Scan(&o.ReportingTimeZone, &o.MetricsVersion,
		&o.BuiltAt, &first, &last, &asOf, &o.Incidents, &teams, &rotations)
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
	o.Teams, o.Rotations = texts(teams), texts(rotations)
	return o, nil
}

// texts turns a scanned list of VARCHAR into strings.
func texts(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.(string)
	}
	return out
}

// reportingZone loads the zone the build cut months in (the build's config checked it).
func reportingZone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("reporting time zone of the last build: %w", err)
	}
	return loc, nil
}

// MonthlyGoal lists after-hours pages per month against the goal: the organisation,
// every rotation and every team. A Team or Rotation filter keeps the organisation's rows
// and that scope's rows (sql/queries/goal_months.sql).
func (s *Service) MonthlyGoal(ctx context.Context, f report.Filter) ([]report.GoalMonth, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from goal_months(?, ?, ?, ?) limit ?`, append(period(f), limitArg(f)),
		func(rows *sql.Rows, g *report.GoalMonth) error {
			var month time.Time
			var avg sql.NullFloat64
			if err := rows.Scan(&month, &g.ScopeType, &g.Scope, &g.Pages, &g.AfterHoursPages, &g.SleepHoursPages,
				&g.Goal, &g.Met, &avg, &g.PeoplePaged, &g.PeoplePagedAfterHours, &g.PeopleWoken); err != nil {
				return err
			}
			g.Month, g.TrailingAvg3m = monthString(month), nullFloat(avg)
			return nil
		})
}

// Pace projects the current month's after-hours pages for a scope (scopeType "org" with
// scope "" for the organisation) as of now (sql/queries/pace.sql). "Now" is the
// Service's clock in the reporting time zone, never the last incident: a history that
// stopped months ago is quiet this month, not on pace for a finished one.
func (s *Service) Pace(ctx context.Context, scopeType, scope string) (report.Pace, error) {
	p := report.Pace{ScopeType: scopeType, Scope: scope}
	switch scopeType {
	case report.ScopeOrg, report.ScopeRotation, report.ScopeTeam:
	default:
		return p, invalid("scope_type", "want org, rotation or team, got %q", scopeType)
	}
	var zone string
	if err := s.db.QueryRowContext(ctx, `select reporting_time_zone from cfg_settings`).Scan(&zone); err != nil {
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
	if scopeType == report.ScopeOrg {
		scope = ""
	}
	// Pages stamped later than the clock (a frozen or lagging clock) are not "so far".
	err = s.db.QueryRowContext(ctx, `select * from pace(?, ?, ?, ?, ?, ?)`, scopeType, scope,
		time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC), now.UTC(), p.ElapsedDays, p.DaysInMonth).
		Scan(&p.Scope, &p.Goal, &p.AfterHoursPages, &p.Projected, &p.OnTrack)
	if err == sql.ErrNoRows {
		return p, &Error{Code: ENOTFOUND, Param: "scope", Message: "no " + scopeType + " named " + quote(scope)}
	}
	return p, s.wrap(err)
}
