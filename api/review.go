package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/dashboards"
	"github.com/alertlens/alertlens/ingest/review"
)

// Reports is what the review endpoints and the reports read, part of Analytics.
type Reports interface {
	ReviewWeek(ctx context.Context, week string) (report.ReviewWeek, error)
	IncidentSources(ctx context.Context, incidentID string) ([]string, error)
	FixEffect(ctx context.Context, ruleID string) ([]report.FixEffect, error)
	WeeklyReport(ctx context.Context, week string) (report.WeeklyReport, error)
	MonthlyReport(ctx context.Context, month string) (report.MonthlyReport, error)
}

// ReviewerHeader carries the reviewer's name typed in the review page (or given to the
// CLI): the reviewer when neither the write token nor a proxy's user header names one.
const ReviewerHeader = "X-Alertlens-Reviewer"

// MaxReviewBytes bounds a review or follow-up body: a verdict's note is at most 4000
// characters, so 64 KiB is plenty.
const MaxReviewBytes = 64 << 10

// ReviewBody is PUT /api/v1/incidents/{id}/review's body; the rule form has no version.
type ReviewBody struct {
	Tag         string `json:"tag"`
	Reason      string `json:"reason"`
	Note        string `json:"note"`
	Owner       string `json:"owner"`
	FollowUpURL string `json:"follow_up_url"`
	// Version is the tag version the reviewer's page showed (0: untagged); omitted, the
	// write is not checked against a newer one.
	Version *int `json:"version,omitempty"`
}

func (b ReviewBody) verdict() review.Verdict {
	return review.Verdict{Tag: b.Tag, Reason: b.Reason, Note: b.Note, Owner: b.Owner, FollowUpURL: b.FollowUpURL}
}

// RuleReviewBody is PUT /api/v1/rules/{id}/review's body.
type RuleReviewBody struct {
	Tag         string `json:"tag"`
	Reason      string `json:"reason"`
	Note        string `json:"note"`
	Owner       string `json:"owner"`
	FollowUpURL string `json:"follow_up_url"`
}

// RuleReviewAnswer is what tagging a rule's week answers.
type RuleReviewAnswer struct {
	Tagged int          `json:"tagged"`
	Tags   []review.Tag `json:"tags"`
}

// FollowUpBody is POST /api/v1/rules/{id}/follow-ups's body.
type FollowUpBody struct {
	TicketURL string  `json:"ticket_url"`
	Change    string  `json:"change"`
	ShippedOn *string `json:"shipped_on"` // YYYY-MM-DD, null while not shipped
}

// Reason is one of the review's fixed reasons, with its words.
type Reason struct {
	Reason string `json:"reason"`
	Label  string `json:"label"`
}

// ConflictAnswer is a 409's body: the error and the tag as it now stands.
type ConflictAnswer struct {
	Error   apiError    `json:"error"`
	Current *review.Tag `json:"current"`
}

func (s *Server) reviewRoutes() []route {
	rt := []route{
		{method: "GET", path: "/api/v1/review", summary: "The weekly review: a week's pages by rule (most after-hours first), each with its local time, window, people interrupted and woken, signals, runbook and tag (CSV: one row per page)",
			access: read, query: []string{"week", "format"}, csv: true, response: report.ReviewWeek{}, handler: s.reviewWeek},
		{method: "GET", path: "/api/v1/reasons", summary: "The review's fixed reasons, with their words",
			access: read, response: []Reason{}, handler: s.reasons},
		{method: "GET", path: "/api/v1/rules/:id/fix-effect", summary: "Each shipped follow-up of a rule: after-hours pages, pages and noise in the 4 weeks before against the 4 weeks after",
			access: read, response: []report.FixEffect{}, handler: s.fixEffect},
		{method: "GET", path: "/api/v1/reports/weekly", summary: "The weekly review's report (format markdown, html, csv or json)",
			access: read, query: []string{"week", "format"}, content: "text/markdown", handler: s.weeklyReport},
		{method: "GET", path: "/api/v1/reports/monthly", summary: "Leadership's monthly report per team and rotation with a 6-month trend (format csv, html or json)",
			access: read, query: []string{"month", "format"}, content: "text/csv", handler: s.monthlyReport},
	}
	if s.review != nil {
		rt = append(rt,
			route{method: "GET", path: "/api/v1/incidents/:id/review/history", summary: "Every change of an incident's tag: who, when, before and after",
				access: read, query: []string{"source"}, response: []review.Change{}, handler: s.reviewHistory,
				errors: map[string]string{"404": "no such incident"}},
			route{method: "GET", path: "/api/v1/rules/:id/follow-ups", summary: "A rule's follow-ups: the ticket, what was changed, when it shipped",
				access: read, response: []review.FollowUp{}, handler: s.followUps},
			route{method: "PUT", path: "/api/v1/incidents/:id/review", summary: "Tag one page: action_taken or no_action, a reason, note, owner and follow-up link (409 when the version seen is stale)",
				access: write, query: []string{"source"}, body: ReviewBody{}, response: review.Tag{}, handler: s.tagIncident,
				errors: map[string]string{"404": "no such incident", "409": "the tag changed since the version given; the body's current holds it"}},
			route{method: "PUT", path: "/api/v1/rules/:id/review", summary: "Tag every page of a rule in a week, in one transaction",
				access: write, query: []string{"week"}, body: RuleReviewBody{}, response: RuleReviewAnswer{}, handler: s.tagRule,
				errors: map[string]string{"404": "no such rule"}},
			route{method: "POST", path: "/api/v1/rules/:id/follow-ups", summary: "Add a follow-up to a rule",
				access: write, body: FollowUpBody{}, response: review.FollowUp{}, handler: s.addFollowUp,
				status: http.StatusCreated, errors: map[string]string{"404": "no such rule"}},
		)
	}
	return rt
}

