package analytics

import (
	"context"
	"database/sql"
	"time"
)

// Responders lists each person's load over the period, most interrupted first.
func (s *Service) Responders(ctx context.Context, f Filter) ([]ResponderLoad, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "i.month", "f.team", "f.rotation")
	rows, err := s.db.QueryContext(ctx, `
		with interrupted as (
		    select i.*, f.team
		    from interruptions i join incident_facts f using (source, incident_id)
		    where `+w.String()+`
		),
		shifts as (
		    select source, responder_id, local_at::date, hour(local_at) < 12, count(distinct incident_id) as shift_pages
		    from interrupted group by all
		),
		shift_load as (
		    select source, responder_id, max(shift_pages) as busiest, count(*) filter (where shift_pages > 2) as over
		    from shifts group by all
		)
		select i.responder_id, coalesce(any_value(r.responder_name), i.responder_id), any_value(i.time_zone),
		       string_agg(distinct i.rotation, ', ' order by i.rotation),
		       count(*), count(distinct i.incident_id),
		       count(distinct i.incident_id) filter (where i.hour_window in ('off_hours', 'sleep')),
		       count(distinct i.incident_id) filter (where i.hour_window = 'sleep'),
		       count(distinct date_trunc('hour', i.local_at)),
		       any_value(sl.busiest), any_value(sl.over)
		from interrupted i
		join shift_load sl using (source, responder_id)
		left join stg_responders r using (source, responder_id)
		group by i.source, i.responder_id
		order by count(*) desc, i.responder_id`+limitClause(f), w.args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []ResponderLoad{}
	for rows.Next() {
		var l ResponderLoad
		if err := rows.Scan(&l.ResponderID, &l.Responder, &l.TimeZone, &l.Rotations, &l.Interruptions, &l.Pages,
			&l.AfterHoursPages, &l.SleepHoursPages, &l.HoursInterrupted, &l.BusiestShift, &l.ShiftsOverLimit); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// Fairness lists, per rotation and month, the most- to median-loaded ratio.
func (s *Service) Fairness(ctx context.Context, f Filter) ([]Fairness, error) {
	if f.Team != "" {
		return nil, invalid("team", "fairness is per rotation: filter by rotation instead")
	}
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "month", "", "rotation")
	rows, err := s.db.QueryContext(ctx, `
		select month, rotation, people, max_interruptions, median_interruptions, ratio, most_loaded
		from rotation_fairness where `+w.String()+` order by rotation, month`+limitClause(f), w.args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []Fairness{}
	for rows.Next() {
		var x Fairness
		var month time.Time
		var ratio sql.NullFloat64
		if err := rows.Scan(&month, &x.Rotation, &x.People, &x.MaxLoad, &x.Median, &ratio, &x.MostLoaded); err != nil {
			return nil, err
		}
		x.Month, x.Ratio = monthString(month), nullFloat(ratio)
		out = append(out, x)
	}
	return out, rows.Err()
}

// Heatmap counts interruptions by the interrupted person's local weekday and hour; all
// 168 cells are present.
func (s *Service) Heatmap(ctx context.Context, f Filter) ([]HeatCell, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "i.month", "f.team", "f.rotation")
	rows, err := s.db.QueryContext(ctx, `
		with cells as (
		    select d.weekday, h.hour
		    from (select unnest(range(1, 8)) as weekday) d cross join (select unnest(range(0, 24)) as hour) h
		),
		counts as (
		    select isodow(i.local_at) as weekday, hour(i.local_at) as hour, count(*) as n
		    from interruptions i join incident_facts f using (source, incident_id)
		    where `+w.String()+`
		    group by all
		)
		select c.weekday, c.hour, coalesce(n.n, 0)
		from cells c left join counts n using (weekday, hour)
		order by c.weekday, c.hour`, w.args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []HeatCell{}
	for rows.Next() {
		var c HeatCell
		if err := rows.Scan(&c.Weekday, &c.Hour, &c.Interruptions); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Response reports MTTA (over acknowledged incidents) and MTTR (over resolved ones) as
// median, p90 and mean, and escalations past the first level, timeout and manual apart.
func (s *Service) Response(ctx context.Context, f Filter) (Response, error) {
	var r Response
	if err := s.check(ctx, f); err != nil {
		return r, err
	}
	w := periodWhere(f, "month", "team", "rotation")
	var ackMed, ackP90, ackMean, resMed, resP90, resMean sql.NullFloat64
	err := s.db.QueryRowContext(ctx, `
		select count(*), count(ack_seconds), count(resolve_seconds),
		       quantile_cont(ack_seconds, 0.5), quantile_cont(ack_seconds, 0.9), avg(ack_seconds),
		       quantile_cont(resolve_seconds, 0.5), quantile_cont(resolve_seconds, 0.9), avg(resolve_seconds),
		       count(*) filter (where timeout_escalations > 0), count(*) filter (where manual_escalations > 0)
		from incident_facts where `+w.String(), w.args...).
		Scan(&r.Incidents, &r.Acknowledged, &r.Resolved, &ackMed, &ackP90, &ackMean, &resMed, &resP90, &resMean,
			&r.EscalatedTimeout, &r.EscalatedManual)
	if err != nil {
		return r, s.wrap(err)
	}
	r.MTTAMedianSec, r.MTTAP90Sec, r.MTTAMeanSec = nullFloat(ackMed), nullFloat(ackP90), nullFloat(ackMean)
	r.MTTRMedianSec, r.MTTRP90Sec, r.MTTRMeanSec = nullFloat(resMed), nullFloat(resP90), nullFloat(resMean)
	return r, nil
}
