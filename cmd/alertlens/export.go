package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// exportFunc fetches one metric table and writes it as CSV.
type exportFunc func(ctx context.Context, s *analytics.Service, f report.Filter, w io.Writer, tz string) error

// exportOf pairs a Service query with the CSV writer of its rows.
func exportOf[T any](fetch func(*analytics.Service, context.Context, report.Filter) ([]T, error),
	write func(io.Writer, string, []T) error) exportFunc {
	return func(ctx context.Context, s *analytics.Service, f report.Filter, w io.Writer, tz string) error {
		rows, err := fetch(s, ctx, f)
		if err != nil {
			return err
		}
		return write(w, tz, rows)
	}
}

// exportPaths are the API endpoints whose CSV answers are the same exports, for a
// command beside a running server.
var exportPaths = map[string]string{
	"monthly-goal": "/api/v1/goal",
	"rules":        "/api/v1/rules",
	"pages":        "/api/v1/pages",
	"responders":   "/api/v1/responders",
}

// exports are what `export csv --what` can write: the same rows the API's CSV answers.
var exports = map[string]exportFunc{
	"monthly-goal": exportOf((*analytics.Service).MonthlyGoal, report.WriteGoalMonthsCSV),
	"rules":        exportOf((*analytics.Service).Rules, report.WriteRulesCSV),
	"pages":        exportOf((*analytics.Service).Pages, report.WritePagesCSV),
	"responders":   exportOf((*analytics.Service).Responders, report.WriteRespondersCSV),
}

func newExportCmd(g *globals) *cobra.Command {
	export := &cobra.Command{
		Use:   "export",
		Short: "Export metrics for spreadsheets and leadership",
	}
	var (
		what string
		out  string
		f    report.Filter
	)
	csvCmd := &cobra.Command{
		Use:   "csv",
		Short: "Write a metric table as CSV (monthly-goal, rules, pages or responders)",
		Long: `csv writes one of the metric tables as CSV, the same rows the API answers with
?format=csv. Every file starts with a header row, quotes by RFC 4180, writes times in
RFC 3339, neutralises cells a spreadsheet would run as formulas (a leading '), and ends
every row with the metric-definition version and the reporting time zone.

  monthly-goal  after-hours pages per month for the organisation, each rotation and team
  rules         every alert rule: noise score and signals, after-hours impact, runbook
  pages         every page with its time, window and person
  responders    each person's interruptions, after-hours and sleep pages, hours interrupted`,
		Example: `  alertlens export csv --what monthly-goal --from 2026-01 --to 2026-06 --out goal.csv
  alertlens export csv --what rules --team Payments`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			write, ok := exports[what]
			if !ok {
				return fmt.Errorf("--what: want monthly-goal, rules, pages or responders, got %q", what)
			}
			if err := analytics.ValidateFilter(f); err != nil {
				return fmt.Errorf("--%w", err)
			}
			var writeTo func(io.Writer) error
			if r := g.server(cmd.Context()); r != nil {
				writeTo = func(w io.Writer) error { return exportThrough(cmd.Context(), r, exportPaths[what], f, w) }
			} else {
				db, err := sqlmodels.OpenReadOnly(cmd.Context(), g.dbPath)
				if err != nil {
					return err
				}
				defer db.Close()
				now, err := g.clock()
				if err != nil {
					return err
				}
				svc := analytics.New(db, analytics.WithNow(now))
				ov, err := svc.Overview(cmd.Context())
				if err != nil {
					return err
				}
				writeTo = func(w io.Writer) error { return write(cmd.Context(), svc, f, w, ov.ReportingTimeZone) }
			}
			if out == "" {
				return flagError(writeTo(cmd.OutOrStdout()))
			}
			// write beside the target and rename, so a failed export leaves the old file
			tmp, err := os.CreateTemp(dirOf(out), ".export-*.csv")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			if err := writeTo(tmp); err != nil {
				tmp.Close()
				return flagError(err)
			}
			if err := tmp.Close(); err != nil {
				return err
			}
			return os.Rename(tmp.Name(), out)
		},
	}
	csvCmd.Flags().StringVar(&what, "what", "", "monthly-goal, rules, pages or responders (required)")
	csvCmd.Flags().StringVar(&f.From, "from", "", "first month, YYYY-MM (reporting time zone)")
	csvCmd.Flags().StringVar(&f.To, "to", "", "last month, YYYY-MM, included")
	csvCmd.Flags().StringVar(&f.Team, "team", "", "only this team")
	csvCmd.Flags().StringVar(&f.Rotation, "rotation", "", "only this rotation")
	csvCmd.Flags().StringVarP(&out, "out", "o", "", "write to this file instead of standard output")
	csvCmd.MarkFlagRequired("what")
	export.AddCommand(csvCmd, newExportParquetCmd(g))
	return export
}

// exportThrough fetches the export's CSV from the running server's API.
func exportThrough(ctx context.Context, r *remote, path string, f report.Filter, w io.Writer) error {
	q := url.Values{"format": {"csv"}}
	for k, v := range map[string]string{"from": f.From, "to": f.To, "team": f.Team, "rotation": f.Rotation} {
		if v != "" {
			q.Set(k, v)
		}
	}
	err := r.call(ctx, http.MethodGet, path, q, nil, "", w)
	var re *remoteError
	if errors.As(err, &re) && re.param != "" && re.status == http.StatusBadRequest {
		return fmt.Errorf("--%s: %s", re.param, re.msg) // the flag the user typed
	}
	return err
}

func dirOf(path string) string {
	return filepath.Dir(path)
}

// flagError names a bad filter value as the flag the user typed.
func flagError(err error) error {
	if analytics.ErrorCode(err) == analytics.EINVALID {
		return fmt.Errorf("--%w", err)
	}
	return err
}
