package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestMonthlyCSVNeutralisesFormulas: a team or rotation name a spreadsheet would run (a
// formula, or a cell starting +, - or @) gets a leading quote; numbers, negative ones
// too, stay numbers; the version columns end every row.
func TestMonthlyCSVNeutralisesFormulas(t *testing.T) {
	pct := 14.3
	r := MonthlyReport{TimeZone: "Europe/Dublin", Month: "2026-11", Rows: []MonthlyRow{
		{Month: "2026-11", ScopeType: "team", Scope: `=HYPERLINK("http://x","y")`, Pages: 7, PagesWithRunbookPct: &pct},
		{Month: "2026-11", ScopeType: "team", Scope: "+Ops"},
		{Month: "2026-11", ScopeType: "team", Scope: "-Ops"},
		{Month: "2026-11", ScopeType: "rotation", Scope: "@oncall"},
	}}
	var b bytes.Buffer
	if err := WriteMonthlyCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"'=HYPERLINK(""http://x"",""y"")"`) {
		t.Errorf("the formula is not quoted and neutralised by RFC 4180:\n%s", b.String())
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{`'=HYPERLINK("http://x","y")`, "'+Ops", "'-Ops", "'@oncall"} {
		if got := rows[i+1][2]; got != want {
			t.Errorf("row %d scope = %q, want %q", i+1, got, want)
		}
	}
	if rows[1][3] != "7" || rows[1][13] != "14.3" || rows[1][len(rows[1])-2] != "1" || rows[1][len(rows[1])-1] != "Europe/Dublin" {
		t.Errorf("row 1 = %v: want pages 7, runbook 14.3, metrics_version 1, Europe/Dublin", rows[1])
	}
}

// TestWeeklyMarkdownEscapesHistoryText: a note or rule name with Slack's control
// characters or line breaks stays one line of text in Slack and in a wiki.
func TestWeeklyMarkdownEscapesHistoryText(t *testing.T) {
	w := WeeklyReport{Org: "Acme", TimeZone: "UTC", Week: ReviewWeek{Week: "2026-W47", Rules: []ReviewRule{
		{Rule: "<!channel> Disk & co", Team: "Data\nTeam", AfterHoursPages: 1, Pages: 1}}}}
	var b bytes.Buffer
	if err := WriteWeeklyMarkdown(&b, w); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "- &lt;!channel&gt; Disk &amp; co (Data Team, ): 1 page after hours") || strings.Contains(b.String(), "<!channel>") {
		t.Errorf("markdown:\n%s", b.String())
	}
}
