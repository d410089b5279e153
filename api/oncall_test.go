package api_test

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/api"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.* from the current answers")

// formulaName is Cara's name in the API's on-call history: a spreadsheet would run it.
const formulaName = `=HYPERLINK("http://x","y")`

// oncallServer serves the hand-worked October of sql/oncall_test.go (Dublin: a DST week,
// Aoife's two overlapping shifts, a holiday on Saturday Oct 24, a 09:00 handover, Brian's
// week over the month edge, Cara never paged), read from the same files, with Cara
// renamed to a formula and extra records appended.
func oncallServer(t *testing.T, extra ...string) fixture {
	t.Helper()
	history, err := os.ReadFile("../sql/testdata/oncall_roster.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile("../sql/testdata/oncall_roster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := strings.Replace(string(history), `"name":"Cara"`, `"name":"=HYPERLINK(\"http://x\",\"y\")"`, 1)
	if h == string(history) {
		t.Fatal("the roster history has no Cara to rename")
	}
	return newServer(t, h+strings.Join(extra, "\n"), string(card), api.Options{})
}

// The pay of October, as sql/oncall_test.go works it by hand: Aoife 578.57, Brian and
// Mia 336.07 each, Cara 330.89 (169 h of the data rotation at 150 a week).
func TestOnCallPayJSON(t *testing.T) {
	f := oncallServer(t)
	rows := getJSON[[]report.OnCallPay](t, f, "/api/v1/oncall?month=2026-10")
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join([]string{r.Responder, r.Rotations, r.Currency, fixed(r.HoursOnCall), fixed(r.BusinessHours),
			fixed(r.OffHours), fixed(r.SleepHours), itoa(r.WeekendDays), itoa(r.HolidayDays), itoa(r.AfterHoursPages),
			itoa(r.HoursInterrupted), fixed(r.Amount)}, " "))
	}
	want := []string{
		formulaName + " data EUR 169.00 50.00 48.00 71.00 1 1 0 0 330.89",
		"Aoife platform EUR 184.00 59.00 52.00 73.00 1 1 2 2 578.57",
		"Brian platform EUR 135.00 49.00 34.00 52.00 1 0 1 1 336.07",
		"Mia platform EUR 135.00 49.00 34.00 52.00 1 0 1 1 336.07",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("October's pay:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	aoife := rows[1]
	parts := []report.PayPart{
		{Key: "weekly_shift", Amount: 328.57, Rule: "platform: 184.00 h / 168 x 300.00"},
		{Key: "weekend_day", Amount: 60, Rule: "platform: 1 x 60.00"},
		{Key: "holiday_day", Amount: 120, Rule: "platform: 1 x 120.00"},
		{Key: "per_after_hours_page", Amount: 20, Rule: "platform: 2 x 10.00"},
		{Key: "per_hour_interrupted", Amount: 50, Rule: "platform: 2 x 25.00"},
	}
	for i, p := range aoife.Parts() {
		if p != parts[i] {
			t.Errorf("Aoife's %s = %+v, want %+v", parts[i].Key, p, parts[i])
		}
	}
	// Cara was never paged: those parts are nothing, with no rule.
	if c := rows[0]; c.AfterHoursPageAmount != 0 || c.AfterHoursPageRule != "" || c.WeeklyShiftRule != "data: 169.00 h / 168 x 150.00" {
		t.Errorf("Cara's parts = %+v", c)
	}

	// November holds the rest of Brian's and Mia's week: 33 h each.
	nov := getJSON[[]report.OnCallPay](t, f, "/api/v1/oncall?month=2026-11&rotation=platform")
	if len(nov) != 2 || nov[0].Responder != "Brian" || nov[0].Amount != 153.93 || nov[1].Responder != "Mia" || nov[1].Amount != 118.93 {
		t.Errorf("November = %+v, want Brian 153.93 and Mia 118.93", nov)
	}
	data := getJSON[[]report.OnCallPay](t, f, "/api/v1/oncall?month=2026-10&rotation=data")
	if len(data) != 1 || data[0].ResponderID != "c" {
		t.Errorf("rotation data = %+v, want Cara alone", data)
	}
	for path, want := range map[string]string{
		"/api/v1/oncall":                             `"param":"month"`,
		"/api/v1/oncall?month=2026-13":               `"param":"month"`,
		"/api/v1/oncall?month=2026-10&rotation=nope": `"param":"rotation"`,
		"/api/v1/oncall?month=2026-10&format=xml":    `"param":"format"`,
		"/api/v1/oncall/rest?month=October":          `"param":"month"`,
	} {
		if code, body, _ := f.do(t, "GET", path, "", "", ""); code != 400 || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d %s, want 400 naming %s", path, code, body, want)
		}
	}
	// A month no one was on call: an empty list, not null.
	if code, body, _ := f.do(t, "GET", "/api/v1/oncall?month=2026-09", "", "", ""); code != 200 || body != "[]" {
		t.Errorf("September = %d %s, want 200 []", code, body)
	}
}

