package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const ruleStatsQuery = `
with period as (
    select rm.*
    from rule_monthly rm
    join alert_rules r using (rule_id)
    where %s
),
woken as (
    select f.rule_id, count(distinct i.responder_id) as people_woken
    from interruptions i
    join incident_facts f using (source, incident_id)
    where i.hour_window = 'sleep' and %s
    group by all
)
select
    r.rule_id, r.rule_name, r.service_name, r.team, r.rotation,
    sum(p.incidents)::bigint, sum(p.pages)::bigint, sum(p.after_hours_pages)::bigint, sum(p.sleep_hours_pages)::bigint,
    coalesce(any_value(w.people_woken), 0),
    sum(p.engaged_minutes),
    round(100.0 * sum(p.noisy) / sum(p.incidents), 1),
    round(100.0 * sum(p.auto_resolved) / sum(p.incidents), 1),
    round(100.0 * sum(p.transient) / sum(p.incidents), 1),
    round(100.0 * sum(p.flapping) / sum(p.incidents), 1),
    round(100.0 * sum(p.unacknowledged) / sum(p.incidents), 1),
    round(100.0 * sum(p.no_action) / sum(p.incidents), 1),
    case when sum(p.tagged) > 0 then round(sum(p.action_taken) / sum(p.tagged), 3) end,
    r.has_runbook, coalesce(r.runbook_url, ''), r.defined
from period p
join alert_rules r using (rule_id)
left join woken w using (rule_id)
group by all
order by sum(p.after_hours_pages) + sum(p.sleep_hours_pages) desc, sum(p.incidents) desc, r.rule_id`

// Rules lists alert rules over the period, ranked by impact (after-hours pages plus
// sleep-hours pages), then incidents.
func (s *Service) Rules(ctx context.Context, f Filter) ([]RuleStats, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	return s.ruleStats(ctx, f, "")
}

// Rule returns one rule's numbers over the period; ENOTFOUND when there is no such rule.
func (s *Service) Rule(ctx context.Context, ruleID string, f Filter) (RuleStats, error) {
	f.Limit = 0
	if err := s.check(ctx, f); err != nil {
		return RuleStats{}, err
	}
	rows, err := s.ruleStats(ctx, f, ruleID)
	if err != nil {
		return RuleStats{}, err
	}
	if len(rows) == 0 {
		var n int
		if err := s.db.QueryRowContext(ctx, `select count(*) from alert_rules where rule_id = ?`, ruleID).Scan(&n); err != nil {
			return RuleStats{}, s.wrap(err)
		}
		if n == 0 {
			return RuleStats{}, &Error{Code: ENOTFOUND, Param: "rule", Message: "no rule with id " + quote(ruleID)}
		}
		return s.ruleWithoutIncidents(ctx, ruleID)
	}
	return rows[0], nil
}

// ruleWithoutIncidents describes a rule that raised nothing in the period.
func (s *Service) ruleWithoutIncidents(ctx context.Context, ruleID string) (RuleStats, error) {
	r := RuleStats{RuleID: ruleID}
	err := s.db.QueryRowContext(ctx, `
		select rule_name, service_name, team, rotation, has_runbook, coalesce(runbook_url, ''), defined
		from alert_rules where rule_id = ?`, ruleID).
		Scan(&r.Rule, &r.Service, &r.Team, &r.Rotation, &r.HasRunbook, &r.RunbookURL, &r.Defined)
	return r, s.wrap(err)
}

