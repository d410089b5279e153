package analytics

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// judgedScope is the scope a path-to-goal or what-if question is asked for: the
// checked filter's rotation, else its team, else the organisation.
func (s *Service) judgedScope(ctx context.Context, f Filter) (scopeType, scope string, err error) {
	switch {
	case f.Rotation != "":
		return ScopeRotation, f.Rotation, nil
	case f.Team != "":
		return ScopeTeam, f.Team, nil
	}
	err = s.db.QueryRowContext(ctx, `select org_name from cfg_settings`).Scan(&scope)
	return ScopeOrg, scope, s.wrap(err)
}

// PathToGoal ranks the rules behind the after-hours pages of one month (the filter's
// To, else its From, else the latest month) for the organisation, or the filter's
// rotation or team, and marks the smallest set whose removal brings it under the goal.
func (s *Service) PathToGoal(ctx context.Context, f Filter) (PathToGoal, error) {
	var p PathToGoal
	if err := s.check(ctx, f); err != nil {
		return p, err
	}
	scopeType, scope, err := s.judgedScope(ctx, f)
	if err != nil {
		return p, err
	}
	p.ScopeType, p.Scope = scopeType, scope
	var month time.Time
	switch {
	case f.To != "":
		month, _ = ParseMonth("to", f.To)
	case f.From != "":
		month, _ = ParseMonth("from", f.From)
	default:
		if err := s.db.QueryRowContext(ctx, `select max(month) from monthly_goal`).Scan(&month); err != nil {
			return p, s.wrap(err)
		}
	}
	p.Month = monthString(month)
	err = s.db.QueryRowContext(ctx, `
		select after_hours_pages, goal, met from monthly_goal where month = ? and scope_type = ? and scope = ?`,
		month, scopeType, scope).Scan(&p.AfterHoursPages, &p.Goal, &p.Met)
	if err != nil {
		return p, &Error{Code: ENOTFOUND, Param: "to", Message: "no history in " + p.Month}
	}
	rows, err := s.db.QueryContext(ctx, `
		select p.rank, p.rule_id, r.rule_name, r.service_name, r.team, p.after_hours_pages, p.cumulative_pages,
		       p.cumulative_pct, p.in_smallest_set, r.has_runbook, coalesce(m.noise_score, 0)
		from path_to_goal p
		join alert_rules r using (rule_id)
		left join rule_monthly m on m.rule_id = p.rule_id and m.month = p.month
		where p.month = ? and p.scope_type = ? and p.scope = ?
		order by p.rank`+limitClause(f), month, scopeType, scope)
	if err != nil {
		return p, s.wrap(err)
	}
	defer rows.Close()
	p.Rules = []ParetoRule{}
	for rows.Next() {
		var r ParetoRule
		if err := rows.Scan(&r.Rank, &r.RuleID, &r.Rule, &r.Service, &r.Team, &r.AfterHoursPages, &r.CumulativePages,
			&r.CumulativePct, &r.InSmallestSet, &r.HasRunbook, &r.NoiseScore); err != nil {
			return p, err
		}
		if r.InSmallestSet {
			p.SmallestSet++
		}
		p.Rules = append(p.Rules, r)
	}
	return p, rows.Err()
}

// WhatIf recomputes monthly after-hours and sleep-hours pages with the proposed rule
// changes, for the organisation and the filter's rotation or team:
//   - remove: the rule's incidents disappear;
//   - business_hours_only: the rule pages in business hours only, so its after-hours
//     pages disappear (they become low urgency);
//   - delay: a longer `for` delay, so its incidents that resolved within the delay
//     disappear.
func (s *Service) WhatIf(ctx context.Context, f Filter, changes []RuleChange) ([]WhatIfMonth, error) {
	if len(changes) == 0 {
		return nil, invalid("changes", "want at least one rule change")
	}
	var values []string
	var args []any
	for i, c := range changes {
		param := "changes[" + strconv.Itoa(i) + "]"
		if c.RuleID == "" {
			return nil, invalid(param+".rule_id", "required")
		}
		switch c.Action {
		case WhatIfRemove, WhatIfBusinessHours:
		case WhatIfDelay:
			if c.DelayMinutes <= 0 || c.DelayMinutes > 24*60 {
				return nil, invalid(param+".delay_minutes", "want 1 to 1440 minutes for a delay, got %d", c.DelayMinutes)
			}
		default:
			return nil, invalid(param+".action", "want remove, business_hours_only or delay, got %q", c.Action)
		}
		values = append(values, "(?, ?, ?)")
		args = append(args, c.RuleID, c.Action, c.DelayMinutes*60)
	}
	for i, c := range changes {
		var n int
		if err := s.db.QueryRowContext(ctx, `select count(*) from alert_rules where rule_id = ?`, c.RuleID).Scan(&n); err != nil {
			return nil, s.wrap(err)
		}
		if n == 0 {
			return nil, invalid("changes["+strconv.Itoa(i)+"].rule_id", "no rule with id %q", c.RuleID)
		}
	}
	if err := s.check(ctx, f); err != nil {
		return nil, err
	}
	w := periodWhere(f, "g.month", "", "")
	scopeType, scope, err := s.judgedScope(ctx, f)
	if err != nil {
		return nil, err
	}
	w.add("(g.scope_type = 'org' or (g.scope_type = ? and g.scope = ?))", scopeType, scope)
	args = append(args, w.args...)
	rows, err := s.db.QueryContext(ctx, `
		with changes(rule_id, action, delay_seconds) as (values `+strings.Join(values, ", ")+`),
		kept as (
		    select f.*,
		        not coalesce(c.action = 'remove'
		            or (c.action = 'business_hours_only' and f.is_after_hours)
		            or (c.action = 'delay' and f.resolve_seconds is not null and f.resolve_seconds <= c.delay_seconds),
		            false) as survives
		    from incident_facts f
		    left join changes c using (rule_id)
		),
		scoped as (
		    select 'org' as scope_type, st.org_name as scope, k.* from kept k cross join cfg_settings st
		    union all select 'rotation', k.rotation, k.* from kept k
		    union all select 'team', k.team, k.* from kept k
		),
		after as (
		    select scope_type, scope, month,
		           count(*) filter (where is_after_hours and survives) as after_hours_pages,
		           count(*) filter (where is_sleep_hours and survives) as sleep_hours_pages
		    from scoped group by all
		)
		select g.month, g.scope_type, g.scope, g.goal, g.after_hours_pages, coalesce(a.after_hours_pages, 0),
		       g.sleep_hours_pages, coalesce(a.sleep_hours_pages, 0)
		from monthly_goal g
		left join after a using (scope_type, scope, month)
		where `+w.String()+`
		order by case g.scope_type when 'org' then 0 else 1 end, g.month`, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []WhatIfMonth{}
	for rows.Next() {
		var m WhatIfMonth
		var month time.Time
		if err := rows.Scan(&month, &m.ScopeType, &m.Scope, &m.Goal, &m.AfterHoursPages, &m.AfterHoursPagesAfter,
			&m.SleepHoursPages, &m.SleepHoursPagesAfter); err != nil {
			return nil, err
		}
		m.Month, m.MetAfter = monthString(month), m.AfterHoursPagesAfter < m.Goal
		out = append(out, m)
	}
	return out, rows.Err()
}