// reviewer is who writes: the write token's name, else the authenticating proxy's user
// header (only when configured), else the name the page or the CLI sends. The last is
// trusted as far as the request is: with auth off anyone may write anyway, and with an
// unnamed write token its holder may.
func (s *Server) reviewer(c *gin.Context) (string, error) {
	if v, ok := c.Get(tokenNameKey); ok {
		return v.(string), nil
	}
	if s.userHeader != "" {
		if u := strings.TrimSpace(c.GetHeader(s.userHeader)); u != "" {
			return u, nil
		}
	}
	// A header carries bytes, and a browser sends a name like "Róisín" in Latin-1 or not
	// at all; the review page percent-encodes it as UTF-8, so it is decoded here.
	u := strings.TrimSpace(c.GetHeader(ReviewerHeader))
	if d, err := url.PathUnescape(u); err == nil {
		u = strings.TrimSpace(d)
	}
	if !utf8.ValidString(u) {
		return "", badParam(ReviewerHeader, "want UTF-8, percent-encoded (as the review page sends it)")
	}
	if u == "" {
		return "", badParam(ReviewerHeader, "required: the reviewer's name (the review page asks for it; the CLI sends --reviewer or $USER), since no named write token or proxy user header names one")
	}
	if len(u) > 200 {
		return "", badParam(ReviewerHeader, "want at most 200 characters, got %d", len(u))
	}
	return u, nil
}