// ruleStats ranks the rules of a checked filter; ruleID "" for all of them.
func (s *Service) ruleStats(ctx context.Context, f Filter, ruleID string) ([]RuleStats, error) {
	wp := periodWhere(f, "rm.month", "r.team", "r.rotation")
	ww := periodWhere(f, "i.month", "f.team", "f.rotation")
	if ruleID != "" {
		wp.add("rm.rule_id = ?", ruleID)
		ww.add("f.rule_id = ?", ruleID)
	}
	q := fmt.Sprintf(ruleStatsQuery, wp, ww) + limitClause(f)
	rows, err := s.db.QueryContext(ctx, q, append(wp.args, ww.args...)...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []RuleStats{}
	for rows.Next() {
		var r RuleStats
		var actionable sql.NullFloat64
		if err := rows.Scan(&r.RuleID, &r.Rule, &r.Service, &r.Team, &r.Rotation, &r.Incidents, &r.Pages,
			&r.AfterHoursPages, &r.SleepHoursPages, &r.PeopleWoken, &r.EngagedMinutes, &r.NoiseScore,
			&r.AutoResolvedPct, &r.TransientPct, &r.FlappingPct, &r.UnacknowledgedPct, &r.NoActionPct,
			&actionable, &r.HasRunbook, &r.RunbookURL, &r.Defined); err != nil {
			return nil, err
		}
		r.ActionableRate = nullFloat(actionable)
		r.ImpactScore = r.AfterHoursPages + r.SleepHoursPages
		r.Reason = reason(r)
		out = append(out, r)
	}
	return out, rows.Err()
}

// reason names a rule's biggest noise signal in words, so a review sees why it is noisy.
func reason(r RuleStats) string {
	if r.NoiseScore == 0 {
		return ""
	}
	best, what := r.AutoResolvedPct, "auto-resolved"
	for _, c := range []struct {
		pct  float64
		what string
	}{{r.TransientPct, "resolved within minutes"}, {r.FlappingPct, "flapping"}, {r.NoActionPct, "tagged no action in review"}} {
		if c.pct > best {
			best, what = c.pct, c.what
		}
	}
	if best == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f %% %s", best, what)
}

// RuleHistory lists one rule's numbers per month.
func (s *Service) RuleHistory(ctx context.Context, ruleID string, f Filter) ([]RuleMonth, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "month", "", "")
	w.add("rule_id = ?", ruleID)
	rows, err := s.db.QueryContext(ctx, `
		select month, incidents, pages, after_hours_pages, sleep_hours_pages, noise_score
		from rule_monthly where `+w.String()+` order by month`, w.args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []RuleMonth{}
	for rows.Next() {
		var m RuleMonth
		var month time.Time
		if err := rows.Scan(&month, &m.Incidents, &m.Pages, &m.AfterHoursPages, &m.SleepHoursPages, &m.NoiseScore); err != nil {
			return nil, err
		}
		m.Month = monthString(month)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Incidents lists incidents with their signals, newest first; ruleID "" for all rules.
func (s *Service) Incidents(ctx context.Context, f Filter, ruleID string) ([]Incident, error) {
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "month", "team", "rotation")
	if ruleID != "" {
		w.add("rule_id = ?", ruleID)
	}
	rows, err := s.db.QueryContext(ctx, `
		select source, incident_id, rule_id, rule_name, title, service_name, team, rotation, urgency,
		       created_at, acknowledged_at, resolved_at, is_page, is_inferred, paged_at, coalesce(page_window, ''),
		       is_auto_resolved, is_transient, is_flapping, is_unacknowledged, coalesce(review_tag, ''), is_noisy,
		       coalesce(runbook_url, ''), has_runbook, timeout_escalations, manual_escalations
		from incident_facts where `+w.String()+`
		order by created_at desc, incident_id`+limitClause(f), w.args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []Incident{}
	for rows.Next() {
		var i Incident
		var ack, res, paged sql.NullTime
		if err := rows.Scan(&i.Source, &i.IncidentID, &i.RuleID, &i.Rule, &i.Title, &i.Service, &i.Team, &i.Rotation,
			&i.Urgency, &i.CreatedAt, &ack, &res, &i.IsPage, &i.IsInferred, &paged, &i.Window,
			&i.AutoResolved, &i.Transient, &i.Flapping, &i.Unacknowledged, &i.ReviewTag, &i.Noisy,
			&i.RunbookURL, &i.HasRunbook, &i.Escalations, &i.ManualEscalated); err != nil {
			return nil, err
		}
		i.AcknowledgedAt, i.ResolvedAt, i.PagedAt = nullTimePtr(ack), nullTimePtr(res), nullTimePtr(paged)
		out = append(out, i)
	}
	return out, rows.Err()
}
