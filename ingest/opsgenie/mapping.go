package opsgenie

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// people resolves the names an Opsgenie payload uses for a person (username, which is
// the e-mail address, or full name) to the user's id.
type people map[string]string

func (p people) add(u user) {
	for _, name := range []string{u.Username, u.FullName} {
		if name != "" {
			p[strings.ToLower(name)] = u.ID
		}
	}
}

// id returns the user id for name, or name itself when no user has it, so that a
// notification to a deleted user still counts for a person.
func (p people) id(name string) string {
	if id, ok := p[strings.ToLower(name)]; ok {
		return id
	}
	return name
}

// isPerson tells a user from the other actors Opsgenie names: "System", "API", an
// integration or a policy.
func (p people) isPerson(name string) bool {
	_, known := p[strings.ToLower(name)]
	return known || emailLike.MatchString(name)
}

var emailLike = regexp.MustCompile(`[^\s\[\]<>(),;:'"]+@[^\s\[\]<>(),;:'"]+\.[^\s\[\]<>(),;:'"]+`)

// serviceOf names the service an alert belongs to. Opsgenie has no services: the first
// responder team stands for one (an Opsgenie team is the rotation that gets paged), else
// the integration that raised the alert.
func serviceOf(a alert) (id string, integration bool) {
	for _, r := range a.Responders {
		if r.Type == "team" && r.ID != "" {
			return "team:" + r.ID, false
		}
	}
	switch {
	case a.Integration.ID != "":
		return "integration:" + a.Integration.ID, true
	case a.Integration.Name != "":
		return "integration:" + a.Integration.Name, true
	}
	return "", false
}

func teamService(t team) ingest.Service {
	return ingest.Service{ID: "team:" + t.ID, Name: t.Name, Team: t.Name, Rotation: t.Name}
}

// logFacts is what an alert's log tells beyond the alert record.
type logFacts struct {
	acks          []ingest.Event
	notifications []ingest.Notification
	closedAt      time.Time
	closedBy      string
}

// read interprets one log entry. Opsgenie's log types are free-form ("system",
// "alertRecipient", "Notification", ...), so the message text decides.
func (f *logFacts) read(alertID string, l alertLog, who people) {
	msg := strings.ToLower(l.Log)
	typ := strings.ToLower(l.Type)
	switch {
	case typ == "acknowledge" || strings.Contains(msg, "acknowledged") && !strings.Contains(msg, "unacknowledged"):
		f.acks = append(f.acks, ingest.Event{IncidentID: alertID, ID: "ack:" + l.Offset, Kind: ingest.EventAcknowledge,
			ResponderID: personOrEmpty(l.Owner, who), At: l.CreatedAt})
	case typ == "close" || strings.HasPrefix(msg, "alert closed") || strings.HasPrefix(msg, "closed alert"):
		if f.closedAt.IsZero() {
			f.closedAt, f.closedBy = l.CreatedAt, l.Owner
		}
	case typ == "notification" || strings.HasPrefix(msg, "sent ") || strings.Contains(msg, "notif") || notifyStart.MatchString(msg):
		if n, ok := notification(alertID, l, who); ok {
			f.notifications = append(f.notifications, n)
		}
	}
}

func personOrEmpty(name string, who people) string {
	if name == "" || !who.isPerson(name) {
		return ""
	}
	return who.id(name)
}

// notifyStart matches log lines that begin with the method, such as "Voice call to ...".
var notifyStart = regexp.MustCompile(`^(voice call|mobile app push|push notification|e-?mail|sms)\b`)

var bracketed = regexp.MustCompile(`\[([^\]]*)\]`)

