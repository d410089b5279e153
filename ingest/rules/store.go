package rules

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Store replaces, in one transaction, the definitions of each path with those read now:
// rows whose path equals a Path's Abs are deleted and the new ones inserted. Rows are
// staged through DuckDB's Appender in a temporary table and moved with one
// set-based insert, so either every path is replaced or nothing changes.
func Store(ctx context.Context, db *sql.DB, paths []Path, now time.Time) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `create or replace temp table stage_rule_definitions as
		select * from rule_definitions limit 0`); err != nil {
		return fmt.Errorf("rules: stage: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `drop table if exists temp.stage_rule_definitions`)
	if err := stage(conn, paths, now.UTC()); err != nil {
		return err
	}
	var abs []string
	for _, p := range paths {
		abs = append(abs, p.Abs)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `delete from rule_definitions where path in (select unnest(?::varchar[]))`, abs); err != nil {
		return fmt.Errorf("rules: delete previous definitions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `insert into rule_definitions select * from stage_rule_definitions`); err != nil {
		return fmt.Errorf("rules: insert definitions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rules: commit: %w", err)
	}
	return nil
}

func stage(conn *sql.Conn, paths []Path, now time.Time) error {
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "stage_rule_definitions")
		if err != nil {
			return fmt.Errorf("rules: appender: %w", err)
		}
		defer a.Close()
		for _, p := range paths {
			for _, f := range p.Files {
				for _, d := range f.Alerting {
					if err := a.AppendRow(p.Abs, f.Abs, d.Group, d.Rule, d.Expr, int32(d.ForSeconds),
						d.Severity, d.Team, jsonDoc(d.Labels), jsonDoc(d.Annotations), d.RunbookURL, d.Summary, now); err != nil {
						return fmt.Errorf("rules: stage %s %s: %w", f.Name, d.Rule, err)
					}
				}
			}
		}
		return a.Flush()
	})
}

// jsonDoc gives a JSON column its document; the Appender marshals the value, and a
// RawMessage goes in as is. No labels stores an empty object.
func jsonDoc(m map[string]string) json.RawMessage {
	if m == nil {
		m = map[string]string{}
	}
	b, _ := json.Marshal(m)
	return b
}
