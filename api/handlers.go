package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
)

// route is one entry of the route table: gin registers it and the OpenAPI document
// describes it, so the two cannot drift apart.
type route struct {
	method, path string
	summary      string
	access       access
	query        []string // documented query parameters (see queryParams)
	csv          bool     // also answers text/csv
	body         any      // example request body type, for POST
	response     any      // JSON response type; nil for non-JSON
	content      string   // non-JSON content type
	handler      gin.HandlerFunc
	// noDeadline exempts the route from Options.QueryTimeout: a write that may rightly run
	// long (an import, a build, a sync). Every query keeps the deadline.
	noDeadline bool
	status     int               // the success status when not 200 (201 for a create)
	errors     map[string]string // more error statuses to document, by code
}

var (
	filterParams = []string{"from", "to", "team", "rotation", "limit", "format"}
	periodParams = []string{"from", "to", "team", "rotation"}
)

func (s *Server) routeTable(ingest http.Handler) []route {
	rt := []route{
		{method: "GET", path: "/healthz", summary: "Liveness: 200 while the process serves", access: open, content: "text/plain",
			handler: func(c *gin.Context) { c.String(http.StatusOK, "ok\n") }},
		{method: "GET", path: "/metrics", summary: "Prometheus metrics: requests by route and status, last build and sync times", access: read,
			content: "text/plain", handler: gin.WrapH(s.metrics.handler())},
		{method: "GET", path: "/api/openapi.json", summary: "This document", access: read, response: map[string]any{}, handler: s.openAPI},

		{method: "GET", path: "/api/v1/overview", summary: "What the database holds: months, teams, rotations, reporting time zone, build time",
			access: read, response: report.Overview{}, handler: s.overview},
		{method: "GET", path: "/api/v1/goal", summary: "After-hours pages per month against the goal, for the organisation, each rotation and each team",
			access: read, query: filterParams, csv: true, response: []report.GoalMonth{},
			handler: list(s, report.WriteGoalMonthsCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.GoalMonth, error) {
				return s.a.MonthlyGoal(ctx, f)
			})},
		{method: "GET", path: "/api/v1/pace", summary: "Month-to-date pace of after-hours pages for the organisation and the filter's rotation or team",
			access: read, query: []string{"team", "rotation", "format"}, csv: true, response: []report.Pace{},
			handler: list(s, report.WritePaceCSV, s.paces)},
		{method: "GET", path: "/api/v1/rules", summary: "Alert rules ranked by after-hours impact, with noise signals and runbook",
			access: read, query: filterParams, csv: true, response: []report.RuleStats{},
			handler: list(s, report.WriteRulesCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.RuleStats, error) {
				return s.a.Rules(ctx, f)
			})},
		{method: "GET", path: "/api/v1/rules/:id", summary: "One rule: its numbers over the period, its monthly history and its incidents",
			access: read, query: []string{"from", "to", "limit"}, response: ruleDetail{}, handler: s.rule},
		{method: "GET", path: "/api/v1/rules/:id/history", summary: "One rule's numbers per month",
			access: read, query: []string{"from", "to", "format"}, csv: true, response: []report.RuleMonth{},
			handler: list(s, report.WriteRuleMonthsCSV, func(ctx context.Context, f report.Filter, c *gin.Context) ([]report.RuleMonth, error) {
				return s.a.RuleHistory(ctx, c.Param("id"), f)
			})},
		{method: "GET", path: "/api/v1/rules/:id/incidents", summary: "One rule's incidents with their signals, newest first",
			access: read, query: []string{"from", "to", "limit", "format"}, csv: true, response: []report.Incident{},
			handler: list(s, report.WriteIncidentsCSV, func(ctx context.Context, f report.Filter, c *gin.Context) ([]report.Incident, error) {
				return s.a.Incidents(ctx, f, c.Param("id"))
			})},
		{method: "GET", path: "/api/v1/incidents", summary: "Incidents with their signals, newest first",
			access: read, query: filterParams, csv: true, response: []report.Incident{},
			handler: list(s, report.WriteIncidentsCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.Incident, error) {
				return s.a.Incidents(ctx, f, "")
			})},
		{method: "GET", path: "/api/v1/pages", summary: "Pages (incidents that interrupted someone), newest first, with their hour window",
			access: read, query: filterParams, csv: true, response: []report.Page{},
			handler: list(s, report.WritePagesCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.Page, error) {
				return s.a.Pages(ctx, f)
			})},
		{method: "GET", path: "/api/v1/windows", summary: "Pages per month and hour window (business, off_hours, sleep)",
			access: read, query: filterParams, csv: true, response: []report.WindowCount{},
			handler: list(s, report.WriteWindowsCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.WindowCount, error) {
				return s.a.Windows(ctx, f)
			})},
		{method: "GET", path: "/api/v1/coverage", summary: "Runbook coverage: pages, after-hours pages and defined rules with a runbook, and the worst gaps (CSV: the headline row)",
			access: read, query: append(periodParams, "format"), csv: true, response: report.Coverage{},
			handler: one(s, report.WriteCoverageCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) (report.Coverage, error) {
				return s.a.Coverage(ctx, f)
			})},
		{method: "GET", path: "/api/v1/responders", summary: "Each person's load: interruptions, after-hours and sleep-hours pages, hours interrupted, shifts",
			access: read, query: filterParams, csv: true, response: []report.ResponderLoad{},
			handler: list(s, report.WriteRespondersCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.ResponderLoad, error) {
				return s.a.Responders(ctx, f)
			})},
		{method: "GET", path: "/api/v1/fairness", summary: "Per rotation and month: the most- to median-loaded person's ratio",
			access: read, query: filterParams, csv: true, response: []report.Fairness{},
			handler: list(s, report.WriteFairnessCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.Fairness, error) {
				return s.a.Fairness(ctx, f)
			})},
		{method: "GET", path: "/api/v1/heatmap", summary: "Interruptions by local weekday (1 = Monday) and hour of the person interrupted",
			access: read, query: append(periodParams, "format"), csv: true, response: []report.HeatCell{},
			handler: list(s, report.WriteHeatmapCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.HeatCell, error) {
				return s.a.Heatmap(ctx, f)
			})},
		{method: "GET", path: "/api/v1/response", summary: "MTTA and MTTR (median, p90, mean, in seconds) and escalations",
			access: read, query: append(periodParams, "format"), csv: true, response: report.Response{},
			handler: one(s, report.WriteResponseCSV, func(ctx context.Context, f report.Filter, _ *gin.Context) (report.Response, error) {
				return s.a.Response(ctx, f)
			})},
		{method: "GET", path: "/api/v1/path", summary: "Path to goal: the rules behind the period's last month of after-hours pages, ranked, with the smallest set to fix (CSV: the rules)",
			access: read, query: append(periodParams, "format"), csv: true, response: report.PathToGoal{}, handler: s.path},
		{method: "POST", path: "/api/v1/whatif", summary: "Monthly after-hours pages recomputed with proposed rule changes (remove, business_hours_only, delay)",
			access: write, query: []string{"format"}, csv: true, body: whatIfBody{}, response: []report.WhatIfMonth{}, handler: s.whatIf},

		{method: "GET", path: "/", summary: "Dashboard: after-hours pages per month against the goal", access: read, query: periodParams, content: "text/html", handler: s.goalPage},
		{method: "GET", path: "/path", summary: "Dashboard: path to goal (Pareto) and what-if", access: read, query: periodParams, content: "text/html", handler: s.pathPage},
		{method: "GET", path: "/team", summary: "Dashboard: a team's pages by window, noisiest rules, runbook coverage, MTTA/MTTR", access: read, query: periodParams, content: "text/html", handler: s.teamPage},
		{method: "GET", path: "/team/:team", summary: "Dashboard: the team page for one team", access: read, query: []string{"from", "to", "rotation"}, content: "text/html", handler: s.teamPage},
		{method: "GET", path: "/responders", summary: "Dashboard: interruptions by hour and weekday, load per person, fairness", access: read, query: periodParams, content: "text/html", handler: s.respondersPage},
		{method: "GET", path: "/rule/:id", summary: "Dashboard: one rule's history, signals, runbook and incidents", access: read, query: periodParams, content: "text/html", handler: s.rulePage},
		{method: "GET", path: "/assets/*filepath", summary: "ECharts and its licence, served by the binary", access: read, content: "application/javascript",
			handler: gin.WrapH(http.StripPrefix("/assets", http.FileServer(assetsFS())))},
	}
	if ingest != nil {
		rt = append(rt, route{method: "POST", path: "/api/v1/ingest/alertmanager",
			summary: "Alertmanager webhook receiver: stores the alerts of a notification", access: write,
			body: map[string]any{}, response: map[string]any{}, handler: gin.WrapH(ingest)})
	}
	return rt
}

