package live

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ServerFilePath is where a server that holds dbPath says how to reach it. DuckDB lets
// one process hold a file; every other command reads this file to find that process
// and goes through its API instead.
func ServerFilePath(dbPath string) string { return dbPath + ".server.json" }

// WriteServerFile records the running server beside its database, atomically, so that
// a command never reads half of it.
func WriteServerFile(dbPath string, info ServerInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	path := ServerFilePath(dbPath)
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("record the server beside the database: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReadServerFile returns the server recorded beside dbPath; ok is false when none is.
// A server killed without its shutdown leaves the file behind: the caller checks that
// the server answers before trusting it.
func ReadServerFile(dbPath string) (info ServerInfo, ok bool, err error) {
	data, err := os.ReadFile(ServerFilePath(dbPath))
	if errors.Is(err, os.ErrNotExist) {
		return info, false, nil
	}
	if err != nil {
		return info, false, err
	}
	if err := json.Unmarshal(data, &info); err != nil || info.URL == "" {
		return info, false, nil // a stale or foreign file: ignore it
	}
	return info, true, nil
}

// RemoveServerFile removes the record when the server stops.
func RemoveServerFile(dbPath string) { os.Remove(ServerFilePath(dbPath)) }
