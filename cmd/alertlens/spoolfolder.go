package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// spoolPrefix names a server's folder for spooled imports; the server's process id
// follows it, so that a later server can tell whose folder it is.
const spoolPrefix = "alertlens-serve-pid"

// spoolFolder makes the server's folder for spooled imports under dir (the system's
// temporary folder when empty), first removing the folders of servers that are no
// longer running. A server stops with its folder removed, but one that was killed
// (kill -9, the machine's out-of-memory killer) leaves it behind, and in the middle of
// an import that folder holds a copy as large as the file being imported.
func spoolFolder(dir string, logger *slog.Logger) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	left, _ := filepath.Glob(filepath.Join(dir, spoolPrefix+"*"))
	for _, folder := range left {
		pid, ok := spoolOwner(filepath.Base(folder))
		if !ok || processRunning(pid) {
			continue
		}
		if err := os.RemoveAll(folder); err != nil {
			logger.Warn("could not remove the import folder a stopped server left", "folder", folder, "error", err.Error())
			continue
		}
		logger.Info("removed the import folder a stopped server left", "folder", folder, "pid", pid)
	}
	folder, err := os.MkdirTemp(dir, fmt.Sprintf("%s%d-", spoolPrefix, os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("a folder for imports: %w", err)
	}
	return folder, nil
}

// spoolOwner reads the process id out of a spool folder's name.
func spoolOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, spoolPrefix)
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(digits)
	return pid, err == nil && pid > 0
}

// processRunning tells whether a process with this id exists. A process of another
// user counts as running (EPERM): its folder is not ours to remove.
func processRunning(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