// request reads what every read endpoint takes, the answer's format and the filter; on
// a bad parameter it answers the 400 itself and reports false.
func (s *Server) request(c *gin.Context) (asCSV bool, f report.Filter, ok bool) {
	asCSV, err := wantCSV(c)
	if err == nil {
		f, err = s.parseFilter(c.Request.Context(), c.Query)
	}
	if err != nil {
		s.fail(c, err)
		return false, f, false
	}
	return asCSV, f, true
}

// list serves a list endpoint: parse the filter, fetch the rows (at most the list's
// limit, see listLimit), render JSON or CSV.
func list[T any](s *Server, writeCSV func(io.Writer, string, []T) error,
	fetch func(context.Context, report.Filter, *gin.Context) ([]T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		asCSV, f, ok := s.request(c)
		if !ok {
			return
		}
		limit := listLimit(asCSV, f.Limit)
		if limit > 0 {
			f.Limit = limit + 1 // one row more tells whether the list was cut
		}
		rows, err := fetch(c.Request.Context(), f, c)
		if err != nil {
			s.fail(c, err)
			return
		}
		rows = cut(c, rows, limit)
		if rows == nil {
			rows = []T{} // an empty list, never null
		}
		s.render(c, asCSV, rows, func(w io.Writer, tz string) error { return writeCSV(w, tz, rows) })
	}
}

