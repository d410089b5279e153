package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// DefaultDB is where every command keeps its database unless told otherwise, and
// DemoDB is where the demo keeps its own: a user who tries the demo and then imports
// their history must not find it mixed into the demo company.
const (
	DefaultDB = "alertlens.duckdb"
	DemoDB    = "alertlens-demo.duckdb"
)

// globals are the flags every command shares.
type globals struct {
	dbPath     string
	configPath string
	now        string // --now: a frozen clock, for tests and replaying a history
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "alertlens",
		Short: "Alert-quality analytics: fewer pages, fewer people woken",
		Long: `alertlens collects incident history from paging tools (PagerDuty, Opsgenie,
Alertmanager, or its own import format) into one DuckDB file, scores every alert rule
for noise, after-hours impact and runbook coverage, and tracks the goal of fewer than
10 after-hours pages a month.

Start with the demo history:   alertlens demo
Then bring your own:           alertlens import history.jsonl && alertlens build`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.dbPath, "db", envOr("ALERTLENS_DB", DefaultDB),
		"DuckDB file to use (env ALERTLENS_DB); the demo's default is "+DemoDB)
	root.PersistentFlags().StringVar(&g.configPath, "config", envOr("ALERTLENS_CONFIG", ""),
		"organisation config file, alertlens.yaml (env ALERTLENS_CONFIG)")
	root.PersistentFlags().StringVar(&g.now, "now", envOr("ALERTLENS_NOW", ""),
		"judge \"this month\" and the pace at this time instead of the clock: RFC 3339 or YYYY-MM-DD (UTC) (env ALERTLENS_NOW)")
	root.AddCommand(
		newImportCmd(g),
		newBuildCmd(g),
		newSQLCmd(g),
		newSyncCmd(g),
		newDemoCmd(g),
		newExportCmd(g),
		newServeCmd(g),
		newRulesCmd(g),
		newStatusCmd(g),
		newBackupCmd(g),
		newBenchCmd(g),
		newReviewCmd(g),
		newReportCmd(g),
	)
	return root
}

// clock is the time "now" means: --now when given, else the real clock.
func (g *globals) clock() (func() time.Time, error) {
	if g.now == "" {
		return time.Now, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, g.now); err == nil {
			return func() time.Time { return t }, nil
		}
	}
	return nil, fmt.Errorf("--now: want an RFC 3339 time (2026-10-31T12:00:00Z) or a date (2026-10-31), got %q", g.now)
}

// loadConfig reads the --config file, or the defaults when none is given.
func (g *globals) loadConfig() (*config.Config, error) {
	return config.Load(g.configPath)
}

// buildConfig is the config to build db with: the --config file, else the config of
// the database's last build (so a rebuild keeps the demo's or an earlier --config's
// settings), else the defaults.
func (g *globals) buildConfig(ctx context.Context, db *sql.DB) (*config.Config, error) {
	if g.configPath != "" {
		return config.Load(g.configPath)
	}
	cfg, err := models.StoredConfig(ctx, db)
	if err != nil || cfg != nil {
		return cfg, err
	}
	return config.Load("")
}

// openReadOnly opens the database for queries only, saying what to do when there is none.
func (g *globals) openReadOnly(ctx context.Context) (*sql.DB, error) {
	if _, err := os.Stat(g.dbPath); err != nil {
		if _, derr := os.Stat(DemoDB); derr == nil && g.dbPath == DefaultDB {
			return nil, fmt.Errorf("no database at %s: the demo's history is in %s (--db %s), your own goes in %s ('alertlens import', 'alertlens sync')", g.dbPath, DemoDB, DemoDB, DefaultDB)
		}
		return nil, fmt.Errorf("no database at %s: run 'alertlens demo' or 'alertlens import' first, or pass --db", g.dbPath)
	}
	return sqlmodels.OpenReadOnly(ctx, g.dbPath)
}

// openDB opens the database for writing, applying migrations.
func (g *globals) openDB(ctx context.Context) (*sql.DB, error) {
	return sqlmodels.Open(ctx, g.dbPath)
}

// openForSync opens the database for a sync alone in this process: as openDB, with
// DuckDB's smaller memory limit for syncs (sql.SyncMemoryLimit).
func (g *globals) openForSync(ctx context.Context) (*sql.DB, error) {
	return sqlmodels.OpenForSync(ctx, g.dbPath)
}

// openForImport opens the database for an import alone in this process: as openDB,
// with DuckDB's smaller memory limit for imports (sql.ImportMemoryLimit).
func (g *globals) openForImport(ctx context.Context) (*sql.DB, error) {
	return sqlmodels.OpenForImport(ctx, g.dbPath)
}
