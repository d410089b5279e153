package analytics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// update rewrites the golden files from what the code computes now: run it, then read the
// diff of testdata/ as the review of a metric change.
var update = flag.Bool("update", false, "rewrite testdata/**/*.golden.json from the current results")

// goldenNow is the clock of the golden queries: mid-March 2026 in the reporting zone, so
// that the pace has pages so far.
var goldenNow = time.Date(2026, 3, 20, 16, 0, 0, 0, time.UTC)

// compareGolden marshals got and compares it with testdata/<path>, or writes it there
// with -update.
func compareGolden(t *testing.T, path string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	file := filepath.Join("testdata", path)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s differs from what the code computes now:\n%s\n(run go test -update and read the diff)", file, lineDiff(string(want), string(b)))
	}
}

// lineDiff shows the first lines where two texts differ, enough to see what moved.
func lineDiff(want, got string) string {
	w, g := bytes.Split([]byte(want), []byte("\n")), bytes.Split([]byte(got), []byte("\n"))
	var out bytes.Buffer
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 12; i++ {
		var a, b []byte
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if !bytes.Equal(a, b) {
			out.WriteString("line " + itoa(i+1) + ":\n  want " + string(a) + "\n  got  " + string(b) + "\n")
			shown++
		}
	}
	return out.String()
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestGoldenModels keeps every table the build writes (models and marts) as rows in
// testdata/models/<name>.golden.json, sorted by all columns: a model that is added has
// to bring its golden file, and a refactor that moves a number shows in the diff.
func TestGoldenModels(t *testing.T) {
	db, _ := buildGolden(t)
	all, err := sqlmodels.Models()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, m := range all {
		if m.Materialized == "view" {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			res, err := analytics.ReadOnlyQuery(ctx, db, "select * from "+m.Name+" order by all")
			if err != nil {
				t.Fatal(err)
			}
			rows := make([]map[string]any, len(res.Rows))
			for i, r := range res.Rows {
				rows[i] = map[string]any{}
				for j, c := range res.Columns {
					rows[i][c] = r[j]
				}
			}
			compareGolden(t, filepath.Join(m.Layer, m.Name+".golden.json"), struct {
				Columns []string         `json:"columns"`
				Types   []string         `json:"types"`
				Rows    []map[string]any `json:"rows"`
			}{res.Columns, res.Types, rows})
		})
	}
}

// goldenFilters are the periods and owners every period query is asked for.
var goldenFilters = []struct {
	name string
	f    report.Filter
}{
	{"all", report.Filter{}},
	{"march", report.Filter{From: "2026-03", To: "2026-03"}},
	{"from-feb", report.Filter{From: "2026-02"}},
	{"to-feb", report.Filter{To: "2026-02"}},
	{"team-data", report.Filter{Team: "Data"}},
	{"team-web-feb-mar", report.Filter{Team: "Web", From: "2026-02", To: "2026-03"}},
	{"rotation-web-oncall", report.Filter{Rotation: "web-oncall"}},
	{"limit-2", report.Filter{Limit: 2}},
	{"unknown-team", report.Filter{Team: "Nobody"}},
	{"bad-month", report.Filter{From: "2026-13"}},
}

// result is one answer in a golden file: the rows, or the error a caller sees.
type result struct {
	Rows  any              `json:"rows,omitempty"`
	Error *analytics.Error `json:"error,omitempty"`
}

func answer(t *testing.T, rows any, err error) result {
	t.Helper()
	if err == nil {
		return result{Rows: rows}
	}
	var e *analytics.Error
	if !errors.As(err, &e) {
		t.Fatalf("unexpected error: %v", err)
	}
	return result{Error: e}
}

