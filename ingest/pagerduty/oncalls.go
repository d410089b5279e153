package pagerduty

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// onCallSpan is the longest since/until range GET /oncalls takes: its documentation
// limits on-call queries to 90 days.
const onCallSpan = 90 * 24 * time.Hour

// onCallRecord is one entry of GET /oncalls: a contiguous stretch of time a user is on
// call for one escalation policy at one level, through a schedule or assigned directly
// (schedule null, start and end null: permanently on call).
type onCallRecord struct {
	User             *ref    `json:"user"`
	Schedule         *ref    `json:"schedule"`
	EscalationPolicy *ref    `json:"escalation_policy"`
	EscalationLevel  int     `json:"escalation_level"`
	Start            *string `json:"start"`
	End              *string `json:"end"`
}

// mapOnCall turns an entry listed for win into the shift it is within win. The API lists
// every entry that overlaps the range, not only those inside it, and a permanent one has
// no start or end: clipping to the window keeps future hours (an entry that ends next
// week) out of the history and gives a permanent one a start and an end. A shift longer
// than a window is stored as one piece per window; the models merge touching pieces of
// one person, so the split costs nothing. ok is false for an entry with nothing inside win.
func mapOnCall(raw json.RawMessage, win window, policies map[string]string) (s ingest.Shift, ok bool, err error) {
	var o onCallRecord
	if err := json.Unmarshal(raw, &o); err != nil {
		return s, false, fmt.Errorf("oncall record: %w", err)
	}
	if o.User == nil || o.User.ID == "" || o.EscalationPolicy == nil || o.EscalationPolicy.ID == "" {
		return s, false, fmt.Errorf("oncall record without a user or an escalation policy: %s", raw)
	}
	start, end := win.Since, win.Until
	if o.Start != nil {
		t, err := time.Parse(time.RFC3339, *o.Start)
		if err != nil {
			return s, false, fmt.Errorf("oncall record: start: %w", err)
		}
		start = maxTime(t.UTC(), win.Since)
	}
	if o.End != nil {
		t, err := time.Parse(time.RFC3339, *o.End)
		if err != nil {
			return s, false, fmt.Errorf("oncall record: end: %w", err)
		}
		end = minTime(t.UTC(), win.Until)
	}
	if !end.After(start) {
		return s, false, nil
	}
	level := max(o.EscalationLevel, 1)
	schedule := "direct"
	if o.Schedule != nil && o.Schedule.ID != "" {
		schedule = o.Schedule.ID
	}
	rotation := policies[o.EscalationPolicy.ID]
	if rotation == "" {
		rotation = o.EscalationPolicy.Summary
	}
	// The API gives an entry no id: what it is (policy, level, schedule, user) and where
	// it starts within the window is one, stable across re-reads of the same window.
	id := strings.Join([]string{o.EscalationPolicy.ID, strconv.Itoa(level), schedule, o.User.ID, start.Format(time.RFC3339)}, "|")
	return ingest.Shift{ID: id, ResponderID: o.User.ID, Rotation: rotation, EscalationLevel: level,
		StartsAt: start, EndsAt: end}, true, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
