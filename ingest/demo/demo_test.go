package demo

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

func generate(tb testing.TB, db *sql.DB, seed uint64) Summary {
	tb.Helper()
	sum, err := Generate(context.Background(), db, Options{Seed: seed})
	if err != nil {
		tb.Fatal(err)
	}
	return sum
}

// fingerprint hashes every demo incident, notification and review in a fixed order.
func fingerprint(t *testing.T, db *sql.DB) string {
	t.Helper()
	var parts []string
	for _, q := range []string{
		`select count(*) || ':' || md5(string_agg(concat_ws('|', incident_id, service_id, title, urgency, priority,
			created_at, acknowledged_at, resolved_at, resolved_by, rule, runbook_url, escalations,
			manual_escalations, labels), chr(10) order by incident_id)) from incidents where source = 'demo'`,
		`select count(*) || ':' || md5(string_agg(concat_ws('|', incident_id, responder_id, channel, notified_at),
			chr(10) order by incident_id, notified_at, responder_id, channel)) from notifications where source = 'demo'`,
		`select count(*) || ':' || md5(string_agg(concat_ws('|', incident_id, tag, note, reviewer, reviewed_at),
			chr(10) order by incident_id)) from reviews where source = 'demo'`,
	} {
		var s sql.NullString
		if err := db.QueryRow(q).Scan(&s); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s.String)
	}
	return strings.Join(parts, " ")
}

