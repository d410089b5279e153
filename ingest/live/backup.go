package live

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Backup writes a consistent copy of the database file to a new temporary file beside
// it and returns its path. It waits for a build in flight, holds off the next one and
// every write while it folds the write-ahead log into the file (CHECKPOINT) and copies
// it, so the copy is one committed state; readers go on meanwhile.
func (s *Service) Backup(ctx context.Context) (string, error) {
	s.builder.running.Lock()
	defer s.builder.running.Unlock()
	var path string
	err := s.gate.Do(func() (bool, error) {
		var err error
		path, err = CopyDatabase(ctx, s.db, s.dbPath)
		return false, err
	})
	return path, err
}

// CopyDatabase checkpoints db, whose file is dbPath, and copies the file to a new
// temporary file in the same folder. The caller makes sure nothing writes meanwhile.
func CopyDatabase(ctx context.Context, db *sql.DB, dbPath string) (string, error) {
	if err := checkpoint(ctx, db); err != nil {
		return "", err
	}
	src, err := os.Open(dbPath)
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	dst, err := os.CreateTemp(filepath.Dir(dbPath), "."+filepath.Base(dbPath)+".backup-*")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", fmt.Errorf("backup: copy %s: %w", dbPath, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(dst.Name())
		return "", fmt.Errorf("backup: %w", err)
	}
	return dst.Name(), nil
}

// checkpoint folds the write-ahead log into the file. A reader's transaction that is
// open at that moment makes DuckDB refuse; dashboard queries are short, so it retries.
func checkpoint(ctx context.Context, db *sql.DB) error {
	var err error
	for range 50 {
		if _, err = db.ExecContext(ctx, "checkpoint"); err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "transaction") {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("backup: checkpoint: %w", err)
}
