package analytics

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/alertlens/alertlens/analytics/report"
	"time"
)

// Rules lists alert rules over the period, ranked by impact (after-hours pages plus
// sleep-hours pages), then incidents (sql/queries/rule_stats.sql).
func (s *Service) Rules(ctx context.Context, f report.Filter) ([]report.RuleStats, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return s.ruleStats(ctx, f, "", "")
}

// Rule returns one rule's numbers over the period; ENOTFOUND when there is no such rule.
func (s *Service) Rule(ctx context.Context, ruleID string, f report.Filter) (report.RuleStats, error) {
	f.Limit = 0
	if err := s.CheckFilter(ctx, f); err != nil {
		return report.RuleStats{}, err
	}
	rows, err := s.ruleStats(ctx, f, ruleID, "")
	if err != nil {
		return report.RuleStats{}, err
	}
	if len(rows) > 0 {
		return rows[0], nil
	}
	// No incident in the period: the rule as alert_rules describes it, with zero counts.
	r := report.RuleStats{RuleID: ruleID}
	err = s.db.QueryRowContext(ctx, `
		select rule_name, service_name, team, rotation, has_runbook, coalesce(runbook_url, ''), defined
		from alert_rules where rule_id = ?`, ruleID).
		Scan(&r.Rule, &r.Service, &r.Team, &r.Rotation, &r.HasRunbook, &r.RunbookURL, &r.Defined)
	if err == sql.ErrNoRows {
		return report.RuleStats{}, &Error{Code: ENOTFOUND, Param: "rule", Message: "no rule with id " + quote(ruleID)}
	}
	return r, s.wrap(err)
}

// ruleStats runs rule_stats for a checked filter; ruleID "" for every rule, and where a
// SQL condition on its columns (a fixed string, never user input) or "" for none.
func (s *Service) ruleStats(ctx context.Context, f report.Filter, ruleID, where string) ([]report.RuleStats, error) {
	if where == "" {
		where = "true"
	}
	return list(ctx, s, `select * from rule_stats(?, ?, ?, ?, ?) where `+where+` limit ?`,
		append(period(f), textArg(ruleID), limitArg(f)),
		func(rows *sql.Rows, r *report.RuleStats) error {
			var actionable sql.NullFloat64
			if err := rows.Scan(&r.RuleID, &r.Rule, &r.Service, &r.Team, &r.Rotation, &r.Incidents, &r.Pages,
				&r.AfterHoursPages, &r.SleepHoursPages, &r.PeopleWoken, &r.ImpactScore, &r.EngagedMinutes,
				&r.NoiseScore, &r.AutoResolvedPct, &r.TransientPct, &r.FlappingPct, &r.UnacknowledgedPct,
				&r.NoActionPct, &actionable, &r.HasRunbook, &r.RunbookURL, &r.Defined); err != nil {
				return err
			}
			r.ActionableRate = nullFloat(actionable)
			r.Reason = reason(*r)
			return nil
		})
}

// reason names a rule's biggest noise signal in words, so a review sees why it is noisy.
// It is wording over the shares rule_stats computes, not a figure of its own.
func reason(r report.RuleStats) string {
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

// RuleHistory lists one rule's numbers per month (sql/queries/rule_history.sql).
func (s *Service) RuleHistory(ctx context.Context, ruleID string, f report.Filter) ([]report.RuleMonth, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	p := period(f)
	return list(ctx, s, `select * from rule_history(?, ?, ?)`, []any{ruleID, p[0], p[1]},
		func(rows *sql.Rows, m *report.RuleMonth) error {
			var month time.Time
			if err := rows.Scan(&month, &m.Incidents, &m.Pages, &m.AfterHoursPages, &m.SleepHoursPages, &m.NoiseScore); err != nil {
				return err
			}
			m.Month = monthString(month)
			return nil
		})
}

// Incidents lists incidents with their signals, newest first; ruleID "" for all rules
// (sql/queries/incident_list.sql).
func (s *Service) Incidents(ctx context.Context, f report.Filter, ruleID string) ([]report.Incident, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from incident_list(?, ?, ?, ?, ?, ?)`, append(period(f), textArg(ruleID), limitArg(f)),
		func(rows *sql.Rows, i *report.Incident) error {
			var ack, res, paged sql.NullTime
			if err := rows.Scan(&i.Source, &i.IncidentID, &i.RuleID, &i.Rule, &i.Title, &i.Service, &i.Team, &i.Rotation,
				&i.Urgency, &i.CreatedAt, &ack, &res, &i.IsPage, &i.IsInferred, &paged, &i.Window,
				&i.AutoResolved, &i.Transient, &i.Flapping, &i.Unacknowledged, &i.ReviewTag, &i.Noisy,
				&i.RunbookURL, &i.HasRunbook, &i.Escalations, &i.ManualEscalated); err != nil {
				return err
			}
			i.AcknowledgedAt, i.ResolvedAt, i.PagedAt = nullTimePtr(ack), nullTimePtr(res), nullTimePtr(paged)
			return nil
		})
}
