package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/dashboards"
)

// Pages fetch what their charts need from Analytics and render with package dashboards.

// pageContext parses the filter of a dashboard page and the choices its form offers.
func (s *Server) pageContext(c *gin.Context) (report.Filter, dashboards.Choices, error) {
	q := c.Query
	if team := c.Param("team"); team != "" {
		q = func(k string) string {
			if k == "team" {
				return team
			}
			return c.Query(k)
		}
	}
	f, err := s.parseFilter(c.Request.Context(), q)
	if err != nil {
		return f, dashboards.Choices{}, err
	}
	ov, err := s.a.Overview(c.Request.Context())
	if err != nil {
		return f, dashboards.Choices{}, err
	}
	return f, dashboards.Choices{Teams: ov.Teams, Rotations: ov.Rotations, FirstMonth: ov.FirstMonth,
		LastMonth: ov.LastMonth, ReportingTimeZone: ov.ReportingTimeZone, AsOf: ov.AsOf, BuiltAt: ov.BuiltAt}, nil
}

// page serves one dashboard: build gathers the data and lays out the page.
func (s *Server) page(c *gin.Context, build func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error)) {
	f, ch, err := s.pageContext(c)
	if err == nil {
		var p dashboards.Page
		if p, err = build(c.Request.Context(), f, ch); err == nil {
			var buf bytes.Buffer
			if err = dashboards.Render(&buf, p); err == nil {
				htmlHeaders(c)
				c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
				return
			}
		}
	}
	s.fail(c, err)
}

// htmlHeaders keep a page to its own origin: scripts, styles, images and fetches.
func htmlHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
}

func (s *Server) goalPage(c *gin.Context) {
	s.page(c, func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		months, err := s.a.MonthlyGoal(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		paces, err := s.paces(ctx, report.Filter{Team: f.Team}, c)
		if err != nil {
			return dashboards.Page{}, err
		}
		// Every rotation's pace, so each rotation's chart shows its projection.
		for _, rot := range ch.Rotations {
			if p, err := s.a.Pace(ctx, report.ScopeRotation, rot); err == nil {
				paces = append(paces, p)
			} else if analytics.ErrorCode(err) != analytics.ENOTFOUND {
				return dashboards.Page{}, err
			}
		}
		return dashboards.GoalPage(ch, f, months, paces), nil
	})
}

func (s *Server) pathPage(c *gin.Context) {
	s.page(c, func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		p, err := s.a.PathToGoal(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		// Before any change is chosen, "after" equals "before": the months as they are.
		months, err := s.a.MonthlyGoal(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		var w []report.WhatIfMonth
		for _, m := range months {
			w = append(w, report.WhatIfMonth{Month: m.Month, ScopeType: m.ScopeType, Scope: m.Scope, Goal: m.Goal,
				AfterHoursPages: m.AfterHoursPages, AfterHoursPagesAfter: m.AfterHoursPages,
				SleepHoursPages: m.SleepHoursPages, SleepHoursPagesAfter: m.SleepHoursPages, MetAfter: m.Met})
		}
		return dashboards.PathPage(ch, f, p, w), nil
	})
}

// teamRules is how many rules the team page lists.
const teamRules = 15

func (s *Server) teamPage(c *gin.Context) {
	s.page(c, func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		w, err := s.a.Windows(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		rf := f
		rf.Limit = teamRules
		rules, err := s.a.Rules(ctx, rf)
		if err != nil {
			return dashboards.Page{}, err
		}
		cov, err := s.a.Coverage(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		resp, err := s.a.Response(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		return dashboards.TeamPage(ch, f, w, rules, cov, resp), nil
	})
}

func (s *Server) respondersPage(c *gin.Context) {
	s.page(c, func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		heat, err := s.a.Heatmap(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		load, err := s.a.Responders(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		fair, err := s.a.Fairness(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		return dashboards.RespondersPage(ch, f, heat, load, fair), nil
	})
}

// ruleIncidents is how many incidents the rule page lists.
const ruleIncidents = 200

func (s *Server) rulePage(c *gin.Context) {
	s.page(c, func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		lf := f
		lf.Limit = ruleIncidents
		d, err := s.ruleData(ctx, c.Param("id"), lf)
		if err != nil {
			return dashboards.Page{}, err
		}
		return dashboards.RulePage(ch, f, d.Rule, d.History, d.Incidents), nil
	})
}
