package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time-zone math must not depend on the machine's zoneinfo

	"github.com/duckdb/duckdb-go/v2"

	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/config"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// prepare writes, inside the build's transaction (or into the temp schema: cfgWriter),
// the tables the models read besides the history: the config (cfg_*) and the time-zone periods (the title templates come
// later: writeTitleTemplates). It reports each step's time, as a model run of layer
// "config".
func prepare(ctx context.Context, tx cfgWriter, cfg *config.Config) ([]sqlmodels.ModelRun, error) {
	fromYear, toYear, err := historyYears(ctx, tx)
	if err != nil {
		return nil, err
	}
	steps := []struct {
		table string
		write func(context.Context, cfgWriter, *config.Config, int, int) error
	}{
		{"cfg_settings", writeSettings}, {"cfg_scopes", writeScopes}, {"cfg_goals", writeGoals},
		{"cfg_team_map", writeTeamMap}, {"cfg_runbook_patterns", writeRunbookPatterns},
		{"tz_periods", writeZonePeriods},
		{"cfg_compensation", writeCompensation},
	}
	var runs []sqlmodels.ModelRun
	for _, step := range steps {
		start := time.Now()
		if err := step.write(ctx, tx, cfg, fromYear, toYear); err != nil {
			return nil, err
		}
		runs = append(runs, sqlmodels.ModelRun{
			Model: sqlmodels.Model{Name: step.table, Layer: "config"}, Rows: -1, Duration: time.Since(start)})
	}
	return runs, nil
}

func historyYears(ctx context.Context, tx cfgWriter) (int, int, error) {
	var lo, hi sql.NullTime
	err := tx.QueryRowContext(ctx, `select min(t), max(t) from (
		select min(created_at) t from incidents union all select max(created_at) from incidents
		union all select min(notified_at) from notifications union all select max(notified_at) from notifications
		union all select min(starts_at) from oncall_shifts union all select max(ends_at) from oncall_shifts)`).Scan(&lo, &hi)
	if err != nil {
		return 0, 0, fmt.Errorf("read history span: %w", err)
	}
	if !lo.Valid {
		y := time.Now().Year()
		return y, y, nil
	}
	return lo.Time.Year() - 1, hi.Time.Year() + 1, nil
}

// cfgWriter is where prepare writes: the build's transaction, or the connection's temp
// schema for a full build computed outside one (temp; package sql's Run).
type cfgWriter struct {
	sqlmodels.Querier
	temp bool
}

// create starts the statement that creates (or replaces) one of what, such as a table.
func (w cfgWriter) create(what string) string {
	if w.temp {
		return "create or replace temp " + what
	}
	return "create or replace " + what
}

// insertRows creates (or replaces) a table and fills it with multi-row inserts.
func insertRows(ctx context.Context, tx cfgWriter, table, columns string, rows [][]any) error {
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("%s %s (%s)", tx.create("table"), table, columns)); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	const chunk = 500
	for start := 0; start < len(rows); start += chunk {
		end := min(start+chunk, len(rows))
		var (
			b    strings.Builder
			args []any
		)
		fmt.Fprintf(&b, "insert into %s values ", table)
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("fill %s: %w", table, err)
		}
	}
	return nil
}

func writeSettings(ctx context.Context, tx cfgWriter, cfg *config.Config, _, _ int) error {
	name := cfg.Organisation.Name
	if name == "" {
		name = "organisation"
	}
	return insertRows(ctx, tx, "cfg_settings",
		"org_name varchar, reporting_time_zone varchar, transient_seconds integer, metrics_version integer, built_at timestamp, config_yaml varchar",
		[][]any{{name, cfg.ReportingTimeZone(), cfg.TransientMinutes() * 60, report.MetricsVersion, time.Now().UTC(), string(cfg.Source)}})
}

