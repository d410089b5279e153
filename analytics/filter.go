package analytics

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// where builds a WHERE clause for a filter over a table with month, team and rotation
// columns. Clauses are fixed strings; every value is a ? argument.
type where struct {
	clauses []string
	args    []any
}

func (w *where) add(clause string, args ...any) {
	w.clauses = append(w.clauses, clause)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.clauses) == 0 {
		return "true"
	}
	return strings.Join(w.clauses, " and ")
}

// ParseMonth reads "YYYY-MM".
func ParseMonth(param, v string) (time.Time, error) {
	t, err := time.Parse("2006-01", v)
	if err != nil {
		return time.Time{}, invalid(param, "want a month as YYYY-MM, got %q", v)
	}
	return t, nil
}

// Validate checks the filter's syntax: months as YYYY-MM, from not after to, a limit
// that is not negative. Whether a team or rotation exists is checked against the data.
func (f Filter) Validate() error {
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

// check validates a filter once per query: its syntax, and that its team and rotation
// exist in the history.
func (s *Service) check(ctx context.Context, f Filter) error {
	if err := f.Validate(); err != nil {
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

// periodWhere restricts a checked filter's query by month (column monthCol) and owner
// (teamCol, rotationCol; "" to skip).
func periodWhere(f Filter, monthCol, teamCol, rotationCol string) *where {
	w := &where{}
	if f.From != "" {
		m, _ := ParseMonth("from", f.From)
		w.add(monthCol+" >= ?", m)
	}
	if f.To != "" {
		m, _ := ParseMonth("to", f.To)
		w.add(monthCol+" <= ?", m)
	}
	if f.Team != "" && teamCol != "" {
		w.add(teamCol+" = ?", f.Team)
	}
	if f.Rotation != "" && rotationCol != "" {
		w.add(rotationCol+" = ?", f.Rotation)
	}
	return w
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

func limitClause(f Filter) string {
	if f.Limit > 0 {
		return " limit " + strconv.Itoa(f.Limit)
	}
	return ""
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
