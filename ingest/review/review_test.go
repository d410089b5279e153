package review

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

func storeWithIncidents(t *testing.T, ids ...string) *Store {
	t.Helper()
	db := ingesttest.OpenDB(t)
	w, err := ingest.NewWriter(context.Background(), db, "file")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, id := range ids {
		w.Incident(ingest.Incident{ID: id, ServiceID: "web", Title: "t", Urgency: "high", CreatedAt: time.Date(2026, 11, 18, 3, 0, 0, 0, time.UTC)})
	}
	if _, err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := New(db, nil)
	clock := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	return s
}

func seen(v int) *int { return &v }

func TestTagKeepsEveryChange(t *testing.T) {
	s := storeWithIncidents(t, "i1")
	ctx := context.Background()
	first := Request{Source: "file", IncidentID: "i1", Reviewer: "ana",
		Verdict: Verdict{Tag: "no_action", Reason: "flapping", Note: "flaps every night", Owner: "payments", FollowUpURL: "https://jira.example.com/OPS-1"}}
	got, err := s.Tag(ctx, []Request{first})
	if err != nil || len(got) != 1 || got[0].Version != 1 || got[0].Reviewer != "ana" {
		t.Fatalf("first tag: %+v, %v", got, err)
	}
	// the same verdict again is no change
	if got, _ := s.Tag(ctx, []Request{first}); got[0].Version != 1 {
		t.Errorf("the same verdict again made version %d", got[0].Version)
	}
	second := Request{Source: "file", IncidentID: "i1", Reviewer: "bo", Seen: seen(1),
		Verdict: Verdict{Tag: "action_taken", Reason: "real_problem_fixed"}}
	if got, err := s.Tag(ctx, []Request{second}); err != nil || got[0].Version != 2 {
		t.Fatalf("second tag: %+v, %v", got, err)
	}
	hist, err := s.History(ctx, "file", "i1")
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	if hist[0].Old != nil || hist[0].New.Tag != "no_action" || hist[0].ChangedBy != "ana" ||
		hist[1].Old == nil || hist[1].Old.Reason != "flapping" || hist[1].New.Tag != "action_taken" || hist[1].ChangedBy != "bo" {
		t.Errorf("history: %+v", hist)
	}
	if !hist[1].ChangedAt.After(hist[0].ChangedAt) {
		t.Errorf("history times: %v then %v", hist[0].ChangedAt, hist[1].ChangedAt)
	}
}

