package config

import (
	"sort"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/us"
)

// countryHolidays are the public holiday calendars a config may name by code. Australia
// has no national list, so its states are named AU-NSW and so on.
var countryHolidays = map[string][]*cal.Holiday{
	"AT": at.Holidays, "BE": be.Holidays, "CA": ca.Holidays, "CH": ch.Holidays, "DE": de.Holidays,
	"DK": dk.Holidays, "ES": es.Holidays, "FR": fr.Holidays, "GB": gb.Holidays, "IE": ie.Holidays,
	"IT": it.Holidays, "NL": nl.Holidays, "NO": no.Holidays, "NZ": nz.Holidays, "PL": pl.Holidays,
	"SE": se.Holidays, "US": us.Holidays,
	"AU-ACT": au.HolidaysACT, "AU-NSW": au.HolidaysNSW, "AU-NT": au.HolidaysNT, "AU-QLD": au.HolidaysQLD,
	"AU-SA": au.HolidaysSA, "AU-TAS": au.HolidaysTAS, "AU-VIC": au.HolidaysVIC, "AU-WA": au.HolidaysWA,
}

func knownCountries() []string { return sortedKeys(countryHolidays) }

// HolidayDates lists a scope's holidays for the given years: its own dates plus the
// public holidays of its countries observed in those years, as YYYY-MM-DD local dates.
// A holiday of the year after can be observed in the last (a New Year's Day on a
// Saturday is observed on the Friday before), so what a year holds does not depend on
// the years asked for with it: a build that covers one more year recomputes nothing
// for the years it covered before (package sql's ConfigFingerprint).
func (s Scope) HolidayDates(fromYear, toYear int) []string {
	set := map[string]bool{}
	for _, d := range s.Holidays {
		set[d] = true
	}
	for _, code := range s.HolidayCountries {
		for _, h := range countryHolidays[normaliseCountry(code)] {
			for y := fromYear - 1; y <= toYear+1; y++ {
				_, observed := h.Calc(y)
				if !observed.IsZero() && observed.Year() >= fromYear && observed.Year() <= toYear {
					set[observed.Format(time.DateOnly)] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// HasHolidays reports whether the scope sets any holidays of its own.
func (s Scope) HasHolidays() bool { return len(s.Holidays) > 0 || len(s.HolidayCountries) > 0 }
