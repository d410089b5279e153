package opsgenie

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// BenchmarkBackfill syncs a generated history into an empty store and reports how many
// requests it took against the fewest the API allows: one list page per 100 alerts, one
// GET per alert (the list omits details), one recipient list per alert, one log page per
// 100 log entries of each alert, the user pages and the team list.
//
// backfill-3k holds 3000 alerts in two weeks; over-cap holds 21000 alerts in one week,
// more than Opsgenie's offset cap of 20000 lets one window list.
func BenchmarkBackfill(b *testing.B) {
	for _, bc := range []struct {
		name   string
		alerts int
		every  time.Duration
	}{
		{"backfill-3k", 3000, 6 * time.Minute},
		{"over-cap-21k", 21000, 28 * time.Second},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var at []time.Time
			start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
			for i := range bc.alerts {
				at = append(at, start.Add(time.Duration(i)*bc.every))
			}
			fake := newFake(b, testKey, genSpec{users: 40, alerts: at, bigLogEvery: 97})
			srv := httptest.NewServer(fake)
			defer srv.Close()
			minimum := fewestRequests(fake)
			var requests int
			var took time.Duration
			for b.Loop() {
				db := ingesttest.OpenDB(b)
				c, err := New(Config{APIURL: srv.URL, Key: testKey, Since: time.Date(2017, 3, 20, 0, 0, 0, 0, time.UTC),
					Overlap: time.Hour, Window: 7 * 24 * time.Hour,
					Transport: ingest.Transport{Now: func() time.Time { return time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC) },
						// The benchmark measures the sync's own cost, not Opsgenie's pace.
						Limit: rate.Inf}})
				if err != nil {
					b.Fatal(err)
				}
				w, err := ingest.NewWriter(context.Background(), db, "opsgenie")
				if err != nil {
					b.Fatal(err)
				}
				began := time.Now()
				st, err := c.Sync(context.Background(), db, w)
				took += time.Since(began)
				w.Close()
				if err != nil {
					b.Fatal(err)
				}
				if want := fake.expected().alerts; st.Records(StreamAlerts) != want {
					b.Fatalf("stored %d alerts of %d", st.Records(StreamAlerts), want)
				}
				requests = st.Requests
			}
			b.ReportMetric(float64(requests), "requests")
			b.ReportMetric(float64(minimum), "minimum")
			b.ReportMetric(float64(requests)/float64(minimum), "requests/minimum")
			b.ReportMetric(float64(bc.alerts+2)*float64(b.N)/took.Seconds(), "alerts/s")
		})
	}
}

// fewestRequests is the least number of requests that can fetch the fake's records at
// 100 items a page.
func fewestRequests(f *fakeOpsgenie) int {
	pages := func(n int) int { return max(1, (n+pageLimit-1)/pageLimit) }
	n := pages(len(f.alerts)) + pages(len(f.users)) + 1
	for _, a := range f.alerts {
		n += 2 + pages(len(f.logs[a["id"].(string)]))
	}
	return n
}
