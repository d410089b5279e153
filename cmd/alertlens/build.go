package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/api"
	"github.com/alertlens/alertlens/config"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

func newBuildCmd(g *globals) *cobra.Command {
	var verbose, keep, full bool
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Rebuild the metric models from the stored history",
		Long: `build runs every SQL model (staging, models, marts) over the stored history, in
dependency order and in one transaction: if any model fails, the previous results stay
as they were. Run it after import or sync; demo and serve run it for you.

A build is incremental when it can be: it recomputes only the incidents whose records
changed since the last build (and their alert rules' incidents of the 24 hours after
them, for flapping), and only the months, people and rules of the marts that those
incidents touch. A changed config, service, person, schedule or rule definition, or new
alertlens SQL, recomputes everything; so does --full. -v shows which it was and what
each model recomputed. A full build computes every model before that transaction, on
every core, into new tables that the transaction renames into place; it holds the
intermediate models in memory while they fit in 60 % of DuckDB's memory limit
(ALERTLENS_MEMORY_LIMIT; about a million incidents at the default) and in the file past
that, where it lowers DuckDB's limit to 1.1 GB unless ALERTLENS_MEMORY_LIMIT is set; -v
says which way it went. A build that takes more than a few seconds shows on
stderr the step it is on, and how many of the models it has begun.

The intermediate models (local_times, incident_pages and the other steps marked temp or
inline in docs/tables.md) live only while the build runs. --keep-intermediate writes them
to the file as tables too, to read with alertlens sql; it makes the build slower, and full.`,
		Example: `  alertlens build -v
  alertlens build --full -v
  alertlens build --keep-intermediate && alertlens sql 'select * from local_times limit 5'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if r := g.server(cmd.Context()); r != nil {
				if keep {
					return fmt.Errorf("--keep-intermediate: the server at %s holds %s and builds without it; stop the server to build with it", r.info.URL, r.info.DB)
				}
				if full {
					return fmt.Errorf("--full: the server at %s holds %s and builds what changed after each write; stop the server to build in full", r.info.URL, r.info.DB)
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
			rep, err := buildShowing(cmd.Context(), cmd.ErrOrStderr(), db, cfg, models.Options{KeepIntermediate: keep, Full: full})
			if err != nil {
				return err
			}
			printBuild(cmd.OutOrStdout(), rep, verbose)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every step and model with its rows and time")
	cmd.Flags().BoolVar(&full, "full", false, "recompute every incident, even where an incremental build could")
	cmd.Flags().BoolVar(&keep, "keep-intermediate", false, "also store the temp and inline models as tables, to read them after the build (slower)")
	return cmd
}

// buildShowing builds with a progress line on w while the build is long. Its callers
// build alone: a command that holds the database, or a server before it serves (the
// server's own rebuilds go through its live.Builder instead).
func buildShowing(ctx context.Context, w io.Writer, db *sql.DB, cfg *config.Config, opts models.Options) (models.BuildReport, error) {
	opts.Alone = true
	all, err := sqlmodels.Models()
	if err != nil {
		return models.BuildReport{}, err
	}
	p := startProgress(w, "build", len(sqlmodels.Runnable(all, opts.KeepIntermediate)))
	opts.Progress = modelSteps(p)
	defer p.finish()
	return models.BuildWith(ctx, db, cfg, opts)
}

// modelSteps tells p each step of a build, counting the models begun. A full build
// outside its transaction runs staging a second time: a model counts once.
func modelSteps(p *progress) func(layer, name string) {
	begun := map[string]bool{}
	return func(layer, name string) {
		counted := (layer == "staging" || layer == "models" || layer == "marts") && !begun[name]
		begun[name] = true
		p.set(name, counted, nil)
	}
}

// buildReportOf turns the server's answer back into the report printBuild prints.
func buildReportOf(a api.BuildAnswer) models.BuildReport {
	rep := models.BuildReport{Incidents: a.Incidents, Pages: a.Pages, Duration: msDuration(a.DurationMS),
		Full: a.Full, FullReason: a.FullReason, Changed: a.Changed, Recomputed: a.Recomputed, Touched: a.Touched}
	for _, m := range a.Models {
		rep.Models = append(rep.Models, sqlmodels.ModelRun{Model: sqlmodels.Model{Name: m.Name, Layer: m.Layer}, Rows: m.Rows,
			Duration: msDuration(m.DurationMS), Scope: m.Scope})
	}
	return rep
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func printBuild(w io.Writer, rep models.BuildReport, verbose bool) {
	built := 0
	for _, m := range rep.Models {
		switch m.Model.Layer {
		case "config", "state":
		default:
			built++
		}
		if !verbose {
			continue
		}
		rows := "view"
		switch {
		case m.Rows < 0 && (m.Model.Layer == "config" || m.Model.Layer == "state"):
			rows = ""
		case m.Rows >= 0:
			rows = fmt.Sprintf("%d rows", m.Rows)
		}
		if m.Scope == "unchanged" {
			rows = "unchanged"
		}
		line := fmt.Sprintf("  %-8s %-40s %14s %8.0f ms", m.Model.Layer, m.Model.Name, rows, float64(m.Duration.Microseconds())/1000)
		if m.Scope != "" && m.Scope != "unchanged" {
			line += "  (" + m.Scope + ")"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "built %d models over %d incidents (%d pages) in %.2f s%s\n",
		built, rep.Incidents, rep.Pages, rep.Duration.Seconds(), buildKind(rep, verbose))
}

// buildKind tells, with -v, how much the build redid. The short form leaves it out: it
// is the line a demo prints, the same alone and beside a server (which builds after
// each write of its own).
func buildKind(rep models.BuildReport, verbose bool) string {
	switch {
	case !verbose:
		return ""
	case rep.Full:
		return ": in full (" + rep.FullReason + ")"
	case rep.Changed == 0:
		return ": nothing changed since the last build"
	}
	return fmt.Sprintf(": %d incidents changed, %d recomputed with their alert rules' others", rep.Changed, rep.Recomputed)
}
