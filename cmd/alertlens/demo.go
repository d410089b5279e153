package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/demo"
)

func newDemoCmd(g *globals) *cobra.Command {
	var (
		seed    uint64
		noServe bool
		addr    string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Load a year of realistic history for a fictional company, show its goal and serve it",
		Long: `demo writes a seeded, realistic year of incident history (November 2025 to October
2026) for Northwind, a fictional company of 40 engineers in Dublin, Los Angeles and
Sydney, into the database under the source "demo", builds the models with the demo's
own organisation config (not --config), prints the organisation's after-hours pages
month by month against the goal of fewer than 10, and then serves the dashboards and
API on --addr as 'alertlens serve' does, until Ctrl-C. --no-serve stops after the table.

The story: a handful of noisy rules (flapping, self-resolving, no runbook) cause most of
the after-hours pages; as the teams fix them one by one, the organisation falls from
about 60 after-hours pages a month to under 10. docs/demo.md tells it in full.

The demo keeps its own database, ` + DemoDB + `, apart from ` + DefaultDB + ` where
import, sync and serve keep yours, so that your incidents never land in the demo
company; --db (or ALERTLENS_DB) puts it elsewhere. The same seed always gives the same
history. Any earlier demo records are deleted first; records of other sources in the
same file are left alone, but they count in the table too.`,
		Example: `  alertlens demo
  alertlens demo --seed 7 --no-serve
  alertlens demo --addr 127.0.0.1:9090
  alertlens --db ` + DemoDB + ` sql "select * from monthly_goal where scope_type = 'org'"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Only the default moves: a --db or ALERTLENS_DB the user gave is theirs.
			if !cmd.Flags().Changed("db") && os.Getenv("ALERTLENS_DB") == "" {
				g.dbPath = DemoDB
			}
			cfg, err := config.Parse(demo.Config, "demo alertlens.yaml")
			if err != nil {
				return err
			}
			db, err := g.openDB(cmd.Context())
			if err != nil {
				return err
			}
			err = runDemo(cmd.Context(), db, cfg, seed, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil || noServe {
				return err
			}
			// The models are built, so serve only opens the file and listens. The
			// demo is shown at its own last day, whatever today is.
			if g.now == "" {
				g.now = demo.Now().UTC().Format(time.RFC3339)
			}
			serve := newServeCmd(g)
			serve.SetArgs([]string{"--addr", addr})
			serve.SetOut(cmd.OutOrStdout())
			serve.SetErr(cmd.ErrOrStderr())
			serve.SilenceErrors, serve.SilenceUsage = true, true
			return serve.ExecuteContext(cmd.Context())
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", demo.DefaultSeed, "seed of the generated history: the same seed gives the same records")
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "load, build and print the table, then exit instead of serving")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to serve the dashboards and API on")
	return cmd
}

func runDemo(ctx context.Context, db *sql.DB, cfg *config.Config, seed uint64, out, progress io.Writer) error {
	if err := ingest.DeleteSource(ctx, db, demo.Source); err != nil {
		return err
	}
	sum, err := demo.Generate(ctx, db, demo.Options{Seed: seed, Progress: progress})
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "demo: stored %d incidents, %d notifications and %d reviews of Northwind (seed %d)\n",
		sum.Incidents, sum.Notifications, sum.Reviews, seed)
	rep, err := buildShowing(ctx, progress, db, cfg, models.Options{})
	if err != nil {
		return err
	}
	printBuild(progress, rep, false)
	var others int
	if err := db.QueryRowContext(ctx, `select count(*) from incidents where source <> ?`, demo.Source).Scan(&others); err != nil {
		return err
	}
	if others > 0 {
		fmt.Fprintf(progress, "demo: this database also holds %d incidents of other sources, and the table counts them too\n", others)
	}
	return printOrgGoal(ctx, db, out)
}

// printOrgGoal prints the organisation's after-hours pages a month against its goal.
func printOrgGoal(ctx context.Context, db *sql.DB, out io.Writer) error {
	rows, err := analytics.New(db).MonthlyGoal(ctx, report.Filter{})
	if err != nil {
		return fmt.Errorf("read the monthly goal: %w", err)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "month\tpages\tafter-hours pages\tsleep-hours pages\tgoal\tmet\t")
	var org []report.GoalMonth
	for _, r := range rows {
		if r.ScopeType == report.ScopeOrg {
			org = append(org, r)
		}
	}
	met := 0
	for _, r := range org {
		verdict := "no"
		if r.Met {
			verdict, met = "yes", met+1
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t< %d\t%s\t\n", r.Month, r.Pages, r.AfterHoursPages, r.SleepHoursPages, r.Goal, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(org); n > 0 {
		fmt.Fprintf(out, "after-hours pages went from %d in %s to %d in %s; goal met in %d of %d months\n",
			org[0].AfterHoursPages, org[0].Month, org[n-1].AfterHoursPages, org[n-1].Month, met, n)
	}
	return nil
}
