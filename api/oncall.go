package api

import (
	"context"
	"io"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics/report"
)

// OnCall is what the on-call endpoints and page read, part of Analytics.
type OnCall interface {
	OnCallPay(ctx context.Context, month, rotation string) ([]report.OnCallPay, error)
	Escalations(ctx context.Context, month, rotation string) ([]report.OnCallEscalation, error)
	RestBreaches(ctx context.Context, month string) ([]report.RestBreach, error)
	Roster(ctx context.Context, f report.Filter) ([]report.RosterMonth, error)
	Shifts(ctx context.Context, f report.Filter, source, id string) ([]report.ShiftLoad, error)
}

func (s *Server) oncallRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/oncall", summary: "On call in a month, per person: hours by window (business, off-hours, sleep), weekend and holiday days, after-hours pages, hours interrupted, and the pay with the rate card's rule behind each part",
			access: read, query: []string{"month", "rotation", "format"}, csv: true, response: []report.OnCallPay{},
			handler: monthList(s, report.WriteOnCallPayCSV, func(ctx context.Context, month string, c *gin.Context) ([]report.OnCallPay, error) {
				return s.a.OnCallPay(ctx, month, c.Query("rotation"))
			})},
		{method: "GET", path: "/api/v1/oncall/escalations", summary: "Per rotation, a month's pages that reached escalation level 2 or higher and whom they reached there; rotations whose policy has more than two tiers flagged",
			access: read, query: []string{"month", "format"}, csv: true, response: []report.OnCallEscalation{},
			handler: monthList(s, report.WriteEscalationsCSV, func(ctx context.Context, month string, _ *gin.Context) ([]report.OnCallEscalation, error) {
				return s.a.Escalations(ctx, month, "")
			})},
		{method: "GET", path: "/api/v1/oncall/rest", summary: "Per person, a month's rest breaches: sleep-hours interruptions followed within 11 hours by another interruption or a new on-call stretch",
			access: read, query: []string{"month", "format"}, csv: true, response: []report.RestBreach{},
			handler: monthList(s, report.WriteRestBreachesCSV, func(ctx context.Context, month string, _ *gin.Context) ([]report.RestBreach, error) {
				return s.a.RestBreaches(ctx, month)
			})},
		{method: "GET", path: "/oncall", summary: "Dashboard: on call: the roster per rotation over time beside people paged, hours and pay per person, per-shift load against the SRE reference, fairness over the roster",
			access: read, query: []string{"month", "rotation"}, content: "text/html", handler: s.oncallPage},
	}
}

// monthList serves a list of one month (?month=YYYY-MM, required) as JSON or CSV. The
// rows are a month's people or rotations, a few hundred at most: no limit applies.
func monthList[T any](s *Server, writeCSV func(io.Writer, string, []T) error,
	fetch func(context.Context, string, *gin.Context) ([]T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		asCSV, err := wantCSV(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		month := c.Query("month")
		if month == "" {
			s.fail(c, badParam("month", "required: the month as YYYY-MM"))
			return
		}
		rows, err := fetch(c.Request.Context(), month, c)
		if err != nil {
			s.fail(c, err)
			return
		}
		if rows == nil {
			rows = []T{} // an empty list, never null
		}
		s.render(c, asCSV, rows, func(w io.Writer, tz string) error { return writeCSV(w, tz, rows) })
	}
}
