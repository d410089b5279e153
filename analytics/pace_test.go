package analytics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/config"
)

// aprilHistory is paged in Sydney in early April 2026 (AEDT, +11:00, until the clocks go
// back at 03:00 on Sunday 5 April): three after-hours pages of rotation syd-oncall (team
// Ops), the last at 21:00 on Friday 3 April.
var aprilHistory = strings.Join([]string{
	`{"type":"responder","id":"u1","name":"Ada","time_zone":"Australia/Sydney"}`,
	`{"type":"service","id":"s1","name":"api","team":"Ops","rotation":"syd-oncall"}`,
	// 23:00 AEDT Wednesday 1 April: sleep
	`{"type":"incident","id":"a","service":"s1","rule":"Down","title":"down","urgency":"high","created_at":"2026-04-01T12:00:00Z","resolved_at":"2026-04-01T13:00:00Z","resolved_by":"human"}`,
	`{"type":"notification","incident":"a","responder":"u1","channel":"phone","at":"2026-04-01T12:00:00Z"}`,
	// 23:00 AEDT Thursday 2 April: sleep
	`{"type":"incident","id":"b","service":"s1","rule":"Down","title":"down","urgency":"high","created_at":"2026-04-02T12:00:00Z","resolved_at":"2026-04-02T13:00:00Z","resolved_by":"human"}`,
	`{"type":"notification","incident":"b","responder":"u1","channel":"phone","at":"2026-04-02T12:00:00Z"}`,
	// 21:00 AEDT Friday 3 April: off-hours
	`{"type":"incident","id":"c","service":"s1","rule":"Down","title":"down","urgency":"high","created_at":"2026-04-03T10:00:00Z","resolved_at":"2026-04-03T11:00:00Z","resolved_by":"human"}`,
	`{"type":"notification","incident":"c","responder":"u1","channel":"phone","at":"2026-04-03T10:00:00Z"}`,
}, "\n")

const sydneyConfig = `
organisation: {name: Acme, time_zone: Australia/Sydney, goal: 7}
rotations:
  syd-oncall: {goal: 2}
`

