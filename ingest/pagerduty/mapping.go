package pagerduty

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// ref is PagerDuty's reference to another object (user_reference, service_reference...).
type ref struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
}

// isUser tells whether a reference names a person rather than a service, integration or
// the system itself.
func (r *ref) isUser() bool {
	return r != nil && r.ID != "" && (r.Type == "user_reference" || r.Type == "user")
}

// named is the part of a user, team or escalation policy alertlens reads.
type named struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Summary  string `json:"summary"`
	Email    string `json:"email"`
	TimeZone string `json:"time_zone"`
}

func (n named) label() string {
	if n.Name != "" {
		return n.Name
	}
	return n.Summary
}

type serviceRecord struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Summary          string `json:"summary"`
	EscalationPolicy *ref   `json:"escalation_policy"`
	Teams            []ref  `json:"teams"`
}

type incidentRecord struct {
	ID                 string  `json:"id"`
	Title              string  `json:"title"`
	Status             string  `json:"status"`
	Urgency            string  `json:"urgency"`
	CreatedAt          string  `json:"created_at"`
	ResolvedAt         *string `json:"resolved_at"`
	LastStatusChangeAt string  `json:"last_status_change_at"`
	LastStatusChangeBy *ref    `json:"last_status_change_by"`
	Service            *ref    `json:"service"`
	Priority           *struct {
		Name    string `json:"name"`
		Summary string `json:"summary"`
	} `json:"priority"`
}

type channel struct {
	Type         string `json:"type"`
	Notification *struct {
		Type string `json:"type"`
	} `json:"notification"`
}

type logEntryRecord struct {
	ID           string   `json:"id"`
	Type         string   `json:"type"`
	CreatedAt    string   `json:"created_at"`
	Agent        *ref     `json:"agent"`
	User         *ref     `json:"user"`
	Incident     *ref     `json:"incident"`
	Channel      *channel `json:"channel"`
	Notification *struct {
		Type string `json:"type"`
	} `json:"notification"`
}

// decode reads a record and checks it has an id, naming the kind on failure.
func decode(kind string, raw json.RawMessage, v any, id func() string) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s record: %w", kind, err)
	}
	if id() == "" {
		return fmt.Errorf("%s record without an id", kind)
	}
	return nil
}

func parseTime(kind, id, field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %s: %s: want an RFC 3339 time, got %q", kind, id, field, s)
	}
	return t.UTC(), nil
}

// mapIncident turns an incident into alertlens's record. Acknowledgements and
// escalations are left out: they come from the log entries as events.
func mapIncident(raw json.RawMessage) (ingest.Incident, error) {
	var r incidentRecord
	if err := decode("incident", raw, &r, func() string { return r.ID }); err != nil {
		return ingest.Incident{}, err
	}
	inc := ingest.Incident{ID: r.ID, Title: r.Title, Urgency: r.Urgency}
	if r.Service == nil || r.Service.ID == "" {
		return inc, fmt.Errorf("incident %s: service.id: missing", r.ID)
	}
	inc.ServiceID = r.Service.ID
	if r.Priority != nil {
		inc.Priority = r.Priority.Summary
		if inc.Priority == "" {
			inc.Priority = r.Priority.Name
		}
	}
	var err error
	if inc.CreatedAt, err = parseTime("incident", r.ID, "created_at", r.CreatedAt); err != nil {
		return inc, err
	}
	if r.Status == "resolved" {
		field, at := "last_status_change_at", r.LastStatusChangeAt
		if r.ResolvedAt != nil && *r.ResolvedAt != "" {
			field, at = "resolved_at", *r.ResolvedAt
		}
		if inc.ResolvedAt, err = parseTime("incident", r.ID, field, at); err != nil {
			return inc, err
		}
		inc.ResolvedBy = ingest.ResolvedByAuto
		if r.LastStatusChangeBy.isUser() {
			inc.ResolvedBy = ingest.ResolvedByHuman
		}
	}
	inc.RunbookURL = findRunbook(raw)
	return inc, nil
}

// logEntry is what one log entry becomes: at most one notification or event.
type logEntry struct {
	Notification *ingest.Notification
	Event        *ingest.Event
}

