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
}

// Options change how a build stores its work, never what it computes.
type Options struct {
	// KeepIntermediate writes the temp models (steps only later models read) to the
	// file as tables, to be read after the build: golden tests, and debugging with
	// alertlens sql. It makes a build slower.
	KeepIntermediate bool
}

// Build runs every model in one transaction, with the organisation's config written
// into the cfg_* tables first: a failed build leaves the previous results readable and
// unchanged.
func Build(ctx context.Context, db *sql.DB, cfg *config.Config) (BuildReport, error) {
	return BuildWith(ctx, db, cfg, Options{})
}

// BuildWith is Build with options.
func BuildWith(ctx context.Context, db *sql.DB, cfg *config.Config, opts Options) (BuildReport, error) {
	start := time.Now()
	var rep BuildReport
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	prepared, err := prepare(ctx, tx, cfg)
	if err != nil {
		return rep, err
	}
	runs, err := sqlmodels.Run(ctx, tx, opts.KeepIntermediate)
	if err != nil {
		return rep, err
	}
	rep.Models = append(prepared, runs...)
	if err := tx.QueryRowContext(ctx, `select (select count(*) from stg_incidents), (select count(*) from incident_facts where is_page)`).
		Scan(&rep.Incidents, &rep.Pages); err != nil {
		return rep, fmt.Errorf("count history: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("commit build: %w", err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}
