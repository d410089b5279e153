package api

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/dashboards"
)

// oncallPage serves /oncall?month=: the month (else the filter form's "to", else the
// history's last month) and the roster of every month up to it.
func (s *Server) oncallPage(c *gin.Context) {
	s.page(c, "On call", func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		month := c.Query("month")
		if month == "" {
			month = f.To
		}
		if month == "" {
			month = ch.LastMonth
		}
		if _, err := analytics.ParseMonth("month", month); err != nil {
			return dashboards.Page{}, err
		}
		d := dashboards.OnCall{Month: month}
		var err error
		if d.Roster, err = s.a.Roster(ctx, report.Filter{From: f.From, To: month, Rotation: f.Rotation}); err != nil {
			return dashboards.Page{}, err
		}
		// The month is checked above, so EINVALID here is a rotation with no one on call
		// that month: the page shows its empty table beside the months it had.
		if d.Pay, err = s.a.OnCallPay(ctx, month, f.Rotation); err != nil && analytics.ErrorCode(err) != analytics.EINVALID {
			return dashboards.Page{}, err
		}
		mf := report.Filter{From: month, To: month, Rotation: f.Rotation}
		if d.Shifts, err = s.a.Shifts(ctx, mf, "", ""); err != nil {
			return dashboards.Page{}, err
		}
		if d.Escalations, err = s.a.Escalations(ctx, month, f.Rotation); err != nil {
			return dashboards.Page{}, err
		}
		if d.Rest, err = s.a.RestBreaches(ctx, month); err != nil {
			return dashboards.Page{}, err
		}
		return dashboards.OnCallPage(ch, report.Filter{From: f.From, To: month, Rotation: f.Rotation}, d), nil
	})
}
