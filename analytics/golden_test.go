package analytics_test

import (
	"context"
	"database/sql"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// buildGolden imports testdata/golden.jsonl into a new DuckDB file and builds it with
// testdata/golden.yaml: reporting zone America/New_York, an organisation holiday on
// 2026-03-17, and rotation web-oncall (zone America/Los_Angeles) with a goal of 2.
func buildGolden(t *testing.T) (*sql.DB, *analytics.Service) {
	t.Helper()
	f, err := os.Open("testdata/golden.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := config.Load("testdata/golden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db := buildHistory(t, "golden.jsonl", f, cfg)
	return db, analytics.New(db)
}

// buildHistory imports a history in the import format into a new DuckDB file and builds
// the models with cfg.
func buildHistory(t *testing.T, name string, history io.Reader, cfg *config.Config) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db := ingesttest.OpenDB(t)
	w, err := ingest.NewWriter(ctx, db, "file")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := file.ImportJSONL(ctx, w, name, history, file.Options{}); err != nil {
		t.Fatal(err)
	}
	// Alone: computed outside the build's transaction, then stored (sql.Run)
	if _, err := models.BuildWith(ctx, db, cfg, models.Options{KeepIntermediate: true, Alone: true}); err != nil {
		t.Fatal(err)
	}
	return db
}

type factRow struct {
	isPage, inferred, afterHours, sleep bool
	window, month                       string
}

func facts(t *testing.T, db *sql.DB) map[string]factRow {
	t.Helper()
	rows, err := db.Query(`select incident_id, is_page, is_inferred, is_after_hours, is_sleep_hours,
		coalesce(page_window, ''), strftime(month, '%Y-%m') from incident_facts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]factRow{}
	for rows.Next() {
		var id string
		var r factRow
		if err := rows.Scan(&id, &r.isPage, &r.inferred, &r.afterHours, &r.sleep, &r.window, &r.month); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	return out
}

func TestGoldenPagesAndWindows(t *testing.T) {
	db, _ := buildGolden(t)
	got := facts(t, db)
	want := map[string]factRow{
		// Dublin clocks go forward at 01:00 UTC on 2026-03-29: 06:30Z is 07:30 IST, still sleep;
		// 07:30Z is 08:30 IST on a Sunday, off-hours. Both are March in New York (02:30, 03:30 EDT).
		"dst-dub-a": {isPage: true, afterHours: true, sleep: true, window: "sleep", month: "2026-03"},
		"dst-dub-b": {isPage: true, afterHours: true, window: "off_hours", month: "2026-03"},
		// Los Angeles goes forward at 10:00 UTC on 2026-03-08: 14:30Z is 07:30 PDT (sleep),
		// 15:30Z is 08:30 PDT on a Sunday (off-hours).
		"dst-la-a": {isPage: true, afterHours: true, sleep: true, window: "sleep", month: "2026-03"},
		"dst-la-b": {isPage: true, afterHours: true, window: "off_hours", month: "2026-03"},
		// 10:00 GMT in Dublin on Tuesday 2026-03-17 is business hours, but a holiday: off-hours.
		"holiday": {isPage: true, afterHours: true, window: "off_hours", month: "2026-03"},
		// 03:59Z on 1 May is 23:59 EDT on 30 April in the reporting zone (April), and 20:59 PDT
		// on a Thursday for the person paged (off-hours).
		"monthend": {isPage: true, afterHours: true, window: "off_hours", month: "2026-04"},
		// San Francisco first (05:00Z = 21:00 PST Monday, off-hours), Sydney two minutes later
		// (16:02 AEDT Tuesday, business): the page takes the first interruption's window, once.
		"two-people": {isPage: true, afterHours: true, window: "off_hours", month: "2026-02"},
		// Two phone calls 40 s apart at 12:00 GMT on a Wednesday: business hours.
		"retry": {isPage: true, window: "business", month: "2026-01"},
		// E-mail only: not a page.
		"email-only": {month: "2026-01"},
		// No notifications, high urgency: inferred page at its creation, 03:00Z = 22:00 EST
		// Friday in the organisation's zone (data-oncall has no zone of its own): sleep.
		"inferred": {isPage: true, inferred: true, afterHours: true, sleep: true, window: "sleep", month: "2026-01"},
		// No notifications, low urgency: not a page.
		"quiet":  {month: "2026-01"},
		"flap-1": {month: "2026-02"}, "flap-2": {month: "2026-02"}, "flap-3": {month: "2026-02"},
		"transient": {month: "2026-02"}, "reviewed": {month: "2026-02"},
	}
	if len(got) != len(want) {
		t.Fatalf("incident_facts has %d incidents, want %d", len(got), len(want))
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: got %+v, want %+v", id, got[id], w)
		}
	}

	var interruptions int
	if err := db.QueryRow(`select count(*) from interruptions where incident_id = 'retry'`).Scan(&interruptions); err != nil {
		t.Fatal(err)
	}
	if interruptions != 1 {
		t.Errorf("two phone calls 40 s apart made %d interruptions, want 1", interruptions)
	}
	var sydWindow string
	if err := db.QueryRow(`select hour_window from interruptions where responder_id = 'syd'`).Scan(&sydWindow); err != nil {
		t.Fatal(err)
	}
	if sydWindow != "business" {
		t.Errorf("Sydney's interruption window = %s, want business (16:02 AEDT Tuesday)", sydWindow)
	}
}

func TestGoldenMonthlyGoal(t *testing.T) {
	_, svc := buildGolden(t)
	rows, err := svc.MonthlyGoal(context.Background(), report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ scopeType, scope, month string }
	got := map[key]report.GoalMonth{}
	for _, r := range rows {
		got[key{r.ScopeType, r.Scope, r.Month}] = r
	}
	cases := []struct {
		key
		pages, afterHours, sleep, goal int
		met                            bool
		peoplePaged, peopleAfterHours  int
		woken                          int
	}{
		// January: retry (business) and the inferred sleep page.
		{key{"org", "Acme", "2026-01"}, 2, 1, 1, 10, true, 1, 0, 0},
		// February: one page that interrupted two people, one of them after hours.
		{key{"org", "Acme", "2026-02"}, 1, 1, 0, 10, true, 2, 1, 0},
		// March: the four DST pages and the holiday page; Aoife and Luis woken.
		{key{"org", "Acme", "2026-03"}, 5, 5, 2, 10, true, 2, 2, 2},
		{key{"org", "Acme", "2026-04"}, 1, 1, 0, 10, true, 1, 1, 0},
		// web-oncall's goal is 2: five after-hours pages miss it.
		{key{"rotation", "web-oncall", "2026-03"}, 5, 5, 2, 2, false, 2, 2, 2},
		{key{"team", "Data", "2026-01"}, 1, 1, 1, 10, true, 0, 0, 0},
		{key{"team", "Data", "2026-03"}, 0, 0, 0, 10, true, 0, 0, 0},
	}
	for _, c := range cases {
		r, ok := got[c.key]
		if !ok {
			t.Errorf("%v: missing", c.key)
			continue
		}
		if r.Pages != c.pages || r.AfterHoursPages != c.afterHours || r.SleepHoursPages != c.sleep ||
			r.Goal != c.goal || r.Met != c.met || r.PeoplePaged != c.peoplePaged ||
			r.PeoplePagedAfterHours != c.peopleAfterHours || r.PeopleWoken != c.woken {
			t.Errorf("%v: got %+v, want %+v", c.key, r, c)
		}
	}
	// trailing average of org after-hours pages over Feb, Mar, Apr: (1 + 5 + 1) / 3
	if r := got[key{"org", "Acme", "2026-04"}]; r.TrailingAvg3m == nil || *r.TrailingAvg3m != 7.0/3 {
		t.Errorf("trailing 3-month average for April = %v, want 7/3", r.TrailingAvg3m)
	}
	if r := got[key{"org", "Acme", "2026-02"}]; r.TrailingAvg3m != nil {
		t.Errorf("trailing average for the second month = %v, want none (fewer than 3 months)", *r.TrailingAvg3m)
	}
}

func TestGoldenNoise(t *testing.T) {
	db, svc := buildGolden(t)
	type sig struct{ auto, transient, flapping, unack, noisy bool }
	want := map[string]sig{
		"flap-1":    {},                            // nothing before it
		"flap-2":    {flapping: true, noisy: true}, // flap-1 20 min before
		"flap-3":    {flapping: true, noisy: true}, // three in 24 h
		"dst-la-b":  {flapping: true, noisy: true}, // dst-la-a exactly 60 min before
		"transient": {auto: true, transient: true, unack: true, noisy: true},
		"reviewed":  {auto: true, transient: true, unack: true}, // action_taken overrides
		"inferred":  {auto: true, unack: true, noisy: true},     // 40 min: not transient
	}
	for id, w := range want {
		var g sig
		err := db.QueryRow(`select is_auto_resolved, is_transient, is_flapping, is_unacknowledged, is_noisy
			from incident_facts where incident_id = ?`, id).Scan(&g.auto, &g.transient, &g.flapping, &g.unack, &g.noisy)
		if err != nil {
			t.Fatal(id, err)
		}
		if g != w {
			t.Errorf("%s: got %+v, want %+v", id, g, w)
		}
	}
	rules, err := svc.Rules(context.Background(), report.Filter{Team: "Data"})
	if err != nil {
		t.Fatal(err)
	}
	var disk *report.RuleStats
	for i := range rules {
		if rules[i].Rule == "disk <n>% full on <host>" {
			disk = &rules[i]
		}
	}
	if disk == nil {
		t.Fatalf("the three disk incidents did not form one rule: %+v", rules)
	}
	if disk.Incidents != 3 || disk.NoiseScore != 66.7 || disk.FlappingPct != 66.7 || disk.Reason != "67 % flapping" {
		t.Errorf("disk rule = %+v, want 3 incidents, noise 66.7 from flapping", *disk)
	}
}

func TestGoldenPathToGoalAndWhatIf(t *testing.T) {
	_, svc := buildGolden(t)
	ctx := context.Background()
	p, err := svc.PathToGoal(ctx, report.Filter{Rotation: "web-oncall", To: "2026-03"})
	if err != nil {
		t.Fatal(err)
	}
	// Four CPU pages (one rule by title template) and one payment page against a goal of 2:
	// removing the CPU rule alone leaves 1 < 2.
	if p.AfterHoursPages != 5 || p.Goal != 2 || p.SmallestSet != 1 || len(p.Rules) != 2 {
		t.Fatalf("path to goal = %+v", p)
	}
	cpu := p.Rules[0]
	if cpu.Rule != "cpu high on <host>" || cpu.AfterHoursPages != 4 || !cpu.InSmallestSet || cpu.CumulativePct != 80 {
		t.Errorf("first rule = %+v", cpu)
	}
	if p.Rules[1].InSmallestSet || !p.Rules[1].HasRunbook {
		t.Errorf("second rule = %+v, want outside the set and with a runbook", p.Rules[1])
	}

	months, err := svc.WhatIf(ctx, report.Filter{Rotation: "web-oncall", From: "2026-03", To: "2026-03"},
		[]report.RuleChange{{RuleID: cpu.RuleID, Action: report.WhatIfRemove}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range months {
		if m.ScopeType == "rotation" && (m.AfterHoursPages != 5 || m.AfterHoursPagesAfter != 1 || !m.MetAfter ||
			m.SleepHoursPagesAfter != 0) {
			t.Errorf("what-if for web-oncall = %+v, want 5 -> 1 and met", m)
		}
	}
	if len(months) != 2 {
		t.Errorf("what-if rows = %d, want org and rotation for March", len(months))
	}
	if _, err := svc.WhatIf(ctx, report.Filter{}, []report.RuleChange{{RuleID: cpu.RuleID, Action: "mute"}}); analytics.ErrorCode(err) != analytics.EINVALID {
		t.Errorf("unknown action: err = %v, want EINVALID", err)
	}
}

func TestGoldenCoverageAndResponse(t *testing.T) {
	_, svc := buildGolden(t)
	ctx := context.Background()
	c, err := svc.Coverage(ctx, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// 9 pages, 8 of them after hours; only the holiday page carries a runbook.
	if c.Pages != 9 || c.PagesWithRunbook != 1 || c.AfterHoursPages != 8 || c.AfterHoursWithRunbook != 1 {
		t.Errorf("coverage = %+v", c)
	}
	if *c.AfterHoursPct != 12.5 {
		t.Errorf("after-hours coverage = %v, want 12.5", *c.AfterHoursPct)
	}
	r, err := svc.Response(ctx, report.Filter{From: "2026-03", To: "2026-03"})
	if err != nil {
		t.Fatal(err)
	}
	// March: five incidents, each acknowledged 6 min after creation and resolved after
	// 31 min (the DST ones) or 61 min (holiday).
	if r.Incidents != 5 || r.Acknowledged != 5 || *r.MTTAMedianSec != 360 || *r.MTTRMedianSec != 31*60 {
		t.Errorf("response = %+v", r)
	}
}

func TestFailedBuildKeepsPreviousResults(t *testing.T) {
	db, svc := buildGolden(t)
	ctx := context.Background()
	before, err := svc.MonthlyGoal(ctx, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Break a table the models read: the build must fail and roll back as a whole.
	if _, err := db.Exec(`alter table reviews rename column tag to verdict`); err != nil {
		t.Fatal(err)
	}
	cfg, _ := config.Load("testdata/golden.yaml")
	if _, err := models.Build(ctx, db, cfg); err == nil || !strings.Contains(err.Error(), "stg_reviews") {
		t.Fatalf("build over a broken table: err = %v, want a failure naming stg_reviews", err)
	}
	after, err := svc.MonthlyGoal(ctx, report.Filter{})
	if err != nil {
		t.Fatalf("previous results unreadable after a failed build: %v", err)
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("results changed after a failed build")
	}
	if _, err := db.Exec(`alter table reviews rename column verdict to tag`); err != nil {
		t.Fatal(err)
	}

	// A full build alone computes its models outside its transaction: one that fails
	// there (incident_rules reads the template column) stores nothing either, and
	// leaves no temp table on the connection.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`alter table title_templates rename column template to tpl`); err != nil {
		t.Fatal(err)
	}
	if _, err := models.BuildWith(ctx, db, cfg, models.Options{Alone: true, Full: true}); err == nil || !strings.Contains(err.Error(), "incident_rules") {
		t.Fatalf("build over a broken title_templates: err = %v, want a failure naming incident_rules", err)
	}
	if after, err = svc.MonthlyGoal(ctx, report.Filter{}); err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("results changed after a failed build outside its transaction (err %v)", err)
	}
	var temps int
	if err := db.QueryRow(`select (select count(*) from duckdb_tables() where database_name = 'temp')
		+ (select count(*) from duckdb_views() where database_name = 'temp' and not internal)
		+ (select count(*) from duckdb_functions() where database_name = 'temp' and function_type in ('macro', 'table_macro'))`).Scan(&temps); err != nil {
		t.Fatal(err)
	}
	if temps != 0 {
		t.Errorf("%d temp tables, views and macros left on the connection after a failed build", temps)
	}
	// It computes the stored models into new tables, renamed into place as it commits:
	// a failed build drops those it made, and the next build those of a process that
	// died before it could.
	if n := nextTables(t, db); n != 0 {
		t.Errorf("%d new tables left in the file after a failed build", n)
	}
	if _, err := db.Exec(`alter table title_templates rename column tpl to template;
		create table build_next_incident_facts as select * from incident_facts;
		create table build_next_a_model_since_removed as select 1 as x`); err != nil {
		t.Fatal(err)
	}
	if _, err := models.BuildWith(ctx, db, cfg, models.Options{Alone: true, Full: true}); err != nil {
		t.Fatal(err)
	}
	if after, err = svc.MonthlyGoal(ctx, report.Filter{}); err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("results changed after a full build of the same history (err %v)", err)
	}
	if n := nextTables(t, db); n != 0 {
		t.Errorf("%d new tables left in the file after a build that found a dead one's", n)
	}
}

// nextTables counts the tables of main that a build outside its transaction makes
// before it renames them into place.
func nextTables(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`select count(*) from duckdb_tables() where schema_name = 'main' and starts_with(table_name, 'build_next_')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGoldenWeeks(t *testing.T) {
	db, _ := buildGolden(t)
	// monthend was paged at 23:59 EDT on Thursday 30 April: the ISO week of Monday 27 April
	// in the reporting zone, though it was already Friday 1 May in UTC.
	var week string
	if err := db.QueryRow(`select strftime(week, '%Y-%m-%d') from incident_facts where incident_id = 'monthend'`).Scan(&week); err != nil {
		t.Fatal(err)
	}
	if week != "2026-04-27" {
		t.Errorf("week of monthend = %s, want 2026-04-27", week)
	}
}