// Two reviewers who loaded the same version: the first write lands, the second is
// refused with the tag as it now is; without a version both land in the history.
func TestConcurrentTags(t *testing.T) {
	s := storeWithIncidents(t, "i1", "i2")
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, who := range []string{"ana", "bo"} {
		wg.Go(func() {
			_, errs[i] = s.Tag(ctx, []Request{{Source: "file", IncidentID: "i1", Reviewer: who, Seen: seen(0),
				Verdict: Verdict{Tag: []string{"no_action", "action_taken"}[i]}}})
		})
	}
	wg.Wait()
	var conflicts int
	for _, err := range errs {
		var re *Error
		if errors.As(err, &re) && re.Conflict {
			conflicts++
			if re.Current == nil || re.Current.Version != 1 {
				t.Errorf("the conflict does not say what is there now: %+v", re)
			}
		} else if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if conflicts != 1 {
		t.Errorf("%d of two writes on version 0 refused, want exactly 1: %v", conflicts, errs)
	}
	for i, who := range []string{"ana", "bo"} {
		wg.Go(func() {
			_, errs[i] = s.Tag(ctx, []Request{{Source: "file", IncidentID: "i2", Reviewer: who,
				Verdict: Verdict{Tag: []string{"no_action", "action_taken"}[i]}}})
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("writes without a version: %v", errs)
	}
	if hist, _ := s.History(ctx, "file", "i2"); len(hist) != 2 {
		t.Errorf("%d history entries for two writes without a version, want both", len(hist))
	}
}

func TestTagRefusesBadInput(t *testing.T) {
	s := storeWithIncidents(t, "i1")
	ctx := context.Background()
	cases := []struct {
		req  Request
		want string
	}{
		{Request{Source: "file", IncidentID: "i1", Reviewer: "a", Verdict: Verdict{Tag: "noise"}}, `tag: want action_taken or no_action, got "noise"`},
		{Request{Source: "file", IncidentID: "i1", Reviewer: "a", Verdict: Verdict{Tag: "no_action", Reason: "bored"}}, `reason: want one of threshold_too_sensitive`},
		{Request{Source: "file", IncidentID: "i1", Reviewer: "a", Verdict: Verdict{Tag: "no_action", FollowUpURL: "javascript:alert(1)"}}, `follow_up_url: want an http(s) link`},
		{Request{Source: "file", IncidentID: "i1", Verdict: Verdict{Tag: "no_action"}}, `reviewer: required`},
		{Request{Source: "file", IncidentID: "nope", Reviewer: "a", Verdict: Verdict{Tag: "no_action"}}, `incident: no incident "nope" of source "file"`},
	}
	for _, c := range cases {
		_, err := s.Tag(ctx, []Request{c.req})
		if err == nil || len(err.Error()) < len(c.want) || err.Error()[:len(c.want)] != c.want {
			t.Errorf("%+v: %v, want %q", c.req, err, c.want)
		}
	}
	// a batch with one bad incident stores none of it
	_, err := s.Tag(ctx, []Request{
		{Source: "file", IncidentID: "i1", Reviewer: "a", Verdict: Verdict{Tag: "no_action"}},
		{Source: "file", IncidentID: "nope", Reviewer: "a", Verdict: Verdict{Tag: "no_action"}},
	})
	if cur, _ := s.Current(ctx, "file", "i1"); err == nil || cur != nil {
		t.Errorf("a batch with a bad incident: %v, and i1 is now %+v", err, cur)
	}
}

func TestFollowUps(t *testing.T) {
	s := storeWithIncidents(t)
	ctx := context.Background()
	shipped := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	if _, err := s.AddFollowUp(ctx, FollowUp{RuleID: "r1", Change: "for: 10m", TicketURL: "https://jira.example.com/OPS-2", ShippedOn: &shipped, CreatedBy: "ana"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFollowUp(ctx, FollowUp{RuleID: "r1", Change: "runbook", CreatedBy: "bo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddFollowUp(ctx, FollowUp{RuleID: "r1", CreatedBy: "bo"}); err == nil {
		t.Error("a follow-up without a change was stored")
	}
	got, err := s.FollowUps(ctx, "r1")
	if err != nil || len(got) != 2 || got[0].Change != "runbook" || got[1].ShippedOn == nil || !got[1].ShippedOn.Equal(shipped) {
		t.Errorf("follow-ups: %+v, %v", got, err)
	}
	if other, _ := s.FollowUps(ctx, "r2"); len(other) != 0 {
		t.Errorf("another rule's follow-ups: %+v", other)
	}
}

// A sync that fetches the incident again (or a re-import) replaces the incident's row,
// and the tag stays: tags live in their own table, which no writer of a source touches.
func TestTagOutlivesARefetch(t *testing.T) {
	s := storeWithIncidents(t, "i1")
	ctx := context.Background()
	if _, err := s.Tag(ctx, []Request{{Source: "file", IncidentID: "i1", Reviewer: "ana", Verdict: Verdict{Tag: "no_action", Reason: "flapping"}}}); err != nil {
		t.Fatal(err)
	}
	w, err := ingest.NewWriter(ctx, s.db, "file")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Incident(ingest.Incident{ID: "i1", ServiceID: "web", Title: "t, fetched again", Urgency: "high",
		CreatedAt: time.Date(2026, 11, 18, 3, 0, 0, 0, time.UTC), ResolvedAt: time.Date(2026, 11, 18, 3, 4, 0, 0, time.UTC)})
	counts, err := w.Commit(ctx)
	if err != nil || counts.Stored["incidents"] != 1 || counts.New["incidents"] != 0 {
		t.Fatalf("re-fetch: %+v, %v", counts, err)
	}
	cur, err := s.Current(ctx, "file", "i1")
	if err != nil || cur == nil || cur.Tag != "no_action" || cur.Reason != "flapping" || cur.Version != 1 {
		t.Errorf("the tag after a re-fetch: %+v, %v", cur, err)
	}
	if err := ingest.DeleteSource(ctx, s.db, "file"); err != nil { // the demo rewrites its source so
		t.Fatal(err)
	}
	if cur, _ := s.Current(ctx, "file", "i1"); cur == nil {
		t.Error("deleting the source's records took the tag with them")
	}
}
