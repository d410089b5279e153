// Command alertlens measures alert quality: it collects incident history from paging
// tools into a DuckDB file, scores every alert rule for noise, after-hours impact and
// runbook coverage, and serves the charts and exports a team needs to get below 10
// after-hours pages a month.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "alertlens:", err)
		os.Exit(1)
	}
}
