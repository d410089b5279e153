package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/dashboards"
)

// oncallPay reads a month's on-call pay and the reporting zone: through the server that
// holds the database when one runs, else from the file, read-only.
func (g *globals) oncallPay(cmd *cobra.Command, month, rotation string) ([]report.OnCallPay, string, error) {
	ctx := cmd.Context()
	if r := g.server(ctx); r != nil {
		r.via(cmd.ErrOrStderr())
		var ov report.Overview
		if err := r.call(ctx, http.MethodGet, "/api/v1/overview", nil, nil, "", &ov); err != nil {
			return nil, "", err
		}
		q := url.Values{"month": {month}, "format": {"json"}}
		if rotation != "" {
			q.Set("rotation", rotation)
		}
		var rows []report.OnCallPay
		err := r.call(ctx, http.MethodGet, "/api/v1/oncall", q, nil, "", &rows)
		var re *remoteError
		if errors.As(err, &re) && re.param != "" {
			return nil, "", fmt.Errorf("--%s: %s", re.param, re.msg)
		}
		return rows, ov.ReportingTimeZone, err
	}
	db, err := g.openReadOnly(ctx)
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	svc := analytics.New(db)
	ov, err := svc.Overview(ctx)
	if err != nil {
		return nil, "", err
	}
	rows, err := svc.OnCallPay(ctx, month, rotation)
	if err != nil {
		return nil, "", flagError(err)
	}
	return rows, ov.ReportingTimeZone, nil
}

func newOnCallReportCmd(g *globals) *cobra.Command {
	var month, rotation, format, out string
	cmd := &cobra.Command{
		Use:   "oncall",
		Short: "A month's on call per person: hours by window, days, pages, hours interrupted and the pay, each part with its rule",
		Long: `oncall writes, per person on call or paged after hours in the month: hours on call
by window in the person's own zone (business, off-hours, sleep), weekend and holiday days
on call, after-hours pages, hours interrupted, and the pay the compensation rate card
gives, each part beside the rule that produced it (docs/oncall.md). Money is to the
cent and hours to 2 decimals. CSV follows METRICS.md's export rules; the HTML has a
table per rotation with its totals and prints on A4.`,
		Example: `  alertlens report oncall --month 2026-10 --format csv > oncall-2026-10.csv
  alertlens report oncall --month 2026-10 --format html -o oncall-2026-10.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "csv" && format != "html" {
				return fmt.Errorf("--format: want csv or html, got %q", format)
			}
			rows, tz, err := g.oncallPay(cmd, month, rotation)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if format == "html" {
				err = dashboards.WriteOnCallReportHTML(&buf, month, tz, rows)
			} else {
				err = report.WriteOnCallPayCSV(&buf, tz, rows)
			}
			if err != nil {
				return err
			}
			return writeOut(cmd, out, buf.Bytes())
		},
	}
	cmd.Flags().StringVar(&month, "month", "", "the month, YYYY-MM (required)")
	cmd.Flags().StringVar(&rotation, "rotation", "", "only the people paid under this rotation")
	cmd.Flags().StringVar(&format, "format", "csv", "csv or html")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to this file instead of standard output")
	cmd.MarkFlagRequired("month")
	return cmd
}
