// Package demo writes a seeded, realistic year of incident history for Northwind, a
// fictional company of 40 engineers in three time zones, so that a new user sees
// alertlens's charts before connecting a paging tool. The story the numbers tell (a
// handful of noisy rules that page most out of hours, fixed one by one until the
// organisation is under its goal) is told in docs/demo.md.
//
// The history covers a fixed period, never one relative to today, and the same seed
// always gives the same records.
package demo

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// Config is the demo organisation's alertlens.yaml: its reporting zone, rotations and
// holidays. Build the models with it after Generate.
//
//go:embed alertlens.yaml
var Config []byte

// Source is the source name the demo's records are stored under.
const Source = "demo"

// DefaultSeed is the seed `alertlens demo` uses unless told otherwise.
const DefaultSeed uint64 = 1101

var (
	reportingZone = mustZone("Europe/Dublin")
	periodStart   = time.Date(2025, 11, 1, 0, 0, 0, 0, reportingZone)
	periodEnd     = time.Date(2026, 11, 1, 0, 0, 0, 0, reportingZone)
)

// Period returns the months the history covers, cut in the demo's reporting zone
// (Europe/Dublin): from 1 November 2025 up to 1 November 2026.
func Period() (start, end time.Time) { return periodStart, periodEnd }

// Now is the moment the demo is shown at: midday on its last day, so that "this month"
// and its pace are the demo's last month whatever today is, and the output stays the
// same from one day to the next.
func Now() time.Time { return periodEnd.Add(-12 * time.Hour) }

// Options change what Generate writes and tells.
type Options struct {
	Seed     uint64
	Progress io.Writer // a line per month; nil for none
}

// Summary counts what Generate stored.
type Summary struct {
	Incidents     int
	Pages         int // incidents that interrupted someone, or high urgency with no notifications
	Notifications int
	Reviews       int
	Rows          int // every row staged, the raw layer included
}

// Generate writes the demo history through an ingest.Writer under Source, one month
// per transaction, so memory holds one month at a time. It replaces records with the
// same ids; call ingest.DeleteSource first to drop those of an earlier seed.
func Generate(ctx context.Context, db *sql.DB, opts Options) (Summary, error) {
	var sum Summary
	w, err := ingest.NewWriter(ctx, db, Source)
	if err != nil {
		return sum, err
	}
	defer w.Close()
	g := newGenerator(opts.Seed)
	st := &stager{w: w, sum: &sum}
	for _, p := range g.c.people {
		st.responder(ingest.Responder{ID: p.id, Name: p.name, Email: p.email, TimeZone: p.zone})
	}
	for _, s := range g.c.services {
		st.service(ingest.Service{ID: s.id, Name: s.id, Team: s.team.name, Rotation: s.team.rotation})
	}
	seed := ingest.Cursor{Stream: "seed", Value: strconv.FormatUint(opts.Seed, 10)}
	for from := periodStart; from.Before(periodEnd); from = from.AddDate(0, 1, 0) {
		if err := ctx.Err(); err != nil {
			w.Discard(ctx)
			return sum, err
		}
		before := sum
		for _, rec := range g.month(from, from.AddDate(0, 1, 0)) {
			st.record(rec)
		}
		if st.err != nil {
			w.Discard(ctx)
			return sum, st.err
		}
		if _, err := w.Commit(ctx, seed); err != nil {
			return sum, fmt.Errorf("demo: store %s: %w", from.Format("2006-01"), err)
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "demo: %s  %5d incidents  %5d notifications  %3d pages  %4d reviews\n",
				from.Format("2006-01"), sum.Incidents-before.Incidents, sum.Notifications-before.Notifications,
				sum.Pages-before.Pages, sum.Reviews-before.Reviews)
		}
	}
	return sum, nil
}

// stager stages each record with its raw payload, keeping the first error.
type stager struct {
	w   *ingest.Writer
	sum *Summary
	err error
}

func (s *stager) raw(kind, id string, v any) {
	payload, err := json.Marshal(v)
	if err == nil {
		err = s.w.Raw(ingest.Raw{Kind: kind, ID: id, Payload: payload})
	}
	s.keep(err)
}

func (s *stager) keep(err error) {
	s.sum.Rows++
	if err != nil && s.err == nil {
		s.err = err
	}
}

func (s *stager) responder(r ingest.Responder) {
	s.keep(s.w.Responder(r))
	s.raw("user", r.ID, map[string]string{"id": r.ID, "name": r.Name, "email": r.Email, "time_zone": r.TimeZone})
}

func (s *stager) service(sv ingest.Service) {
	s.keep(s.w.Service(sv))
	s.raw("service", sv.ID, map[string]string{"id": sv.ID, "name": sv.Name, "team": sv.Team, "escalation_policy": sv.Rotation})
}

func (s *stager) record(r record) {
	s.sum.Incidents++
	if r.page {
		s.sum.Pages++
	}
	s.keep(s.w.Incident(r.inc))
	s.raw("incident", r.inc.ID, incidentPayload(r.inc))
	for i, n := range r.notes {
		s.sum.Notifications++
		s.keep(s.w.Notification(n))
		s.raw("notification", fmt.Sprintf("%s/%d", n.IncidentID, i+1), map[string]string{
			"incident_id": n.IncidentID, "user_id": n.ResponderID, "channel": n.Channel, "at": n.At.Format(time.RFC3339)})
	}
	if r.review != nil {
		s.sum.Reviews++
		s.keep(s.w.Review(*r.review))
		s.raw("review", r.review.IncidentID, map[string]string{"incident_id": r.review.IncidentID,
			"tag": r.review.Tag, "note": r.review.Note, "reviewer": r.review.Reviewer,
			"reviewed_at": r.review.ReviewedAt.Format(time.RFC3339)})
	}
}

// incidentPayload is the incident as a paging tool's API would send it: absent times
// are left out rather than written as year 1.
func incidentPayload(i ingest.Incident) map[string]any {
	p := map[string]any{
		"id": i.ID, "service_id": i.ServiceID, "title": i.Title, "urgency": i.Urgency,
		"priority": i.Priority, "created_at": i.CreatedAt.Format(time.RFC3339), "resolved_by": i.ResolvedBy,
		"alertname": i.Rule, "escalations": i.Escalations, "manual_escalations": i.ManualEscalations,
		"labels": i.Labels,
	}
	if !i.AcknowledgedAt.IsZero() {
		p["acknowledged_at"] = i.AcknowledgedAt.Format(time.RFC3339)
	}
	if !i.ResolvedAt.IsZero() {
		p["resolved_at"] = i.ResolvedAt.Format(time.RFC3339)
	}
	if i.RunbookURL != "" {
		p["runbook_url"] = i.RunbookURL
	}
	return p
}

// newGenerator returns a generator whose every draw comes from one PCG stream of seed.
func newGenerator(seed uint64) *generator {
	return &generator{c: newCompany(), rng: rand.New(rand.NewPCG(seed, 0x6e6f72746877696e))}
}
