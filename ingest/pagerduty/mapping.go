package pagerduty

import (
	"encoding/json"
	"fmt"
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
	EscalationPolicy   *ref    `json:"escalation_policy"`
	Teams              []ref   `json:"teams"`
	ResolveReason      *struct {
		Type     string `json:"type"`
		Incident *ref   `json:"incident"`
	} `json:"resolve_reason"`
	Priority *struct {
		Name    string `json:"name"`
		Summary string `json:"summary"`
	} `json:"priority"`
}

// notification is the Notification schema, which a notify entry carries in
// channel.notification: how (type), to whom (user) and whether it got through (status).
type notification struct {
	Type   string `json:"type"`
	Status string `json:"status"`
	User   *ref   `json:"user"`
}

type channel struct {
	Type         string        `json:"type"`
	Notification *notification `json:"notification"`
}

type logEntryRecord struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	CreatedAt string   `json:"created_at"`
	Agent     *ref     `json:"agent"`
	User      *ref     `json:"user"`
	Incident  *ref     `json:"incident"`
	Channel   *channel `json:"channel"`
	// Not in the schema, which puts the notification under channel; read as a last
	// resort because some clients' recorded entries carry it at the top.
	Notification *notification `json:"notification"`
}

// decode reads a record and checks it has an id, naming the kind on failure. A record
// that fails here cannot be stored at all (the store keys records by id), so it fails
// its page: the API does not send such records, and one that does is broken.
func decode(kind string, raw json.RawMessage, v any, id func() string) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s record: %w", kind, err)
	}
	if id() == "" {
		return fmt.Errorf("%s record without an id", kind)
	}
	return nil
}

// unmappedError is a record with an id that alertlens cannot turn into a row: its raw
// record is stored, the stream counts and reports it and goes on. Failing the page
// instead would stop the stream at that record on every run.
type unmappedError struct{ id, why string }

func (e *unmappedError) Error() string { return e.id + ": " + e.why }

func unmapped(id, format string, args ...any) error {
	return &unmappedError{id: id, why: fmt.Sprintf(format, args...)}
}

func parseTime(kind, id, field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, unmapped(id, "%s %s: %s: want an RFC 3339 time, got %q", kind, id, field, s)
	}
	return t.UTC(), nil
}

// ownerLabels is what alertlens keeps of a PagerDuty incident beside its columns, in
// the incident's labels document under "pagerduty" (as the Alertmanager receiver keeps
// its own under "alertmanager"): the team and rotation the incident itself names, and
// the incident a merged one went into. The models prefer these to the service's current
// settings, so that moving a service to another team or policy does not rewrite its
// history (sql/models/incident_owners.sql, sql/staging/stg_incidents.sql).
type ownerLabels struct {
	Team       string `json:"team,omitempty"`
	Rotation   string `json:"rotation,omitempty"`
	MergedInto string `json:"merged_into,omitempty"`
}

// incidentFacts is what mapping an incident found besides the row, for the report.
type incidentFacts struct {
	NoService bool   // stored without a service
	Merged    string // the incident it was merged into
}

// mapIncident turns an incident into alertlens's record. Acknowledgements and
// escalations are left out: they come from the log entries as events. teams and
// policies name the references (nil: their summaries do).
func mapIncident(raw json.RawMessage, teams, policies map[string]string) (ingest.Incident, incidentFacts, error) {
	var r incidentRecord
	var facts incidentFacts
	if err := decode("incident", raw, &r, func() string { return r.ID }); err != nil {
		return ingest.Incident{}, facts, err
	}
	inc := ingest.Incident{ID: r.ID, Title: r.Title, Urgency: r.Urgency}
	// The schema requires no field of an incident, service included. One without a
	// service is stored all the same (its own policy and teams still place it); the
	// models show it under an empty service.
	if r.Service != nil {
		inc.ServiceID = r.Service.ID
	}
	facts.NoService = inc.ServiceID == ""
	if r.Priority != nil {
		inc.Priority = r.Priority.Summary
		if inc.Priority == "" {
			inc.Priority = r.Priority.Name
		}
	}
	var err error
	if inc.CreatedAt, err = parseTime("incident", r.ID, "created_at", r.CreatedAt); err != nil {
		return inc, facts, err
	}
	if r.Status == "resolved" {
		field, at := "last_status_change_at", r.LastStatusChangeAt
		if r.ResolvedAt != nil && *r.ResolvedAt != "" {
			field, at = "resolved_at", *r.ResolvedAt
		}
		if inc.ResolvedAt, err = parseTime("incident", r.ID, field, at); err != nil {
			return inc, facts, err
		}
		inc.ResolvedBy = ingest.ResolvedByAuto
		if r.LastStatusChangeBy.isUser() {
			inc.ResolvedBy = ingest.ResolvedByHuman
		}
	}
	var own ownerLabels
	if len(r.Teams) > 0 {
		own.Team = nameOf(r.Teams[0], teams)
	}
	if r.EscalationPolicy != nil {
		own.Rotation = nameOf(*r.EscalationPolicy, policies)
	}
	// ResolveReason: "The only reason currently supported is merge", and its incident
	// is the one this one was merged into.
	if rr := r.ResolveReason; rr != nil && rr.Type == "merge_resolve_reason" && rr.Incident != nil && rr.Incident.ID != "" {
		own.MergedInto, facts.Merged = rr.Incident.ID, rr.Incident.ID
	}
	if own != (ownerLabels{}) {
		inc.Labels, _ = json.Marshal(map[string]ownerLabels{"pagerduty": own})
	}
	inc.RunbookURL = findRunbook(raw)
	return inc, facts, nil
}

