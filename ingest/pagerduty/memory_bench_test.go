package pagerduty

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/ingesttest"
	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

// BenchmarkSyncMemory backfills accounts of two sizes, one four times the other, and
// reports the process's resident memory and Go heap at their highest during the sync,
// sampled every 10 ms, less what they were before it. A streamed sync commits each
// page and keeps nothing of it; what still grows with the account is DuckDB's cache
// of the tables it writes (bounded by its memory limit) and, in the Go heap, the fake
// API's answers, since the fake runs in the same process (docs/benchmarks.md).
//
//	go test -tags nomsgpack -run XXX -bench SyncMemory -benchtime 1x ./ingest/pagerduty/
func BenchmarkSyncMemory(b *testing.B) {
	for _, months := range []int{1, 4} {
		perMonth := make([]int, months)
		for i := range perMonth {
			perMonth[i] = 3000
		}
		b.Run(fmt.Sprintf("incidents=%d", 3000*months), func(b *testing.B) {
			data := pdt.Generate(b, pdt.Spec{PerMonth: perMonth, Users: 40})
			_, srv := pdt.Serve(b, testToken, data)
			for b.Loop() {
				db := ingesttest.OpenDB(b)
				runtime.GC()
				before := rssMB(b)
				peak := before
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heapBefore, heapPeak := float64(ms.HeapInuse)/(1<<20), 0.0
				done := make(chan struct{})
				go func() {
					for {
						select {
						case <-done:
							return
						case <-time.After(10 * time.Millisecond):
							peak = max(peak, rssMB(b))
							runtime.ReadMemStats(&ms)
							heapPeak = max(heapPeak, float64(ms.HeapInuse)/(1<<20))
						}
					}
				}()
				_, err, _ := syncOnce(context.Background(), b, db, srv.URL, newClock(apr1.AddDate(0, months, 0)))
				close(done)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(peak-before, "MB-rss-growth")
				b.ReportMetric(heapPeak-heapBefore, "MB-go-heap-growth")
				b.ReportMetric(float64(data.Records()), "records")
			}
		})
	}
}

func rssMB(tb testing.TB) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
