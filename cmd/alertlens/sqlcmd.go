package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/api"
)

func newSQLCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "sql QUERY",
		Short: "Run a read-only SQL query against the database",
		Long: `sql runs one read-only query against the database and prints the result as a
table, CSV or JSON. The tables and models you can query are listed in docs/tables.md.
The query runs in a read-only transaction with access to files and the network turned
off: nothing it does can change the database or read or write anything else.

Instants are stored in UTC and print as RFC 3339 with Z; local wall-clock columns
(page_local_at, reporting_at, and others named *local*) print without an offset.
Beside a running server the query goes through the server's API (with a write token
in $` + TokenEnv + ` when auth is on); the output is the same.`,
		Example: `  alertlens sql "select month, scope, after_hours_pages, met from monthly_goal where scope_type = 'org' order by month"
  alertlens sql --format csv "select rule_name, service_name, incidents, has_runbook from alert_rules order by incidents desc limit 10"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "csv" && format != "json" {
				return fmt.Errorf("--format: want table, csv or json, got %q", format)
			}
			var res analytics.QueryResult
			if r := g.server(cmd.Context()); r != nil {
				if err := r.postJSON(cmd.Context(), "/api/v1/sql", api.QueryBody{Query: args[0]}, &res); err != nil {
					return err
				}
			} else {
				db, err := g.openReadOnly(cmd.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				if res, err = analytics.ReadOnlyQuery(cmd.Context(), db, args[0]); err != nil {
					return err
				}
			}
			switch format {
			case "csv":
				return printCSV(cmd.OutOrStdout(), res)
			case "json":
				return printJSON(cmd.OutOrStdout(), res)
			}
			return printTable(cmd.OutOrStdout(), res)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	return cmd
}

func printTable(w io.Writer, res analytics.QueryResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(res.Columns, "\t"))
	for _, row := range res.Rows {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = tableCell(v, res.Types[i])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(%d rows)\n", len(res.Rows))
	return nil
}

// floatTypes are shown rounded in a table (CSV and JSON keep every digit).
var floatTypes = map[string]bool{"DOUBLE": true, "FLOAT": true, "REAL": true}

func tableCell(v any, typ string) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case json.Number:
		if f, err := x.Float64(); err == nil && floatTypes[typ] {
			return fmt.Sprintf("%.4g", f)
		}
		return x.String()
	case string:
		return strings.ReplaceAll(x, "\t", " ")
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func printCSV(w io.Writer, res analytics.QueryResult) error {
	cw := report.NewCSVWriter(w)
	if err := cw.Header(res.Columns...); err != nil {
		return err
	}
	for _, row := range res.Rows {
		cells := make([]any, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case json.Number:
				cells[i] = numberCell(x) // a number is never a formula, even when negative
			case []any, map[string]any:
				b, _ := json.Marshal(x)
				cells[i] = string(b)
			default:
				cells[i] = v
			}
		}
		if err := cw.Row(cells...); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// numberCell is a number as the CSV writer writes numbers, without the formula guard
// that text gets.
func numberCell(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n.String()
}

func printJSON(w io.Writer, res analytics.QueryResult) error {
	keys := make([][]byte, len(res.Columns))
	for i, c := range res.Columns {
		keys[i], _ = json.Marshal(c)
	}
	fmt.Fprint(w, "[")
	for n, row := range res.Rows {
		if n > 0 {
			fmt.Fprint(w, ",")
		}
		fmt.Fprint(w, "\n  {")
		for i, v := range row {
			val, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("column %s: %w", res.Columns[i], err)
			}
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, "%s: %s", keys[i], val)
		}
		fmt.Fprint(w, "}")
	}
	fmt.Fprintln(w, "\n]")
	return nil
}