// writeScopes writes one row per organisation, rotation and person with what each sets
// (NULL where unset); the org row carries METRICS.md's defaults, so a coalesce from
// person to rotation to org always ends in a value.
func writeScopes(ctx context.Context, tx cfgWriter, cfg *config.Config, fromYear, toYear int) error {
	var rows, holidays [][]any
	add := func(scopeType, scope string, s config.Scope, isOrg bool) {
		var (
			tz                             any
			days                           any
			bStart, bEnd, sStart, sEnd, hk any
		)
		if s.TimeZone != "" {
			tz = s.TimeZone
		}
		bh, sh := s.BusinessHours, s.SleepHours
		if isOrg {
			if tz == nil {
				tz = "UTC"
			}
			if bh == nil {
				bh = &config.Hours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "08:00", End: "18:00"}
			}
			if sh == nil {
				sh = &config.Hours{Start: "22:00", End: "08:00"}
			}
		}
		if bh != nil {
			if len(bh.Days) == 0 {
				bh.Days = []string{"mon", "tue", "wed", "thu", "fri"}
			}
			days = intList(config.WeekdayNumbers(bh.Days))
			bStart, _ = config.ClockMinutes(bh.Start)
			bEnd, _ = config.ClockMinutes(bh.End)
		}
		if sh != nil {
			sStart, _ = config.ClockMinutes(sh.Start)
			sEnd, _ = config.ClockMinutes(sh.End)
		}
		if s.HasHolidays() || isOrg {
			key := scopeType + ":" + scope
			hk = key
			for _, d := range s.HolidayDates(fromYear, toYear) {
				holidays = append(holidays, []any{key, d})
			}
		}
		rows = append(rows, []any{scopeType, scope, tz, days, bStart, bEnd, sStart, sEnd, hk})
	}
	add("org", "", cfg.Organisation.Scope, true)
	for _, name := range sortedNames(cfg.Rotations) {
		add("rotation", name, cfg.Rotations[name], false)
	}
	for _, name := range sortedNames(cfg.People) {
		add("person", name, cfg.People[name], false)
	}
	if err := insertRows(ctx, tx, "cfg_scopes",
		`scope_type varchar, scope varchar, time_zone varchar, business_days varchar,
		 business_start_minute integer, business_end_minute integer, sleep_start_minute integer,
		 sleep_end_minute integer, holiday_key varchar`, rows); err != nil {
		return err
	}
	return insertRows(ctx, tx, "cfg_holidays", "holiday_key varchar, holiday_date date", holidays)
}

// intList renders ISO weekday numbers as "1,2,3,4,5"; the models test membership with
// list_contains(string_split(...)).
func intList(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ",")
}

func writeGoals(ctx context.Context, tx cfgWriter, cfg *config.Config, _, _ int) error {
	// scopes without a goal of their own get METRICS.md's default
	rows := [][]any{{"default", "", config.DefaultGoal}, {"org", "", cfg.OrgGoal()}}
	for _, name := range sortedNames(cfg.Rotations) {
		if g := cfg.Rotations[name].Goal; g != nil {
			rows = append(rows, []any{"rotation", name, *g})
		}
	}
	for _, name := range sortedNames(cfg.Teams) {
		if g := cfg.Teams[name].Goal; g != nil {
			rows = append(rows, []any{"team", name, *g})
		}
	}
	return insertRows(ctx, tx, "cfg_goals", "scope_type varchar, scope varchar, goal integer", rows)
}

func writeTeamMap(ctx context.Context, tx cfgWriter, cfg *config.Config, _, _ int) error {
	var rows [][]any
	for _, from := range sortedNames(cfg.TeamMap) {
		rows = append(rows, []any{from, cfg.TeamMap[from]})
	}
	return insertRows(ctx, tx, "cfg_team_map", "from_team varchar, to_team varchar", rows)
}

// writeRunbookPatterns writes the config's runbook patterns, and the macro
// runbook_pattern_match(value) that stg_incident_runbooks runs over label values: the
// part of value that the first pattern matching it matches (the first by pattern text,
// as cfg_runbook_patterns is read in order), else NULL. The patterns are constants in
// the macro because DuckDB compiles a constant pattern once and a pattern read from a
// table once per value: a join of label values with cfg_runbook_patterns took 185 ms
// over the demo's 5,874 incidents, and would take tens of seconds at a million.
func writeRunbookPatterns(ctx context.Context, tx cfgWriter, cfg *config.Config, _, _ int) error {
	var rows [][]any
	patterns := append([]string(nil), cfg.RunbookPatterns...)
	sort.Strings(patterns)
	match := "null::varchar"
	if len(patterns) > 0 {
		var b strings.Builder
		b.WriteString("case")
		for _, p := range patterns {
			lit := "'" + strings.ReplaceAll(p, "'", "''") + "'"
			fmt.Fprintf(&b, " when regexp_matches(value, %s) then regexp_extract(value, %s)", lit, lit)
		}
		b.WriteString(" end")
		match = b.String()
	}
	for _, p := range patterns {
		rows = append(rows, []any{p})
	}
	if err := insertRows(ctx, tx, "cfg_runbook_patterns", "pattern varchar", rows); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, tx.create("macro")+" runbook_pattern_match(value) as "+match); err != nil {
		return fmt.Errorf("create macro runbook_pattern_match: %w", err)
	}
	return nil
}

