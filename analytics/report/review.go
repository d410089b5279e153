package report

import (
	"time"

	"github.com/alertlens/alertlens/ingest/review"
)

// ReviewWeek is the weekly review's list (GET /api/v1/review): the week's pages grouped
// by rule, the rules with the most after-hours pages first (sql/queries/review_week.sql).
type ReviewWeek struct {
	Week         string       `json:"week"` // ISO week, "2026-W47"
	From         string       `json:"from"` // its Monday, YYYY-MM-DD in the reporting zone
	To           string       `json:"to"`   // its Sunday
	PreviousWeek string       `json:"previous_week"`
	NextWeek     *string      `json:"next_week"` // nil when it would be the current, incomplete week or later
	Pages        int          `json:"pages"`
	AfterHours   int          `json:"after_hours_pages"`
	SleepHours   int          `json:"-"` // for the weekly report; the page shows it per rule
	Untagged     int          `json:"untagged"`
	Rules        []ReviewRule `json:"rules"`
}

// ReviewRule is one rule's pages in the week.
type ReviewRule struct {
	RuleID          string            `json:"rule_id"`
	Rule            string            `json:"rule"`
	Service         string            `json:"service"`
	Team            string            `json:"team"`
	Rotation        string            `json:"rotation"`
	Pages           int               `json:"pages"`
	AfterHoursPages int               `json:"after_hours_pages"`
	SleepHoursPages int               `json:"sleep_hours_pages"`
	NoAction        int               `json:"-"` // tag counts, for the weekly report
	ActionTaken     int               `json:"-"`
	Untagged        int               `json:"-"`
	HasRunbook      bool              `json:"has_runbook"`
	RunbookURL      string            `json:"runbook_url"`
	FollowUps       []review.FollowUp `json:"follow_ups"`
	Incidents       []ReviewPage      `json:"incidents"`
}

// ReviewPage is one page of the week with what the review needs to judge it.
type ReviewPage struct {
	Source         string      `json:"source"`
	IncidentID     string      `json:"incident_id"`
	Title          string      `json:"title"`
	PagedAt        time.Time   `json:"paged_at"`   // UTC
	LocalTime      string      `json:"local_time"` // of the person paged, "2006-01-02 15:04"
	TimeZone       string      `json:"time_zone"`
	Window         string      `json:"window"` // business | off_hours | sleep
	Interrupted    []string    `json:"interrupted"`
	Woken          []string    `json:"woken"`
	AutoResolved   bool        `json:"auto_resolved"`
	Transient      bool        `json:"transient"`
	Flapping       bool        `json:"flapping"`
	Unacknowledged bool        `json:"unacknowledged"`
	RunbookURL     string      `json:"runbook_url"`
	Tag            *review.Tag `json:"tag"` // the effective review; an imported one has version 0
}

// FixEffect is a shipped follow-up's before and after (sql/queries/fix_effect.sql): 28
// days before the ship date against up to 28 days after it.
type FixEffect struct {
	FollowUpID             string   `json:"follow_up_id"`
	RuleID                 string   `json:"rule_id"`
	Rule                   string   `json:"rule"`
	TicketURL              string   `json:"ticket_url"`
	Change                 string   `json:"change"`
	ShippedOn              string   `json:"shipped_on"` // YYYY-MM-DD
	CreatedBy              string   `json:"created_by"`
	DaysAfter              int      `json:"days_after"` // of the 28, how many have passed
	AfterHoursPagesBefore  int      `json:"after_hours_pages_before"`
	AfterHoursPagesAfter   int      `json:"after_hours_pages_after"`
	PagesBefore            int      `json:"pages_before"`
	PagesAfter             int      `json:"pages_after"`
	IncidentsBefore        int      `json:"incidents_before"`
	IncidentsAfter         int      `json:"incidents_after"`
	NoiseScoreBefore       *float64 `json:"noise_score_before"` // nil without incidents
	NoiseScoreAfter        *float64 `json:"noise_score_after"`
	AfterHoursPagesChange  int      `json:"after_hours_pages_change"`
	AfterHoursPagesDropped bool     `json:"after_hours_pages_dropped"`
}

// PeriodPages counts a span of days' pages (sql/queries/period_pages.sql).
type PeriodPages struct {
	Pages           int `json:"pages"`
	AfterHoursPages int `json:"after_hours_pages"`
	SleepHoursPages int `json:"sleep_hours_pages"`
}

// WokenPerson is one person woken in a week and how many pages woke them.
type WokenPerson struct {
	ResponderID string `json:"responder_id"`
	Name        string `json:"name"`
	Pages       int    `json:"pages_woken"`
}

// WeeklyReport is the weekly review's report (alertlens report weekly).
type WeeklyReport struct {
	Org      string      `json:"organisation"`
	TimeZone string      `json:"reporting_time_zone"`
	Week     ReviewWeek  `json:"week"`
	This     PeriodPages `json:"this_week"`
	Previous PeriodPages `json:"previous_week"`
	// Month is the month of the week's Sunday, counted from its 1st to that Sunday.
	Month       string        `json:"month"`
	MonthToDate PeriodPages   `json:"month_to_date"`
	Pace        Pace          `json:"pace"` // as of the end of the week's Sunday
	Woken       []WokenPerson `json:"people_woken"`
	Fixes       []FixEffect   `json:"fixes"` // shipped in the 8 weeks up to the week's end
}

// MonthlyRow is one scope's month in the leadership report (sql/queries/monthly_report.sql).
type MonthlyRow struct {
	Month                 string   `json:"month"`
	ScopeType             string   `json:"scope_type"`
	Scope                 string   `json:"scope"`
	Pages                 int      `json:"pages"`
	AfterHoursPages       int      `json:"after_hours_pages"`
	SleepHoursPages       int      `json:"sleep_hours_pages"`
	Goal                  int      `json:"goal"`
	Met                   bool     `json:"met"`
	PeoplePaged           int      `json:"people_paged"`
	PeoplePagedAfterHours int      `json:"people_paged_after_hours"`
	PeopleWoken           int      `json:"people_woken"`
	MTTAMedianMinutes     *float64 `json:"mtta_median_minutes"`
	MTTRMedianMinutes     *float64 `json:"mttr_median_minutes"`
	PagesWithRunbookPct   *float64 `json:"pages_with_runbook_pct"`
	AfterHoursRunbookPct  *float64 `json:"after_hours_pages_with_runbook_pct"`
	Tagged                int      `json:"tagged"`
	ActionableRate        *float64 `json:"actionable_rate"`
}

// MonthlyReport is leadership's monthly report: every scope's month and the 5 before it.
type MonthlyReport struct {
	Org      string       `json:"organisation"`
	TimeZone string       `json:"reporting_time_zone"`
	Month    string       `json:"month"`
	Months   []string     `json:"months"` // the trend's months, oldest first, ending with Month
	Rows     []MonthlyRow `json:"rows"`
}

// Find returns a scope's row of a month.
func (r MonthlyReport) Find(scopeType, scope, month string) (MonthlyRow, bool) {
	for _, row := range r.Rows {
		if row.ScopeType == scopeType && row.Scope == scope && row.Month == month {
			return row, true
		}
	}
	return MonthlyRow{}, false
}

// Trend is a scope's after-hours pages for each month of the report, oldest first (0 for
// a month before the history).
func (r MonthlyReport) Trend(scopeType, scope string) []int {
	out := make([]int, len(r.Months))
	for i, m := range r.Months {
		if row, ok := r.Find(scopeType, scope, m); ok {
			out[i] = row.AfterHoursPages
		}
	}
	return out
}
