package api

import (
	"context"
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/dashboards"
)

// isoWeek is the review's ?week: an ISO year and week, "2026-W47".
var isoWeek = regexp.MustCompile(`^[0-9]{4}-W([0-9]{2})$`)

// reviewPage serves the weekly review's shell; its script reads the week from
// GET /api/v1/review and writes tags through the review endpoints. A malformed week is
// refused here, as a page, so the meeting never sees a blank list.
func (s *Server) reviewPage(c *gin.Context) {
	s.page(c, "Weekly review", func(_ context.Context, _ report.Filter, ch dashboards.Choices) (dashboards.Page, error) {
		week := c.Query("week")
		if week != "" {
			m := isoWeek.FindStringSubmatch(week)
			if m == nil || !validWeek(m[1]) {
				return dashboards.Page{}, badParam("week", "want an ISO week as YYYY-Www (e.g. 2026-W47), got %q", week)
			}
		}
		// With auth off nobody is known to the server: the page asks for a name and
		// sends it as X-Alertlens-Reviewer.
		return dashboards.ReviewPage(ch, week, !s.tokens.Enabled()), nil
	})
}

func validWeek(n string) bool {
	w, err := strconv.Atoi(n)
	return err == nil && w >= 1 && w <= 53
}