// notification reads a log line such as "Sent [SMS] notification to [jane@example.com]"
// or "Sent [voice] call to jane@example.com". The channel is the first bracketed word
// that names one, else a channel word in the text; the person is the first e-mail
// address, else a bracketed name of a known user, else the log's owner.
func notification(alertID string, l alertLog, who people) (ingest.Notification, bool) {
	channel := ""
	recipient := emailLike.FindString(l.Log)
	for _, m := range bracketed.FindAllStringSubmatch(l.Log, -1) {
		word := strings.TrimSpace(m[1])
		if c := channelOf(word); c != "" && channel == "" {
			channel = c
		} else if recipient == "" && who.isPerson(word) {
			recipient = word
		}
	}
	if channel == "" {
		channel = channelOf(strings.Replace(l.Log, recipient, "", 1))
	}
	if recipient == "" {
		recipient = l.Owner
	}
	if channel == "" || recipient == "" {
		return ingest.Notification{}, false
	}
	return ingest.Notification{IncidentID: alertID, ResponderID: who.id(recipient), Channel: channel, At: l.CreatedAt}, true
}

// channelOf maps Opsgenie's notification method names to alertlens channels.
func channelOf(text string) string {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "sms"):
		return ingest.ChannelSMS
	case strings.Contains(t, "voice") || strings.Contains(t, "call") || strings.Contains(t, "phone"):
		return ingest.ChannelPhone
	case strings.Contains(t, "push") || strings.Contains(t, "mobile"):
		return ingest.ChannelPush
	case strings.Contains(t, "mail"):
		return ingest.ChannelEmail
	case strings.Contains(t, "slack") || strings.Contains(t, "teams") || strings.Contains(t, "chat"):
		return ingest.ChannelChat
	}
	return ""
}

// incident maps an alert, with what its log told, to an incident.
func incident(a alert, f logFacts, who people, aliasIsRule bool) ingest.Incident {
	in := ingest.Incident{
		ID:        a.ID,
		Title:     a.Message,
		Urgency:   "low",
		Priority:  a.Priority,
		CreatedAt: a.CreatedAt,
	}
	in.ServiceID, _ = serviceOf(a)
	if a.Priority == "P1" || a.Priority == "P2" {
		in.Urgency = "high"
	}
	if a.Report.AckTime > 0 {
		in.AcknowledgedAt = a.CreatedAt.Add(time.Duration(a.Report.AckTime) * time.Millisecond)
	}
	if a.Status == "closed" {
		closedBy := a.Report.ClosedBy
		switch {
		case a.Report.CloseTime > 0:
			in.ResolvedAt = a.CreatedAt.Add(time.Duration(a.Report.CloseTime) * time.Millisecond)
		case !f.closedAt.IsZero():
			in.ResolvedAt = f.closedAt
		default:
			in.ResolvedAt = a.UpdatedAt
		}
		if closedBy == "" {
			closedBy = f.closedBy
		}
		in.ResolvedBy = ingest.ResolvedByAuto
		if who.isPerson(closedBy) {
			in.ResolvedBy = ingest.ResolvedByHuman
		}
	}
	if aliasIsRule {
		in.Rule = a.Alias
	}
	in.RunbookURL = runbook(a.Details)
	in.Labels = labels(a)
	return in
}

// runbook returns the value of the first detail (by key) whose key or value mentions a
// runbook.
func runbook(details map[string]string) string {
	keys := make([]string, 0, len(details))
	for k := range details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := strings.TrimSpace(details[k])
		if v != "" && (strings.Contains(strings.ToLower(k), "runbook") || strings.Contains(strings.ToLower(v), "runbook")) {
			return v
		}
	}
	return ""
}

// labels keeps what rule rewrites and reviews may want to match on.
func labels(a alert) json.RawMessage {
	l := struct {
		Alias   string            `json:"alias,omitempty"`
		Tags    []string          `json:"tags,omitempty"`
		Details map[string]string `json:"details,omitempty"`
	}{a.Alias, a.Tags, a.Details}
	b, _ := json.Marshal(l) // cannot fail: strings only
	if string(b) == "{}" {
		return nil
	}
	return b
}
