package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

// BenchmarkSyncMemory backfills PagerDuty accounts of two sizes, one twice the other,
// each by `alertlens sync pagerduty` as a process of its own (this test binary
// run as the CLI, see TestMain) against the fake API in this process, and reports the
// sync's peak resident memory (VmHWM) and time. The fake holds the whole account and
// encodes its answers, so it runs outside the process measured: what is reported is
// the collector, the writer and DuckDB alone, as a user's sync runs.
//
//	go test -tags nomsgpack -run XXX -bench SyncMemory -benchtime 1x -timeout 0 ./cmd/alertlens/
func BenchmarkSyncMemory(b *testing.B) {
	const token = "bench-token-never-stored"
	// 66,000 and 132,000 incidents: at 12,000 DuckDB's cache of the file has not reached
	// the sync's memory limit yet (it peaked at about 200 MiB at either limit in the round
	// "sync limit"), so larger accounts are the ones that show whether the sync keeps
	// growing past it (docs/benchmarks.md, "keys looked up"). Both are paced as a real
	// account is, at 960 requests a minute: about 3.5 and 7 minutes.
	for _, size := range []struct{ months, perMonth int }{{11, 6000}, {11, 12000}} {
		perMonth := make([]int, size.months)
		for i := range perMonth {
			perMonth[i] = size.perMonth
		}
		b.Run(fmt.Sprintf("incidents=%d", size.months*size.perMonth), func(b *testing.B) {
			data := pdt.Generate(b, pdt.Spec{PerMonth: perMonth, Users: 40})
			fake, srv := pdt.Serve(b, token, data)
			for b.Loop() {
				args := []string{"--", "--db", filepath.Join(b.TempDir(), "pd.duckdb"), "sync", "pagerduty",
					"--token-env", "PD_BENCH_TOKEN", "--api-url", srv.URL, "--since", "2026-01-01", "--source", "pd-bench"}
				c := exec.Command(os.Args[0], args...)
				c.Env = append(os.Environ(), childEnv+"=1", "PD_BENCH_TOKEN="+token)
				m, err := run(c, args)
				if err != nil {
					b.Fatal(err)
				}
				if bad := fake.BadRequests(); len(bad) > 0 {
					b.Fatalf("the sync sent requests the API refuses: %v", bad)
				}
				b.ReportMetric(m.peakMB, "MB-peak-rss")
				b.ReportMetric(float64(data.Records()), "records")
			}
		})
	}
}