var sydney = mustZone("Australia/Sydney")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// buildSydney builds aprilHistory with the Sydney config and returns a Service factory
// whose clock is frozen at the given instant.
func buildSydney(t *testing.T) func(now time.Time) *analytics.Service {
	t.Helper()
	cfg, err := config.Parse([]byte(sydneyConfig), "sydney.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db := buildHistory(t, "april.jsonl", strings.NewReader(aprilHistory), cfg)
	return func(now time.Time) *analytics.Service {
		return analytics.New(db, analytics.WithNow(func() time.Time { return now }))
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestPaceIsJudgedAtNowNotAtTheLastIncident(t *testing.T) {
	at := buildSydney(t)
	ctx := context.Background()
	// 09:00 AEDT on 1 December, eight months after the last page.
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, sydney)
	svc := at(now)
	p, err := svc.Pace(ctx, report.ScopeOrg, "")
	if err != nil {
		t.Fatal(err)
	}
	// December has no pages: 0 so far, 9 hours = 0.375 days of 31, projected 0 < 7.
	if p.Month != "2026-12" || p.Scope != "Acme" || p.AfterHoursPages != 0 || !near(p.ElapsedDays, 0.375) ||
		p.DaysInMonth != 31 || p.Projected != 0 || p.Goal != 7 || !p.OnTrack {
		t.Errorf("org pace on 1 December = %+v, want 2026-12, 0 pages, 0.375 of 31 days, projected 0, goal 7, on track", p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"as_of":"2026-12-01T09:00:00+11:00"`) {
		t.Errorf("pace JSON %s, want as_of 2026-12-01T09:00:00+11:00", b)
	}
	var csv bytes.Buffer
	if err := report.WritePaceCSV(&csv, "Australia/Sydney", []report.Pace{p}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csv.String(), ",2026-12-01T09:00:00+11:00,") {
		t.Errorf("pace CSV %q, want as_of 2026-12-01T09:00:00+11:00", csv.String())
	}

	// A rotation and a team without a December row keep their own goal from the mart.
	rot, err := svc.Pace(ctx, report.ScopeRotation, "syd-oncall")
	if err != nil {
		t.Fatal(err)
	}
	if rot.Month != "2026-12" || rot.AfterHoursPages != 0 || rot.Goal != 2 || !rot.OnTrack {
		t.Errorf("rotation pace = %+v, want 2026-12, 0 pages, goal 2, on track", rot)
	}
	team, err := svc.Pace(ctx, report.ScopeTeam, "Ops")
	if err != nil {
		t.Fatal(err)
	}
	if team.Month != "2026-12" || team.Goal != 10 || team.AfterHoursPages != 0 {
		t.Errorf("team pace = %+v, want 2026-12, 0 pages, the default goal 10", team)
	}
	if _, err := svc.Pace(ctx, report.ScopeRotation, "nope"); analytics.ErrorCode(err) != analytics.ENOTFOUND {
		t.Errorf("unknown rotation: err = %v, want ENOTFOUND", err)
	}
	if _, err := svc.Pace(ctx, "galaxy", ""); analytics.ErrorCode(err) != analytics.EINVALID {
		t.Errorf("unknown scope type: err = %v, want EINVALID", err)
	}
}

func TestPaceMidMonthCountsPagesSoFar(t *testing.T) {
	at := buildSydney(t)
	ctx := context.Background()
	// Noon AEDT on Friday 3 April: pages a and b are past, c (21:00) is still to come.
	// April began at 00:00 AEDT on the 1st, so 2.5 days have elapsed: 2 / 2.5 × 30 = 24.
	p, err := at(time.Date(2026, 4, 3, 12, 0, 0, 0, sydney)).Pace(ctx, report.ScopeOrg, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Month != "2026-04" || p.AfterHoursPages != 2 || !near(p.ElapsedDays, 2.5) || p.DaysInMonth != 30 ||
		!near(p.Projected, 24) || p.OnTrack {
		t.Errorf("pace at noon on 3 April = %+v, want 2 pages in 2.5 of 30 days, projected 24, not on track (goal 7)", p)
	}
	if got := p.AsOf.Format(time.RFC3339); got != "2026-04-03T12:00:00+11:00" {
		t.Errorf("as_of = %s, want 2026-04-03T12:00:00+11:00", got)
	}
}

func TestPaceElapsedDaysAcrossDaylightSaving(t *testing.T) {
	at := buildSydney(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		now     time.Time
		elapsed float64
		pages   int
	}{
		// Sydney's clocks went back an hour at 03:00 AEDT on 5 April: midnight AEST on
		// 16 April is 15 days and 1 hour after midnight AEDT on 1 April. The three pages
		// give 3 / (15 + 1/24) × 30 = 2160/361.
		{"april, clocks back", time.Date(2026, 4, 16, 0, 0, 0, 0, sydney), 15 + 1.0/24, 3},
		// They go forward an hour at 02:00 AEST on 4 October: midnight AEDT on 11 October
		// is 10 days less an hour after midnight AEST on 1 October.
		{"october, clocks forward", time.Date(2026, 10, 11, 0, 0, 0, 0, sydney), 10 - 1.0/24, 0},
	}
	for _, c := range cases {
		p, err := at(c.now).Pace(ctx, report.ScopeOrg, "")
		if err != nil {
			t.Fatal(err)
		}
		if !near(p.ElapsedDays, c.elapsed) || p.AfterHoursPages != c.pages ||
			!near(p.Projected, float64(c.pages)/c.elapsed*float64(p.DaysInMonth)) {
			t.Errorf("%s: %+v, want %d pages in %v elapsed days", c.name, p, c.pages, c.elapsed)
		}
	}
	p, _ := at(time.Date(2026, 4, 16, 0, 0, 0, 0, sydney)).Pace(ctx, report.ScopeOrg, "")
	if !near(p.Projected, 2160.0/361) || p.AsOf.Format(time.RFC3339) != "2026-04-16T00:00:00+10:00" {
		t.Errorf("pace on 16 April = %+v, want projected 2160/361 = %.6f, as of +10:00 (AEST)", p, 2160.0/361)
	}
}

func TestOverviewAsOfIsAnInstantInTheReportingZone(t *testing.T) {
	at := buildSydney(t)
	ov, err := at(time.Now()).Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The last page, 10:00Z on 3 April, was 21:00 AEDT.
	if got := ov.AsOf.Format(time.RFC3339); got != "2026-04-03T21:00:00+11:00" {
		t.Errorf("overview as_of = %s, want 2026-04-03T21:00:00+11:00", got)
	}
	if !ov.AsOf.Equal(time.Date(2026, 4, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("overview as_of %v is not the instant of the last page", ov.AsOf)
	}
	if ov.BuiltAt.Location().String() != "Australia/Sydney" || time.Since(ov.BuiltAt) > time.Hour || time.Since(ov.BuiltAt) < 0 {
		t.Errorf("built_at = %v, want a moment ago, in Australia/Sydney", ov.BuiltAt)
	}
	b, _ := json.Marshal(ov)
	if !strings.Contains(string(b), `"as_of":"2026-04-03T21:00:00+11:00"`) {
		t.Errorf("overview JSON %s, want as_of with +11:00", b)
	}
}
