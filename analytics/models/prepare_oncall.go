package models

import (
	"context"

	"github.com/alertlens/alertlens/config"
)

// writeCompensation writes the rate card, resolved: one row for the top level (rotation
// ”) and one per rotation that sets a card of its own, so that the compensation model
// takes a rotation's row where there is one, else the top-level row, and never merges
// two cards field by field in SQL.
func writeCompensation(ctx context.Context, tx cfgWriter, cfg *config.Config, _, _ int) error {
	row := func(rotation string) []any {
		r := cfg.CompensationRates(rotation)
		return []any{rotation, r.Currency, r.WeeklyShift, r.WeekendDay, r.HolidayDay, r.PerAfterHoursPage, r.PerHourInterrupted}
	}
	rows := [][]any{row("")}
	for _, name := range sortedNames(cfg.Rotations) {
		if cfg.Rotations[name].Compensation != nil {
			rows = append(rows, row(name))
		}
	}
	return insertRows(ctx, tx, "cfg_compensation",
		`rotation varchar, currency varchar, weekly_shift double, weekend_day double, holiday_day double,
		 per_after_hours_page double, per_hour_interrupted double`, rows)
}
