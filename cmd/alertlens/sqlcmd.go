package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/analytics"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

func newSQLCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "sql QUERY",
		Short: "Run a read-only SQL query against the database",
		Long: `sql runs one read-only query against the database and prints the result as a
table, CSV or JSON. The tables and models you can query are listed in docs/tables.md.
The database is opened read-only: nothing a query does can change it.`,
		Example: `  alertlens sql "select * from monthly_pages"
  alertlens sql --format csv "select rule, noise_score from rule_noise order by 2 desc limit 10"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(g.dbPath); err != nil {
				return fmt.Errorf("no database at %s: run 'alertlens demo' or 'alertlens import' first, or pass --db", g.dbPath)
			}
			db, err := sqlmodels.OpenReadOnly(cmd.Context(), g.dbPath)
			if err != nil {
				return err
			}
			defer db.Close()
			rows, err := db.QueryContext(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer rows.Close()
			switch format {
			case "table":
				return printTable(cmd.OutOrStdout(), rows)
			case "csv":
				return printCSV(cmd.OutOrStdout(), rows)
			case "json":
				return printJSON(cmd.OutOrStdout(), rows)
			}
			return fmt.Errorf("--format: want table, csv or json, got %q", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	return cmd
}

// scanRows calls fn with each row's values.
func scanRows(rows *sql.Rows, fn func(vals []any) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

func printTable(w io.Writer, rows *sql.Rows) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	n := 0
	err = scanRows(rows, func(vals []any) error {
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = tableCell(v)
		}
		n++
		_, err := fmt.Fprintln(tw, strings.Join(cells, "\t"))
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(%d rows)\n", n)
	return nil
}

func tableCell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.UTC().Format(time.RFC3339)
	case float64:
		return fmt.Sprintf("%.4g", x)
	case []byte:
		return string(x)
	}
	return strings.ReplaceAll(fmt.Sprint(v), "\t", " ")
}

func printCSV(w io.Writer, rows *sql.Rows) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	cw := analytics.NewCSVWriter(w)
	if err := cw.Header(cols...); err != nil {
		return err
	}
	if err := scanRows(rows, func(vals []any) error { return cw.Row(vals...) }); err != nil {
		return err
	}
	return cw.Flush()
}

func printJSON(w io.Writer, rows *sql.Rows) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		keys[i], _ = json.Marshal(c)
	}
	fmt.Fprint(w, "[")
	first := true
	err = scanRows(rows, func(vals []any) error {
		if !first {
			fmt.Fprint(w, ",")
		}
		first = false
		fmt.Fprint(w, "\n  {")
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			val, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("column %s: %w", cols[i], err)
			}
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, "%s: %s", keys[i], val)
		}
		fmt.Fprint(w, "}")
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\n]")
	return nil
}
