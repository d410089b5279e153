package config

import "regexp"

// Compensation is the rate card for being on call (docs/oncall.md). Every amount is in
// Currency; an amount not set is 0, and a rotation's card (rotations.<name>.compensation)
// sets only what differs from the top-level one.
type Compensation struct {
	Currency string `yaml:"currency"` // ISO 4217, e.g. EUR
	// WeeklyShift is paid per full on-call week (168 hours), pro rata for part weeks.
	WeeklyShift *float64 `yaml:"weekly_shift"`
	// WeekendDay is paid per local Saturday or Sunday with any hour on call.
	WeekendDay *float64 `yaml:"weekend_day"`
	// HolidayDay is paid per local public holiday with any hour on call, instead of
	// WeekendDay when the holiday falls on a weekend.
	HolidayDay *float64 `yaml:"holiday_day"`
	// PerAfterHoursPage is paid per after-hours page of the person.
	PerAfterHoursPage *float64 `yaml:"per_after_hours_page"`
	// PerHourInterrupted is paid per hour interrupted after hours (PagerDuty's hours
	// interrupted: distinct local clock hours holding an interruption).
	PerHourInterrupted *float64 `yaml:"per_hour_interrupted"`
}

// Rates is a rate card with every amount resolved.
type Rates struct {
	Currency                                                                   string
	WeeklyShift, WeekendDay, HolidayDay, PerAfterHoursPage, PerHourInterrupted float64
}

// CompensationRates resolves the rate card of a rotation ("" for the top-level one):
// the rotation's amounts where it sets them, else the top-level ones, else 0.
func (c *Config) CompensationRates(rotation string) Rates {
	var r Rates
	apply := func(p *Compensation) {
		if p == nil {
			return
		}
		if p.Currency != "" {
			r.Currency = p.Currency
		}
		for _, f := range []struct {
			from *float64
			to   *float64
		}{{p.WeeklyShift, &r.WeeklyShift}, {p.WeekendDay, &r.WeekendDay}, {p.HolidayDay, &r.HolidayDay},
			{p.PerAfterHoursPage, &r.PerAfterHoursPage}, {p.PerHourInterrupted, &r.PerHourInterrupted}} {
			if f.from != nil {
				*f.to = *f.from
			}
		}
	}
	apply(c.Compensation)
	if rotation != "" {
		apply(c.Rotations[rotation].Compensation)
	}
	return r
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

func (c *Config) validateCompensation(add func(key, format string, args ...any)) {
	check := func(key string, p *Compensation) {
		if p.Currency != "" && !currencyCode.MatchString(p.Currency) {
			add(key+".currency", "want an ISO 4217 code such as EUR, got %q", p.Currency)
		}
		for name, v := range map[string]*float64{"weekly_shift": p.WeeklyShift, "weekend_day": p.WeekendDay,
			"holiday_day": p.HolidayDay, "per_after_hours_page": p.PerAfterHoursPage, "per_hour_interrupted": p.PerHourInterrupted} {
			if v != nil && (*v < 0 || *v > 1e7) {
				add(key+"."+name, "want an amount from 0 to 10000000, got %v", *v)
			}
		}
	}
	if c.Compensation != nil {
		check("compensation", c.Compensation)
	}
	top := ""
	if c.Compensation != nil {
		top = c.Compensation.Currency
	}
	for _, name := range sortedKeys(c.Rotations) {
		p := c.Rotations[name].Compensation
		if p == nil {
			continue
		}
		key := "rotations." + name + ".compensation"
		check(key, p)
		// A person on call for two rotations is paid one sum: one currency for all.
		if p.Currency != "" && top != "" && p.Currency != top {
			add(key+".currency", "%s differs from compensation.currency %s: one person's pay is summed over rotations, in one currency", p.Currency, top)
		}
	}
	if c.Compensation != nil && top == "" {
		add("compensation.currency", "required: the currency the amounts are in, such as EUR")
	}
	for _, name := range sortedKeys(c.People) {
		if c.People[name].Compensation != nil {
			add("people."+name+".compensation", "the rate card is set at the top level (compensation) or per rotation, not per person")
		}
	}
	if c.Organisation.Compensation != nil {
		add("organisation.compensation", "the organisation's rate card is the top-level compensation section")
	}
}
