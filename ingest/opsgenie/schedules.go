package opsgenie

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// timelineDays is the span of one timeline request (interval=28&intervalUnit=days): four
// weeks of a weekly rotation are a few dozen periods, and a day is the finest unit the
// API takes, so the last window can stop at the sync's start.
const timelineDays = 28

// schedule holds the fields of GET /v2/schedules that the mapping reads.
type schedule struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	OwnerTeam *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"ownerTeam"`
}

// rotation is the name shifts of a schedule are stored under: its owner team's, which is
// the rotation alerts of that team are paged through (teamService), else its own.
func (s schedule) rotation() string {
	if s.OwnerTeam != nil && s.OwnerTeam.Name != "" {
		return s.OwnerTeam.Name
	}
	return s.Name
}

// timeline is the part of GET /v2/schedules/{id}/timeline the mapping reads: the final
// timeline (rotations, overrides and forwardings applied), whose periods say who was on
// call from when to when.
type timeline struct {
	FinalTimeline struct {
		Rotations []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Periods []struct {
				StartDate time.Time          `json:"startDate"`
				EndDate   time.Time          `json:"endDate"`
				Type      string             `json:"type"`
				Recipient *timelineRecipient `json:"recipient"`
				// The OAS: "only used by 'historical' period types", which name whom a
				// past period reached.
				Flattened []timelineRecipient `json:"flattenedRecipients"`
			} `json:"periods"`
		} `json:"rotations"`
	} `json:"finalTimeline"`
}

type timelineRecipient struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"` // user, team, escalation, none
}

// scheduleCursor is where a schedule's timeline walk stands: every period before Done
// is stored, and the walk under way stops at End. One cursor per schedule (stream
// "schedule:<id>"), committed with each window.
type scheduleCursor struct {
	Done time.Time `json:"done"`
	End  time.Time `json:"end"`
}

// syncSchedules lists the schedules and walks each one's final timeline from its cursor
// (else Since) to end, one window a request, committing each window with the cursor.
func (c *Collector) syncSchedules(ctx context.Context, db *sql.DB, w *ingest.Writer, end time.Time, st *stats) error {
	p, err := c.getPage(ctx, "/v2/schedules", url.Values{})
	if err != nil {
		return fmt.Errorf("opsgenie: schedules: %w", err)
	}
	var scheds []schedule
	for _, raw := range p.Data {
		var s schedule
		if err := json.Unmarshal(raw, &s); err != nil || s.ID == "" {
			return fmt.Errorf("opsgenie: a schedule without an id: %.200s", raw)
		}
		if err := w.Raw(ingest.Raw{Kind: "schedule", ID: s.ID, Payload: raw}); err != nil {
			return err
		}
		scheds = append(scheds, s)
	}
	counts, err := w.Commit(ctx)
	st.commit(counts)
	if err != nil {
		return err
	}
	for _, s := range scheds {
		if err := c.walkTimeline(ctx, db, w, s, end, st); err != nil {
			w.Discard(context.WithoutCancel(ctx))
			return err
		}
	}
	return nil
}

func (c *Collector) walkTimeline(ctx context.Context, db *sql.DB, w *ingest.Writer, s schedule, end time.Time, st *stats) error {
	stream := "schedule:" + s.ID
	cur := c.cfg.Since.UTC().Truncate(time.Second)
	stored, err := ingest.LoadCursor(ctx, db, w.Source(), stream)
	if err != nil {
		return err
	}
	if stored != "" {
		var sc scheduleCursor
		if err := json.Unmarshal([]byte(stored), &sc); err != nil || sc.Done.IsZero() {
			return fmt.Errorf("opsgenie: stored cursor of %s is not one this version wrote (%q)", stream, stored)
		}
		// A walk that was stopped goes on exactly where it stopped. After a finished
		// one, periods may have changed after the fact (an override entered late):
		// read the overlap again, as the alerts do.
		cur = sc.Done
		if !sc.Done.Before(sc.End) {
			cur = sc.Done.Add(-c.cfg.Overlap)
		}
	}
	for cur.Before(end) {
		if err := ctx.Err(); err != nil {
			return err
		}
		days := min(timelineDays, int((end.Sub(cur)+24*time.Hour-1)/(24*time.Hour)))
		until := minTime(cur.AddDate(0, 0, days), end)
		q := url.Values{"identifierType": {"id"}, "date": {cur.Format(time.RFC3339)},
			"interval": {strconv.Itoa(days)}, "intervalUnit": {"days"}}
		body, err := c.http.Get(ctx, c.base+"/v2/schedules/"+url.PathEscape(s.ID)+"/timeline?"+q.Encode())
		if err != nil {
			return fmt.Errorf("opsgenie: schedule %s timeline from %s: %w; the windows before are stored, and running the sync again resumes there",
				s.Name, cur.Format(time.RFC3339), err)
		}
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		var tl timeline
		if err := json.Unmarshal(body, &env); err != nil || json.Unmarshal(env.Data, &tl) != nil {
			return fmt.Errorf("opsgenie: schedule %s timeline from %s: not a timeline: %.200s", s.Name, cur.Format(time.RFC3339), body)
		}
		if err := w.Raw(ingest.Raw{Kind: "schedule_timeline", ID: s.ID + "|" + cur.Format(time.RFC3339), Payload: env.Data}); err != nil {
			return err
		}
		for _, sh := range mapTimeline(s, tl, cur, until) {
			if err := w.Shift(sh); err != nil {
				return err
			}
			st.Shifts++
		}
		b, _ := json.Marshal(scheduleCursor{Done: until, End: end})
		counts, err := w.Commit(ctx, ingest.Cursor{Stream: stream, Value: string(b)})
		st.commit(counts)
		if err != nil {
			return err
		}
		cur = until
	}
	return nil
}

// mapTimeline turns a final timeline's periods into shifts cut to [from, until): the API
// lists a period that began before the window whole, and one running now would
// otherwise count hours that have not happened. Periods of nobody (type none) and of a
// team or escalation (not a person) make no shift. Opsgenie schedules have no
// escalation level of their own: every period is level 1.
func mapTimeline(s schedule, tl timeline, from, until time.Time) []ingest.Shift {
	var out []ingest.Shift
	for _, rot := range tl.FinalTimeline.Rotations {
		for _, p := range rot.Periods {
			start, end := maxTime(p.StartDate.UTC(), from), minTime(p.EndDate.UTC(), until)
			if !end.After(start) {
				continue
			}
			who := p.Flattened
			if p.Recipient != nil {
				who = append([]timelineRecipient{*p.Recipient}, who...)
			}
			seen := map[string]bool{}
			for _, r := range who {
				if r.Type != "user" || r.ID == "" || seen[r.ID] {
					continue
				}
				seen[r.ID] = true
				out = append(out, ingest.Shift{
					ID:          strings.Join([]string{s.ID, rot.ID, r.ID, start.Format(time.RFC3339)}, "|"),
					ResponderID: r.ID, Rotation: s.rotation(), EscalationLevel: 1, StartsAt: start, EndsAt: end,
				})
			}
		}
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