// writeTitleTemplates templates each distinct title once, in Go: the placeholders and
// the config's rewrites are regular expressions that read better and test better here
// than as a chain of regexp_replace calls.
//
// The templates are kept between builds, each with the templater that made it (its
// expressions and the config's rewrites), so that a rebuild templates only the titles
// that are new since: a history can hold a million distinct titles, a few seconds of
// work, and the live server rebuilds after every webhook burst. A change of templater
// drops every stored template.
//
// Package sql's Run calls it (RunOptions.Titles) once it knows which incidents a build
// recomputes: within names a table of their keys, or is "" for every incident. tx is
// conn, or a transaction on it: the templates are appended on conn, inside tx if there
// is one. A full build writes them outside its transaction: they are a cache of what
// a title's template is, right whether or not the build commits.
func writeTitleTemplates(ctx context.Context, conn *sql.Conn, tx sqlmodels.Querier, cfg *config.Config, within string) error {
	t := NewTemplater(cfg)
	// (duckdb_tables, then the table's own columns: duckdb_columns() lists every column
	// of the database, 12-17 ms the first time a process asks, on every rebuild)
	var cached int
	if err := tx.QueryRowContext(ctx, `select count(*) from duckdb_tables()
		where schema_name = 'main' and table_name = 'title_templates'`).Scan(&cached); err != nil {
		return fmt.Errorf("read title_templates: %w", err)
	}
	if cached > 0 {
		if err := tx.QueryRowContext(ctx, `select count(*) from pragma_table_info('main.title_templates')
			where name = 'templater'`).Scan(&cached); err != nil {
			return fmt.Errorf("read title_templates: %w", err)
		}
	}
	if cached == 0 { // never built, or built before templates were kept
		if _, err := tx.ExecContext(ctx, `create or replace table title_templates (title varchar, template varchar, templater varchar)`); err != nil {
			return fmt.Errorf("create title_templates: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `delete from title_templates where templater <> ?`, t.Fingerprint()); err != nil {
		return fmt.Errorf("drop stale title templates: %w", err)
	}
	from := "incidents"
	if within != "" {
		from = "(select * from incidents semi join " + within + " using (source, incident_id))"
	}
	// The titles to template wait in a temp table and are read a chunk at a time: with
	// the 6.3 million titles of ten million incidents held in Go at once, the first
	// build peaked at 3.43 GB, against 2.97 GB this way. An anti join, not a correlated
	// "not exists", which DuckDB runs as a join against the distinct titles of every
	// incident first: 87-92 ms against 217-353 ms at a million incidents, all templated.
	if _, err := tx.ExecContext(ctx, `create or replace temp table build_titles as
		select row_number() over () - 1 as n, title from (
			select distinct i.title from `+from+` i anti join title_templates t on t.title = i.title
			where i.rule = '')`); err != nil {
		return fmt.Errorf("read titles: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `select count(*) from build_titles`).Scan(&n); err != nil {
		return fmt.Errorf("read titles: %w", err)
	}
	for start := 0; start < n; start += templateChunk {
		if err := templateChunkOf(ctx, conn, tx, t, start); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `drop table temp.build_titles`); err != nil {
		return fmt.Errorf("read titles: %w", err)
	}
	return nil
}

// templateChunkOf templates the titles of build_titles from row start, templateChunk
// of them, and appends them to title_templates through DuckDB's appender, on the
// transaction's connection: binding the titles and templates as two list parameters
// took 3.2 s of the 6.7 s that a million incidents' 630,000 titles took.
func templateChunkOf(ctx context.Context, conn *sql.Conn, tx sqlmodels.Querier, t *Templater, start int) error {
	// (not rowid: the rows of a table made in this transaction have theirs from 2^62)
	rows, err := tx.QueryContext(ctx, `select title from build_titles where n >= ? and n < ?`, start, start+templateChunk)
	if err != nil {
		return fmt.Errorf("read titles: %w", err)
	}
	titles := make([]string, 0, templateChunk)
	for rows.Next() {
		var title string
		if err := rows.Scan(&title); err != nil {
			rows.Close()
			return err
		}
		titles = append(titles, title)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Templating is a few regular expressions a title, pure, and most of a build's Go
	// work: spread over the cores.
	templates := make([]string, len(titles))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(titles); i += workers {
				templates[i] = t.Template(titles[i])
			}
		})
	}
	wg.Wait()
	// The appender holds the connection, so it is opened per chunk, after the read.
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "", "main", "title_templates")
		if err != nil {
			return fmt.Errorf("fill title_templates: %w", err)
		}
		for i, title := range titles {
			if err := a.AppendRow(title, templates[i], t.Fingerprint()); err != nil {
				a.Close()
				return fmt.Errorf("fill title_templates: %w", err)
			}
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("fill title_templates: %w", err)
		}
		return nil
	})
}

