package ingest

import (
	"testing"
	"time"
)

// The summary says each part once, in the declared order, with zero work counts and
// without zero notes, the counts that are part of another in brackets after it.
func TestReportSummary(t *testing.T) {
	rep := NewReport(
		[]Count{{Key: "open", What: "open groups re-read"}, {Key: "refetched", What: "more fetched one by one"}, {Key: "gone", What: "gone", Of: "refetched"}},
		[]Count{{Key: "merged", What: "incidents merged into another"}, {Key: "zone", What: "users given the account's zone"}})
	rep.Stream("teams").Records = 2
	g := rep.Stream("alert_groups")
	g.Records, g.Windows, g.SayWindows = 12, 3, true
	l := rep.Stream("log_entries")
	l.Records, l.Windows, l.Unmapped, l.UnmappedIDs = 21, 4, 1, []string{"L1: no user"}
	rep.Add("refetched", 3)
	rep.Add("gone", 1)
	rep.Add("zone", 2)
	rep.Commit(Counts{Stored: map[string]int64{"incidents": 12, "raw_records": 40}, New: map[string]int64{"incidents": 10}})
	rep.Commit(Counts{Stored: map[string]int64{"incidents": 1}, New: map[string]int64{}})
	rep.Requests, rep.Skipped, rep.SkippedSee = 11, []string{"teams: 402 Payment Required"}, "docs/sources.md"
	want := "src: fetched 2 teams, 12 alert groups in 3 windows, 21 log entries; 0 open groups re-read, 3 more fetched one by one (1 gone); 11 requests, 1.5 s\n" +
		"src: stored incidents 13 (10 new)\n" +
		"src: skipped what the account or key may not read: teams: 402 Payment Required; see docs/sources.md\n" +
		"src: kept raw only, could not be mapped: 1 log entries (L1: no user)\n" +
		"src: 2 users given the account's zone\n"
	if got := rep.Summary("src", 1500*time.Millisecond); got != want {
		t.Errorf("summary\n%s\nwant\n%s", got, want)
	}
	if rep.Count("gone") != 1 || rep.Count("merged") != 0 || rep.Records("alert_groups") != 12 || rep.Records("users") != 0 {
		t.Errorf("counts: gone %d, merged %d, groups %d, users %d", rep.Count("gone"), rep.Count("merged"), rep.Records("alert_groups"), rep.Records("users"))
	}
}
