package analytics

import (
	"context"
	"database/sql"
	"github.com/alertlens/alertlens/analytics/report"
	"strconv"
	"time"
)

// PathToGoal ranks the rules behind the after-hours pages of one month (the filter's
// To, else its From, else the latest month) for the organisation, or the filter's
// rotation or team, and marks the smallest set whose removal brings it under the goal
// (sql/queries/judged_goal.sql, path_to_goal_rules.sql).
func (s *Service) PathToGoal(ctx context.Context, f report.Filter) (report.PathToGoal, error) {
	var p report.PathToGoal
	if err := s.CheckFilter(ctx, f); err != nil {
		return p, err
	}
	month := monthArg(f.To)
	if month == nil {
		month = monthArg(f.From)
	}
	var judged time.Time
	err := s.db.QueryRowContext(ctx, `select * from judged_goal(?, ?, ?)`, month, textArg(f.Team), textArg(f.Rotation)).
		Scan(&judged, &p.ScopeType, &p.Scope, &p.AfterHoursPages, &p.Goal, &p.Met)
	if err == sql.ErrNoRows {
		m := "the history"
		if t, ok := month.(time.Time); ok {
			m = monthString(t)
		}
		return p, &Error{Code: ENOTFOUND, Param: "to", Message: "no history in " + m}
	}
	if err != nil {
		return p, s.wrap(err)
	}
	p.Month = monthString(judged)
	p.Rules, err = list(ctx, s, `select * from path_to_goal_rules(?, ?, ?, ?)`, []any{judged, p.ScopeType, p.Scope, limitArg(f)},
		func(rows *sql.Rows, r *report.ParetoRule) error {
			return rows.Scan(&r.Rank, &r.RuleID, &r.Rule, &r.Service, &r.Team, &r.AfterHoursPages, &r.CumulativePages,
				&r.CumulativePct, &r.InSmallestSet, &r.HasRunbook, &r.NoiseScore)
		})
	for _, r := range p.Rules {
		if r.InSmallestSet {
			p.SmallestSet++
		}
	}
	return p, err
}

// WhatIf recomputes monthly after-hours and sleep-hours pages with the proposed rule
// changes, for the organisation and the filter's rotation or team
// (sql/queries/what_if.sql). Each rule may be named once (EINVALID otherwise):
//   - remove: the rule's incidents disappear;
//   - business_hours_only: the rule pages in business hours only, so its after-hours
//     pages disappear (they become low urgency);
//   - delay: a longer `for` delay, so its incidents that resolved within the delay
//     disappear.
func (s *Service) WhatIf(ctx context.Context, f report.Filter, changes []report.RuleChange) ([]report.WhatIfMonth, error) {
	if len(changes) == 0 {
		return nil, invalid("changes", "want at least one rule change")
	}
	var ruleIDs, actions []string
	var delays []int64
	seen := map[string]int{} // rule id -> index of its change
	for i, c := range changes {
		param := "changes[" + strconv.Itoa(i) + "]"
		if c.RuleID == "" {
			return nil, invalid(param+".rule_id", "required")
		}
		// Two changes to one rule have no single meaning (remove it and delay it?), and
		// counting the rule once per change made a "fix" add pages.
		if j, dup := seen[c.RuleID]; dup {
			return nil, invalid(param+".rule_id", "rule %q is named twice, in changes[%d] and changes[%d]: give each rule one change", c.RuleID, j, i)
		}
		seen[c.RuleID] = i
		switch c.Action {
		case report.WhatIfRemove, report.WhatIfBusinessHours:
		case report.WhatIfDelay:
			if c.DelayMinutes <= 0 || c.DelayMinutes > 24*60 {
				return nil, invalid(param+".delay_minutes", "want 1 to 1440 minutes for a delay, got %d", c.DelayMinutes)
			}
		default:
			return nil, invalid(param+".action", "want remove, business_hours_only or delay, got %q", c.Action)
		}
		ruleIDs, actions, delays = append(ruleIDs, c.RuleID), append(actions, c.Action), append(delays, int64(c.DelayMinutes*60))
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
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from what_if(?, ?, ?, ?, ?, ?, ?)`, append(period(f), ruleIDs, actions, delays),
		func(rows *sql.Rows, m *report.WhatIfMonth) error {
			var month time.Time
			if err := rows.Scan(&month, &m.ScopeType, &m.Scope, &m.Goal, &m.AfterHoursPages, &m.AfterHoursPagesAfter,
				&m.SleepHoursPages, &m.SleepHoursPagesAfter, &m.MetAfter); err != nil {
				return err
			}
			m.Month = monthString(month)
			return nil
		})
}