// TestGoldenQueries keeps what every period query answers over the golden history, per
// filter, in testdata/queries/<query>.golden.json.
func TestGoldenQueries(t *testing.T) {
	db, _ := buildGolden(t)
	svc := analytics.New(db, analytics.WithNow(func() time.Time { return goldenNow }))
	ctx := context.Background()
	rules, err := svc.Rules(ctx, report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	ruleIDs := map[string]string{} // rule name -> id
	for _, r := range rules {
		ruleIDs[r.Rule] = r.RuleID
	}
	cpu, disk, pay := ruleIDs["cpu high on <host>"], ruleIDs["disk <n>% full on <host>"], ruleIDs["payment errors"]
	if cpu == "" || disk == "" || pay == "" {
		t.Fatalf("golden rules not found: %v", ruleIDs)
	}

	perFilter := func(run func(report.Filter) (any, error)) map[string]result {
		out := map[string]result{}
		for _, gf := range goldenFilters {
			rows, err := run(gf.f)
			out[gf.name] = answer(t, rows, err)
		}
		return out
	}
	queries := map[string]func() any{
		"monthly_goal": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.MonthlyGoal(ctx, f) })
		},
		"rule_stats": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Rules(ctx, f) })
		},
		"rule": func() any {
			out := map[string]result{}
			for _, id := range []string{cpu, disk, pay, "no-such-rule"} {
				for _, gf := range goldenFilters[:3] {
					r, err := svc.Rule(ctx, id, gf.f)
					out[id+" "+gf.name] = answer(t, r, err)
				}
			}
			return out
		},
		"rule_history": func() any {
			out := map[string]result{}
			for _, id := range []string{cpu, disk} {
				for _, gf := range goldenFilters {
					r, err := svc.RuleHistory(ctx, id, gf.f)
					out[id+" "+gf.name] = answer(t, r, err)
				}
			}
			return out
		},
		"incidents": func() any {
			out := perFilter(func(f report.Filter) (any, error) { return svc.Incidents(ctx, f, "") })
			for _, gf := range goldenFilters[:3] {
				r, err := svc.Incidents(ctx, gf.f, disk)
				out["disk "+gf.name] = answer(t, r, err)
			}
			return out
		},
		"pages": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Pages(ctx, f) })
		},
		"windows": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Windows(ctx, f) })
		},
		"coverage": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Coverage(ctx, f) })
		},
		"responders": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Responders(ctx, f) })
		},
		"fairness": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Fairness(ctx, f) })
		},
		"heatmap": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Heatmap(ctx, f) })
		},
		"response": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.Response(ctx, f) })
		},
		"path_to_goal": func() any {
			return perFilter(func(f report.Filter) (any, error) { return svc.PathToGoal(ctx, f) })
		},
		"pace": func() any {
			out := map[string]result{}
			for _, s := range [][2]string{{"org", ""}, {"rotation", "web-oncall"}, {"team", "Data"}, {"team", "Web"}, {"rotation", "nope"}, {"galaxy", ""}} {
				p, err := svc.Pace(ctx, s[0], s[1])
				out[s[0]+" "+s[1]] = answer(t, p, err)
			}
			return out
		},
		"what_if": func() any {
			out := map[string]result{}
			sets := map[string][]report.RuleChange{
				"remove cpu":         {{RuleID: cpu, Action: report.WhatIfRemove}},
				"cpu business hours": {{RuleID: cpu, Action: report.WhatIfBusinessHours}},
				"delay disk 30":      {{RuleID: disk, Action: report.WhatIfDelay, DelayMinutes: 30}},
				"delay payment 90":   {{RuleID: pay, Action: report.WhatIfDelay, DelayMinutes: 90}},
				"remove cpu, pay business hours": {{RuleID: cpu, Action: report.WhatIfRemove},
					{RuleID: pay, Action: report.WhatIfBusinessHours}},
				"unknown rule": {{RuleID: "nope", Action: report.WhatIfRemove}},
				"bad delay":    {{RuleID: disk, Action: report.WhatIfDelay}},
			}
			names := make([]string, 0, len(sets))
			for n := range sets {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				for _, gf := range goldenFilters {
					r, err := svc.WhatIf(ctx, gf.f, sets[n])
					out[n+" / "+gf.name] = answer(t, r, err)
				}
			}
			return out
		},
		"person": func() any {
			// Each person interrupted in the history, and one it does not know: their load,
			// the cells of their heat map that hold interruptions, and their pages.
			people, err := svc.Responders(ctx, report.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]any{}
			for _, who := range append(people, report.ResponderLoad{Source: "file", ResponderID: "nobody"}) {
				for _, gf := range goldenFilters[:3] {
					key := who.Source + "/" + who.ResponderID + " " + gf.name
					p, err := svc.Person(ctx, who.Source, who.ResponderID, gf.f)
					out[key+" load"] = answer(t, p, err)
					heat, err := svc.PersonHeatmap(ctx, who.Source, who.ResponderID, gf.f)
					heat = slices.DeleteFunc(heat, func(c report.HeatCell) bool { return c.Interruptions == 0 })
					out[key+" heatmap"] = answer(t, heat, err)
					pages, err := svc.PersonPages(ctx, who.Source, who.ResponderID, gf.f)
					out[key+" pages"] = answer(t, pages, err)
				}
			}
			return out
		},
		"rule_pages": func() any {
			out := map[string]result{}
			for _, id := range []string{cpu, disk, pay} {
				for _, gf := range goldenFilters[:3] {
					r, err := svc.RulePages(ctx, id, gf.f)
					out[id+" "+gf.name] = answer(t, r, err)
				}
			}
			return out
		},
		"review": func() any {
			// The weekly review's macros on a history without review tags or follow-ups:
			// 2026-W13 holds the two Dublin DST pages of Sunday 29 March (New York's week),
			// W10 the two Los Angeles ones of Sunday 8 March; the monthly report ends in
			// March and in April (its trend starts before the history).
			out := map[string]any{}
			for _, week := range []string{"2026-W10", "2026-W13", "2026-W20"} {
				r, err := svc.WeeklyReport(ctx, week)
				out["weekly "+week] = answer(t, r, err)
			}
			for _, month := range []string{"2026-03", "2026-04", "2025-01"} {
				r, err := svc.MonthlyReport(ctx, month)
				out["monthly "+month] = answer(t, r, err)
			}
			fx, err := svc.FixEffect(ctx, "")
			out["fix effect"] = answer(t, fx, err)
			return out
		},
		"oncall": func() any {
			// The on-call macros over the golden history's shifts, per month (and one month
			// that is no month), and the roster and shifts per filter.
			out := map[string]result{}
			for _, m := range []string{"2026-02", "2026-03", "2026-04", "2026-13"} {
				pay, err := svc.OnCallPay(ctx, m, "")
				out["pay "+m] = answer(t, pay, err)
				esc, err := svc.Escalations(ctx, m, "")
				out["escalations "+m] = answer(t, esc, err)
				rest, err := svc.RestBreaches(ctx, m)
				out["rest "+m] = answer(t, rest, err)
			}
			pay, err := svc.OnCallPay(ctx, "2026-03", "nope")
			out["pay 2026-03 rotation nope"] = answer(t, pay, err)
			for _, gf := range goldenFilters {
				roster, err := svc.Roster(ctx, gf.f)
				out["roster "+gf.name] = answer(t, roster, err)
				shifts, err := svc.Shifts(ctx, gf.f, "", "")
				out["shifts "+gf.name] = answer(t, shifts, err)
			}
			return out
		},
		"overview": func() any {
			o, err := svc.Overview(ctx)
			if err != nil {
				t.Fatal(err)
			}
			o.BuiltAt = time.Time{} // the only figure that moves between builds
			return o
		},
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			compareGolden(t, filepath.Join("queries", name+".golden.json"), q())
		})
	}
}

