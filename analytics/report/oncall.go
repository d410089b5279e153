package report

import (
	"io"
	"strconv"
	"time"
)

// OnCallPay is one person's on-call month and its pay (sql/queries/oncall_pay.sql, from
// the oncall_compensation mart): hours on call by window, days, pages, hours interrupted,
// and each part of the amount beside the rule that produced it. Hours are rounded to 2
// decimals and money to cents where they are computed, once.
type OnCallPay struct {
	Source           string  `json:"source"`
	ResponderID      string  `json:"responder_id"`
	Responder        string  `json:"responder"`
	Month            string  `json:"month"` // YYYY-MM
	Currency         string  `json:"currency"`
	Rotations        string  `json:"rotations"` // the rotations the month was paid under, "a, b"
	HoursOnCall      float64 `json:"hours_on_call"`
	BusinessHours    float64 `json:"business_hours"`
	OffHours         float64 `json:"off_hours"`
	SleepHours       float64 `json:"sleep_hours"`
	WeekendDays      int     `json:"weekend_days"`
	HolidayDays      int     `json:"holiday_days"`
	AfterHoursPages  int     `json:"after_hours_pages"`
	HoursInterrupted int     `json:"hours_interrupted"`
	// Each part of the amount and the rate card's rule behind it ("platform: 184.00 h /
	// 168 x 300.00"; empty when the part is nothing).
	WeeklyShiftAmount      float64 `json:"weekly_shift_amount"`
	WeeklyShiftRule        string  `json:"weekly_shift_rule"`
	WeekendDayAmount       float64 `json:"weekend_day_amount"`
	WeekendDayRule         string  `json:"weekend_day_rule"`
	HolidayDayAmount       float64 `json:"holiday_day_amount"`
	HolidayDayRule         string  `json:"holiday_day_rule"`
	AfterHoursPageAmount   float64 `json:"after_hours_page_amount"`
	AfterHoursPageRule     string  `json:"after_hours_page_rule"`
	HoursInterruptedAmount float64 `json:"hours_interrupted_amount"`
	HoursInterruptedRule   string  `json:"hours_interrupted_rule"`
	Amount                 float64 `json:"amount"` // the sum of the parts
}

// PayPart is one part of an on-call amount: its rate card key, sum and rule.
type PayPart struct {
	Key    string
	Amount float64
	Rule   string
}

// Parts lists the amount's parts in the order the rate card names them.
func (p OnCallPay) Parts() []PayPart {
	return []PayPart{{"weekly_shift", p.WeeklyShiftAmount, p.WeeklyShiftRule}, {"weekend_day", p.WeekendDayAmount, p.WeekendDayRule},
		{"holiday_day", p.HolidayDayAmount, p.HolidayDayRule}, {"per_after_hours_page", p.AfterHoursPageAmount, p.AfterHoursPageRule},
		{"per_hour_interrupted", p.HoursInterruptedAmount, p.HoursInterruptedRule}}
}

// OnCallEscalation is one rotation's pages in a month that reached level 2 or higher
// (sql/queries/oncall_escalations.sql, from escalations_monthly).
type OnCallEscalation struct {
	Rotation         string `json:"rotation"`
	Month            string `json:"month"`
	EscalatedPages   int    `json:"escalated_pages"`
	PeopleReached    string `json:"people_reached"` // names at level 2+, "a, b"
	Tiers            int    `json:"tiers"`          // the highest level on the rotation's roster that month
	MoreThanTwoTiers bool   `json:"more_than_two_tiers"`
}

// RestBreach is one person's rest breaches in a month (sql/queries/oncall_rest.sql, from
// rest_breaches_monthly): sleep interruptions followed within 11 hours by another
// incident's interruption or a new on-call stretch.
type RestBreach struct {
	Source        string    `json:"source"`
	ResponderID   string    `json:"responder_id"`
	Responder     string    `json:"responder"`
	Month         string    `json:"month"`
	Breaches      int       `json:"breaches"`
	FirstBreachAt time.Time `json:"first_breach_at"`
}

