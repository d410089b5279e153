package analytics

import (
	"context"
	"database/sql"
	"errors"
	"github.com/alertlens/alertlens/analytics/report"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// ParseMonth reads "YYYY-MM".
func ParseMonth(param, v string) (time.Time, error) {
	t, err := time.Parse("2006-01", v)
	if err != nil {
		return time.Time{}, invalid(param, "want a month as YYYY-MM, got %q", v)
	}
	return t, nil
}

// ValidateFilter checks a filter's syntax: months as YYYY-MM, from not after to, a limit
// that is not negative. Whether a team or rotation exists is checked against the data
// (Service.CheckFilter). Every reader method checks its filter itself; callers use this
// to refuse a bad filter before they do anything else.
func ValidateFilter(f report.Filter) error {
	var from, to time.Time
	var err error
	if f.From != "" {
		if from, err = ParseMonth("from", f.From); err != nil {
			return err
		}
	}
	if f.To != "" {
		if to, err = ParseMonth("to", f.To); err != nil {
			return err
		}
	}
	if f.From != "" && f.To != "" && from.After(to) {
		return invalid("from", "%s is after to %s", f.From, f.To)
	}
	if f.Limit < 0 {
		return invalid("limit", "want a positive number, got %d", f.Limit)
	}
	return nil
}

// CheckFilter validates a filter: its syntax, and that its team and rotation exist in
// the history. Every reader method calls it before its query, so a filter is judged in
// this one place.
func (s *Service) CheckFilter(ctx context.Context, f report.Filter) error {
	if err := ValidateFilter(f); err != nil {
		return err
	}
	if f.Team != "" {
		if err := s.mustExist(ctx, "team", "team", f.Team); err != nil {
			return err
		}
	}
	if f.Rotation != "" {
		return s.mustExist(ctx, "rotation", "rotation", f.Rotation)
	}
	return nil
}

func (s *Service) mustExist(ctx context.Context, param, column, value string) error {
	var n int
	// column is one of two fixed names, never user input
	if err := s.db.QueryRowContext(ctx, "select count(*) from alert_rules where "+column+" = ?", value).Scan(&n); err != nil {
		return s.wrap(err)
	}
	if n == 0 {
		return &Error{Code: EINVALID, Param: param, Message: "no " + param + " named " + quote(value) + " in the history"}
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }

// period is a checked filter as the period queries' first four arguments (sql/queries):
// from_month and to_month as the first of the month (nil: no bound), team and rotation
// (nil: any).
func period(f report.Filter) []any {
	return []any{monthArg(f.From), monthArg(f.To), textArg(f.Team), textArg(f.Rotation)}
}

func monthArg(v string) any {
	if v == "" {
		return nil
	}
	t, _ := ParseMonth("", v) // checked by Validate
	return t
}

func textArg(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// limitArg is a list query's max_rows: nil for all rows.
func limitArg(f report.Filter) any {
	if f.Limit > 0 {
		return f.Limit
	}
	return nil
}

// list runs one query and scans each row with scan.
func list[T any](ctx context.Context, s *Service, query string, args []any, scan func(*sql.Rows, *T) error) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// wrap turns "the models are not built" into ENOTBUILT.
func (s *Service) wrap(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeCatalog {
		return &Error{Code: ENOTBUILT, Message: "the models have not been built: run 'alertlens build'"}
	}
	return err
}

func monthString(t time.Time) string { return t.Format("2006-01") }

func nullFloat(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return &v.Float64
}

func nullTimePtr(v sql.NullTime) *time.Time {
	if !v.Valid {
		return nil
	}
	t := v.Time.UTC()
	return &t
}
