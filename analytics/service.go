package analytics

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Error codes, mapped to HTTP statuses by the API in one place.
const (
	EINVALID  = "invalid"   // a bad parameter
	ENOTFOUND = "not_found" // no such rule, team, ...
	ENOTBUILT = "not_built" // the models have not been built yet
)

// Error is an error a caller can act on: which parameter, and what was wrong.
type Error struct {
	Code    string
	Param   string // the filter field or parameter at fault, if any
	Message string
}

func (e *Error) Error() string {
	if e.Param != "" {
		return fmt.Sprintf("%s: %s", e.Param, e.Message)
	}
	return e.Message
}

// ErrorCode returns the code of an *Error, or "" for any other error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func invalid(param, format string, args ...any) error {
	return &Error{Code: EINVALID, Param: param, Message: fmt.Sprintf(format, args...)}
}

// Service reads the built marts as typed rows.
type Service struct {
	db  *sql.DB
	now func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithNow sets the clock that "this month", "so far" and the pace are judged against
// (default time.Now): tests freeze it, and a CLI can replay a history as of a date.
func WithNow(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// New returns a Service over a built database.
func New(db *sql.DB, opts ...Option) *Service {
	s := &Service{db: db, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}
