package config

import (
	"strings"
	"testing"
)

func TestCompensationRates(t *testing.T) {
	c, err := Parse([]byte(`
compensation:
  currency: EUR
  weekly_shift: 300
  weekend_day: 60
  holiday_day: 120
  per_hour_interrupted: 25
rotations:
  managers:
    compensation:
      weekly_shift: 0
      per_hour_interrupted: 40
`), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The rotation sets two amounts and inherits the rest; per_after_hours_page is set
	// nowhere and is 0.
	if got, want := c.CompensationRates("managers"), (Rates{"EUR", 0, 60, 120, 0, 40}); got != want {
		t.Errorf("managers: %+v, want %+v", got, want)
	}
	if got, want := c.CompensationRates("web"), (Rates{"EUR", 300, 60, 120, 0, 25}); got != want {
		t.Errorf("a rotation without a card: %+v, want the top-level %+v", got, want)
	}
}

func TestCompensationErrorsNameTheKey(t *testing.T) {
	cases := []struct{ doc, want string }{
		{"compensation:\n  weekly_shift: 300\n", "compensation.currency: required"},
		{"compensation:\n  currency: euro\n", `compensation.currency: want an ISO 4217 code such as EUR, got "euro"`},
		{"compensation:\n  currency: EUR\n  weekend_day: -5\n", "compensation.weekend_day: want an amount from 0 to 10000000, got -5"},
		{"compensation:\n  currency: EUR\nrotations:\n  web:\n    compensation:\n      currency: USD\n", "rotations.web.compensation.currency: USD differs from compensation.currency EUR"},
		{"rotations:\n  web:\n    compensation:\n      per_hour_interrupted: -1\n", "rotations.web.compensation.per_hour_interrupted: want an amount"},
		{"people:\n  u1:\n    compensation:\n      weekly_shift: 1\n", "people.u1.compensation: the rate card is set at the top level"},
		{"compensation:\n  currency: EUR\n  weekly: 300\n", `unknown field "weekly"`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc), "a.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q\n  error = %v\n  want it to contain %q", c.doc, err, c.want)
		}
	}
}