// templateChunk is how many titles are templated and written at a time.
var templateChunk = 100_000

// writeZonePeriods writes, for every zone the models may need, the spans of UTC time
// with one UTC offset. Converting with a range join on this small table is about three
// times faster than DuckDB's per-row timezone() (ICU) and gives the same local times.
func writeZonePeriods(ctx context.Context, tx cfgWriter, cfg *config.Config, fromYear, toYear int) error {
	zones := map[string]bool{"UTC": true, cfg.ReportingTimeZone(): true}
	for _, s := range cfg.Rotations {
		zones[s.TimeZone] = true
	}
	for _, s := range cfg.People {
		zones[s.TimeZone] = true
	}
	zones[cfg.Organisation.TimeZone] = true
	rows, err := tx.QueryContext(ctx, `select distinct time_zone from responders where time_zone <> ''`)
	if err != nil {
		return fmt.Errorf("read responder zones: %w", err)
	}
	for rows.Next() {
		var z string
		if err := rows.Scan(&z); err != nil {
			rows.Close()
			return err
		}
		zones[z] = true
	}
	rows.Close()
	from := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(toYear+1, 1, 1, 0, 0, 0, 0, time.UTC)
	var out [][]any
	for _, name := range sortedNames(zones) {
		if name == "" {
			continue
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue // a source's unknown zone: its people fall back to the rotation's zone
		}
		for _, p := range ZonePeriods(loc, from, to) {
			out = append(out, []any{name, p.From, p.Until, p.OffsetSeconds})
		}
	}
	return insertRows(ctx, tx, "tz_periods",
		"zone varchar, valid_from timestamp, valid_until timestamp, utc_offset_seconds integer", out)
}

// ZonePeriod is a span of UTC time during which a zone has one offset.
type ZonePeriod struct {
	From, Until   time.Time
	OffsetSeconds int
}

// ZonePeriods splits [from, to) into spans of constant UTC offset in loc. Transitions are
// found by stepping hour by hour and then bisecting to the second, so zones whose
// clocks change on the half hour are exact too.
func ZonePeriods(loc *time.Location, from, to time.Time) []ZonePeriod {
	offset := func(t time.Time) int { _, off := t.In(loc).Zone(); return off }
	var out []ZonePeriod
	start, cur := from, offset(from)
	for t := from; t.Before(to); {
		next := t.Add(time.Hour)
		if next.After(to) {
			next = to
		}
		if off := offset(next); off != cur {
			lo, hi := t, next // offset(lo) == cur, offset(hi) != cur
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if offset(mid) == cur {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, ZonePeriod{start, hi, cur})
			start, cur = hi, offset(hi)
		}
		t = next
	}
	return append(out, ZonePeriod{start, to, cur})
}

func sortedNames[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// StoredConfig returns the config the last build used, or nil when the database has not
// been built.
func StoredConfig(ctx context.Context, db *sql.DB) (*config.Config, error) {
	var src string
	err := db.QueryRowContext(ctx, `select config_yaml from cfg_settings`).Scan(&src)
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeCatalog {
		return nil, nil // never built: no stored config
	}
	if err != nil {
		return nil, fmt.Errorf("read the config of the last build: %w", err)
	}
	return config.Parse([]byte(src), "the config stored by the last build")
}