// one serves an endpoint whose answer is one report; its CSV is one row.
func one[T any](s *Server, writeCSV func(io.Writer, string, []T) error,
	fetch func(context.Context, report.Filter, *gin.Context) (T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		asCSV, f, ok := s.request(c)
		if !ok {
			return
		}
		v, err := fetch(c.Request.Context(), f, c)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.render(c, asCSV, v, func(w io.Writer, tz string) error { return writeCSV(w, tz, []T{v}) })
	}
}

// render writes v as JSON, or as CSV carrying the reporting time zone.
func (s *Server) render(c *gin.Context, asCSV bool, v any, writeCSV func(io.Writer, string) error) {
	if !asCSV {
		c.JSON(http.StatusOK, v)
		return
	}
	ov, err := s.a.Overview(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if err := writeCSV(&buf, ov.ReportingTimeZone); err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (s *Server) overview(c *gin.Context) {
	ov, err := s.a.Overview(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ov)
}

// paces projects the organisation and, when the filter names one, the rotation or team.
func (s *Server) paces(ctx context.Context, f report.Filter, _ *gin.Context) ([]report.Pace, error) {
	scopes := [][2]string{{report.ScopeOrg, ""}}
	if f.Rotation != "" {
		scopes = append(scopes, [2]string{report.ScopeRotation, f.Rotation})
	}
	if f.Team != "" {
		scopes = append(scopes, [2]string{report.ScopeTeam, f.Team})
	}
	var out []report.Pace
	for _, sc := range scopes {
		p, err := s.a.Pace(ctx, sc[0], sc[1])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ruleDetail is GET /api/v1/rules/:id.
type ruleDetail struct {
	Rule      report.RuleStats   `json:"rule"`
	History   []report.RuleMonth `json:"history"`
	Incidents []report.Incident  `json:"incidents"`
}

func (s *Server) ruleData(ctx context.Context, id string, f report.Filter) (ruleDetail, error) {
	var d ruleDetail
	var err error
	if d.Rule, err = s.a.Rule(ctx, id, f); err != nil {
		return d, err
	}
	if d.History, err = s.a.RuleHistory(ctx, id, f); err != nil {
		return d, err
	}
	if d.Incidents, err = s.a.Incidents(ctx, f, id); err != nil {
		return d, err
	}
	if d.History == nil {
		d.History = []report.RuleMonth{}
	}
	if d.Incidents == nil {
		d.Incidents = []report.Incident{}
	}
	return d, nil
}

func (s *Server) rule(c *gin.Context) {
	f, err := s.parseFilter(c.Request.Context(), c.Query)
	if err != nil {
		s.fail(c, err)
		return
	}
	// The rule's incidents are a list like /rules/:id/incidents: the same default limit.
	limit := listLimit(false, f.Limit)
	f.Limit = limit + 1
	d, err := s.ruleData(c.Request.Context(), c.Param("id"), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Incidents = cut(c, d.Incidents, limit)
	c.JSON(http.StatusOK, d)
}

func (s *Server) path(c *gin.Context) {
	asCSV, f, ok := s.request(c)
	if !ok {
		return
	}
	p, err := s.a.PathToGoal(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	if p.Rules == nil {
		p.Rules = []report.ParetoRule{}
	}
	s.render(c, asCSV, p, func(w io.Writer, tz string) error { return report.WriteParetoCSV(w, tz, p.Rules) })
}

// maxBody bounds a what-if body: a few hundred changes fit easily.
const maxBody = 1 << 20

func (s *Server) whatIf(c *gin.Context) {
	asCSV, err := wantCSV(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	raw, ok := s.readBody(c, maxBody)
	if !ok {
		return
	}
	var body whatIfBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		s.fail(c, badParam("body", "want JSON {\"filter\": {...}, \"changes\": [{\"rule_id\", \"action\", \"delay_minutes\"}]}: %v", err))
		return
	}
	// The filter's syntax first, as for a query's parameters; WhatIf checks the changes
	// and that the team and rotation exist.
	if err := analytics.ValidateFilter(body.Filter); err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.a.WhatIf(c.Request.Context(), body.Filter, body.Changes)
	if err != nil {
		s.fail(c, err)
		return
	}
	if rows == nil {
		rows = []report.WhatIfMonth{}
	}
	s.render(c, asCSV, rows, func(w io.Writer, tz string) error { return report.WriteWhatIfCSV(w, tz, rows) })
}