// The CSV is the report's (alertlens report oncall writes it with the same writer): money
// to the cent, hours to 2 decimals, Cara's formula name neutralised, and METRICS.md's
// version columns. testdata/oncall-2026-10.golden.csv is the whole answer.
func TestOnCallPayCSV(t *testing.T) {
	f := oncallServer(t)
	code, body, h := f.do(t, "GET", "/api/v1/oncall?month=2026-10&format=csv", "", "", "")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s %s", code, h.Get("Content-Type"), body)
	}
	rows := csvRows(t, body)
	if len(rows) != 4 {
		t.Fatalf("want 4 people, got %d: %s", len(rows), body)
	}
	if got := rows[0]["responder"]; got != "'"+formulaName {
		t.Errorf("formula name = %q, want it neutralised with a leading quote", got)
	}
	a := rows[1]
	for col, want := range map[string]string{"responder": "Aoife", "hours_on_call": "184.00", "sleep_hours": "73.00",
		"weekend_day_amount": "60.00", "weekly_shift_amount": "328.57", "weekly_shift_rule": "platform: 184.00 h / 168 x 300.00",
		"amount": "578.57", "metrics_version": "1", "reporting_time_zone": "Europe/Dublin"} {
		if a[col] != want {
			t.Errorf("Aoife's %s = %q, want %q", col, a[col], want)
		}
	}
	golden := "testdata/oncall-2026-10.golden.csv"
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./api/ -run OnCallPayCSV -update)", err)
	}
	if body != string(want) {
		t.Errorf("the CSV differs from %s:\n got %s\nwant %s", golden, body, want)
	}
}

// i3 was escalated once and reached Mia at level 2; platform has two tiers, so it is
// not flagged. A level-3 shift in October gives platform a third tier: flagged.
func TestOnCallEscalationsAndRest(t *testing.T) {
	f := oncallServer(t)
	esc := getJSON[[]report.OnCallEscalation](t, f, "/api/v1/oncall/escalations?month=2026-10")
	if len(esc) != 1 || esc[0] != (report.OnCallEscalation{Rotation: "platform", Month: "2026-10", EscalatedPages: 1, PeopleReached: "Mia", Tiers: 2}) {
		t.Errorf("escalations = %+v", esc)
	}
	if nov := getJSON[[]report.OnCallEscalation](t, f, "/api/v1/oncall/escalations?month=2026-11"); len(nov) != 0 {
		t.Errorf("November's escalations = %+v, want none (i4 was not escalated)", nov)
	}
	// i1 woke Aoife at 02:10Z on Oct 24; i2 interrupted her 7 h 10 min later.
	rest := getJSON[[]report.RestBreach](t, f, "/api/v1/oncall/rest?month=2026-10")
	if len(rest) != 1 || rest[0].Responder != "Aoife" || rest[0].Breaches != 1 || rest[0].FirstBreachAt.UTC().Format("2006-01-02T15:04Z") != "2026-10-24T02:10Z" {
		t.Errorf("rest = %+v, want Aoife once at 2026-10-24T02:10Z", rest)
	}
	_, body, _ := f.do(t, "GET", "/api/v1/oncall/rest?month=2026-10&format=csv", "", "", "")
	if r := csvRows(t, body); len(r) != 1 || r[0]["first_breach_at"] != "2026-10-24T02:10:00Z" || r[0]["breaches"] != "1" {
		t.Errorf("rest CSV = %s", body)
	}
	_, body, _ = f.do(t, "GET", "/api/v1/oncall/escalations?month=2026-10&format=csv", "", "", "")
	if r := csvRows(t, body); len(r) != 1 || r[0]["people_reached"] != "Mia" || r[0]["more_than_two_tiers"] != "false" {
		t.Errorf("escalations CSV = %s", body)
	}

	three := oncallServer(t, `{"type":"oncall_shift","responder":"b","rotation":"platform","escalation_level":3,"starts_at":"2026-10-01T00:00:00Z","ends_at":"2026-10-02T00:00:00Z"}`)
	esc = getJSON[[]report.OnCallEscalation](t, three, "/api/v1/oncall/escalations?month=2026-10")
	if len(esc) != 1 || esc[0].Tiers != 3 || !esc[0].MoreThanTwoTiers {
		t.Errorf("with a third tier: %+v, want tiers 3, flagged", esc)
	}
}

