package main

import (
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// A server's spool folder removes the folders of servers that are gone and keeps those
// of running ones and everything else in the folder.
func TestSpoolFolderRemovesWhatStoppedServersLeft(t *testing.T) {
	dir := t.TempDir()
	// a process that has exited: its pid is free (unless reused within the test)
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, spoolPrefix+strconv.Itoa(gone.Process.Pid)+"-123")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "spool-1.jsonl"), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(dir, spoolPrefix+strconv.Itoa(os.Getppid())+"-456")
	other := filepath.Join(dir, "alertlens-serve-789")
	for _, d := range []string{live, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	folder, err := spoolFolder(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the folder of an exited server is still there (%v)", err)
	}
	for _, d := range []string{live, other, folder} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	if pid, ok := spoolOwner(filepath.Base(folder)); !ok || pid != os.Getpid() {
		t.Errorf("new folder %s names pid %d (%v), want %d", folder, pid, ok, os.Getpid())
	}
}

func TestSpoolOwner(t *testing.T) {
	for name, want := range map[string]int{
		spoolPrefix + "42-9": 42, spoolPrefix + "42": 0, spoolPrefix + "x-9": 0,
		"alertlens-serve-42-9": 0, spoolPrefix + "-1-9": 0,
	} {
		if got, _ := spoolOwner(name); got != want {
			t.Errorf("spoolOwner(%q) = %d, want %d", name, got, want)
		}
	}
}
