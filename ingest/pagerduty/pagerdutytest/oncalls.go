package pagerdutytest

import (
	"fmt"
	"net/http"
	"time"
)

// OnCall is one entry GET /oncalls lists: a user on call for an escalation policy at a
// level, through a schedule or, with Schedule "", assigned to the level directly (a
// permanent on-call, listed with start and end null).
type OnCall struct {
	UserID, UserName     string
	PolicyID, PolicyName string
	ScheduleID           string // "" for a direct assignment
	Level                int
	Start, End           time.Time // zero for a direct assignment
}

// onCallWindow is the longest since/until range the documentation lets /oncalls take.
const onCallWindow = 90 * 24 * time.Hour

// onCalls answers GET /oncalls the way its documentation says: since and until default
// to now, until may not be before since nor more than 90 days after it; every entry
// that overlaps the range is listed whole (not cut to it); earliest=true keeps only the
// earliest entry of each escalation policy, level and user; times are rendered in
// time_zone. ok is false once it has answered with an error.
func (f *Fake) onCalls(w http.ResponseWriter, r *http.Request) (out [][]byte, ok bool) {
	q := r.URL.Query()
	now := time.Now().UTC()
	since, until := now, now
	var err error
	if v := q.Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			f.bad(w, r.URL.RawQuery, "since must be an ISO 8601 time")
			return nil, false
		}
	}
	if v := q.Get("until"); v != "" {
		if until, err = time.Parse(time.RFC3339, v); err != nil {
			f.bad(w, r.URL.RawQuery, "until must be an ISO 8601 time")
			return nil, false
		}
	}
	if until.Before(since) {
		f.bad(w, r.URL.RawQuery, "The until time cannot be before the since time")
		return nil, false
	}
	if until.Sub(since) > onCallWindow {
		f.bad(w, r.URL.RawQuery, "The range between since and until cannot exceed 90 days")
		return nil, false
	}
	zone := time.UTC
	if v := q.Get("time_zone"); v != "" {
		if zone, err = time.LoadLocation(v); err != nil {
			f.bad(w, r.URL.RawQuery, "time_zone is not a known time zone")
			return nil, false
		}
	}
	switch q.Get("earliest") {
	case "", "true", "false":
	default:
		f.bad(w, r.URL.RawQuery, "earliest must be true or false")
		return nil, false
	}
	earliest := q.Get("earliest") == "true"
	seen := map[string]bool{}
	for _, o := range f.data.OnCalls {
		direct := o.ScheduleID == ""
		if !direct && (!o.Start.Before(until) || !o.End.After(since)) {
			continue
		}
		k := fmt.Sprintf("%s|%d|%s", o.PolicyID, o.Level, o.UserID)
		if earliest && seen[k] {
			continue
		}
		seen[k] = true
		rec := map[string]any{
			"user":              UserRef(o.UserID, o.UserName),
			"escalation_policy": ref("escalation_policy", o.PolicyID, o.PolicyName),
			"escalation_level":  o.Level,
			"schedule":          nil,
			"start":             nil,
			"end":               nil,
		}
		if !direct {
			rec["schedule"] = ref("schedule", o.ScheduleID, "Schedule "+o.ScheduleID)
			rec["start"] = o.Start.In(zone).Format(time.RFC3339)
			rec["end"] = o.End.In(zone).Format(time.RFC3339)
		}
		out = append(out, MustJSON(rec))
	}
	return out, true
}

// ref is a reference as the documentation's example shows them.
func ref(kind, id, name string) map[string]any {
	return map[string]any{"id": id, "type": kind + "_reference", "summary": name,
		"self":     "https://api.pagerduty.com/" + kind + "s/" + id,
		"html_url": "https://subdomain.pagerduty.com/" + kind + "s/" + id}
}
