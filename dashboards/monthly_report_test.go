package dashboards

import (
	"bytes"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/analytics/report"
)

// TestMonthlyReportHTMLWorksAsAFile: the report carries ECharts inline (no src= to any
// host), prints on A4, escapes a team's name, and shows the month's rows with the trend.
func TestMonthlyReportHTMLWorksAsAFile(t *testing.T) {
	r := report.MonthlyReport{Org: "Acme", TimeZone: "Europe/Dublin", Month: "2026-11",
		Months: []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"}}
	for i, m := range r.Months {
		r.Rows = append(r.Rows,
			report.MonthlyRow{Month: m, ScopeType: "org", Scope: "Acme", AfterHoursPages: i, Goal: 10, Met: true},
			report.MonthlyRow{Month: m, ScopeType: "team", Scope: "</script><b>x", AfterHoursPages: 2 * i, Goal: 2, Met: 2*i < 2})
	}
	var b bytes.Buffer
	if err := WriteMonthlyReportHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"@page{size:A4", "echarts.init(", "<td>&lt;/script&gt;&lt;b&gt;x</td>", "0 · 1 · 2 · 3 · 4 · 5", "0 · 2 · 4 · 6 · 8 · 10", `<td class="missed">no</td>`} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(html, "<script src") || strings.Contains(html, `src="http`) || strings.Contains(html, "<b>x") {
		t.Errorf("the report loads a script from elsewhere or lets a name become markup")
	}
}