// coveredBy names, for every period query in sql/queries, the golden file in
// testdata/queries that holds its answers (through the Service method that runs it).
var coveredBy = map[string]string{
	"goal_months":          "monthly_goal",
	"rule_stats":           "rule_stats",
	"rule_history":         "rule_history",
	"incident_list":        "incidents",
	"page_list":            "pages",
	"window_counts":        "windows",
	"runbook_coverage":     "coverage",
	"responder_load":       "responders",
	"fairness_months":      "fairness",
	"interruption_heatmap": "heatmap",
	"response_times":       "response",
	"judged_scope":         "path_to_goal",
	"judged_goal":          "path_to_goal",
	"path_to_goal_rules":   "path_to_goal",
	"what_if":              "what_if",
	"pace":                 "pace",
	"overview":             "overview",
	"oncall_pay":           "oncall",
	"oncall_escalations":   "oncall",
	"oncall_rest":          "oncall",
	"oncall_roster":        "oncall",
	"oncall_shifts":        "oncall",
	"review_week":          "review",
	"week_woken":           "review",
	"period_pages":         "review",
	"fix_effect":           "review",
	"monthly_report":       "review",
	"person_pages":         "person",
	"person_heatmap":       "person",
}

// TestEveryQueryHasAGoldenFile keeps a new period query from arriving without one.
func TestEveryQueryHasAGoldenFile(t *testing.T) {
	qs, err := sqlmodels.Queries()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		golden, ok := coveredBy[q.Name]
		if !ok {
			t.Errorf("sql/queries/%s.sql has no golden file: add its Service method to TestGoldenQueries and to coveredBy", q.Name)
			continue
		}
		if _, err := os.Stat(filepath.Join("testdata", "queries", golden+".golden.json")); err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
	}
}
