// Package report holds the typed rows that alertlens's answers come in (the API's JSON,
// the dashboards' charts, the CSV exports) and their CSV form. It imports nothing but the
// standard library, so the charts can use it without linking DuckDB.
package report

import "time"

// MetricsVersion is the version of METRICS.md these models compute; exports carry it.
const MetricsVersion = 1

// Scope types of the monthly goal.
const (
	ScopeOrg      = "org"
	ScopeRotation = "rotation"
	ScopeTeam     = "team"
)

// Filter narrows a query. Months are "YYYY-MM" in the reporting time zone, both ends
// included; empty means the whole history. Team and Rotation are exact names.
type Filter struct {
	From     string `form:"from" json:"from,omitempty"`
	To       string `form:"to" json:"to,omitempty"`
	Team     string `form:"team" json:"team,omitempty"`
	Rotation string `form:"rotation" json:"rotation,omitempty"`
	Limit    int    `form:"limit" json:"limit,omitempty"` // 0: no limit
}

// GoalMonth is one scope's after-hours pages in one month against its goal
// (mart monthly_goal).
type GoalMonth struct {
	Month                 string   `json:"month"` // YYYY-MM
	ScopeType             string   `json:"scope_type"`
	Scope                 string   `json:"scope"`
	Pages                 int      `json:"pages"`
	AfterHoursPages       int      `json:"after_hours_pages"`
	SleepHoursPages       int      `json:"sleep_hours_pages"`
	Goal                  int      `json:"goal"` // met when after_hours_pages < goal
	Met                   bool     `json:"met"`
	TrailingAvg3m         *float64 `json:"trailing_3m_avg"` // after-hours pages, this month and the two before
	PeoplePaged           int      `json:"people_paged"`
	PeoplePagedAfterHours int      `json:"people_paged_after_hours"`
	PeopleWoken           int      `json:"people_woken"`
}

// Pace is the month-to-date projection of after-hours pages for one scope.
type Pace struct {
	Month           string    `json:"month"`
	ScopeType       string    `json:"scope_type"`
	Scope           string    `json:"scope"`
	AsOf            time.Time `json:"as_of"`             // the clock judged against, in the reporting zone
	AfterHoursPages int       `json:"after_hours_pages"` // so far this month
	ElapsedDays     float64   `json:"elapsed_days"`
	DaysInMonth     int       `json:"days_in_month"`
	Projected       float64   `json:"projected"` // pages so far / elapsed days * days in month
	Goal            int       `json:"goal"`
	OnTrack         bool      `json:"on_track"`
}

// RuleStats is one alert rule over a period: noise, after-hours impact, runbook.
type RuleStats struct {
	RuleID            string   `json:"rule_id"`
	Rule              string   `json:"rule"`
	Service           string   `json:"service"`
	Team              string   `json:"team"`
	Rotation          string   `json:"rotation"`
	Incidents         int      `json:"incidents"`
	Pages             int      `json:"pages"`
	AfterHoursPages   int      `json:"after_hours_pages"`
	SleepHoursPages   int      `json:"sleep_hours_pages"`
	PeopleWoken       int      `json:"people_woken"`
	ImpactScore       int      `json:"impact_score"`
	EngagedMinutes    float64  `json:"after_hours_engaged_minutes"`
	NoiseScore        float64  `json:"noise_score"`
	AutoResolvedPct   float64  `json:"auto_resolved_pct"`
	TransientPct      float64  `json:"transient_pct"`
	FlappingPct       float64  `json:"flapping_pct"`
	UnacknowledgedPct float64  `json:"unacknowledged_pct"`
	NoActionPct       float64  `json:"no_action_pct"`
	ActionableRate    *float64 `json:"actionable_rate"` // action_taken / tagged, nil when none tagged
	Reason            string   `json:"reason"`          // the biggest signal, in words
	HasRunbook        bool     `json:"has_runbook"`
	RunbookURL        string   `json:"runbook_url"`
	Defined           bool     `json:"defined"` // found in imported rule files
}

