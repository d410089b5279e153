package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics"
)

// paramError is a bad query parameter or body field: 400 with the parameter named.
type paramError struct {
	param, msg string
}

func (e *paramError) Error() string { return e.param + ": " + e.msg }

func badParam(param, format string, args ...any) error {
	return &paramError{param: param, msg: fmt.Sprintf(format, args...)}
}

var monthPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// maxLimit bounds ?limit so that one request cannot ask for an unbounded list.
const maxLimit = 10000

// defaultLimit is how many rows a JSON list holds without ?limit: more than any chart or
// table needs, few enough that a script that forgot a filter does not pull the history.
const defaultLimit = 1000

// truncatedHeader is set to "true" on a list that holds fewer rows than matched.
const truncatedHeader = "X-Truncated"

// listLimit is the most rows a list answers: ?limit when given, else defaultLimit for
// JSON. A CSV export without ?limit holds every row: it is what leadership reports are
// made from, and a silently shortened export would under-count; the query deadline
// bounds what it costs. 0 means no limit.
func listLimit(asCSV bool, limit int) int {
	if limit > 0 || asCSV {
		return limit
	}
	return defaultLimit
}

// cut keeps the first limit rows (0: all) and marks the answer truncated when there were
// more; the fetch asked for limit+1 rows to know.
func cut[T any](c *gin.Context, rows []T, limit int) []T {
	if limit > 0 && len(rows) > limit {
		c.Header(truncatedHeader, "true")
		return rows[:limit]
	}
	return rows
}

// readBody reads a request body of at most limit bytes. Over the limit it answers 413
// naming the limit, any other read failure 400, and reports false: a body is never cut
// short and then parsed as if it were whole.
func (s *Server) readBody(c *gin.Context, limit int64) ([]byte, bool) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge,
			errorBody("body", fmt.Sprintf("the body is over the limit of %d bytes", tooBig.Limit)))
		return nil, false
	case err != nil:
		s.fail(c, badParam("body", "could not read the body: %v", err))
		return nil, false
	}
	return raw, true
}

// parseFilter reads and checks from, to, team, rotation and limit. Team and rotation must
// be ones the database knows (from the overview).
func (s *Server) parseFilter(ctx context.Context, q func(string) string) (analytics.Filter, error) {
	f := analytics.Filter{From: q("from"), To: q("to"), Team: q("team"), Rotation: q("rotation")}
	if err := checkFilter(f); err != nil {
		return f, err
	}
	if v := q("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return f, badParam("limit", "want a whole number from 1 to %d, got %q", maxLimit, v)
		}
		f.Limit = n
	}
	if f.Team != "" || f.Rotation != "" {
		ov, err := s.a.Overview(ctx)
		if err != nil {
			return f, err
		}
		if f.Team != "" && !slices.Contains(ov.Teams, f.Team) {
			return f, badParam("team", "no team %q; known teams: %s", f.Team, names(ov.Teams))
		}
		if f.Rotation != "" && !slices.Contains(ov.Rotations, f.Rotation) {
			return f, badParam("rotation", "no rotation %q; known rotations: %s", f.Rotation, names(ov.Rotations))
		}
	}
	return f, nil
}

// checkFilter checks the months of a filter (from a query or a what-if body).
func checkFilter(f analytics.Filter) error {
	for _, p := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if p.v != "" && !monthPattern.MatchString(p.v) {
			return badParam(p.name, "want a month as YYYY-MM, got %q", p.v)
		}
	}
	if f.From != "" && f.To != "" && f.From > f.To {
		return badParam("from", "from %s is after to %s", f.From, f.To)
	}
	if f.Limit < 0 || f.Limit > maxLimit {
		return badParam("limit", "want a whole number from 1 to %d, got %d", maxLimit, f.Limit)
	}
	return nil
}

func names(all []string) string {
	if len(all) == 0 {
		return "none"
	}
	const show = 20
	if len(all) > show {
		return strings.Join(all[:show], ", ") + fmt.Sprintf(" and %d more", len(all)-show)
	}
	return strings.Join(all, ", ")
}

// wantCSV decides the representation: ?format=csv|json wins, else the Accept header.
func wantCSV(c *gin.Context) (bool, error) {
	switch f := c.Query("format"); f {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
		accept := c.GetHeader("Accept")
		return strings.Contains(accept, "text/csv") && !strings.Contains(accept, "application/json"), nil
	default:
		return false, badParam("format", "want json or csv, got %q", f)
	}
}

// whatIfBody is POST /api/v1/whatif's body.
type whatIfBody struct {
	Filter  analytics.Filter       `json:"filter"`
	Changes []analytics.RuleChange `json:"changes"`
}

// checkChanges checks the proposed changes of a what-if body.
func checkChanges(changes []analytics.RuleChange) error {
	for i, ch := range changes {
		p := fmt.Sprintf("changes[%d]", i)
		if ch.RuleID == "" {
			return badParam(p+".rule_id", "want the id of a rule")
		}
		switch ch.Action {
		case analytics.WhatIfRemove, analytics.WhatIfBusinessHours:
		case analytics.WhatIfDelay:
			if ch.DelayMinutes < 1 || ch.DelayMinutes > 24*60 {
				return badParam(p+".delay_minutes", "want minutes from 1 to 1440 for a delay, got %d", ch.DelayMinutes)
			}
		default:
			return badParam(p+".action", "want remove, business_hours_only or delay, got %q", ch.Action)
		}
	}
	return nil
}

// apiError is every error's JSON shape: {"error": {"param": ..., "message": ...}}.
type apiError struct {
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

func errorBody(param, msg string) gin.H {
	return gin.H{"error": apiError{Param: param, Message: msg}}
}

// fail maps an error to its status in one place: a bad parameter or EINVALID is 400,
// ENOTFOUND 404, ENOTBUILT 503, a request past its deadline 503; anything else is 500
// "internal error", with the real error logged.
func (s *Server) fail(c *gin.Context, err error) {
	var pe *paramError
	if errors.As(err, &pe) {
		c.AbortWithStatusJSON(http.StatusBadRequest, errorBody(pe.param, pe.msg))
		return
	}
	// The driver reports an interrupted query in its own words; the request's context
	// says why it was interrupted.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(c.Request.Context().Err(), context.DeadlineExceeded) {
		s.log.Warn("request past its deadline", "route", c.FullPath(), "timeout", s.timeout.String(), "err", err)
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorBody("",
			fmt.Sprintf("the query ran past the server's %s deadline: narrow the period or filter, or ask for fewer rows", s.timeout)))
		return
	}
	var status int
	switch analytics.ErrorCode(err) {
	case analytics.EINVALID:
		status = http.StatusBadRequest
	case analytics.ENOTFOUND:
		status = http.StatusNotFound
	case analytics.ENOTBUILT:
		status = http.StatusServiceUnavailable
	default:
		s.log.Error("request failed", "route", c.FullPath(), "err", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody("", "internal error"))
		return
	}
	var ae *analytics.Error
	errors.As(err, &ae)
	c.AbortWithStatusJSON(status, errorBody(ae.Param, ae.Message))
}