func fixed(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
func itoa(n int) string      { return strconv.Itoa(n) }

// Responder load counts pages per real shift where the schedules hold the person: Aoife's
// 184 h stretch holds i1 and i2 (2 pages against a reference of 30.67: not over), Brian's
// week i3 and i4. Zed is on no schedule: three pages on Friday morning Oct 30 fall in one
// 12-hour local half, guessed as his shift, over the 2 a 12-hour shift allows.
func TestResponderLoadUsesRealShifts(t *testing.T) {
	page := func(id, at string) string {
		return `{"type":"incident","id":"` + id + `","service":"api","title":"` + id + `","created_at":"` + at + `"}` + "\n" +
			`{"type":"notification","incident":"` + id + `","responder":"z","channel":"phone","at":"` + at + `"}`
	}
	f := oncallServer(t, `{"type":"responder","id":"z","name":"Zed","time_zone":"Europe/Dublin"}`,
		page("z1", "2026-10-30T01:00:00Z"), page("z2", "2026-10-30T03:00:00Z"), page("z3", "2026-10-30T05:00:00Z"))
	load := getJSON[[]report.ResponderLoad](t, f, "/api/v1/responders")
	got := map[string]string{}
	for _, l := range load {
		got[l.Responder] = strings.Join([]string{itoa(l.Pages), itoa(l.BusiestShift), itoa(l.ShiftsOverLimit), l.ShiftsFrom}, " ")
	}
	want := map[string]string{"Aoife": "2 2 0 schedule", "Brian": "2 2 0 schedule", "Mia": "1 1 0 schedule", "Zed": "3 3 1 12h guess"}
	for who, w := range want {
		if got[who] != w {
			t.Errorf("%s: pages, busiest shift, shifts over, from = %q, want %q", who, got[who], w)
		}
	}
	_, body, _ := f.do(t, "GET", "/api/v1/responders?format=csv", "", "", "")
	for _, r := range csvRows(t, body) {
		if r["responder"] == "Zed" && r["shifts_from"] != "12h guess" {
			t.Errorf("Zed's CSV shifts_from = %q", r["shifts_from"])
		}
	}
}

// A person's page shows their on-call shifts: Aoife's two overlapping shifts as one of
// 184 hours holding her 2 pages, and Cara's 169-hour week, on call and never paged.
func TestPersonPageShowsShifts(t *testing.T) {
	f := oncallServer(t)
	for _, c := range []struct{ id, want string }{
		{"a", "<td>184.00</td><td>2</td>"},
		{"c", "<td>169.00</td><td>0</td>"},
	} {
		code, body, _ := f.do(t, "GET", "/person/file/"+c.id+"?from=2026-10&to=2026-11", "", "", "")
		if code != 200 || !strings.Contains(body, "Their on-call shifts") || !strings.Contains(body, c.want) {
			t.Errorf("person %s: %d, shifts section %v, want a row with %s", c.id, code, strings.Contains(body, "Their on-call shifts"), c.want)
		}
	}
}