func TestDemoHistory(t *testing.T) {
	db := ingesttest.OpenDB(t)
	sum := generate(t, db, DefaultSeed)
	want := fingerprint(t, db)

	t.Run("same seed same data, other seed other data, no stale rows", func(t *testing.T) {
		other := ingesttest.OpenDB(t)
		generate(t, other, DefaultSeed+1)
		if got := fingerprint(t, other); got == want {
			t.Fatalf("seed %d and %d gave the same history", DefaultSeed, DefaultSeed+1)
		}
		if err := ingest.DeleteSource(context.Background(), other, Source); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"raw_records", "responders", "services", "incidents", "notifications", "reviews", "sync_state"} {
			var n int
			if err := other.QueryRow("select count(*) from " + table).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%s after DeleteSource: %d rows (%v), want 0", table, n, err)
			}
		}
		generate(t, other, DefaultSeed)
		if got := fingerprint(t, other); got != want {
			t.Fatalf("seed %d twice: %s then %s", DefaultSeed, want, got)
		}
	})

	t.Run("company", func(t *testing.T) {
		var incidents, teams, services, rules, people, zones, raw int
		err := db.QueryRow(`select
			(select count(*) from incidents),
			(select count(distinct team) from services),
			(select count(*) from services),
			(select count(distinct (service_id, rule)) from incidents),
			(select count(*) from responders),
			(select count(distinct time_zone) from responders),
			(select count(*) from raw_records)`).Scan(&incidents, &teams, &services, &rules, &people, &zones, &raw)
		if err != nil {
			t.Fatal(err)
		}
		checkRange(t, "incidents", incidents, 12750, 17250)
		checkRange(t, "teams", teams, 6, 6)
		checkRange(t, "services", services, 22, 28)
		checkRange(t, "rules with incidents", rules, 135, 165)
		checkRange(t, "responders", people, 36, 44)
		checkRange(t, "time zones", zones, 3, 3)
		if incidents != sum.Incidents {
			t.Errorf("summary says %d incidents, the store holds %d", sum.Incidents, incidents)
		}
		// a raw record for every incident, notification, review, person and service
		if want := sum.Incidents + sum.Notifications + sum.Reviews + people + services; raw != want {
			t.Errorf("raw records: %d, want %d", raw, want)
		}
	})

	pages := loadPages(t, db)

	t.Run("after-hours pages fall under the goal", func(t *testing.T) {
		months := monthsOf(t)
		perMonth := map[string]int{}
		for _, p := range pages {
			if p.afterHours {
				perMonth[p.month]++
			}
		}
		t.Logf("after-hours pages a month: %v", func() (s []string) {
			for _, m := range months {
				s = append(s, fmt.Sprintf("%s=%d", m, perMonth[m]))
			}
			return
		}())
		checkRange(t, "after-hours pages in "+months[0], perMonth[months[0]], 45, 75)
		for _, m := range months[len(months)-2:] {
			checkRange(t, "after-hours pages in "+m, perMonth[m], 0, 9)
		}
	})

	t.Run("a few rules page most after hours at first", func(t *testing.T) {
		months := monthsOf(t)
		byRule := map[string]int{}
		total := 0
		for _, p := range pages {
			if p.afterHours && (p.month == months[0] || p.month == months[1]) {
				byRule[p.rule]++
				total++
			}
		}
		var counts []int
		for _, n := range byRule {
			counts = append(counts, n)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(counts)))
		top := 0
		for _, n := range counts[:min(7, len(counts))] {
			top += n
		}
		t.Logf("top 7 rules: %d of %d after-hours pages in the first two months", top, total)
		if top*2 <= total {
			t.Errorf("top 7 rules: %d of %d after-hours pages in the first two months, want more than half", top, total)
		}
	})

	t.Run("escalations reach a second person", func(t *testing.T) {
		var escalated, retried int
		err := db.QueryRow(`
			with people as (
				select incident_id, count(distinct responder_id) as n
				from notifications where channel in ('phone', 'sms', 'push') group by all)
			select
				(select count(*) from incidents join people using (incident_id) where escalations > 0 and n >= 2),
				(select count(*) from notifications a join notifications b using (incident_id, responder_id, channel)
				 where a.channel = 'phone' and b.notified_at - a.notified_at between interval 30 second and interval 50 second)`).
			Scan(&escalated, &retried)
		if err != nil {
			t.Fatal(err)
		}
		checkRange(t, "escalated incidents that interrupted two people", escalated, 10, 1000)
		checkRange(t, "phone calls retried 30-50 s later", retried, 5, 1000)
		inferred := 0
		for _, p := range pages {
			if p.inferred {
				inferred++
			}
		}
		checkRange(t, "inferred pages", inferred, 3, 40)
	})

	t.Run("pages on the nights the clocks change", func(t *testing.T) {
		zones := rotationZones(t)
		for _, zone := range []string{"Europe/Dublin", "America/Los_Angeles", "Australia/Sydney"} {
			changes := dstDates(t, zone)
			if len(changes) == 0 {
				t.Fatalf("%s: no daylight-saving change in the period", zone)
			}
			for _, d := range changes {
				n := 0
				for _, p := range pages {
					if zones[p.rotation] == zone && p.at.In(mustZone(zone)).Format("2006-01-02") == d {
						n++
					}
				}
				if n == 0 {
					t.Errorf("%s: no page of its rotations on %s, when the clocks changed", zone, d)
				}
			}
		}
	})

	t.Run("the path to goal of the first month names the noisy rules", func(t *testing.T) {
		ctx := context.Background()
		cfg, err := config.Parse(Config, "demo config")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.Build(ctx, db, cfg); err != nil {
			t.Fatal(err)
		}
		p, err := analytics.New(db).PathToGoal(ctx, report.Filter{To: "2025-11"})
		if err != nil {
			t.Fatal(err)
		}
		noisy := map[string]bool{}
		for _, d := range noisyDefs {
			noisy[d.name] = true
		}
		// The noisy rules lead the ranking, and most of them are in the smallest set (which
		// may also hold an Alertmanager rule whose pages tie with the last noisy one's).
		var set []string
		noisyInSet := 0
		for i, r := range p.Rules {
			if i < 5 && !noisy[r.Rule] {
				t.Errorf("rank %d of 2025-11 is %s, not one of the noisy rules", r.Rank, r.Rule)
			}
			if r.InSmallestSet {
				set = append(set, r.Rule)
				if noisy[r.Rule] {
					noisyInSet++
				}
			}
		}
		if p.Met || noisyInSet < len(noisyDefs)-2 {
			t.Errorf("2025-11: %d after-hours pages against %d; smallest set %v, want most of the %d noisy rules",
				p.AfterHoursPages, p.Goal, set, len(noisyDefs))
		}
	})
}

func checkRange(t *testing.T, what string, got, lo, hi int) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s: %d, want %d to %d", what, got, lo, hi)
	}
}

// page is one page as this test reads the definition: an incident that phoned, texted
// or pushed someone (its time and person those of the first such notification), or a
// high-urgency incident without any notification (judged in its rotation's zone).
type page struct {
	rule, rotation, month string
	at                    time.Time
	inferred, afterHours  bool
}