func (s *Server) reviewWeek(c *gin.Context) {
	asCSV, err := wantCSV(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	w, err := s.a.ReviewWeek(c.Request.Context(), c.Query("week"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, asCSV, w, func(out io.Writer, tz string) error { return report.WriteReviewCSV(out, tz, w) })
}

func (s *Server) reasons(c *gin.Context) {
	out := make([]Reason, 0, len(review.Reasons))
	for _, r := range review.Reasons {
		out = append(out, Reason{Reason: r, Label: review.ReasonLabels[r]})
	}
	c.JSON(http.StatusOK, out)
}

// incidentSource is the source of the incident in the path: ?source when given, else the
// one source that holds the id; 404 when none does, 400 naming source when several do.
func (s *Server) incidentSource(c *gin.Context) (string, error) {
	id := c.Param("id")
	if src := c.Query("source"); src != "" {
		return src, nil
	}
	sources, err := s.a.IncidentSources(c.Request.Context(), id)
	switch {
	case err != nil:
		return "", err
	case len(sources) == 0:
		return "", &analytics.Error{Code: analytics.ENOTFOUND, Param: "id", Message: fmt.Sprintf("no incident %q", id)}
	case len(sources) > 1:
		return "", badParam("source", "incident %q is in %d sources (%s): say which with ?source=", id, len(sources), strings.Join(sources, ", "))
	}
	return sources[0], nil
}

func (s *Server) tagIncident(c *gin.Context) {
	var body ReviewBody
	if !s.readJSON(c, MaxReviewBytes, &body) {
		return
	}
	who, err := s.reviewer(c)
	if err == nil {
		var src string
		if src, err = s.incidentSource(c); err == nil {
			var tags []review.Tag
			tags, err = s.review.Tag(c.Request.Context(), []review.Request{{Source: src, IncidentID: c.Param("id"),
				Verdict: body.verdict(), Reviewer: who, Seen: body.Version}})
			if err == nil {
				c.JSON(http.StatusOK, tags[0])
				return
			}
		}
	}
	s.fail(c, err)
}

func (s *Server) tagRule(c *gin.Context) {
	var body RuleReviewBody
	who, id, ok := s.ruleWrite(c, &body)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	w, err := s.a.ReviewWeek(ctx, c.Query("week"))
	if err != nil {
		s.fail(c, err)
		return
	}
	v := review.Verdict{Tag: body.Tag, Reason: body.Reason, Note: body.Note, Owner: body.Owner, FollowUpURL: body.FollowUpURL}
	var reqs []review.Request
	for _, r := range w.Rules {
		if r.RuleID == id {
			for _, p := range r.Incidents {
				reqs = append(reqs, review.Request{Source: p.Source, IncidentID: p.IncidentID, Verdict: v, Reviewer: who})
			}
		}
	}
	if len(reqs) == 0 {
		// Nothing to tag, but a bad verdict is still refused: the same body with pages
		// would have been.
		if err := v.Validate(); err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(http.StatusOK, RuleReviewAnswer{Tags: []review.Tag{}})
		return
	}
	tags, err := s.review.Tag(ctx, reqs)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, RuleReviewAnswer{Tagged: len(tags), Tags: tags})
}

func (s *Server) reviewHistory(c *gin.Context) {
	src, err := s.incidentSource(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	h, err := s.review.History(c.Request.Context(), src, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, h)
}

// knownRule is the rule in the path when the history has it; else it answers 404 and
// reports false.
func (s *Server) knownRule(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if _, err := s.a.Rule(c.Request.Context(), id, report.Filter{}); err != nil {
		s.fail(c, err)
		return "", false
	}
	return id, true
}

// ruleWrite reads a write to the rule in the path: its body, who writes, and that the
// rule exists; on failure it answers and reports false.
func (s *Server) ruleWrite(c *gin.Context, body any) (who, id string, ok bool) {
	if !s.readJSON(c, MaxReviewBytes, body) {
		return "", "", false
	}
	who, err := s.reviewer(c)
	if err != nil {
		s.fail(c, err)
		return "", "", false
	}
	id, ok = s.knownRule(c)
	return who, id, ok
}

func (s *Server) followUps(c *gin.Context) {
	ctx := c.Request.Context()
	id, ok := s.knownRule(c)
	if !ok {
		return
	}
	fus, err := s.review.FollowUps(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, fus)
}

func (s *Server) addFollowUp(c *gin.Context) {
	var body FollowUpBody
	who, id, ok := s.ruleWrite(c, &body)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	f := review.FollowUp{RuleID: id, TicketURL: strings.TrimSpace(body.TicketURL), Change: strings.TrimSpace(body.Change), CreatedBy: who}
	if body.ShippedOn != nil && *body.ShippedOn != "" {
		d, err := time.Parse(time.DateOnly, *body.ShippedOn)
		if err != nil {
			s.fail(c, badParam("shipped_on", "want a date as YYYY-MM-DD, or null while not shipped, got %q", *body.ShippedOn))
			return
		}
		f.ShippedOn = &d
	}
	f, err := s.review.AddFollowUp(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, f)
}

func (s *Server) fixEffect(c *gin.Context) {
	ctx := c.Request.Context()
	id, ok := s.knownRule(c)
	if !ok {
		return
	}
	rows, err := s.a.FixEffect(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rows)
}

// weeklyFormats are the weekly report's forms and their content types (json aside).
var weeklyFormats = map[string]struct {
	write func(io.Writer, report.WeeklyReport) error
	ctype string
}{
	"markdown": {report.WriteWeeklyMarkdown, "text/markdown; charset=utf-8"},
	"html":     {report.WriteWeeklyHTML, "text/html; charset=utf-8"},
	"csv":      {report.WriteWeeklyCSV, "text/csv; charset=utf-8"},
}

func (s *Server) weeklyReport(c *gin.Context) {
	format := c.DefaultQuery("format", "markdown")
	form, ok := weeklyFormats[format]
	if !ok && format != "json" {
		s.fail(c, badParam("format", "want markdown, html, csv or json, got %q", format))
		return
	}
	r, err := s.a.WeeklyReport(c.Request.Context(), c.Query("week"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if !ok {
		c.JSON(http.StatusOK, r)
		return
	}
	var buf bytes.Buffer
	if err := form.write(&buf, r); err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, form.ctype, buf.Bytes())
}

func (s *Server) monthlyReport(c *gin.Context) {
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "html" && format != "json" {
		s.fail(c, badParam("format", "want csv, html or json, got %q", format))
		return
	}
	month := c.Query("month")
	if month == "" {
		s.fail(c, badParam("month", "required: the month as YYYY-MM"))
		return
	}
	r, err := s.a.MonthlyReport(c.Request.Context(), month)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	switch format {
	case "json":
		c.JSON(http.StatusOK, r)
		return
	case "html":
		err = dashboards.WriteMonthlyReportHTML(&buf, r)
	default:
		err = report.WriteMonthlyCSV(&buf, r)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	ctype := "text/csv; charset=utf-8"
	if format == "html" {
		ctype = "text/html; charset=utf-8"
	}
	c.Data(http.StatusOK, ctype, buf.Bytes())
}

// reviewFailure answers a review.Error (fail calls it): a stale version 409 with the tag
// as it now stands, no such incident 404, a bad field 400 naming it.
func reviewFailure(c *gin.Context, err error) bool {
	var re *review.Error
	if !errors.As(err, &re) {
		return false
	}
	switch {
	case re.Conflict:
		c.AbortWithStatusJSON(http.StatusConflict, ConflictAnswer{Error: apiError{Message: re.Message}, Current: re.Current})
	case re.NotFound:
		c.AbortWithStatusJSON(http.StatusNotFound, errorBody(re.Field, re.Message))
	default:
		c.AbortWithStatusJSON(http.StatusBadRequest, errorBody(re.Field, re.Message))
	}
	return true
}
