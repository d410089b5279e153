package analytics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	db *sql.DB
}

// New returns a Service over a built database.
func New(db *sql.DB) *Service { return &Service{db: db} }

var errTODO = errors.New("not implemented yet")

// Overview tells what the database holds.
func (s *Service) Overview(ctx context.Context) (Overview, error) { return Overview{}, errTODO }

// MonthlyGoal lists after-hours pages per month against the goal: the organisation,
// every rotation and every team, narrowed by f (Team / Rotation keep the org rows and
// that scope's rows).
func (s *Service) MonthlyGoal(ctx context.Context, f Filter) ([]GoalMonth, error) {
	return nil, errTODO
}

// Pace projects the latest month's after-hours pages for a scope ("org", "" for the
// organisation) as of the latest data.
func (s *Service) Pace(ctx context.Context, scopeType, scope string) (Pace, error) {
	return Pace{}, errTODO
}

// Rules lists alert rules over the period, ranked by impact (after-hours pages plus
// sleep-hours pages), then incidents.
func (s *Service) Rules(ctx context.Context, f Filter) ([]RuleStats, error) { return nil, errTODO }

// Rule returns one rule's numbers over the period; ENOTFOUND when there is no such rule.
func (s *Service) Rule(ctx context.Context, ruleID string, f Filter) (RuleStats, error) {
	return RuleStats{}, errTODO
}

// RuleHistory lists one rule's numbers per month.
func (s *Service) RuleHistory(ctx context.Context, ruleID string, f Filter) ([]RuleMonth, error) {
	return nil, errTODO
}

// Incidents lists incidents with their signals, newest first; ruleID "" for all rules.
func (s *Service) Incidents(ctx context.Context, f Filter, ruleID string) ([]Incident, error) {
	return nil, errTODO
}

// Pages lists pages, newest first.
func (s *Service) Pages(ctx context.Context, f Filter) ([]Page, error) { return nil, errTODO }

// Windows counts pages per month and hour window.
func (s *Service) Windows(ctx context.Context, f Filter) ([]WindowCount, error) { return nil, errTODO }

// Coverage reports runbook coverage and the worst gaps.
func (s *Service) Coverage(ctx context.Context, f Filter) (Coverage, error) {
	return Coverage{}, errTODO
}

// Responders lists each person's load, most interrupted first.
func (s *Service) Responders(ctx context.Context, f Filter) ([]ResponderLoad, error) {
	return nil, errTODO
}

// Fairness lists, per rotation and month, the most- to median-loaded ratio.
func (s *Service) Fairness(ctx context.Context, f Filter) ([]Fairness, error) { return nil, errTODO }

// Heatmap counts interruptions by local weekday and hour.
func (s *Service) Heatmap(ctx context.Context, f Filter) ([]HeatCell, error) { return nil, errTODO }

// Response reports MTTA, MTTR and escalations.
func (s *Service) Response(ctx context.Context, f Filter) (Response, error) {
	return Response{}, errTODO
}

// PathToGoal ranks the rules behind the after-hours pages of the filter's last month
// (for the organisation, or the filter's rotation or team) and marks the smallest set
// whose removal brings it under the goal.
func (s *Service) PathToGoal(ctx context.Context, f Filter) (PathToGoal, error) {
	return PathToGoal{}, errTODO
}

// WhatIf recomputes monthly after-hours pages with the proposed rule changes.
func (s *Service) WhatIf(ctx context.Context, f Filter, changes []RuleChange) ([]WhatIfMonth, error) {
	return nil, errTODO
}
