package pagerduty

import (
	"encoding/json"
	"fmt"
	"time"
)

// maxSpan is the longest since/until range a request asks for: PagerDuty refuses ranges
// over 6 months, and 180 days is under 6 months whatever the calendar.
const maxSpan = 180 * 24 * time.Hour

// window is a since/until range [Since, Until) of creation times.
type window struct {
	Since, Until time.Time
}

func (w window) String() string {
	return w.Since.Format(time.RFC3339) + ".." + w.Until.Format(time.RFC3339)
}

// halves splits a window at its middle, on a whole second since that is what the API's
// since/until parameters carry. ok is false when it cannot be split any more.
func (w window) halves() (first, second window, ok bool) {
	mid := w.Since.Add(w.Until.Sub(w.Since) / 2).Truncate(time.Second)
	if !mid.After(w.Since) || !mid.Before(w.Until) {
		return w, w, false
	}
	return window{w.Since, mid}, window{mid, w.Until}, true
}

// position is the cursor of a time-windowed stream, stored as JSON in sync_state. Every
// record created before Done is stored. While a walk is under way, End is where it
// stops and, when a window is part-way through, Window is that window's end and Offset
// the next offset in it; a finished walk has End == Done and no Window. A killed sync
// resumes from exactly here, so it fetches each page once.
type position struct {
	Done   time.Time  `json:"done"`
	End    time.Time  `json:"end"`
	Window *time.Time `json:"window,omitempty"`
	Offset int        `json:"offset,omitempty"`
}

func (p position) finished() bool { return p.Window == nil && !p.Done.Before(p.End) }

func (p position) String() string {
	b, _ := json.Marshal(p)
	return string(b)
}

func parsePosition(stream, s string) (position, error) {
	var p position
	if err := json.Unmarshal([]byte(s), &p); err != nil || p.Done.IsZero() {
		return p, fmt.Errorf("stored cursor of stream %s is not one this version wrote (%q): delete it from sync_state to backfill again", stream, s)
	}
	return p, nil
}