// mapLogEntry turns the log entries alertlens counts into a notification or an event;
// the others (assign, annotate, resolve...) are kept raw only.
func mapLogEntry(raw json.RawMessage) (string, logEntry, error) {
	var r logEntryRecord
	if err := decode("log entry", raw, &r, func() string { return r.ID }); err != nil {
		return "", logEntry{}, err
	}
	switch r.Type {
	case "notify_log_entry", "acknowledge_log_entry", "escalate_log_entry", "trigger_log_entry":
	default:
		return r.ID, logEntry{}, nil
	}
	if r.Incident == nil || r.Incident.ID == "" {
		return r.ID, logEntry{}, fmt.Errorf("log entry %s: incident.id: missing", r.ID)
	}
	at, err := parseTime("log entry", r.ID, "created_at", r.CreatedAt)
	if err != nil {
		return r.ID, logEntry{}, err
	}
	ev := &ingest.Event{IncidentID: r.Incident.ID, ID: r.ID, At: at}
	if r.Agent.isUser() {
		ev.ResponderID = r.Agent.ID
	}
	switch r.Type {
	case "notify_log_entry":
		if r.User == nil || r.User.ID == "" {
			return r.ID, logEntry{}, fmt.Errorf("log entry %s: user.id: missing on a notify_log_entry", r.ID)
		}
		return r.ID, logEntry{Notification: &ingest.Notification{
			IncidentID: r.Incident.ID, ResponderID: r.User.ID, Channel: notifyChannel(r), At: at,
		}}, nil
	case "acknowledge_log_entry":
		ev.Kind = ingest.EventAcknowledge
	case "escalate_log_entry":
		ev.Kind = ingest.EventEscalateManual
		if (r.Channel != nil && r.Channel.Type == "timeout") || !r.Agent.isUser() {
			ev.Kind = ingest.EventEscalateTimeout
		}
	case "trigger_log_entry":
		ev.Detail = findRunbook(raw)
		if ev.Detail == "" {
			return r.ID, logEntry{}, nil
		}
		ev.Kind = ingest.EventRunbook
	}
	return r.ID, logEntry{Event: ev}, nil
}

// notifyChannel maps how PagerDuty notified a person to alertlens's channels. The type
// sits in channel.notification.type or notification.type (phone_notification,
// sms_notification, push_notification, email_notification), else in channel.type.
func notifyChannel(r logEntryRecord) string {
	t := ""
	switch {
	case r.Channel != nil && r.Channel.Notification != nil && r.Channel.Notification.Type != "":
		t = r.Channel.Notification.Type
	case r.Notification != nil && r.Notification.Type != "":
		t = r.Notification.Type
	case r.Channel != nil:
		t = r.Channel.Type
	}
	t = strings.TrimSuffix(strings.ToLower(t), "_notification")
	switch t {
	case "phone", "sms", "email":
		return t
	case "push":
		return ingest.ChannelPush
	}
	return ingest.ChannelChat
}

var urlPattern = regexp.MustCompile(`https?://[^\s"'<>\]\)]+`)

// findRunbook returns the first runbook link in a record: a URL in a field whose name
// contains "runbook", else a URL in any text that mentions "runbook" (preferring a URL
// that itself says runbook). Fields are visited in name order so the answer is stable.
func findRunbook(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	if u := walkRunbook(v, false, true); u != "" {
		return u
	}
	return walkRunbook(v, false, false)
}

// walkRunbook looks for a URL under a runbook-named field (byName) or in a string that
// mentions runbook (!byName). named tells that an enclosing field's name says runbook.
func walkRunbook(v any, named, byName bool) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if u := walkRunbook(x[k], named || strings.Contains(strings.ToLower(k), "runbook"), byName); u != "" {
				return u
			}
		}
	case []any:
		for _, e := range x {
			if u := walkRunbook(e, named, byName); u != "" {
				return u
			}
		}
	case string:
		if byName && !named {
			return ""
		}
		if !byName && !strings.Contains(strings.ToLower(x), "runbook") {
			return ""
		}
		urls := urlPattern.FindAllString(x, -1)
		for _, u := range urls {
			if strings.Contains(strings.ToLower(u), "runbook") {
				return strings.TrimRight(u, ".,;")
			}
		}
		if len(urls) > 0 {
			return strings.TrimRight(urls[0], ".,;")
		}
	}
	return ""
}
