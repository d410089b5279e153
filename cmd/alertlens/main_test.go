package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"testing"
)

// childEnv makes the test binary run the CLI instead of the tests: a test that must
// kill a real process (crash_test.go) starts this binary again with
// ALERTLENS_TEST_MAIN=1 and the command line after a "--", instead of building a
// binary of its own.
const childEnv = "ALERTLENS_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runAsCLI(os.Args))
	}
	os.Exit(m.Run())
}

// runAsCLI runs the command line after "--" as main does and returns its exit status.
func runAsCLI(args []string) int {
	i := slices.Index(args, "--")
	if i < 0 {
		fmt.Fprintf(os.Stderr, "%s=1 wants the command line after a --, got %q\n", childEnv, args)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := newRootCmd()
	cmd.SetArgs(args[i+1:])
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "alertlens:", err)
		return 1
	}
	return 0
}
