package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/ingest/review"
)

var isoWeek = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// WeekStart is the Monday of an ISO week written "2026-W47" (METRICS.md: weeks start on
// Monday, ISO weeks), as a date.
func WeekStart(param, v string) (time.Time, error) {
	m := isoWeek.FindStringSubmatch(v)
	if m == nil {
		return time.Time{}, invalid(param, "want an ISO week as YYYY-Www, such as 2026-W47, got %q", v)
	}
	year, _ := strconv.Atoi(m[1])
	week, _ := strconv.Atoi(m[2])
	// Week 1 is the week that holds 4 January.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -(isoWeekday(jan4)-1)+(week-1)*7)
	if y, w := monday.ISOWeek(); week < 1 || y != year || w != week {
		return time.Time{}, invalid(param, "%d has no ISO week %d", year, week)
	}
	return monday, nil
}

// WeekName writes the ISO week of a date, "2026-W47".
func WeekName(day time.Time) string {
	y, w := day.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

func isoWeekday(t time.Time) int {
	if d := int(t.Weekday()); d != 0 {
		return d
	}
	return 7
}

// settings reads the build's reporting zone and organisation name.
func (s *Service) settings(ctx context.Context) (*time.Location, string, error) {
	var zone, org string
	if err := s.db.QueryRowContext(ctx, `select reporting_time_zone, org_name from cfg_settings`).Scan(&zone, &org); err != nil {
		return nil, "", s.wrap(err)
	}
	loc, err := reportingZone(zone)
	return loc, org, err
}

// today is the Service clock's date in the reporting zone, as a UTC midnight.
func (s *Service) today(loc *time.Location) time.Time {
	now := s.now().In(loc)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
}

// ResolveWeek reads ?week= ("" for the last complete ISO week in the reporting zone at
// the Service's clock) and returns its Monday and the Monday of the current week.
func (s *Service) ResolveWeek(ctx context.Context, week string) (monday, current time.Time, err error) {
	loc, _, err := s.settings(ctx)
	if err != nil {
		return monday, current, err
	}
	today := s.today(loc)
	current = today.AddDate(0, 0, -(isoWeekday(today) - 1))
	if week == "" {
		return current.AddDate(0, 0, -7), current, nil
	}
	monday, err = WeekStart("week", week)
	return monday, current, err
}

// ReviewWeek lists a week's pages by rule for the weekly review
// (sql/queries/review_week.sql), with each rule's follow-ups. week "" is the last
// complete ISO week.
func (s *Service) ReviewWeek(ctx context.Context, week string) (report.ReviewWeek, error) {
	monday, current, err := s.ResolveWeek(ctx, week)
	if err != nil {
		return report.ReviewWeek{}, err
	}
	w := report.ReviewWeek{Week: WeekName(monday), From: monday.Format(time.DateOnly),
		To: monday.AddDate(0, 0, 6).Format(time.DateOnly), PreviousWeek: WeekName(monday.AddDate(0, 0, -7)),
		Rules: []report.ReviewRule{}}
	if next := monday.AddDate(0, 0, 7); next.Before(current) {
		name := WeekName(next)
		w.NextWeek = &name
	}
	followUps, err := s.followUpsByRule(ctx)
	if err != nil {
		return w, err
	}
	rows, err := s.db.QueryContext(ctx, `select * from review_week(?)`, monday)
	if err != nil {
		return w, s.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r report.ReviewRule
		var p report.ReviewPage
		var local, reviewedAt sql.NullTime
		var interrupted, woken []any
		var tag sql.NullString
		var t review.Tag
		if err := rows.Scan(&r.RuleID, &r.Rule, &r.Service, &r.Team, &r.Rotation, &r.Pages, &r.AfterHoursPages,
			&r.SleepHoursPages, &r.NoAction, &r.ActionTaken, &r.Untagged, &r.HasRunbook, &r.RunbookURL,
			&w.Pages, &w.AfterHours, &w.SleepHours, &w.Untagged,
			&p.Source, &p.IncidentID, &p.Title, &p.PagedAt, &local, &p.TimeZone, &p.Window, &interrupted, &woken,
			&p.AutoResolved, &p.Transient, &p.Flapping, &p.Unacknowledged, &p.RunbookURL,
			&tag, &t.Reason, &t.Note, &t.Owner, &t.FollowUpURL, &t.Reviewer, &reviewedAt, &t.Version); err != nil {
			return w, err
		}
		p.PagedAt = p.PagedAt.UTC()
		if local.Valid {
			p.LocalTime = local.Time.UTC().Format("2006-01-02 15:04")
		}
		p.Interrupted, p.Woken = texts(interrupted), texts(woken)
		if tag.Valid {
			t.Source, t.IncidentID, t.Tag = p.Source, p.IncidentID, tag.String
			if reviewedAt.Valid {
				t.UpdatedAt = reviewedAt.Time.UTC()
			}
			p.Tag = &t
		}
		if n := len(w.Rules); n == 0 || w.Rules[n-1].RuleID != r.RuleID {
			r.FollowUps = followUps[r.RuleID]
			if r.FollowUps == nil {
				r.FollowUps = []review.FollowUp{}
			}
			w.Rules = append(w.Rules, r)
		}
		last := &w.Rules[len(w.Rules)-1]
		last.Incidents = append(last.Incidents, p)
	}
	return w, rows.Err()
}

// followUpsByRule reads every rule's follow-ups (ingest/review owns their table).
func (s *Service) followUpsByRule(ctx context.Context) (map[string][]review.FollowUp, error) {
	all, err := review.New(s.db, nil).FollowUps(ctx, "")
	if err != nil {
		return nil, s.wrap(err)
	}
	out := map[string][]review.FollowUp{}
	for _, f := range all {
		out[f.RuleID] = append(out[f.RuleID], f)
	}
	return out, nil
}

// IncidentSources lists the sources that hold an incident id: a review names an incident
// by id, and only where two sources share it must it say which.
func (s *Service) IncidentSources(ctx context.Context, incidentID string) ([]string, error) {
	return list(ctx, s, `select source from incidents where incident_id = ? order by source`, []any{incidentID},
		func(rows *sql.Rows, v *string) error { return rows.Scan(v) })
}

// FixEffect lists a rule's shipped follow-ups ("" for every rule's) with its pages in the
// 4 weeks before against the 4 weeks after (sql/queries/fix_effect.sql), as of today in
// the reporting zone.
func (s *Service) FixEffect(ctx context.Context, ruleID string) ([]report.FixEffect, error) {
	loc, _, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	return s.fixEffect(ctx, ruleID, s.today(loc), time.Time{})
}

// fixEffect runs fix_effect as of a day, for follow-ups shipped since shippedSince (zero:
// any).
func (s *Service) fixEffect(ctx context.Context, ruleID string, asOf, shippedSince time.Time) ([]report.FixEffect, error) {
	return list(ctx, s, `select * from fix_effect(?, ?) where shipped_on >= ?`,
		[]any{textArg(ruleID), asOf, shippedSince},
		func(rows *sql.Rows, f *report.FixEffect) error {
			var shipped time.Time
			var before, after sql.NullFloat64
			if err := rows.Scan(&f.FollowUpID, &f.RuleID, &f.Rule, &f.TicketURL, &f.Change, &shipped, &f.CreatedBy,
				&f.DaysAfter, &f.AfterHoursPagesBefore, &f.AfterHoursPagesAfter, &f.PagesBefore, &f.PagesAfter,
				&f.IncidentsBefore, &f.IncidentsAfter, &before, &after, &f.AfterHoursPagesChange,
				&f.AfterHoursPagesDropped); err != nil {
				return err
			}
			f.ShippedOn = shipped.Format(time.DateOnly)
			f.NoiseScoreBefore, f.NoiseScoreAfter = nullFloat(before), nullFloat(after)
			return nil
		})
}

// periodPages counts the organisation's pages on the days from..to, both included.
func (s *Service) periodPages(ctx context.Context, from, to time.Time) (report.PeriodPages, error) {
	var p report.PeriodPages
	err := s.db.QueryRowContext(ctx, `select * from period_pages(?, ?)`, from, to).
		Scan(&p.Pages, &p.AfterHoursPages, &p.SleepHoursPages)
	return p, s.wrap(err)
}

// WeeklyReport gathers the weekly review's report for a week ("" for the last complete
// one): the week's pages against the previous week's and the month to date's, the
// month's pace as of the week's end, the rules (with their tags, owners and follow-ups),
// the people woken and the fixes shipped in the 8 weeks up to the week's end. Every
// figure is a query's; this only puts them side by side.
func (s *Service) WeeklyReport(ctx context.Context, week string) (report.WeeklyReport, error) {
	var r report.WeeklyReport
	loc, org, err := s.settings(ctx)
	if err != nil {
		return r, err
	}
	r.Org, r.TimeZone = org, loc.String()
	if r.Week, err = s.ReviewWeek(ctx, week); err != nil {
		return r, err
	}
	monday, _ := WeekStart("week", r.Week.Week)
	sunday := monday.AddDate(0, 0, 6)
	if r.This, err = s.periodPages(ctx, monday, sunday); err != nil {
		return r, err
	}
	if r.Previous, err = s.periodPages(ctx, monday.AddDate(0, 0, -7), monday.AddDate(0, 0, -1)); err != nil {
		return r, err
	}
	first := time.Date(sunday.Year(), sunday.Month(), 1, 0, 0, 0, 0, time.UTC)
	r.Month = monthString(first)
	if r.MonthToDate, err = s.periodPages(ctx, first, sunday); err != nil {
		return r, err
	}
	// The pace as of the end of the week's Sunday in the reporting zone, with the same
	// query the dashboards use for "so far this month".
	end := time.Date(sunday.Year(), sunday.Month(), sunday.Day()+1, 0, 0, 0, 0, loc)
	atEnd := s.clone()
	WithNow(func() time.Time { return end.Add(-time.Nanosecond) })(atEnd)
	if r.Pace, err = atEnd.Pace(ctx, report.ScopeOrg, ""); err != nil {
		return r, err
	}
	if r.Woken, err = list(ctx, s, `select * from week_woken(?)`, []any{monday},
		func(rows *sql.Rows, p *report.WokenPerson) error { return rows.Scan(&p.ResponderID, &p.Name, &p.Pages) }); err != nil {
		return r, err
	}
	r.Fixes, err = s.fixEffect(ctx, "", sunday, sunday.AddDate(0, 0, -55))
	return r, err
}

// clone is a copy of the Service, for a query judged at another clock.
func (s *Service) clone() *Service {
	c := *s
	return &c
}

// MonthlyReport gathers leadership's report for a month (YYYY-MM): every scope's figures
// for it and the 5 months before (sql/queries/monthly_report.sql).
func (s *Service) MonthlyReport(ctx context.Context, month string) (report.MonthlyReport, error) {
	var r report.MonthlyReport
	m, err := ParseMonth("month", month)
	if err != nil {
		return r, err
	}
	loc, org, err := s.settings(ctx)
	if err != nil {
		return r, err
	}
	r.Org, r.TimeZone, r.Month = org, loc.String(), monthString(m)
	from := m.AddDate(0, -5, 0)
	for i := 0; i < 6; i++ {
		r.Months = append(r.Months, monthString(from.AddDate(0, i, 0)))
	}
	r.Rows, err = list(ctx, s, `select * from monthly_report(?, ?)`, []any{from, m},
		func(rows *sql.Rows, x *report.MonthlyRow) error {
			var mon time.Time
			var mtta, mttr, pagesPct, afterPct, actionable sql.NullFloat64
			if err := rows.Scan(&mon, &x.ScopeType, &x.Scope, &x.Pages, &x.AfterHoursPages, &x.SleepHoursPages,
				&x.Goal, &x.Met, &x.PeoplePaged, &x.PeoplePagedAfterHours, &x.PeopleWoken, &mtta, &mttr,
				&pagesPct, &afterPct, &x.Tagged, &actionable); err != nil {
				return err
			}
			x.Month = monthString(mon)
			x.MTTAMedianMinutes, x.MTTRMedianMinutes = nullFloat(mtta), nullFloat(mttr)
			x.PagesWithRunbookPct, x.AfterHoursRunbookPct, x.ActionableRate = nullFloat(pagesPct), nullFloat(afterPct), nullFloat(actionable)
			return nil
		})
	if err != nil {
		return r, err
	}
	if len(r.Rows) == 0 {
		return r, &Error{Code: ENOTFOUND, Param: "month", Message: "no history in " + r.Month + " or the 5 months before it"}
	}
	return r, nil
}
