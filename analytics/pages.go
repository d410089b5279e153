package analytics

import (
	"context"
	"database/sql"
	"time"
)

// Pages lists pages, newest first.
func (s *Service) Pages(ctx context.Context, f Filter) ([]Page, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "f.month", "f.team", "f.rotation")
	rows, err := s.db.QueryContext(ctx, `
		select f.source, f.incident_id, f.paged_at, f.month, f.rule_id, f.rule_name, f.title, f.service_name,
		       f.team, f.rotation, coalesce(f.first_responder_id, ''), coalesce(r.responder_name, f.first_responder_id, ''),
		       coalesce(f.page_time_zone, ''), f.page_local_at, f.page_window, f.is_after_hours, f.is_sleep_hours,
		       f.is_inferred, f.people_interrupted, f.has_runbook, f.is_noisy
		from incident_facts f
		left join stg_responders r on r.source = f.source and r.responder_id = f.first_responder_id
		where f.is_page and `+w.String()+`
		order by f.paged_at desc, f.incident_id`+limitClause(f), w.args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []Page{}
	for rows.Next() {
		var p Page
		var month time.Time
		var local sql.NullTime
		if err := rows.Scan(&p.Source, &p.IncidentID, &p.PagedAt, &month, &p.RuleID, &p.Rule, &p.Title, &p.Service,
			&p.Team, &p.Rotation, &p.ResponderID, &p.Responder, &p.TimeZone, &local, &p.Window, &p.AfterHours,
			&p.SleepHours, &p.Inferred, &p.People, &p.HasRunbook, &p.Noisy); err != nil {
			return nil, err
		}
		p.Month = monthString(month)
		if local.Valid {
			p.LocalTime = local.Time.UTC().Format("2006-01-02 15:04")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Windows counts pages per month and hour window; every window appears in every month.
func (s *Service) Windows(ctx context.Context, f Filter) ([]WindowCount, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "month", "team", "rotation")
	rows, err := s.db.QueryContext(ctx, `
		with months as (select distinct month from incident_facts where `+w.String()+`),
		windows as (select unnest(['business', 'off_hours', 'sleep']) as page_window),
		counts as (
		    select month, page_window, count(*) as pages
		    from incident_facts where is_page and `+w.String()+` group by all)
		select m.month, x.page_window, coalesce(c.pages, 0)
		from months m cross join windows x
		left join counts c on c.month = m.month and c.page_window = x.page_window
		order by m.month, x.page_window`, append(w.args, w.args...)...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []WindowCount{}
	for rows.Next() {
		var c WindowCount
		var month time.Time
		if err := rows.Scan(&month, &c.Window, &c.Pages); err != nil {
			return nil, err
		}
		c.Month = monthString(month)
		out = append(out, c)
	}
	return out, rows.Err()
}

func pct(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(int(1000*float64(part)/float64(whole)+0.5)) / 10
	return &v
}

// Coverage reports runbook coverage over the period and the worst gaps: after-hours
// paging rules without a runbook, most after-hours pages first.
func (s *Service) Coverage(ctx context.Context, f Filter) (Coverage, error) {
	var c Coverage
	if err := s.check(ctx, f); err != nil {
		return c, err
	}
	w := periodWhere(f, "month", "team", "rotation")
	err := s.db.QueryRowContext(ctx, `
		select count(*) filter (where is_page), count(*) filter (where is_page and has_runbook),
		       count(*) filter (where is_after_hours), count(*) filter (where is_after_hours and has_runbook)
		from incident_facts where `+w.String(), w.args...).
		Scan(&c.Pages, &c.PagesWithRunbook, &c.AfterHoursPages, &c.AfterHoursWithRunbook)
	if err != nil {
		return c, s.wrap(err)
	}
	wd := &where{}
	if f.Team != "" {
		wd.add("team = ?", f.Team)
	}
	err = s.db.QueryRowContext(ctx, `
		select count(*), count(*) filter (where runbook_url is not null)
		from stg_rule_definitions where `+wd.String(), wd.args...).Scan(&c.DefinedRules, &c.DefinedWithRunbook)
	if err != nil {
		return c, s.wrap(err)
	}
	c.PagesPct = pct(c.PagesWithRunbook, c.Pages)
	c.AfterHoursPct = pct(c.AfterHoursWithRunbook, c.AfterHoursPages)
	c.DefinedPct = pct(c.DefinedWithRunbook, c.DefinedRules)
	rules, err := s.ruleStats(ctx, Filter{From: f.From, To: f.To, Team: f.Team, Rotation: f.Rotation}, "")
	if err != nil {
		return c, err
	}
	c.Gaps = []RuleStats{}
	for _, r := range rules {
		if r.AfterHoursPages > 0 && !r.HasRunbook {
			c.Gaps = append(c.Gaps, r)
		}
	}
	if f.Limit > 0 && len(c.Gaps) > f.Limit {
		c.Gaps = c.Gaps[:f.Limit]
	}
	return c, nil
}
