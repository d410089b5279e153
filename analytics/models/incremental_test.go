package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/demo"
	"github.com/alertlens/alertlens/ingest/ingesttest"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// TestIncrementalBuildEqualsFullBuild changes the demo history at random, the way
// syncs, webhooks and the review page do (new incidents beside a rule's others, late
// notifications, acknowledgements, resolves, retitles that move an incident to another
// rule, moved creation times, deletions, review tags), builds incrementally, and
// checks that every stored model and mart holds exactly what a full build of the same
// history holds.
func TestIncrementalBuildEqualsFullBuild(t *testing.T) {
	ctx := context.Background()
	db, cfg := demoHistory(t)
	if rep, err := models.Build(ctx, db, cfg); err != nil {
		t.Fatal(err)
	} else if !rep.Full {
		t.Fatalf("the first build was incremental: %+v", rep)
	}
	// The schedules reach the on-call marts, so that they are compared too.
	if rows := ingesttest.Rows(t, db, `select (select count(*) from oncall_compensation where hours_on_call > 0),
		(select count(*) from escalations_monthly where people_reached <> ''), (select count(*) from oncall_roster_monthly)`); rows[0][0].(int64) == 0 || rows[0][1].(int64) == 0 || rows[0][2].(int64) == 0 {
		t.Fatalf("on-call marts without rows (compensation with hours, escalations reaching people, roster): %v", rows[0])
	}
	rng := rand.New(rand.NewPCG(7, 11))
	years := calendarYears(t, db) // before round 2 (beyondTheYears)
	for round := range 6 {
		var applied string
		switch round {
		case 0:
			applied = mutate(t, db, rng, 2) + " " + breachAcrossMonths(t, db)
		case 1: // alone, so that no other change widens the months recomputed
			applied = pageMonthBeforeBreach(t, db)
		case 2:
			applied = mutate(t, db, rng, 2+round*4) + " " + beyondTheYears(t, db)
		default:
			applied = mutate(t, db, rng, 2+round*4)
		}
		rep, err := buildTelling(t, db, cfg, models.Options{})
		if err != nil {
			t.Fatalf("round %d (%s): %v", round, applied, err)
		}
		if rep.Full {
			t.Fatalf("round %d (%s): a full build (%s) after a few changes", round, applied, rep.FullReason)
		}
		if rep.Changed == 0 || rep.Recomputed < rep.Changed || rep.Recomputed > rep.Incidents/4 {
			t.Fatalf("round %d (%s): changed %d, recomputed %d of %d", round, applied, rep.Changed, rep.Recomputed, rep.Incidents)
		}
		if round == 2 {
			// the calendar tables now cover a year more at either end
			if got := calendarYears(t, db); got[0] >= years[0] || got[1] <= years[1] {
				t.Fatalf("round %d (%s): tz_periods covers %d-%d, before %d-%d", round, applied, got[0], got[1], years[0], years[1])
			}
		}
		snapshot(t, db)
		if rep, err := buildTelling(t, db, cfg, models.Options{Full: true, Alone: true}); err != nil {
			t.Fatal(err)
		} else if !rep.Full || rep.FullReason != "asked for" || !hasStep(rep, "outside the transaction: ") {
			t.Fatalf("Options.Full gave %+v", rep)
		}
		// the database's settings the build outside its transaction changed are back
		if rows := ingesttest.Rows(t, db, "select current_setting('preserve_insertion_order')"); rows[0][0] != true {
			t.Fatalf("preserve_insertion_order after a build outside its transaction: %v", rows[0][0])
		}
		if diff := compareSnapshot(t, db); diff != "" {
			t.Fatalf("round %d (%s): the incremental build differs from a full one:\n%s", round, applied, diff)
		}
		t.Logf("round %d: %s: %d changed, %d recomputed, %d touched", round, applied, rep.Changed, rep.Recomputed, rep.Touched)
	}

	// A full build inside one transaction (what a server does while it takes writes)
	// stores what one computed outside it stored.
	snapshot(t, db)
	if rep, err := buildTelling(t, db, cfg, models.Options{Full: true}); err != nil || !rep.Full {
		t.Fatalf("a full build in its transaction: %+v, %v", rep, err)
	}
	if diff := compareSnapshot(t, db); diff != "" {
		t.Fatalf("a full build in one transaction differs from one outside it:\n%s", diff)
	}

	// Alone, but with temp models that would not fit in DuckDB's memory limit: the
	// incident models are computed in slices of the incidents, and the build says so.
	// Unless the user set a limit, such a build lowers DuckDB's for itself alone.
	var limitBefore, limitAfter string
	if err := db.QueryRow("select current_setting('memory_limit')").Scan(&limitBefore); err != nil {
		t.Fatal(err)
	}
	prev := sqlmodels.OutsideBytesPerRow
	sqlmodels.OutsideBytesPerRow = 1 << 20
	snapshot(t, db)
	rep, err := buildTelling(t, db, cfg, models.Options{Full: true, Alone: true})
	sqlmodels.OutsideBytesPerRow = prev
	if err != nil || !rep.Full || !hasStep(rep, "outside the transaction, in slices of the incidents: ") {
		t.Fatalf("an alone full build past the memory limit: %+v, %v", rep, err)
	}
	if lowered := hasStep(rep, "in slices: DuckDB's memory limit "+sqlmodels.SlicedBuildMemoryLimit+" for this build"); lowered != (os.Getenv("ALERTLENS_MEMORY_LIMIT") == "") {
		t.Errorf("the build in slices lowered DuckDB's memory limit: %v, with ALERTLENS_MEMORY_LIMIT=%q", lowered, os.Getenv("ALERTLENS_MEMORY_LIMIT"))
	}
	// Every slice had incidents of its own, and together they are every incident once
	// (a stored model holding an incident twice, or missing one, differs below).
	var sliced int64
	slicesRun := 0
	for _, m := range rep.Models {
		if m.Model.Layer == "state" && strings.HasPrefix(m.Model.Name, "slice ") {
			slicesRun++
			if m.Rows <= 0 {
				t.Errorf("%s: %d incidents", m.Model.Name, m.Rows)
			}
			sliced += m.Rows
		}
	}
	if slicesRun < 8 || sliced != rep.Incidents {
		t.Errorf("the build ran %d slices of %d incidents in all, of %d; want 8 or more, of every incident", slicesRun, sliced, rep.Incidents)
	}
	if err := db.QueryRow("select current_setting('memory_limit')").Scan(&limitAfter); err != nil || limitAfter != limitBefore {
		t.Errorf("DuckDB's memory limit after the build: %q, %v; want %q as before it", limitAfter, err, limitBefore)
	}
	if diff := compareSnapshot(t, db); diff != "" {
		t.Fatalf("an alone full build in slices differs from one in memory:\n%s", diff)
	}

	// Nothing changed: nothing is recomputed and nothing moves.
	snapshot(t, db)
	rep, err = models.Build(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Full || rep.Changed != 0 || rep.Recomputed != 0 {
		t.Fatalf("a build with nothing changed: %+v", rep)
	}
	if diff := compareSnapshot(t, db); diff != "" {
		t.Fatalf("a build with nothing changed moved rows:\n%s", diff)
	}
}

// hasStep tells whether a build's report lists a state step starting with prefix.
func hasStep(rep models.BuildReport, prefix string) bool {
	for _, m := range rep.Models {
		if m.Model.Layer == "state" && strings.HasPrefix(m.Model.Name, prefix) {
			return true
		}
	}
	return false
}

// buildTelling builds with a Progress that notes each step it is told of, and checks
// that those are the steps the report says ran, in its order: what a long build's
// progress line names is what runs. (The config tables written before the models, and
// models an incremental build left unchanged, are not told. A full build runs staging
// twice, in the transaction that finds it must be full and then outside it: the report
// has the second, so a step told twice counts where it was told last.)
func buildTelling(t *testing.T, db *sql.DB, cfg *config.Config, opts models.Options) (models.BuildReport, error) {
	t.Helper()
	var told []string
	opts.Progress = func(layer, name string) { told = append(told, layer+" "+name) }
	rep, err := models.BuildWith(context.Background(), db, cfg, opts)
	if err != nil {
		return rep, err
	}
	var ran []string
	for _, m := range rep.Models {
		if m.Scope == "unchanged" || m.Model.Layer == "config" && m.Model.Name != "title_templates" {
			continue
		}
		ran = append(ran, m.Model.Layer+" "+m.Model.Name)
	}
	var last []string
	for i, step := range told {
		if !slices.Contains(told[i+1:], step) {
			last = append(last, step)
		}
	}
	told = last
	if !slices.Equal(told, ran) {
		t.Fatalf("progress was told of\n  %s\nthe build ran\n  %s", strings.Join(told, "\n  "), strings.Join(ran, "\n  "))
	}
	if len(ran) < 10 {
		t.Fatalf("the build ran %d steps: %v", len(ran), ran)
	}
	return rep, nil
}

// TestIncrementalBuildFallsBackToFull: what the incidents' inputs do not show (the
// config, a dimension) recomputes everything, and so does a change to most incidents.
func TestIncrementalBuildFallsBackToFull(t *testing.T) {
	ctx := context.Background()
	db, cfg := demoHistory(t)
	if _, err := models.Build(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	other, err := config.Parse(append(append([]byte{}, cfg.Source...), []byte("\n# another config\n")...), "other.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change string
		cfg    *config.Config
		reason string
	}{
		{"config", "", other, "config changed"},
		{"services", "update services set team = team || '-moved' where service_id = (select min(service_id) from services)", other, "stg_services changed"},
		{"people", "update responders set time_zone = 'Asia/Tokyo' where responder_id = (select min(responder_id) from responders)", other, "stg_responders changed"},
		{"most incidents", "update incidents set urgency = case urgency when 'high' then 'low' else 'high' end", other, "incidents to recompute"},
	} {
		if c.change != "" {
			if _, err := db.ExecContext(ctx, c.change); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := models.Build(ctx, db, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Full || !strings.Contains(rep.FullReason, c.reason) {
			t.Errorf("%s: full %v (%q), want a full build because %q", c.name, rep.Full, rep.FullReason, c.reason)
		}
	}
}

// demoHistory generates the demo history into a new file: its people are in three
// zones, its rotations have schedules, a holiday calendar and compensation, and it
// has reviews.
func demoHistory(t *testing.T) (*sql.DB, *config.Config) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlmodels.Open(ctx, filepath.Join(t.TempDir(), "demo.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg, err := config.Parse(demo.Config, "demo alertlens.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(ctx, db, demo.Options{Seed: demo.DefaultSeed}); err != nil {
		t.Fatal(err)
	}
	addSchedules(t, db)
	return db, cfg
}

// addSchedules gives each rotation of the demo a weekly schedule (its first two people
// by id at level 1, turn about, and a third at level 2, the managers' tier), so that the
// on-call models and marts (hours, compensation, the roster, escalations to managers)
// have rows to compare.
func addSchedules(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	people := map[string][]string{}
	for _, r := range ingesttest.Rows(t, db, `select rotation, list(distinct n.responder_id order by n.responder_id)
		from incidents i join services s using (source, service_id) join notifications n using (source, incident_id)
		group by all order by 1`) {
		for _, p := range r[1].([]any) {
			people[r[0].(string)] = append(people[r[0].(string)], p.(string))
		}
	}
	w, err := ingest.NewWriter(ctx, db, "demo")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := time.Date(2025, 10, 27, 9, 0, 0, 0, time.UTC) // a Monday before the history
	for rotation, ps := range people {
		if len(ps) < 3 {
			continue
		}
		for week := range 56 {
			from := start.AddDate(0, 0, 7*week)
			for level, p := range map[int]string{1: ps[week%2], 2: ps[2]} {
				if err := w.Shift(ingest.Shift{ID: fmt.Sprintf("%s-%d-%d", rotation, week, level), ResponderID: p, Rotation: rotation,
					EscalationLevel: level, StartsAt: from, EndsAt: from.AddDate(0, 0, 7)}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// mutate applies n random changes to the stored history, straight to its tables, and
// names them.
func mutate(t *testing.T, db *sql.DB, rng *rand.Rand, n int) string {
	t.Helper()
	var incidents, responders []string
	for _, r := range ingesttest.Rows(t, db, "select incident_id from incidents order by 1") {
		incidents = append(incidents, r[0].(string))
	}
	for _, r := range ingesttest.Rows(t, db, "select responder_id from responders order by 1") {
		responders = append(responders, r[0].(string))
	}
	pick := func() string { return incidents[rng.IntN(len(incidents))] }
	// Offsets that fall either side of the flapping windows (60 minutes, 24 hours) and
	// of month ends.
	offsets := []time.Duration{0, time.Minute, 59 * time.Minute, 61 * time.Minute, 23 * time.Hour, 24 * time.Hour,
		25 * time.Hour, -30 * time.Minute, -23 * time.Hour, -25 * time.Hour, 40 * 24 * time.Hour}
	offset := func() string { return fmt.Sprintf("to_seconds(%d)", int(offsets[rng.IntN(len(offsets))].Seconds())) }
	var names []string
	for i := range n {
		id := pick()
		var stmts []string
		kind := rng.IntN(9)
		switch kind {
		case 0, 1: // a new incident of the same rule, beside it, with a page
			nid := fmt.Sprintf("inc-new-%d-%d", rng.Uint32(), i)
			stmts = []string{
				fmt.Sprintf(`insert into incidents select * replace ('%s' as incident_id, created_at + %s as created_at,
					acknowledged_at + %[2]s as acknowledged_at, resolved_at + %[2]s as resolved_at) from incidents where incident_id = '%s'`, nid, offset(), id),
				fmt.Sprintf(`insert into notifications select source, '%s', responder_id, channel, notified_at + %s from notifications where incident_id = '%s'`, nid, offset(), id),
			}
		case 2: // a late notification, by phone, to someone else, or to the manager on call then
			person, late := fmt.Sprintf("'%s'", responders[rng.IntN(len(responders))]), offset()
			if rng.IntN(2) == 0 {
				person = fmt.Sprintf(`coalesce((select min(sh.responder_id) from oncall_shifts sh join services s on s.rotation = sh.rotation
					where s.service_id = i.service_id and sh.escalation_level = 2
					  and i.created_at + %[1]s >= sh.starts_at and i.created_at + %[1]s < sh.ends_at), %[2]s)`, late, person)
			}
			stmts = []string{fmt.Sprintf(`insert into notifications select source, incident_id, %s, 'phone', created_at + %s from incidents i where incident_id = '%s'`,
				person, late, id)}
		case 3: // acknowledged, or resolved by a human
			stmts = []string{fmt.Sprintf(`update incidents set acknowledged_at = created_at + interval 3 minute, resolved_at = coalesce(resolved_at, created_at + interval 2 hour), resolved_by = 'human' where incident_id = '%s'`, id)}
		case 4: // retitled as another incident: another rule
			stmts = []string{fmt.Sprintf(`update incidents set title = (select title from incidents where incident_id = '%s'), service_id = (select service_id from incidents where incident_id = '%[1]s') where incident_id = '%s'`, pick(), id)}
		case 5: // created at another time (another month, maybe)
			stmts = []string{fmt.Sprintf(`update incidents set created_at = created_at + %s where incident_id = '%s'`, offset(), id)}
		case 6: // gone
			stmts = []string{
				fmt.Sprintf(`delete from notifications where incident_id = '%s'`, id),
				fmt.Sprintf(`delete from incidents where incident_id = '%s'`, id),
			}
		case 7: // tagged on the review page
			tag := []string{"no_action", "action_taken"}[rng.IntN(2)]
			stmts = []string{
				fmt.Sprintf(`delete from review_tags where incident_id = '%s'`, id),
				fmt.Sprintf(`insert into review_tags select source, incident_id, '%s', '', '', '', '', 'tester', now()::timestamp, 1 from incidents where incident_id = '%s'`, tag, id),
			}
		case 8: // its notifications gone (a page no more)
			stmts = []string{fmt.Sprintf(`delete from notifications where incident_id = '%s'`, id)}
		}
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		names = append(names, fmt.Sprintf("%s:%d", id, kind))
	}
	return strings.Join(names, " ")
}

// breachAcrossMonths pages someone 10 hours after a sleep interruption of theirs late on
// a month's last day (Dublin, the demo's reporting zone, is UTC or an hour ahead): a
// rest breach of that month, caused by an incident of the next.
func breachAcrossMonths(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows := ingesttest.Rows(t, db, `select i.incident_id, i.responder_id, i.interrupted_at::varchar
		from interruptions i
		where i.hour_window = 'sleep'
		  and date_trunc('month', i.interrupted_at + interval 10 hour) > date_trunc('month', i.interrupted_at + interval 2 hour)
		  and not exists (select 1 from interruptions o where o.source = i.source and o.responder_id = i.responder_id
		                  and o.interrupted_at > i.interrupted_at and o.interrupted_at < i.interrupted_at + interval 11 hour)
		order by i.interrupted_at limit 1`)
	if len(rows) == 0 {
		t.Fatal("the demo history has no sleep interruption late on a month's last day")
	}
	id, person, at := rows[0][0].(string), rows[0][1].(string), rows[0][2].(string)
	for _, s := range []string{
		fmt.Sprintf(`insert into incidents select * replace ('inc-breach' as incident_id, '%s'::timestamp + interval 10 hour as created_at,
			null as acknowledged_at, null as resolved_at) from incidents where incident_id = '%s'`, at, id),
		fmt.Sprintf(`insert into notifications select source, 'inc-breach', '%s', 'phone', '%s'::timestamp + interval 10 hour from incidents where incident_id = '%s'`, person, at, id),
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return fmt.Sprintf("breach of %s at %s by inc-breach", person, at)
}

// pageMonthBeforeBreach pages someone with a rest breach across a month's end (from
// breachAcrossMonths) in the month before it: the build then recomputes their rows of
// that month and the two either side, and the last of those reads the next month too.
func pageMonthBeforeBreach(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows := ingesttest.Rows(t, db, `select i.incident_id, i.responder_id, (i.month - interval 15 day)::varchar
		from interruptions i join interruptions o
		  on o.source = i.source and o.responder_id = i.responder_id and o.incident_id <> i.incident_id
		 and o.interrupted_at > i.interrupted_at and o.interrupted_at < i.interrupted_at + interval 11 hour and o.month > i.month
		where i.hour_window = 'sleep' order by i.interrupted_at limit 1`)
	if len(rows) == 0 {
		t.Fatal("no rest breach across a month's end")
	}
	id, person, at := rows[0][0].(string), rows[0][1].(string), rows[0][2].(string)
	for _, s := range []string{
		fmt.Sprintf(`insert into incidents select * replace ('inc-before-breach' as incident_id, '%s'::timestamp as created_at,
			null as acknowledged_at, null as resolved_at) from incidents where incident_id = '%s'`, at, id),
		fmt.Sprintf(`insert into notifications select source, 'inc-before-breach', '%s', 'phone', '%s'::timestamp from incidents where incident_id = '%s'`, person, at, id),
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return fmt.Sprintf("page of %s at %s, the month before a breach", person, at)
}

// calendarYears is the first and the last year the calendar tables cover.
func calendarYears(t *testing.T, db *sql.DB) [2]int64 {
	t.Helper()
	r := ingesttest.Rows(t, db, "select year(min(valid_from)), year(max(valid_until) - interval 1 day) from tz_periods")[0]
	return [2]int64{r[0].(int64), r[1].(int64)}
}

// beyondTheYears adds a paged incident 400 days after the history's last and one 400
// days before its first, so that the build covers a year more at either end: the
// incidents are recomputed, not the history (sqlmodels.ConfigFingerprint.Years).
func beyondTheYears(t *testing.T, db *sql.DB) string {
	t.Helper()
	// the first or the last incident of the history with a notification
	paged := func(pick string) string {
		return fmt.Sprintf(`select arg_%s(incident_id, created_at) from incidents i
			where incident_id not in ('inc-next-year', 'inc-year-before') and exists (select 1 from notifications n where n.incident_id = i.incident_id)`, pick)
	}
	for _, c := range []struct{ id, pick, shift string }{
		{"inc-next-year", "max", "+ interval 400 day"},
		{"inc-year-before", "min", "- interval 400 day"},
	} {
		for _, s := range []string{
			fmt.Sprintf(`insert into incidents select * replace ('%[1]s' as incident_id, created_at %[3]s as created_at,
				acknowledged_at %[3]s as acknowledged_at, resolved_at %[3]s as resolved_at)
				from incidents where incident_id = (%[4]s)`, c.id, c.pick, c.shift, paged(c.pick)),
			fmt.Sprintf(`insert into notifications select n.source, '%[1]s', n.responder_id, n.channel, n.notified_at %[2]s
				from notifications n where n.incident_id = (%[3]s)`, c.id, c.shift, paged(c.pick)),
		} {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	return "a page 400 days after the history and one 400 days before it"
}

// storedTables are the tables a build leaves in the file: the stored models and marts.
func storedTables(t *testing.T) []string {
	t.Helper()
	all, err := sqlmodels.Models()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range all {
		if m.Materialized == "table" {
			out = append(out, m.Name)
		}
	}
	return out
}

// snapshot copies every stored table into schema snap.
func snapshot(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec("drop schema if exists snap cascade; create schema snap"); err != nil {
		t.Fatal(err)
	}
	for _, name := range storedTables(t) {
		if _, err := db.Exec(fmt.Sprintf("create table snap.%s as select * from main.%s", name, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// compareSnapshot lists the rows that differ between schema snap and the stored
// tables, with floating-point columns rounded to 6 places (sums in another order).
func compareSnapshot(t *testing.T, db *sql.DB) string {
	t.Helper()
	var diffs []string
	for _, name := range storedTables(t) {
		var cols []string
		for _, r := range ingesttest.Rows(t, db, `select column_name, data_type from duckdb_columns()
			where schema_name = 'main' and table_name = ? order by column_index`, name) {
			c := r[0].(string)
			if typ := r[1].(string); typ == "DOUBLE" || typ == "FLOAT" {
				c = fmt.Sprintf("round(%s, 6) as %s", c, c)
			}
			cols = append(cols, c)
		}
		sel := strings.Join(cols, ", ")
		for _, dir := range [][2]string{{"snap", "main"}, {"main", "snap"}} {
			label := "only after the incremental build"
			if dir[0] == "main" {
				label = "only after the full build"
			}
			q := fmt.Sprintf("select %s from %s.%s except all select %s from %s.%s limit 3", sel, dir[0], name, sel, dir[1], name)
			for _, vals := range ingesttest.Rows(t, db, q) {
				diffs = append(diffs, fmt.Sprintf("%s, %s: %v", name, label, vals))
			}
		}
	}
	return strings.Join(diffs, "\n")
}