// nameOf names a reference from the records fetched, else by its summary.
func nameOf(r ref, names map[string]string) string {
	if n := names[r.ID]; n != "" {
		return n
	}
	return r.Summary
}

// eventResolve is the event a resolve_log_entry becomes. No model counts it: the
// collector reads it to find incidents stored open that have been resolved since, and
// reads those again (Sync, rereadResolved).
const eventResolve = "resolve"

// logEntry is what one log entry becomes: at most one notification or event.
type logEntry struct {
	Notification *ingest.Notification
	Event        *ingest.Event
	// For a notification: the delivery failed (stored as not interrupting), or the entry
	// does not say by what means (stored as chat, which does not interrupt).
	Failed, UnknownMethod bool
}

// mapLogEntry turns the log entries alertlens counts into a notification or an event;
// the others (assign, annotate, snooze, delegate...) are kept raw only.
func mapLogEntry(raw json.RawMessage) (string, logEntry, error) {
	var r logEntryRecord
	if err := decode("log entry", raw, &r, func() string { return r.ID }); err != nil {
		return "", logEntry{}, err
	}
	switch r.Type {
	case "notify_log_entry", "acknowledge_log_entry", "escalate_log_entry", "trigger_log_entry", "resolve_log_entry":
	default:
		return r.ID, logEntry{}, nil
	}
	if r.Incident == nil || r.Incident.ID == "" {
		return r.ID, logEntry{}, unmapped(r.ID, "%s without incident.id", r.Type)
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
		return mapNotify(r, at)
	case "acknowledge_log_entry":
		ev.Kind = ingest.EventAcknowledge
	case "resolve_log_entry":
		ev.Kind = eventResolve
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

// mapNotify reads who was notified, how and whether it got through. The schema puts the
// person in the entry's user (NotifyLogEntry) or in channel.notification.user
// (Notification), and the means in channel.notification.type.
func mapNotify(r logEntryRecord, at time.Time) (string, logEntry, error) {
	n := r.notification()
	user := r.User
	if (user == nil || user.ID == "") && n != nil {
		user = n.User
	}
	if user == nil || user.ID == "" {
		return r.ID, logEntry{}, unmapped(r.ID, "notify_log_entry without a user: nobody to count it for")
	}
	ch, known := notifyChannel(r)
	le := logEntry{UnknownMethod: !known}
	// Notification.status is a free string in the schema; "success" is what a delivered
	// notification says. Anything else (failed, bounced, busy, no_answer...) reached
	// nobody: it is kept as a notification that does not interrupt, so that the incident
	// still reads as one PagerDuty tried to page for (not an inferred page).
	if n != nil && n.Status != "" && !strings.EqualFold(n.Status, "success") {
		le.Failed = true
		ch = ingest.ChannelChat
	}
	le.Notification = &ingest.Notification{IncidentID: r.Incident.ID, ResponderID: user.ID, Channel: ch, At: at}
	return r.ID, le, nil
}

func (r logEntryRecord) notification() *notification {
	if r.Channel != nil && r.Channel.Notification != nil {
		return r.Channel.Notification
	}
	return r.Notification
}

// notifyChannel maps how PagerDuty notified a person to alertlens's channels: the
// Notification schema's type (sms_notification, email_notification, phone_notification,
// push_notification), else the channel's own type when it names a means (email, sms,
// phone, push). Anything else ("auto", "website"...) does not say how: chat, which does
// not interrupt, with known false so that the sync warns.
func notifyChannel(r logEntryRecord) (ch string, known bool) {
	t := ""
	if n := r.notification(); n != nil && n.Type != "" {
		t = n.Type
	} else if r.Channel != nil {
		t = r.Channel.Type
	}
	t = strings.TrimSuffix(strings.ToLower(t), "_notification")
	switch t {
	case "phone", "sms", "email":
		return t, true
	case "push":
		return ingest.ChannelPush, true
	}
	return ingest.ChannelChat, false
}

// findRunbook returns the first runbook link in a record: a URL in a field whose name
// contains "runbook", else a URL in any text that mentions "runbook" (preferring a URL
// that itself says runbook). Fields are visited in name order so the answer is stable.
func findRunbook(raw json.RawMessage) string { return ingest.RunbookInJSON(raw) }
