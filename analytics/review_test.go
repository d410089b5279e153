package analytics_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/review"
)

// reviewNow is the review history's clock: Wednesday of 2026-W48, so the last complete
// week is 2026-W47 (16 to 22 November).
var reviewNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// buildReview builds testdata/review/history.jsonl (reporting zone Europe/Dublin, GMT in
// November; payments-oncall's goal is 2), then tags it as the review meeting would and
// builds again:
//
//   - w47-1 (DiskFull) no_action, reason flapping, owner "Data team": it overrides the
//     imported action_taken review of the same incident;
//   - w47-2 (DiskFull) no_action, reason flapping, owner "Data team";
//   - w47-3 (CPUHigh) action_taken, reason real_problem_fixed, owner ana, ticket PAY-1;
//   - a DiskFull follow-up shipped 2026-11-18.
//
// w46-2 keeps its imported action_taken review; w47-4 and w47-5 stay untagged.
func buildReview(t *testing.T) (*sql.DB, *analytics.Service) {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open("testdata/review/history.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := config.Load("testdata/review/review.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db := buildHistory(t, "history.jsonl", f, cfg)
	store := review.New(db, nil)
	flapping := review.Verdict{Tag: "no_action", Reason: "flapping", Note: "cleared itself", Owner: "Data team"}
	if _, err := store.Tag(ctx, []review.Request{
		{Source: "file", IncidentID: "w47-1", Verdict: flapping, Reviewer: "ana"},
		{Source: "file", IncidentID: "w47-2", Verdict: flapping, Reviewer: "ana"},
		{Source: "file", IncidentID: "w47-3", Reviewer: "ben", Verdict: review.Verdict{Tag: "action_taken",
			Reason: "real_problem_fixed", Note: "a bad deploy, rolled back", Owner: "ana", FollowUpURL: "https://tickets.example/PAY-1"}},
	}); err != nil {
		t.Fatal(err)
	}
	shipped := time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)
	if _, err := store.AddFollowUp(ctx, review.FollowUp{RuleID: ruleID(t, db, "DiskFull"), Change: "disk alert at 90 % for 15 minutes",
		TicketURL: "https://tickets.example/DATA-7", ShippedOn: &shipped, CreatedBy: "ana"}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Build(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	return db, analytics.New(db, analytics.WithNow(func() time.Time { return reviewNow }))
}

// compareText compares got with testdata/review/<name>, or writes it with -update.
func compareText(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", "review", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the code computes now:\n%s\n(run go test -update and read the diff)", file, lineDiff(string(want), string(got)))
	}
}

