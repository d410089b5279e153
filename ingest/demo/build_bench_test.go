package demo

import (
	"context"
	"fmt"
	"testing"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// BenchmarkBuild rebuilds every model over the demo history (x1: 14,567 incidents) and
// over that history copied 20 times with new ids (x20: 291,340 incidents), reporting
// incidents per second.
func BenchmarkBuild(b *testing.B) {
	for _, copies := range []int{1, 20} {
		b.Run(fmt.Sprintf("x%d", copies), func(b *testing.B) {
			ctx := context.Background()
			db := ingesttest.OpenDB(b)
			generate(b, db, DefaultSeed)
			if copies > 1 {
				for _, q := range []string{
					`insert into incidents select source, incident_id || '-copy' || k, service_id, title, urgency, priority,
					   created_at, acknowledged_at, resolved_at, resolved_by, rule, runbook_url, escalations,
					   manual_escalations, labels from incidents, range(1, ?) t(k)`,
					`insert into notifications select source, incident_id || '-copy' || k, responder_id, channel, notified_at
					   from notifications, range(1, ?) t(k)`,
				} {
					if _, err := db.Exec(q, copies); err != nil {
						b.Fatal(err)
					}
				}
			}
			cfg, err := config.Parse(Config, "demo config")
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var incidents int64
			for i := 0; i < b.N; i++ {
				rep, err := models.Build(ctx, db, cfg)
				if err != nil {
					b.Fatal(err)
				}
				incidents = rep.Incidents
			}
			b.ReportMetric(float64(incidents)*float64(b.N)/b.Elapsed().Seconds(), "incidents/s")
		})
	}
}
