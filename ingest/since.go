package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseSince reads a backfill start (the since setting): a number of days ("90d"), a Go duration ("36h"),
// a date ("2025-01-31", midnight UTC) or an RFC 3339 time. Durations count back from now.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return now.AddDate(0, 0, -n).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d).UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, &OptionError{Option: "since", Problem: fmt.Sprintf("want a number of days (90d), a duration (36h), a date (2025-01-31) or an RFC 3339 time, got %q", s)}
}