// RosterMonth is one rotation's roster in a month (sql/queries/oncall_roster.sql, from
// oncall_roster_monthly): people on call beside people paged, and fairness over everyone
// on call, the never-paged counting 0.
type RosterMonth struct {
	Rotation         string   `json:"rotation"`
	Month            string   `json:"month"`
	PeopleOnCall     int      `json:"people_on_call"`
	PeoplePaged      int      `json:"people_paged"`
	OnCallNeverPaged int      `json:"on_call_never_paged"`
	MaxPages         int      `json:"max_pages"`
	MedianPages      float64  `json:"median_pages"`
	FairnessRatio    *float64 `json:"fairness_ratio"` // nil when the median is 0
}

// ShiftLoad is one real on-call shift (merged per person) and its pages against the SRE
// reference of 2 per 12 hours scaled to its length (sql/queries/oncall_shifts.sql).
type ShiftLoad struct {
	Source         string    `json:"source"`
	ResponderID    string    `json:"responder_id"`
	Responder      string    `json:"responder"`
	Rotations      string    `json:"rotations"`
	StartsAt       time.Time `json:"starts_at"`
	EndsAt         time.Time `json:"ends_at"`
	Hours          float64   `json:"hours"`
	Month          string    `json:"month"` // the reporting month it starts in
	Pages          int       `json:"pages"`
	Interruptions  int       `json:"interruptions"`
	ReferencePages float64   `json:"reference_pages"`
	PagesPer12h    float64   `json:"pages_per_12h"`
	OverReference  bool      `json:"over_reference"`
}

// fixed2 writes money to the cent and hours to the hundredth, "60.00": the figure as it
// was rounded, so a spreadsheet's column reads alike whatever its values.
func fixed2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// WriteOnCallPayCSV writes the on-call report: one row per person, every part's amount
// beside its rule, money to the cent.
func WriteOnCallPayCSV(w io.Writer, tz string, rows []OnCallPay) error {
	return writeCSV(w, tz, []string{"source", "responder_id", "responder", "month", "currency", "rotations",
		"hours_on_call", "business_hours", "off_hours", "sleep_hours", "weekend_days", "holiday_days",
		"after_hours_pages", "hours_interrupted",
		"weekly_shift_amount", "weekly_shift_rule", "weekend_day_amount", "weekend_day_rule",
		"holiday_day_amount", "holiday_day_rule", "after_hours_page_amount", "after_hours_page_rule",
		"hours_interrupted_amount", "hours_interrupted_rule", "amount"}, rows, func(r OnCallPay) []any {
		return []any{r.Source, r.ResponderID, r.Responder, r.Month, r.Currency, r.Rotations,
			fixed2(r.HoursOnCall), fixed2(r.BusinessHours), fixed2(r.OffHours), fixed2(r.SleepHours), r.WeekendDays, r.HolidayDays,
			r.AfterHoursPages, r.HoursInterrupted,
			fixed2(r.WeeklyShiftAmount), r.WeeklyShiftRule, fixed2(r.WeekendDayAmount), r.WeekendDayRule,
			fixed2(r.HolidayDayAmount), r.HolidayDayRule, fixed2(r.AfterHoursPageAmount), r.AfterHoursPageRule,
			fixed2(r.HoursInterruptedAmount), r.HoursInterruptedRule, fixed2(r.Amount)}
	})
}

// WriteEscalationsCSV writes the rotations' escalated pages of a month.
func WriteEscalationsCSV(w io.Writer, tz string, rows []OnCallEscalation) error {
	return writeCSV(w, tz, []string{"rotation", "month", "escalated_pages", "people_reached", "tiers",
		"more_than_two_tiers"}, rows, func(r OnCallEscalation) []any {
		return []any{r.Rotation, r.Month, r.EscalatedPages, r.PeopleReached, r.Tiers, r.MoreThanTwoTiers}
	})
}

// WriteRestBreachesCSV writes the people whose daily rest a night's page broke.
func WriteRestBreachesCSV(w io.Writer, tz string, rows []RestBreach) error {
	return writeCSV(w, tz, []string{"source", "responder_id", "responder", "month", "breaches",
		"first_breach_at"}, rows, func(r RestBreach) []any {
		return []any{r.Source, r.ResponderID, r.Responder, r.Month, r.Breaches, r.FirstBreachAt}
	})
}
