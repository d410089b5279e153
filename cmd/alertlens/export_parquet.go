package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// partitionColumns are the time columns a table is split into months by, the first
// the table has: the reporting month where a model has one, else the UTC month of the
// record's own time.
var partitionColumns = []string{"month", "created_at", "notified_at", "occurred_at", "paged_at", "reviewed_at", "fetched_at"}

func newExportParquetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "parquet DIR",
		Short: "Write every table and model as Parquet, partitioned by month, for a warehouse",
		Long: `parquet writes every table of the database (the raw records, the normalised tables
and every built model and mart) under DIR, one folder a table, split into partition_month=YYYY-MM
folders by the table's month (a model's reporting month, else the UTC month of its
record time); tables without a time are one file. Any engine that reads Parquet with
hive partitioning can query it: DuckDB, Trino, Spark, BigQuery (docs/operations.md).

Beside a running server it exports a consistent copy taken through the server's
backup; otherwise it reads the file. DIR's table folders are replaced.`,
		Example: `  alertlens export parquet warehouse/alertlens
  duckdb -c "select month, sum(after_hours_pages) from read_parquet('warehouse/alertlens/monthly_goal/*/*.parquet', hive_partitioning = true) group by 1"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := g.absDB()
			if r := g.server(cmd.Context()); r != nil {
				r.via(cmd.ErrOrStderr())
				tmp, err := os.CreateTemp("", "alertlens-export-*.duckdb")
				if err != nil {
					return err
				}
				defer os.Remove(tmp.Name())
				err = r.call(cmd.Context(), http.MethodGet, "/api/v1/backup", nil, nil, "", tmp)
				if cerr := tmp.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
				src = tmp.Name()
			} else if _, err := os.Stat(src); err != nil {
				return fmt.Errorf("no database at %s: run 'alertlens demo' or 'alertlens import' first, or pass --db", g.dbPath)
			}
			return exportParquet(cmd, src, args[0])
		},
	}
}

// exportParquet copies every table of the database at src into dir. It works in an
// in-memory DuckDB that attaches the file read-only: the file is never written, and
// the export's own file writes need no access on the database's connection.
func exportParquet(cmd *cobra.Command, src, dir string) error {
	ctx := cmd.Context()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "set TimeZone = 'UTC'"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("attach %s as src (read_only)", quoteLiteral(src))); err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	tables, err := exportTables(ctx, conn)
	if err != nil {
		return err
	}
	for _, t := range tables {
		target := filepath.Join(dir, t.name)
		if err := os.RemoveAll(target); err != nil {
			return err
		}
		var stmt string
		if t.timeCol == "" {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			stmt = fmt.Sprintf("copy (select * from src.%s) to %s (format parquet)", t.name, quoteLiteral(filepath.Join(target, t.name+".parquet")))
		} else {
			stmt = fmt.Sprintf("copy (select *, strftime(%s, '%%Y-%%m') as partition_month from src.%s) to %s (format parquet, partition_by (partition_month))",
				t.timeCol, t.name, quoteLiteral(target))
		}
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("export %s: %w", t.name, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: %d rows%s\n", t.name, t.rows, partitionNote(t.timeCol))
	}
	return nil
}

func partitionNote(col string) string {
	if col == "" {
		return ""
	}
	return ", by month of " + col
}

type exportTable struct {
	name    string
	timeCol string
	rows    int64
}

// exportTables lists the attached database's tables and views with their month column,
// leaving out the build's bookkeeping for its next incremental run (build_inputs,
// build_state: hashes that mean nothing outside this file) and the tables of a full
// build that has not committed (build_next_*).
func exportTables(ctx context.Context, conn *sql.Conn) ([]exportTable, error) {
	rows, err := conn.QueryContext(ctx, `
		select t.table_name, list(c.column_name order by c.column_index)
		from duckdb_tables() t join duckdb_columns() c using (database_name, schema_name, table_name)
		where t.database_name = 'src' and t.schema_name = 'main' and t.table_name not in ('build_inputs', 'build_state')
			and not starts_with(t.table_name, 'build_next_')
		group by all
		union all
		select v.view_name, list(c.column_name order by c.column_index)
		from duckdb_views() v join duckdb_columns() c on c.database_name = v.database_name
			and c.schema_name = v.schema_name and c.table_name = v.view_name
		where v.database_name = 'src' and v.schema_name = 'main' and not v.internal
		group by all
		order by 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []exportTable
	for rows.Next() {
		var t exportTable
		var cols []any
		if err := rows.Scan(&t.name, &cols); err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for _, c := range cols {
			have[fmt.Sprint(c)] = true
		}
		for _, c := range partitionColumns {
			if have[c] {
				t.timeCol = c
				break
			}
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := conn.QueryRowContext(ctx, "select count(*) from src."+out[i].name).Scan(&out[i].rows); err != nil {
			return nil, fmt.Errorf("count %s: %w", out[i].name, err)
		}
	}
	return out, nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
