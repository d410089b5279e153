package analytics

import (
	"context"
	"database/sql"
	"github.com/alertlens/alertlens/analytics/report"
	"time"
)

// Responders lists each person's load over the period, most interrupted first
// (sql/queries/responder_load.sql).
func (s *Service) Responders(ctx context.Context, f report.Filter) ([]report.ResponderLoad, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from responder_load(?, ?, ?, ?) limit ?`, append(period(f), limitArg(f)),
		func(rows *sql.Rows, l *report.ResponderLoad) error {
			return rows.Scan(&l.Source, &l.ResponderID, &l.Responder, &l.TimeZone, &l.Rotations, &l.Interruptions, &l.Pages,
				&l.AfterHoursPages, &l.SleepHoursPages, &l.HoursInterrupted, &l.BusiestShift, &l.ShiftsOverLimit, &l.ShiftsFrom)
		})
}

// Fairness lists, per rotation and month, the most- to median-loaded ratio
// (sql/queries/fairness_months.sql).
func (s *Service) Fairness(ctx context.Context, f report.Filter) ([]report.Fairness, error) {
	if f.Team != "" {
		return nil, invalid("team", "fairness is per rotation: filter by rotation instead")
	}
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	p := period(f)
	return list(ctx, s, `select * from fairness_months(?, ?, ?) limit ?`, []any{p[0], p[1], p[3], limitArg(f)},
		func(rows *sql.Rows, x *report.Fairness) error {
			var month time.Time
			var ratio sql.NullFloat64
			if err := rows.Scan(&month, &x.Rotation, &x.People, &x.MaxLoad, &x.Median, &ratio, &x.MostLoaded); err != nil {
				return err
			}
			x.Month, x.Ratio = monthString(month), nullFloat(ratio)
			return nil
		})
}

// Heatmap counts interruptions by the interrupted person's local weekday and hour; all
// 168 cells are present (sql/queries/interruption_heatmap.sql).
func (s *Service) Heatmap(ctx context.Context, f report.Filter) ([]report.HeatCell, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from interruption_heatmap(?, ?, ?, ?)`, period(f),
		func(rows *sql.Rows, c *report.HeatCell) error {
			return rows.Scan(&c.Weekday, &c.Hour, &c.Interruptions)
		})
}

// Response reports MTTA (over acknowledged incidents) and MTTR (over resolved ones) as
// median, p90 and mean, and escalations past the first level, timeout and manual apart
// (sql/queries/response_times.sql).
func (s *Service) Response(ctx context.Context, f report.Filter) (report.Response, error) {
	var r report.Response
	if err := s.CheckFilter(ctx, f); err != nil {
		return r, err
	}
	var ackMed, ackP90, ackMean, resMed, resP90, resMean sql.NullFloat64
	err := s.db.QueryRowContext(ctx, `select * from response_times(?, ?, ?, ?)`, period(f)...).
		Scan(&r.Incidents, &r.Acknowledged, &r.Resolved, &ackMed, &ackP90, &ackMean, &resMed, &resP90, &resMean,
			&r.EscalatedTimeout, &r.EscalatedManual)
	if err != nil {
		return r, s.wrap(err)
	}
	r.MTTAMedianSec, r.MTTAP90Sec, r.MTTAMeanSec = nullFloat(ackMed), nullFloat(ackP90), nullFloat(ackMean)
	r.MTTRMedianSec, r.MTTRP90Sec, r.MTTRMeanSec = nullFloat(resMed), nullFloat(resP90), nullFloat(resMean)
	return r, nil
}