func loadPages(t *testing.T, db *sql.DB) []page {
	t.Helper()
	zones := rotationZones(t)
	rows, err := db.Query(`
		with firsts as (
			select incident_id, arg_min(responder_id, notified_at) as responder_id, min(notified_at) as at
			from notifications where channel in ('phone', 'sms', 'push') group by all),
		notified as (select distinct incident_id from notifications)
		select i.service_id || '/' || i.rule, s.rotation, coalesce(f.at, i.created_at), f.at is null, coalesce(r.time_zone, '')
		from incidents i
		join services s using (service_id)
		left join firsts f using (incident_id)
		left join responders r on r.responder_id = f.responder_id
		where f.at is not null or (i.urgency = 'high' and i.incident_id not in (select incident_id from notified))`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []page
	for rows.Next() {
		var p page
		var zone string
		if err := rows.Scan(&p.rule, &p.rotation, &p.at, &p.inferred, &zone); err != nil {
			t.Fatal(err)
		}
		if zone == "" {
			zone = zones[p.rotation]
		}
		local := p.at.In(mustZone(zone))
		weekend := local.Weekday() == time.Saturday || local.Weekday() == time.Sunday
		p.afterHours = weekend || local.Hour() < 8 || local.Hour() >= 18
		p.month = p.at.In(mustZone("Europe/Dublin")).Format("2006-01")
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rotationZones reads each rotation's zone from the demo's config file.
func rotationZones(t *testing.T) map[string]string {
	t.Helper()
	var cfg struct {
		Organisation struct {
			TimeZone string `yaml:"time_zone"`
		} `yaml:"organisation"`
		Rotations map[string]struct {
			TimeZone string `yaml:"time_zone"`
		} `yaml:"rotations"`
	}
	if err := yaml.Unmarshal(Config, &cfg); err != nil {
		t.Fatalf("alertlens.yaml: %v", err)
	}
	if cfg.Organisation.TimeZone != "Europe/Dublin" {
		t.Fatalf("alertlens.yaml: organisation time_zone %q, want Europe/Dublin", cfg.Organisation.TimeZone)
	}
	zones := map[string]string{}
	for name, r := range cfg.Rotations {
		zones[name] = r.TimeZone
	}
	for _, team := range []string{"platform", "payments", "storefront", "mobile", "data", "search"} {
		if zones[team+"-oncall"] == "" {
			t.Fatalf("alertlens.yaml: rotation %s-oncall has no time_zone", team)
		}
	}
	return zones
}

func monthsOf(t *testing.T) []string {
	start, end := Period()
	var out []string
	for m := start; m.Before(end); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	if len(out) != 12 {
		t.Fatalf("period %s to %s: %d months, want 12", start, end, len(out))
	}
	return out
}

// dstDates lists the local dates in the period on which zone's UTC offset changes.
func dstDates(t *testing.T, zone string) []string {
	loc := mustZone(zone)
	start, end := Period()
	var out []string
	for d := start.In(loc); d.Before(end); d = d.AddDate(0, 0, 1) {
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
		_, before := day.Zone()
		_, after := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc).Zone()
		if before != after && !slices.Contains(out, day.Format("2006-01-02")) {
			out = append(out, day.Format("2006-01-02"))
		}
	}
	return out
}

func BenchmarkGenerate(b *testing.B) {
	db := ingesttest.OpenDB(b)
	var rows int
	for b.Loop() {
		if err := ingest.DeleteSource(context.Background(), db, Source); err != nil {
			b.Fatal(err)
		}
		sum, err := Generate(context.Background(), db, Options{Seed: DefaultSeed, Progress: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		rows += sum.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkGenerateOnly measures drawing the records alone, without the store, to tell
// the generator's share of BenchmarkGenerate.
func BenchmarkGenerateOnly(b *testing.B) {
	var incidents int
	for b.Loop() {
		g := newGenerator(DefaultSeed)
		for from := periodStart; from.Before(periodEnd); from = from.AddDate(0, 1, 0) {
			incidents += len(g.month(from, from.AddDate(0, 1, 0)))
		}
	}
	b.ReportMetric(float64(incidents)/b.Elapsed().Seconds(), "incidents/s")
}
