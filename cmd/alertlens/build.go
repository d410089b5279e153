package main

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/api"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

func newBuildCmd(g *globals) *cobra.Command {
	var verbose, keep bool
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Rebuild the metric models from the stored history",
		Long: `build runs every SQL model (staging, models, marts) over the stored history, in
dependency order and in one transaction: if any model fails, the previous results stay
as they were. Run it after import or sync; demo and serve run it for you.

The intermediate models (local_times, incident_pages and the other steps marked temp in
docs/tables.md) live only while the build runs. --keep-intermediate writes them to the
file as tables too, to read with alertlens sql; it makes the build slower.`,
		Example: `  alertlens build -v
  alertlens build --keep-intermediate && alertlens sql 'select * from local_times limit 5'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if r := g.server(cmd.Context()); r != nil {
				if keep {
					return fmt.Errorf("--keep-intermediate: the server at %s holds %s and builds without it; stop the server to build with it", r.info.URL, r.info.DB)
				}
				if g.configPath != "" {
					return fmt.Errorf("--config: the server at %s holds %s and builds with its own config; "+
						"restart it with --config %s to build with this one", r.info.URL, r.info.DB, g.configPath)
				}
				r.via(cmd.ErrOrStderr())
				var ans api.BuildAnswer
				if err := r.call(cmd.Context(), http.MethodPost, "/api/v1/build", nil, nil, "", &ans); err != nil {
					return err
				}
				printBuild(cmd.OutOrStdout(), buildReportOf(ans), verbose)
				return nil
			}
			db, err := g.openDB(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			cfg, err := g.buildConfig(cmd.Context(), db)
			if err != nil {
				return err
			}
			rep, err := models.BuildWith(cmd.Context(), db, cfg, models.Options{KeepIntermediate: keep})
			if err != nil {
				return err
			}
			printBuild(cmd.OutOrStdout(), rep, verbose)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every step and model with its rows and time")
	cmd.Flags().BoolVar(&keep, "keep-intermediate", false, "also store the temp models as tables, to read them after the build (slower)")
	return cmd
}

// buildReportOf turns the server's answer back into the report printBuild prints.
func buildReportOf(a api.BuildAnswer) models.BuildReport {
	rep := models.BuildReport{Incidents: a.Incidents, Pages: a.Pages, Duration: msDuration(a.DurationMS)}
	for _, m := range a.Models {
		rep.Models = append(rep.Models, sqlmodels.ModelRun{Model: sqlmodels.Model{Name: m.Name, Layer: m.Layer}, Rows: m.Rows, Duration: msDuration(m.DurationMS)})
	}
	return rep
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func printBuild(w io.Writer, rep models.BuildReport, verbose bool) {
	built := 0
	for _, m := range rep.Models {
		if m.Model.Layer != "config" {
			built++
		}
		if !verbose {
			continue
		}
		rows := "view"
		switch {
		case m.Model.Layer == "config":
			rows = ""
		case m.Rows >= 0:
			rows = fmt.Sprintf("%d rows", m.Rows)
		}
		fmt.Fprintf(w, "  %-8s %-40s %12s %8.0f ms\n", m.Model.Layer, m.Model.Name, rows, float64(m.Duration.Microseconds())/1000)
	}
	fmt.Fprintf(w, "built %d models over %d incidents (%d pages) in %.2f s\n",
		built, rep.Incidents, rep.Pages, rep.Duration.Seconds())
}
