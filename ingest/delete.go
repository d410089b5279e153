package ingest

import (
	"context"
	"database/sql"
	"fmt"
)

// DeleteSource removes every record stored under source, from the raw layer, every
// normalised table and the sync cursors, in one transaction. A collector that rewrites
// a whole history (the demo) calls it first, so that no record of an earlier run
// survives under an id the new run does not produce.
func DeleteSource(ctx context.Context, db *sql.DB, source string) error {
	if source == "" {
		return fmt.Errorf("ingest: a source name is required")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	names := []string{"sync_state"}
	for _, t := range tables {
		names = append(names, t.name)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, "delete from "+name+" where source = ?", source); err != nil {
			return fmt.Errorf("ingest: delete %s of source %s: %w", name, source, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ingest: delete source %s: %w", source, err)
	}
	return nil
}