// Incident is one incident with its signals.
type Incident struct {
	Source          string     `json:"source"`
	IncidentID      string     `json:"incident_id"`
	RuleID          string     `json:"rule_id"`
	Rule            string     `json:"rule"`
	Title           string     `json:"title"`
	Service         string     `json:"service"`
	Team            string     `json:"team"`
	Rotation        string     `json:"rotation"`
	Urgency         string     `json:"urgency"`
	CreatedAt       time.Time  `json:"created_at"`
	AcknowledgedAt  *time.Time `json:"acknowledged_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	IsPage          bool       `json:"is_page"`
	IsInferred      bool       `json:"is_inferred"`
	PagedAt         *time.Time `json:"paged_at"`
	Window          string     `json:"window"` // business | off_hours | sleep, for pages
	AutoResolved    bool       `json:"auto_resolved"`
	Transient       bool       `json:"transient"`
	Flapping        bool       `json:"flapping"`
	Unacknowledged  bool       `json:"unacknowledged"`
	ReviewTag       string     `json:"review_tag"`
	Noisy           bool       `json:"noisy"`
	RunbookURL      string     `json:"runbook_url"`
	HasRunbook      bool       `json:"has_runbook"`
	Escalations     int        `json:"escalations"`
	ManualEscalated int        `json:"manual_escalations"`
}

// Page is one page: an incident that interrupted someone (or an inferred page).
type Page struct {
	Source      string    `json:"source"`
	IncidentID  string    `json:"incident_id"`
	PagedAt     time.Time `json:"paged_at"`
	Month       string    `json:"month"`
	RuleID      string    `json:"rule_id"`
	Rule        string    `json:"rule"`
	Title       string    `json:"title"`
	Service     string    `json:"service"`
	Team        string    `json:"team"`
	Rotation    string    `json:"rotation"`
	ResponderID string    `json:"responder_id"` // first person interrupted; "" when inferred
	Responder   string    `json:"responder"`
	TimeZone    string    `json:"time_zone"`  // zone the window was judged in
	LocalTime   string    `json:"local_time"` // wall clock there, "2006-01-02 15:04"
	Window      string    `json:"window"`
	AfterHours  bool      `json:"after_hours"`
	SleepHours  bool      `json:"sleep_hours"`
	Inferred    bool      `json:"inferred"`
	People      int       `json:"people_interrupted"`
	HasRunbook  bool      `json:"has_runbook"`
	Noisy       bool      `json:"noisy"`
}

// Coverage is runbook coverage over a period.
type Coverage struct {
	Pages                 int         `json:"pages"`
	PagesWithRunbook      int         `json:"pages_with_runbook"`
	PagesPct              *float64    `json:"pages_with_runbook_pct"`
	AfterHoursPages       int         `json:"after_hours_pages"`
	AfterHoursWithRunbook int         `json:"after_hours_pages_with_runbook"`
	AfterHoursPct         *float64    `json:"after_hours_pages_with_runbook_pct"`
	DefinedRules          int         `json:"defined_rules"`
	DefinedWithRunbook    int         `json:"defined_rules_with_runbook"`
	DefinedPct            *float64    `json:"defined_rules_with_runbook_pct"`
	Gaps                  []RuleStats `json:"gaps"` // after-hours-paging rules without a runbook, worst first
}

// ResponderLoad is one person's load over a period.
type ResponderLoad struct {
	Source           string `json:"-"` // with responder_id, the person's key (the person page's path); not in the JSON or CSV, whose columns are fixed
	ResponderID      string `json:"responder_id"`
	Responder        string `json:"responder"`
	TimeZone         string `json:"time_zone"`
	Rotations        string `json:"rotations"` // comma-separated
	Interruptions    int    `json:"interruptions"`
	Pages            int    `json:"pages"`
	AfterHoursPages  int    `json:"after_hours_pages"`
	SleepHoursPages  int    `json:"sleep_hours_pages"`
	HoursInterrupted int    `json:"hours_interrupted"`
	BusiestShift     int    `json:"busiest_shift_pages"` // most pages in one shift
	ShiftsOverLimit  int    `json:"shifts_over_limit"`   // shifts over 2 pages per 12 hours of the shift
	// ShiftsFrom says what a shift is: "schedule" (the person's real on-call shifts) or
	// "12h guess" (12-hour local halves of the day, for a person the schedules do not hold).
	ShiftsFrom string `json:"shifts_from"`
}

// Fairness is a rotation's spread of load in one month.
type Fairness struct {
	Month      string   `json:"month"`
	Rotation   string   `json:"rotation"`
	People     int      `json:"people"`
	MaxLoad    int      `json:"max_interruptions"`
	Median     float64  `json:"median_interruptions"`
	Ratio      *float64 `json:"ratio"` // max / median; nil when the median is 0
	MostLoaded string   `json:"most_loaded"`
}

// HeatCell is interruptions in one local hour of one weekday.
type HeatCell struct {
	Weekday       int `json:"weekday"` // ISO: 1 = Monday
	Hour          int `json:"hour"`    // 0-23, local to the person interrupted
	Interruptions int `json:"interruptions"`
}

// Response is MTTA, MTTR and escalations over a period.
type Response struct {
	Incidents        int      `json:"incidents"`
	Acknowledged     int      `json:"acknowledged"`
	Resolved         int      `json:"resolved"`
	MTTAMedianSec    *float64 `json:"mtta_median_seconds"`
	MTTAP90Sec       *float64 `json:"mtta_p90_seconds"`
	MTTAMeanSec      *float64 `json:"mtta_mean_seconds"`
	MTTRMedianSec    *float64 `json:"mttr_median_seconds"`
	MTTRP90Sec       *float64 `json:"mttr_p90_seconds"`
	MTTRMeanSec      *float64 `json:"mttr_mean_seconds"`
	EscalatedTimeout int      `json:"escalated_timeout"`
	EscalatedManual  int      `json:"escalated_manual"`
}

// WindowCount is pages in one hour window.
type WindowCount struct {
	Month  string `json:"month"`
	Window string `json:"window"` // business | off_hours | sleep
	Pages  int    `json:"pages"`
}

// ParetoRule is one rule's share of a period's after-hours pages.
type ParetoRule struct {
	Rank            int     `json:"rank"`
	RuleID          string  `json:"rule_id"`
	Rule            string  `json:"rule"`
	Service         string  `json:"service"`
	Team            string  `json:"team"`
	AfterHoursPages int     `json:"after_hours_pages"`
	CumulativePages int     `json:"cumulative_pages"`
	CumulativePct   float64 `json:"cumulative_pct"`
	InSmallestSet   bool    `json:"in_smallest_set"` // removing the rules so marked brings the period under goal
	HasRunbook      bool    `json:"has_runbook"`
	NoiseScore      float64 `json:"noise_score"`
}

// PathToGoal ranks the rules causing a period's after-hours pages.
type PathToGoal struct {
	Month           string       `json:"month"` // the month judged (the filter's last month)
	ScopeType       string       `json:"scope_type"`
	Scope           string       `json:"scope"`
	AfterHoursPages int          `json:"after_hours_pages"`
	Goal            int          `json:"goal"`
	Met             bool         `json:"met"`
	SmallestSet     int          `json:"smallest_set_size"`
	Rules           []ParetoRule `json:"rules"`
}

// What-if actions on a rule.
const (
	WhatIfRemove        = "remove"
	WhatIfBusinessHours = "business_hours_only"
	WhatIfDelay         = "delay"
)

// RuleChange is a proposed change to one rule.
type RuleChange struct {
	RuleID       string `json:"rule_id"`
	Action       string `json:"action"`                  // remove | business_hours_only | delay
	DelayMinutes int    `json:"delay_minutes,omitempty"` // for delay: incidents resolved within it disappear
}

// WhatIfMonth is one month's after-hours pages before and after the proposed changes.
type WhatIfMonth struct {
	Month                string `json:"month"`
	ScopeType            string `json:"scope_type"`
	Scope                string `json:"scope"`
	Goal                 int    `json:"goal"`
	AfterHoursPages      int    `json:"after_hours_pages"`
	AfterHoursPagesAfter int    `json:"after_hours_pages_after"`
	SleepHoursPages      int    `json:"sleep_hours_pages"`
	SleepHoursPagesAfter int    `json:"sleep_hours_pages_after"`
	MetAfter             bool   `json:"met_after"`
}

// RuleMonth is one rule's numbers in one month.
type RuleMonth struct {
	Month           string  `json:"month"`
	Incidents       int     `json:"incidents"`
	Pages           int     `json:"pages"`
	AfterHoursPages int     `json:"after_hours_pages"`
	SleepHoursPages int     `json:"sleep_hours_pages"`
	NoiseScore      float64 `json:"noise_score"`
}

// Overview tells what the database holds: the choices a filter can make.
type Overview struct {
	ReportingTimeZone string    `json:"reporting_time_zone"`
	MetricsVersion    int       `json:"metrics_version"`
	FirstMonth        string    `json:"first_month"`
	LastMonth         string    `json:"last_month"`
	AsOf              time.Time `json:"as_of"` // the latest page (else creation) time, in the reporting zone
	Teams             []string  `json:"teams"`
	Rotations         []string  `json:"rotations"`
	Incidents         int       `json:"incidents"`
	BuiltAt           time.Time `json:"built_at"` // in the reporting zone
}
