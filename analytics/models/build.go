// Package models builds alertlens's SQL models: it writes the config and the tables the
// models read besides the history (cfg_*, title_templates, tz_periods; prepare.go), then
// runs every model of package sql in one transaction. It is the build side; package
// analytics reads the results. It cannot live in package sql: sql is imported by the
// ingest tests' helper, and the config it reads imports the ingest packages.
package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/alertlens/alertlens/config"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// BuildReport tells what a build did and how big the history was.
type BuildReport struct {
	// Models lists each step with its time: first the tables written from the config
	// (layer "config"), then the SQL models.
	Models    []sqlmodels.ModelRun
	Incidents int64
	Pages     int64
	Duration  time.Duration
	// Full is true when the build recomputed every incident, and FullReason says why
	// (the first build, a changed config, service, person, schedule or rule
	// definition, new SQL, or too many changed incidents). An incremental build
	// recomputed only what changed since the last one: Changed incidents (new,
	// changed or gone), Recomputed with their alert rules' incidents of the 24 hours
	// after them, Touched of which had stored rows that changed.
	Full                         bool
	FullReason                   string
	Changed, Recomputed, Touched int64
}

// Options change how a build stores its work and how much it redoes, never what it
// computes.
type Options struct {
	// KeepIntermediate writes the temp models (steps only later models read) to the
	// file as tables, to be read after the build: golden tests, and debugging with
	// alertlens sql. It makes a build slower, and full.
	KeepIntermediate bool
	// Full recomputes every incident even where an incremental build could.
	Full bool
	// Progress is told as each step starts (sql.RunOptions.Progress); nil for none.
	Progress func(layer, name string)
	// Alone promises that nothing else writes to the database meanwhile, for a faster
	// full build (sql.RunOptions.Alone): the commands, and a server before it serves.
	Alone bool
}

// Build runs every model in one transaction, with the organisation's config written
// into the cfg_* tables first: a failed build leaves the previous results readable and
// unchanged. It is incremental when it can be (package sql's Run).
func Build(ctx context.Context, db *sql.DB, cfg *config.Config) (BuildReport, error) {
	return BuildWith(ctx, db, cfg, Options{})
}

// BuildWith is Build with options.
func BuildWith(ctx context.Context, db *sql.DB, cfg *config.Config, opts Options) (BuildReport, error) {
	start := time.Now()
	var rep BuildReport
	// One connection for the build's transactions, the temp tables of a full build and
	// the appender that writes the title templates.
	conn, err := db.Conn(ctx)
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	run, err := sqlmodels.Run(ctx, conn, sqlmodels.RunOptions{KeepIntermediate: opts.KeepIntermediate, Full: opts.Full, Progress: opts.Progress, Alone: opts.Alone,
		Prepare: func(ctx context.Context, q sqlmodels.Querier, temp bool) ([]sqlmodels.ModelRun, sqlmodels.ConfigFingerprint, error) {
			w := cfgWriter{Querier: q, temp: temp}
			runs, err := prepare(ctx, w, cfg)
			if err != nil {
				return nil, sqlmodels.ConfigFingerprint{}, err
			}
			fp, err := configFingerprint(ctx, w, cfg)
			return runs, fp, err
		},
		Titles: func(ctx context.Context, q sqlmodels.Querier, within string) error {
			return writeTitleTemplates(ctx, conn, q, cfg, within)
		}})
	if err != nil {
		return rep, err
	}
	rep.Models = run.Runs
	rep.Full, rep.FullReason = run.Full, run.FullReason
	rep.Changed, rep.Recomputed, rep.Touched = run.Changed, run.Recomputed, run.Touched
	if err := conn.QueryRowContext(ctx, `select count(*), count(*) filter (where is_page) from incident_facts`).
		Scan(&rep.Incidents, &rep.Pages); err != nil {
		return rep, fmt.Errorf("count history: %w", err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// configFingerprint names what the config tables and the title templater hold: a
// build whose fingerprint differs from the last one's recomputes every incident. The
// build's time (cfg_settings.built_at) is left out; what depends on it (Alertmanager
// episodes closed as stale) shows in the incidents' own inputs. The calendar tables
// (tz_periods, cfg_holidays), which a build writes for the history's years, are named
// year by year instead (sqlmodels.ConfigFingerprint.Years).
func configFingerprint(ctx context.Context, tx cfgWriter, cfg *config.Config) (sqlmodels.ConfigFingerprint, error) {
	fp := sqlmodels.ConfigFingerprint{Years: map[int]string{}}
	// the tables where prepare wrote them: the build's transaction's, or the temp ones
	where := "database_name <> 'temp'"
	if tx.temp {
		where = "database_name = 'temp'"
	}
	rows, err := tx.QueryContext(ctx, `select table_name from duckdb_tables()
		where `+where+` and schema_name = 'main' and table_name like 'cfg\_%' escape '\'
		and table_name <> 'cfg_holidays' order by table_name`)
	if err != nil {
		return fp, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fp, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fp, err
	}
	parts := []string{"templater " + NewTemplater(cfg).Fingerprint()}
	for _, t := range tables {
		from := t
		if t == "cfg_settings" {
			from = "(select * exclude (built_at) from cfg_settings)"
		}
		tfp, err := sqlmodels.Fingerprint(ctx, tx, from)
		if err != nil {
			return fp, err
		}
		parts = append(parts, t+" "+tfp)
	}
	fp.Whole = strings.Join(parts, "; ")
	fp.Years, err = calendarYears(ctx, tx)
	return fp, err
}

// calendarYears names, for each year tz_periods covers, what it and cfg_holidays hold
// for that year: the periods clipped to the year (a period that spans the year's end
// of one build's span goes on in a longer one) and the holidays dated in it.
func calendarYears(ctx context.Context, tx cfgWriter) (map[int]string, error) {
	rows, err := tx.QueryContext(ctx, `with years as (
			select y::integer as year, make_timestamp(y, 1, 1, 0, 0, 0) as starts, make_timestamp(y + 1, 1, 1, 0, 0, 0) as ends
			from range((select year(min(valid_from)) from tz_periods), (select year(max(valid_until)) from tz_periods)) t(y)
		),
		periods as (
			select y.year, coalesce(sum(hash(p.zone, greatest(p.valid_from, y.starts), least(p.valid_until, y.ends), p.utc_offset_seconds)) filter (where p.zone is not null), 0)::varchar
				|| '/' || count(p.zone) as fp
			from years y left join tz_periods p on p.valid_from < y.ends and p.valid_until > y.starts
			group by y.year
		),
		holidays as (
			select y.year, coalesce(sum(hash(h.holiday_key, h.holiday_date)) filter (where h.holiday_key is not null), 0)::varchar || '/' || count(h.holiday_key) as fp
			from years y left join cfg_holidays h on year(h.holiday_date) = y.year
			group by y.year
		)
		select year, 'tz_periods ' || p.fp || '; cfg_holidays ' || h.fp from periods p join holidays h using (year)`)
	if err != nil {
		return nil, fmt.Errorf("fingerprint the calendar tables: %w", err)
	}
	defer rows.Close()
	years := map[int]string{}
	for rows.Next() {
		var (
			year int
			fp   string
		)
		if err := rows.Scan(&year, &fp); err != nil {
			return nil, fmt.Errorf("fingerprint the calendar tables: %w", err)
		}
		years[year] = fp
	}
	return years, rows.Err()
}
