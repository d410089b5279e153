package main

import (
	"context"
	"database/sql"
	"os"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/config"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// globals are the flags every command shares.
type globals struct {
	dbPath     string
	configPath string
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
	root.PersistentFlags().StringVar(&g.dbPath, "db", envOr("ALERTLENS_DB", "alertlens.duckdb"),
		"DuckDB file to use (env ALERTLENS_DB)")
	root.PersistentFlags().StringVar(&g.configPath, "config", envOr("ALERTLENS_CONFIG", ""),
		"organisation config file, alertlens.yaml (env ALERTLENS_CONFIG)")
	root.AddCommand(
		newImportCmd(g),
		newBuildCmd(g),
		newSQLCmd(g),
		newSyncCmd(g),
		newDemoCmd(g),
		newExportCmd(g),
		newServeCmd(g),
		newRulesCmd(g),
	)
	return root
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
	cfg, err := analytics.StoredConfig(ctx, db)
	if err != nil || cfg != nil {
		return cfg, err
	}
	return config.Load("")
}

// openDB opens the database for writing, applying migrations.
func (g *globals) openDB(ctx context.Context) (*sql.DB, error) {
	return sqlmodels.Open(ctx, g.dbPath)
}
