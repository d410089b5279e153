package pagerduty

import (
	"context"
	"testing"

	"github.com/alertlens/alertlens/ingest/ingesttest"
	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

// BenchmarkBackfillRequests backfills an account with more than 10,000 incidents in
// January and every incident's log entries, and reports the requests sent against the
// fewest the API allows: ceil(records/100) per stream, plus one request per window that
// had to be split (its first page says it holds more than 10,000). It fails over 10 %.
//
//	go test -tags nomsgpack -run XXX -bench BackfillRequests -benchtime 1x ./ingest/pagerduty/
func BenchmarkBackfillRequests(b *testing.B) {
	data := pdt.Generate(b, pdt.Spec{PerMonth: []int{10150, 250, 200}, Users: 12})
	_, srv := pdt.Serve(b, testToken, data)
	counts := map[string]int{
		StreamUsers: len(data.Users), StreamTeams: len(data.Teams), StreamEscalationPolicies: len(data.Policies),
		StreamServices: len(data.Services), StreamIncidents: len(data.Incidents), StreamLogEntries: len(data.LogEntries),
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := ingesttest.OpenDB(b)
		b.StartTimer()
		rep, err, _ := syncOnce(context.Background(), b, db, srv.URL, newClock(apr1))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		pages, splits := 0, 0
		for _, s := range rep.Streams {
			pages += (counts[s.Stream] + pageLimit - 1) / pageLimit
			splits += s.Splits
			b.Logf("%-20s %6d records %4d requests %2d windows %2d splits", s.Stream, s.Records, s.Requests, s.Windows, s.Splits)
		}
		least := pages + splits
		b.ReportMetric(float64(rep.Requests), "requests")
		b.ReportMetric(float64(least), "min-requests")
		b.ReportMetric(100*float64(rep.Requests-least)/float64(least), "%-over-min")
		b.ReportMetric(float64(data.Records()), "records")
		if float64(rep.Requests) > 1.1*float64(least) {
			b.Errorf("%d requests for a backfill that needs %d (%d pages, %d splits): over 10 %% more", rep.Requests, least, pages, splits)
		}
		b.StartTimer()
	}
}
