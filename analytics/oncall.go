package analytics

import (
	"context"
	"database/sql"

	"github.com/alertlens/alertlens/analytics/report"
)

// OnCallPay reads each person's on-call month and pay (sql/queries/oncall_pay.sql), for
// the people paid under the rotation when one is given. A rotation with no one on call or
// paged after hours in the month is refused by name, so a misspelt rotation is not an
// empty, reassuring report.
func (s *Service) OnCallPay(ctx context.Context, month, rotation string) ([]report.OnCallPay, error) {
	m, err := ParseMonth("month", month)
	if err != nil {
		return nil, err
	}
	rows, err := list(ctx, s, `select * from oncall_pay(?, ?)`, []any{m, textArg(rotation)},
		func(rows *sql.Rows, p *report.OnCallPay) error {
			return rows.Scan(&p.Source, &p.ResponderID, &p.Responder, &p.Month, &p.Currency, &p.Rotations,
				&p.HoursOnCall, &p.BusinessHours, &p.OffHours, &p.SleepHours, &p.WeekendDays, &p.HolidayDays,
				&p.AfterHoursPages, &p.HoursInterrupted,
				&p.WeeklyShiftAmount, &p.WeeklyShiftRule, &p.WeekendDayAmount, &p.WeekendDayRule,
				&p.HolidayDayAmount, &p.HolidayDayRule, &p.AfterHoursPageAmount, &p.AfterHoursPageRule,
				&p.HoursInterruptedAmount, &p.HoursInterruptedRule, &p.Amount)
		})
	if err == nil && len(rows) == 0 && rotation != "" {
		return nil, invalid("rotation", "no one was on call or paged in rotation %s in %s", quote(rotation), month)
	}
	return rows, err
}

// Escalations reads the rotations' pages of a month that reached level 2 or higher
// (sql/queries/oncall_escalations.sql).
func (s *Service) Escalations(ctx context.Context, month, rotation string) ([]report.OnCallEscalation, error) {
	m, err := ParseMonth("month", month)
	if err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from oncall_escalations(?, ?)`, []any{m, textArg(rotation)},
		func(rows *sql.Rows, e *report.OnCallEscalation) error {
			return rows.Scan(&e.Rotation, &e.Month, &e.EscalatedPages, &e.PeopleReached, &e.Tiers, &e.MoreThanTwoTiers)
		})
}

// RestBreaches reads the people whose daily rest was broken in the month
// (sql/queries/oncall_rest.sql).
func (s *Service) RestBreaches(ctx context.Context, month string) ([]report.RestBreach, error) {
	m, err := ParseMonth("month", month)
	if err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from oncall_rest(?)`, []any{m},
		func(rows *sql.Rows, r *report.RestBreach) error {
			return rows.Scan(&r.Source, &r.ResponderID, &r.Responder, &r.Month, &r.Breaches, &r.FirstBreachAt)
		})
}

// Roster reads each rotation's roster per month of the filter's period
// (sql/queries/oncall_roster.sql); the filter's team does not apply, a roster is a
// rotation's.
func (s *Service) Roster(ctx context.Context, f report.Filter) ([]report.RosterMonth, error) {
	if err := ValidateFilter(f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from oncall_roster(?, ?, ?)`, []any{monthArg(f.From), monthArg(f.To), textArg(f.Rotation)},
		func(rows *sql.Rows, r *report.RosterMonth) error {
			var ratio sql.NullFloat64
			if err := rows.Scan(&r.Rotation, &r.Month, &r.PeopleOnCall, &r.PeoplePaged, &r.OnCallNeverPaged,
				&r.MaxPages, &r.MedianPages, &ratio); err != nil {
				return err
			}
			r.FairnessRatio = nullFloat(ratio)
			return nil
		})
}

// Shifts reads the real on-call shifts starting in the filter's period, of the rotation
// and of one person (source and id) where given (sql/queries/oncall_shifts.sql).
func (s *Service) Shifts(ctx context.Context, f report.Filter, source, id string) ([]report.ShiftLoad, error) {
	if err := ValidateFilter(f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from oncall_shifts(?, ?, ?, ?, ?)`,
		[]any{monthArg(f.From), monthArg(f.To), textArg(f.Rotation), textArg(source), textArg(id)},
		func(rows *sql.Rows, l *report.ShiftLoad) error {
			if err := rows.Scan(&l.Source, &l.ResponderID, &l.Responder, &l.Rotations, &l.StartsAt, &l.EndsAt, &l.Hours,
				&l.Month, &l.Pages, &l.Interruptions, &l.ReferencePages, &l.PagesPer12h, &l.OverReference); err != nil {
				return err
			}
			l.StartsAt, l.EndsAt = l.StartsAt.UTC(), l.EndsAt.UTC()
			return nil
		})
}
