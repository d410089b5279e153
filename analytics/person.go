package analytics

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/alertlens/alertlens/analytics/report"
)

// Person reads one responder's load over the period (sql/queries/responder_load.sql, for
// incidents of the filter's team and rotation). A person the history does not know is
// ENOTFOUND; one who was not interrupted in the period has a zero load.
func (s *Service) Person(ctx context.Context, source, id string, f report.Filter) (report.Person, error) {
	p := report.Person{Source: source, ResponderID: id}
	if err := s.CheckFilter(ctx, f); err != nil {
		return p, err
	}
	loads, err := list(ctx, s, `select * from responder_load(?, ?, ?, ?) where source = ? and responder_id = ?`,
		append(period(f), source, id), func(rows *sql.Rows, l *report.ResponderLoad) error {
			return rows.Scan(&l.Source, &l.ResponderID, &l.Responder, &l.TimeZone, &l.Rotations, &l.Interruptions, &l.Pages,
				&l.AfterHoursPages, &l.SleepHoursPages, &l.HoursInterrupted, &l.BusiestShift, &l.ShiftsOverLimit, &l.ShiftsFrom)
		})
	if err != nil {
		return p, err
	}
	if len(loads) > 0 {
		p.Load, p.Responder = loads[0], loads[0].Responder
		return p, nil
	}
	// Not interrupted in the period: known to the history, or not at all.
	var name, zone sql.NullString
	err = s.db.QueryRowContext(ctx, `select responder_name, time_zone from stg_responders where source = ? and responder_id = ?`, source, id).Scan(&name, &zone)
	if errors.Is(err, sql.ErrNoRows) {
		return p, &Error{Code: ENOTFOUND, Param: "id", Message: "no responder " + quote(id) + " in source " + quote(source)}
	}
	if err != nil {
		return p, s.wrap(err)
	}
	p.Responder = name.String
	if p.Responder == "" {
		p.Responder = id
	}
	p.Load = report.ResponderLoad{ResponderID: id, Responder: p.Responder, TimeZone: zone.String}
	return p, nil
}

// PersonPages lists the pages of the period on which the person was interrupted, newest
// first, with the local time and window of their own first interruption
// (sql/queries/person_pages.sql). The filter's team and rotation do not apply: the page
// is about the person, whoever's alerts woke them.
func (s *Service) PersonPages(ctx context.Context, source, id string, f report.Filter) ([]report.Page, error) {
	if err := ValidateFilter(f); err != nil {
		return nil, err
	}
	p := period(f)
	return list(ctx, s, `select * from person_pages(?, ?, ?, ?, ?)`, []any{p[0], p[1], source, id, limitArg(f)}, scanPage)
}

// PersonHeatmap counts one person's interruptions by their local weekday and hour; all
// 168 cells are present (sql/queries/person_heatmap.sql).
func (s *Service) PersonHeatmap(ctx context.Context, source, id string, f report.Filter) ([]report.HeatCell, error) {
	if err := ValidateFilter(f); err != nil {
		return nil, err
	}
	p := period(f)
	return list(ctx, s, `select * from person_heatmap(?, ?, ?, ?)`, []any{p[0], p[1], source, id},
		func(rows *sql.Rows, c *report.HeatCell) error {
			return rows.Scan(&c.Weekday, &c.Hour, &c.Interruptions)
		})
}

// RulePages lists one rule's pages of the period, newest first, with the first person
// interrupted and their local time (sql/queries/page_list.sql): the rule page shows when
// each of its pages reached someone, in their own clock.
func (s *Service) RulePages(ctx context.Context, ruleID string, f report.Filter) ([]report.Page, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from page_list(?, ?, ?, ?, null) where rule_id = ? limit ?`,
		append(period(f), ruleID, limitArg(f)), scanPage)
}

// scanPage reads a row of page_list's shape.
func scanPage(rows *sql.Rows, p *report.Page) error {
	var month time.Time
	var local sql.NullTime
	if err := rows.Scan(&p.Source, &p.IncidentID, &p.PagedAt, &month, &p.RuleID, &p.Rule, &p.Title, &p.Service,
		&p.Team, &p.Rotation, &p.ResponderID, &p.Responder, &p.TimeZone, &local, &p.Window, &p.AfterHours,
		&p.SleepHours, &p.Inferred, &p.People, &p.HasRunbook, &p.Noisy); err != nil {
		return err
	}
	p.Month = monthString(month)
	if local.Valid {
		p.LocalTime = local.Time.UTC().Format("2006-01-02 15:04")
	}
	return nil
}
