package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
)

// badParam is a bad query parameter or body field: EINVALID (400) with the parameter
// named. analytics.Error is the one error type the handlers map to a status (fail).
func badParam(param, format string, args ...any) error {
	return &analytics.Error{Code: analytics.EINVALID, Param: param, Message: fmt.Sprintf(format, args...)}
}

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

// parseFilter reads from, to, team, rotation and limit, and has analytics check them
// (months, and that the team and rotation are in the history). The limit's bounds are
// this API's own: they cap what one request can ask for.
func (s *Server) parseFilter(ctx context.Context, q func(string) string) (report.Filter, error) {
	f := report.Filter{From: q("from"), To: q("to"), Team: q("team"), Rotation: q("rotation")}
	if v := q("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return f, badParam("limit", "want a whole number from 1 to %d, got %q", maxLimit, v)
		}
		f.Limit = n
	}
	if err := analytics.ValidateFilter(f); err != nil || (f.Team == "" && f.Rotation == "") {
		return f, err
	}
	return f, s.a.CheckFilter(ctx, f)
}

// wantCSV decides the representation: ?format=csv|json wins, else the Accept header.
func wantCSV(c *gin.Context) (bool, error) {
	switch f := c.Query("format"); f {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
		return acceptsCSV(c.GetHeader("Accept")), nil
	default:
		return false, badParam("format", "want json or csv, got %q", f)
	}
}

// acceptsCSV tells whether an Accept header asks for CSV rather than JSON: the one way
// the header changes an answer (the response cache keys answers by it).
func acceptsCSV(accept string) bool {
	return strings.Contains(accept, "text/csv") && !strings.Contains(accept, "application/json")
}

// whatIfBody is POST /api/v1/whatif's body.
type whatIfBody struct {
	Filter  report.Filter       `json:"filter"`
	Changes []report.RuleChange `json:"changes"`
}

// apiError is every error's JSON shape: {"error": {"param": ..., "message": ...}}.
type apiError struct {
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

func errorBody(param, msg string) gin.H {
	return gin.H{"error": apiError{Param: param, Message: msg}}
}

// fail maps an error to its status in one place: EINVALID (a bad parameter) is 400,
// ENOTFOUND 404, ENOTBUILT 503, a request past its deadline 503, a review.Error 409 (a
// stale version), 404 or 400 (reviewFailure); anything else is 500 "internal error",
// with the real error logged.
func (s *Server) fail(c *gin.Context, err error) {
	// The driver reports an interrupted query in its own words; the request's context
	// says why it was interrupted.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(c.Request.Context().Err(), context.DeadlineExceeded) {
		s.log.Warn("request past its deadline", "route", c.FullPath(), "timeout", s.timeout.String(), "err", err)
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorBody("",
			fmt.Sprintf("the query ran past the server's %s deadline: narrow the period or filter, or ask for fewer rows", s.timeout)))
		return
	}
	if reviewFailure(c, err) {
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
