package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	return f, choices(ov), nil
}

// page serves one dashboard: build gathers the data and lays out the page. Every error
// is a page in the shell saying what is wrong and how to fix it (pageError), and a
// database without history shows how to load some instead of running the page's queries.
func (s *Server) page(c *gin.Context, title string, build func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error)) {
	f, ch, err := s.pageContext(c)
	if err != nil {
		s.pageError(c, ch, err)
		return
	}
	if ch.FirstMonth == "" {
		s.renderPage(c, http.StatusOK, dashboards.EmptyPage(ch, title, c.Request.URL.Path))
		return
	}
	p, err := build(c.Request.Context(), f, ch)
	if err != nil {
		s.pageError(c, ch, err)
		return
	}
	s.renderPage(c, http.StatusOK, p)
}

// renderPage writes a page with its status.
func (s *Server) renderPage(c *gin.Context, status int, p dashboards.Page) {
	var buf bytes.Buffer
	if err := dashboards.Render(&buf, p); err != nil {
		s.log.Error("render page", "route", c.FullPath(), "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	htmlHeaders(c)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// pageError is fail for a page: the same statuses and messages, as HTML in the shell.
func (s *Server) pageError(c *gin.Context, ch dashboards.Choices, err error) {
	if ch.ReportingTimeZone == "" {
		// The choices are what the filter form offers; a bad filter still gets them.
		if ov, oerr := s.a.Overview(c.Request.Context()); oerr == nil {
			ch = choices(ov)
		}
	}
	status, msg := http.StatusInternalServerError, "internal error"
	var ae *analytics.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(c.Request.Context().Err(), context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, fmt.Sprintf("the page's queries ran past the server's %s deadline", s.timeout)
	case errors.As(err, &ae) && ae.Code == analytics.EINVALID:
		status, msg = http.StatusBadRequest, ae.Error()
	case errors.As(err, &ae) && ae.Code == analytics.ENOTFOUND:
		status, msg = http.StatusNotFound, ae.Error()
	case errors.As(err, &ae) && ae.Code == analytics.ENOTBUILT:
		status, msg = http.StatusServiceUnavailable, ae.Error()
	default:
		s.log.Error("page failed", "route", c.FullPath(), "err", err)
	}
	p := dashboards.ErrorPage(ch, c.Request.URL.Path, status, msg)
	p.Filter = report.Filter{} // the bad filter is not offered again as chosen
	s.renderPage(c, status, p)
	c.Abort()
}

// noRoute answers an unknown path: JSON under /api/, an HTML page in the shell anywhere
// else (a mistyped or stale dashboard link).
func (s *Server) noRoute(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		c.JSON(http.StatusNotFound, errorBody("", "no such path"))
		return
	}
	s.pageError(c, dashboards.Choices{}, &analytics.Error{Code: analytics.ENOTFOUND, Message: "no page at " + c.Request.URL.Path})
}

func choices(ov report.Overview) dashboards.Choices {
	return dashboards.Choices{Teams: ov.Teams, Rotations: ov.Rotations, FirstMonth: ov.FirstMonth,
		LastMonth: ov.LastMonth, ReportingTimeZone: ov.ReportingTimeZone, AsOf: ov.AsOf, BuiltAt: ov.BuiltAt}
}

// htmlHeaders keep a page to its own origin: scripts, styles, images and fetches.
func htmlHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
}

// pageRoutes are the dashboards added with the weekly review: the review itself and the
// drill-downs (a month's pages, a person).
func (s *Server) pageRoutes() []route {
	return []route{
		{method: "GET", path: "/review", summary: "Dashboard: the weekly review, tagging a week's pages (drawn from /api/v1/review)", access: read, query: []string{"week"}, content: "text/html", handler: s.reviewPage},
		{method: "GET", path: "/pages", summary: "Dashboard: the pages of a period, 50 at a time (a month's bar opens it)", access: read, query: append(periodParams, "page"), content: "text/html", handler: s.pagesPage},
		{method: "GET", path: "/person/:source/:id", summary: "Dashboard: one person's load, local-hour heat map and pages", access: read, query: []string{"from", "to", "page"}, content: "text/html", handler: s.personPage},
	}
}

func (s *Server) goalPage(c *gin.Context) {
	s.page(c, "After-hours pages against the goal", func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		months, err := s.a.MonthlyGoal(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		paces, err := s.paces(ctx, report.Filter{Team: f.Team, Rotation: f.Rotation}, c)
		if err != nil {
			return dashboards.Page{}, err
		}
		// Every rotation's pace, so each rotation's chart shows its projection.
		for _, rot := range ch.Rotations {
			if rot == f.Rotation {
				continue // paces has it
			}
			if p, err := s.a.Pace(ctx, report.ScopeRotation, rot); err == nil {
				paces = append(paces, p)
			} else if analytics.ErrorCode(err) != analytics.ENOTFOUND {
				return dashboards.Page{}, err
			}
		}
		return dashboards.GoalPage(ch, f, months, paces), nil
	})
}

// pathScope is the scope whose months the path page judges: the filter's rotation, else
// its team, else the organisation (as PathToGoal picks it).
func pathScope(f report.Filter) (string, string) {
	switch {
	case f.Rotation != "":
		return report.ScopeRotation, f.Rotation
	case f.Team != "":
		return report.ScopeTeam, f.Team
	}
	return report.ScopeOrg, ""
}

func (s *Server) pathPage(c *gin.Context) {
	s.page(c, "Path to goal", func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		// Before any change is chosen, "after" equals "before": the months as they are.
		months, err := s.a.MonthlyGoal(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		// Without a chosen To, open on the latest month that missed the goal: a month that
		// met it has no path to show ("0 rules to fix").
		pf := f
		if f.To == "" {
			typ, name := pathScope(f)
			for _, m := range months {
				if m.ScopeType == typ && (name == "" || m.Scope == name) && !m.Met {
					pf.To = m.Month
				}
			}
		}
		p, err := s.a.PathToGoal(ctx, pf)
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

func (s *Server) teamPage(c *gin.Context) {
	title := "All teams"
	if t := c.Param("team"); t != "" {
		title = "Team " + t
	}
	s.page(c, title, func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		w, err := s.a.Windows(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		// Every rule of the period: the page ranks them by noise (analytics ranks by impact).
		rules, err := s.a.Rules(ctx, f)
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
	s.page(c, "Responders", func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		heat, err := s.a.Heatmap(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		load, err := s.a.Responders(ctx, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		// Fairness is per rotation: for a team, the rotations its rules page.
		ff := f
		ff.Team = ""
		fair, err := s.a.Fairness(ctx, ff)
		if err != nil {
			return dashboards.Page{}, err
		}
		if f.Team != "" {
			rules, err := s.a.Rules(ctx, f)
			if err != nil {
				return dashboards.Page{}, err
			}
			rots := map[string]bool{}
			for _, r := range rules {
				rots[r.Rotation] = true
			}
			fair = slices.DeleteFunc(fair, func(x report.Fairness) bool { return !rots[x.Rotation] })
		}
		return dashboards.RespondersPage(ch, f, heat, load, fair), nil
	})
}

// pageNumber reads ?page (1-based) of a long table.
func pageNumber(c *gin.Context) (int, error) {
	v := c.Query("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit/dashboards.PerPage {
		return 0, badParam("page", "want a page number from 1 to %d, got %q", maxLimit/dashboards.PerPage, v)
	}
	return n, nil
}

// onePage cuts rows fetched with pageLimit down to page n, and says whether more follow.
func onePage[T any](rows []T, n int) ([]T, bool) {
	start := (n - 1) * dashboards.PerPage
	if start >= len(rows) {
		return nil, false
	}
	end := min(start+dashboards.PerPage, len(rows))
	return rows[start:end], len(rows) > end
}

// pageLimit is the rows to fetch for page n: every row up to it and one more, which
// tells whether a next page exists.
func pageLimit(n int) int { return n*dashboards.PerPage + 1 }

func (s *Server) rulePage(c *gin.Context) {
	s.page(c, "Rule", func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		n, err := pageNumber(c)
		if err != nil {
			return dashboards.Page{}, err
		}
		lf := f
		lf.Limit = pageLimit(n)
		d, err := s.ruleData(ctx, c.Param("id"), lf)
		if err != nil {
			return dashboards.Page{}, err
		}
		incidents, more := onePage(d.Incidents, n)
		pages, err := s.a.RulePages(ctx, c.Param("id"), lf)
		if err != nil {
			return dashboards.Page{}, err
		}
		path := "/rule/" + url.PathEscape(c.Param("id"))
		return dashboards.RulePage(ch, f, d.Rule, d.History, incidents, pages, dashboards.NewPager(path, f, n, len(incidents), more)), nil
	})
}

func (s *Server) pagesPage(c *gin.Context) {
	s.page(c, "Pages", func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		n, err := pageNumber(c)
		if err != nil {
			return dashboards.Page{}, err
		}
		lf := f
		lf.Limit = pageLimit(n)
		all, err := s.a.Pages(ctx, lf)
		if err != nil {
			return dashboards.Page{}, err
		}
		pages, more := onePage(all, n)
		return dashboards.PagesPage(ch, f, pages, dashboards.NewPager("/pages", f, n, len(pages), more)), nil
	})
}

func (s *Server) personPage(c *gin.Context) {
	s.page(c, "Person", func(ctx context.Context, f report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		n, err := pageNumber(c)
		if err != nil {
			return dashboards.Page{}, err
		}
		// The page is about the person: only the period applies, whoever's alerts paged them.
		f = report.Filter{From: f.From, To: f.To}
		src, id := c.Param("source"), c.Param("id")
		person, err := s.a.Person(ctx, src, id, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		heat, err := s.a.PersonHeatmap(ctx, src, id, f)
		if err != nil {
			return dashboards.Page{}, err
		}
		shifts, err := s.a.Shifts(ctx, f, src, id)
		if err != nil {
			return dashboards.Page{}, err
		}
		lf := f
		lf.Limit = pageLimit(n)
		all, err := s.a.PersonPages(ctx, src, id, lf)
		if err != nil {
			return dashboards.Page{}, err
		}
		pages, more := onePage(all, n)
		path := "/person/" + url.PathEscape(src) + "/" + url.PathEscape(id)
		return dashboards.PersonPage(ch, f, person, heat, shifts, pages, dashboards.NewPager(path, f, n, len(pages), more)), nil
	})
}