// ruleID finds a rule's id by its name: ids are hashes of the rule's key.
func ruleID(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var id string
	if err := db.QueryRow(`select rule_id from alert_rules where rule_name = ?`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestWeeklyReportGolden checks the weekly report of 2026-W47 (Monday 16 to Sunday 22
// November; Dublin is on GMT, so local times are the UTC times). Worked by hand from
// testdata/review/history.jsonl:
//
//	w47-1 Tue 02:00 DiskFull, Ana phoned: sleep          (tag no_action, over the import's action_taken)
//	w47-2 Tue 02:30 DiskFull, Ana phoned: sleep          (tag no_action)
//	w47-3 Wed 19:00 CPUHigh, Ana by SMS: off-hours       (tag action_taken, owner ana)
//	w47-4 Thu 10:00 CPUHigh, Ana by push: business       (untagged)
//	w47-5 Sat 03:00 LatencySLO, Ben phoned first (22:00 Friday in New York: sleep), Ana at
//	      03:01 (sleep): one page, both woken             (untagged; the only runbook)
//	w47-6 Fri 14:00 CPUHigh, e-mail only: not a page
//
// This week: 5 pages, 4 after hours (w47-1, -2, -3, -5), 3 in sleep hours (w47-1, -2, -5).
// 2026-W46: w46-1 (Tue 23:00, sleep) and w46-2 (Thu 12:00, business): 2 pages, 1 after
// hours, 1 sleep. So after-hours pages are up 3 from 1, sleep up 2 from 1, pages up 3 from 2.
// Month to date, 1 to 22 November: W46 and W47, 5 after-hours pages and 4 sleep; no
// November page before the 9th. Pace: 5 / 22 days x 30 = 6.818..., 6.8 < 10: on track.
// Untagged: w47-4 and w47-5, 2 of 5.
// Rules by after-hours pages: DiskFull 2 (2 sleep), then LatencySLO 1 (1 sleep) before
// CPUHigh 1 (0 sleep): sleep breaks the tie. DiskFull and CPUHigh have no runbook.
// People woken: Ana by w47-1, w47-2 and w47-5 (3), Ben by w47-5 (1).
// The DiskFull fix shipped on Wednesday the 18th: the 28 days before are 21 October to
// 17 November, holding w46-1, w47-1 and w47-2 (oct-1 on 20 October is a day too early):
// 3 after-hours pages, 3 pages, noise 2 of 3 incidents (the two tagged no_action;
// w46-1 was acknowledged, took 40 minutes and had no other DiskFull within 24 hours) =
// 66.7. After: 19 to 22 November, 4 days so far, no incident: 0, dropped; noise n/a.
func TestWeeklyReportGolden(t *testing.T) {
	_, svc := buildReview(t)
	w, err := svc.WeeklyReport(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if w.Week.Week != "2026-W47" || w.Week.NextWeek != nil || w.Week.PreviousWeek != "2026-W46" {
		t.Errorf("default week %s (next %v, previous %s), want 2026-W47, no next week (W48 is under way), W46",
			w.Week.Week, w.Week.NextWeek, w.Week.PreviousWeek)
	}
	if len(w.Fixes) != 1 || w.Fixes[0].AfterHoursPagesBefore != 3 || w.Fixes[0].DaysAfter != 4 ||
		w.Fixes[0].NoiseScoreBefore == nil || *w.Fixes[0].NoiseScoreBefore != 66.7 || !w.Fixes[0].AfterHoursPagesDropped {
		t.Errorf("fixes = %+v, want DiskFull's: 3 after-hours pages before, 4 days after, noise 66.7 before, dropped", w.Fixes)
	}
	var md, csv bytes.Buffer
	if err := report.WriteWeeklyMarkdown(&md, w); err != nil {
		t.Fatal(err)
	}
	compareText(t, "weekly.golden.md", md.Bytes())
	if err := report.WriteWeeklyCSV(&csv, w); err != nil {
		t.Fatal(err)
	}
	compareText(t, "weekly.golden.csv", csv.Bytes())
}

// TestMonthlyReportGolden checks leadership's report for 2026-11 and its trend back to
// 2026-06. Worked by hand: November holds w46-1, w46-2 and w47-1 to w47-6 (7 pages, the
// e-mail-only w47-6 is not one); after hours 5 (w46-1, w47-1, -2, -3, -5), sleep 4 (the
// same less w47-3). MTTA, the median over the acknowledged: 3, 4, 5, 6, 6, 12 minutes =
// (5 + 6) / 2 = 5.5; MTTR over the resolved: 3, 10, 20, 30, 33, 40, 42, 45 = (30 + 33) / 2
// = 31.5. Runbook: only w47-5, 1 of 7 pages = 14.3 %, 1 of 5 after-hours = 20 %. Tagged:
// w46-2 (imported action_taken), w47-1 (no_action, the page's tag over the import's
// action_taken), w47-2 (no_action), w47-3 (action_taken): actionable 2 / 4 = 0.5 (it
// would be 0.75 if the import's word had stood). payments-oncall's goal is 2 and it had
// 2 after-hours pages (w47-3, w47-5): not met. Data in November: w46-1, w47-1, w47-2, all
// sleep, Ana alone: MTTA median of 6 and 6 = 6, MTTR of 40, 3, 20 = 20, no runbook (0 %),
// actionable 0 of 2 = 0. October: oct-1 alone, Tuesday 13:00 IST business, MTTA 10, MTTR
// 60. June: jun-1, business, MTTA 5, MTTR 35. July to September had no incident: zeros.
func TestMonthlyReportGolden(t *testing.T) {
	_, svc := buildReview(t)
	m, err := svc.MonthlyReport(context.Background(), "2026-11")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"}; !slices.Equal(m.Months, want) {
		t.Errorf("trend months %v, want %v", m.Months, want)
	}
	var csv bytes.Buffer
	if err := report.WriteMonthlyCSV(&csv, m); err != nil {
		t.Fatal(err)
	}
	compareText(t, "monthly.golden.csv", csv.Bytes())
}

// TestFixEffectAsOfToday reads the same fix with the clock at 25 November: 7 days after.
func TestFixEffectAsOfToday(t *testing.T) {
	db, svc := buildReview(t)
	rows, err := svc.FixEffect(context.Background(), ruleID(t, db, "DiskFull"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].DaysAfter != 7 || rows[0].PagesBefore != 3 || rows[0].PagesAfter != 0 || rows[0].ShippedOn != "2026-11-18" {
		t.Errorf("fix effect = %+v, want shipped 2026-11-18, 7 days after, 3 pages before, 0 after", rows)
	}
	none, err := svc.FixEffect(context.Background(), ruleID(t, db, "CPUHigh"))
	if err != nil || len(none) != 0 {
		t.Errorf("CPUHigh has no follow-up: got %v, %v", none, err)
	}
}

// TestWeekStart checks ISO week names, including a year whose week 1 starts in December
// and a week 53.
func TestWeekStart(t *testing.T) {
	for week, monday := range map[string]string{"2026-W47": "2026-11-16", "2026-W01": "2025-12-29", "2026-W53": "2026-12-28", "2027-W01": "2027-01-04"} {
		got, err := analytics.WeekStart("week", week)
		if err != nil || got.Format(time.DateOnly) != monday {
			t.Errorf("%s: got %v, %v; want %s", week, got, err, monday)
		}
	}
	for _, bad := range []string{"2025-W53", "2026-W00", "2026-47", "W47"} {
		if _, err := analytics.WeekStart("week", bad); analytics.ErrorCode(err) != analytics.EINVALID {
			t.Errorf("%s: got %v, want EINVALID", bad, err)
		}
	}
}
