package analytics

import (
	"context"
	"database/sql"
	"github.com/alertlens/alertlens/analytics/report"
	"time"
)

// Pages lists pages, newest first (sql/queries/page_list.sql).
func (s *Service) Pages(ctx context.Context, f report.Filter) ([]report.Page, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from page_list(?, ?, ?, ?, ?)`, append(period(f), limitArg(f)), scanPage)
}

// Windows counts pages per month and hour window; every window appears in every month
// (sql/queries/window_counts.sql).
func (s *Service) Windows(ctx context.Context, f report.Filter) ([]report.WindowCount, error) {
	if err := s.CheckFilter(ctx, f); err != nil {
		return nil, err
	}
	return list(ctx, s, `select * from window_counts(?, ?, ?, ?)`, period(f),
		func(rows *sql.Rows, c *report.WindowCount) error {
			var month time.Time
			if err := rows.Scan(&month, &c.Window, &c.Pages); err != nil {
				return err
			}
			c.Month = monthString(month)
			return nil
		})
}

// Coverage reports runbook coverage over the period (sql/queries/runbook_coverage.sql)
// and the worst gaps: after-hours paging rules without a runbook, most after-hours pages
// first (rule_stats).
func (s *Service) Coverage(ctx context.Context, f report.Filter) (report.Coverage, error) {
	var c report.Coverage
	if err := s.CheckFilter(ctx, f); err != nil {
		return c, err
	}
	var pagesPct, afterPct, definedPct sql.NullFloat64
	err := s.db.QueryRowContext(ctx, `select * from runbook_coverage(?, ?, ?, ?)`, period(f)...).
		Scan(&c.Pages, &c.PagesWithRunbook, &pagesPct, &c.AfterHoursPages, &c.AfterHoursWithRunbook, &afterPct,
			&c.DefinedRules, &c.DefinedWithRunbook, &definedPct)
	if err != nil {
		return c, s.wrap(err)
	}
	c.PagesPct, c.AfterHoursPct, c.DefinedPct = nullFloat(pagesPct), nullFloat(afterPct), nullFloat(definedPct)
	c.Gaps, err = s.ruleStats(ctx, f, "", "after_hours_pages > 0 and not has_runbook")
	return c, err
}
