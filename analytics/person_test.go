package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
)

// A person's page adds up: their heat map holds each of their interruptions once, their
// pages are their load's pages, and the after-hours ones are those whose own first
// interruption fell after hours, in every period of the golden history.
func TestPersonFiguresAddUp(t *testing.T) {
	db, _ := buildGolden(t)
	svc := analytics.New(db, analytics.WithNow(func() time.Time { return goldenNow }))
	ctx := context.Background()
	people, err := svc.Responders(ctx, report.Filter{})
	if err != nil || len(people) < 3 {
		t.Fatalf("responders: %d, %v; want the golden history's people", len(people), err)
	}
	for _, who := range people {
		for _, f := range []report.Filter{{}, {From: "2026-03", To: "2026-03"}} {
			p, err := svc.Person(ctx, who.Source, who.ResponderID, f)
			if err != nil {
				t.Fatal(err)
			}
			heat, err := svc.PersonHeatmap(ctx, who.Source, who.ResponderID, f)
			if err != nil {
				t.Fatal(err)
			}
			pages, err := svc.PersonPages(ctx, who.Source, who.ResponderID, f)
			if err != nil {
				t.Fatal(err)
			}
			cells := 0
			for _, c := range heat {
				cells += c.Interruptions
			}
			after := 0
			for _, pg := range pages {
				if pg.AfterHours {
					after++
				}
				if pg.ResponderID != who.ResponderID {
					t.Errorf("%s's pages hold one of %s", who.ResponderID, pg.ResponderID)
				}
			}
			if len(heat) != 168 || cells != p.Load.Interruptions || len(pages) != p.Load.Pages || after != p.Load.AfterHoursPages {
				t.Errorf("%s %+v: %d cells holding %d interruptions, %d pages (%d after hours); load says %d interruptions, %d pages, %d after hours",
					who.ResponderID, f, len(heat), cells, len(pages), after, p.Load.Interruptions, p.Load.Pages, p.Load.AfterHoursPages)
			}
		}
	}
	if _, err := svc.Person(ctx, "file", "nobody", report.Filter{}); analytics.ErrorCode(err) != analytics.ENOTFOUND {
		t.Errorf("an unknown person: %v, want ENOTFOUND", err)
	}
}
