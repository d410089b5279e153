package api

import (
	"context"
	"errors"
	"fmt"
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
// ENOTFOUND 404, ENOTBUILT 503; anything else is 500 "internal error", with the real error
// logged.
func (s *Server) fail(c *gin.Context, err error) {
	var pe *paramError
	if errors.As(err, &pe) {
		c.AbortWithStatusJSON(http.StatusBadRequest, errorBody(pe.param, pe.msg))
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
