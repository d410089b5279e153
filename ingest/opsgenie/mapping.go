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

// logFacts is what an alert's log tells beyond the alert record and its recipients.
type logFacts struct {
	acks     []ingest.Event
	closedAt time.Time
	closedBy string
	// undelivered lists the deliveries the log says failed: a recipient's state does
	// not tell a message that never arrived from one that did.
	undelivered []delivery
}

// delivery is one person (a user id, else the name the log gives) on one channel.
type delivery struct{ person, channel string }

// Log types that Opsgenie documents: "system" for what happened to the alert ("Alert
// acknowledged via web"), "alertRecipient" for what a recipient did ("Viewed on [web]").
// Entries of any other type are stored raw but not read: their wording is unknown.
const (
	logSystem    = "system"
	logRecipient = "alertrecipient"
)

// read interprets one log entry. The log no longer decides who was notified (the
// recipients do); it adds acknowledgements the report lacks, the close, and failed
// deliveries.
func (f *logFacts) read(alertID string, l alertLog, who people) {
	typ := strings.ToLower(l.Type)
	if typ != logSystem && typ != logRecipient {
		return
	}
	msg := strings.ToLower(strings.TrimSpace(l.Log))
	switch {
	case strings.HasPrefix(msg, "could not send") || strings.Contains(msg, "could not be sent"):
		if d, ok := failedDelivery(l, who); ok {
			f.undelivered = append(f.undelivered, d)
		}
	case strings.HasPrefix(msg, "alert acknowledged"):
		f.acks = append(f.acks, ingest.Event{IncidentID: alertID, ID: "ack:" + l.Offset, Kind: ingest.EventAcknowledge,
			ResponderID: personOrEmpty(l.Owner, who), At: l.CreatedAt})
	case strings.HasPrefix(msg, "alert closed"):
		if f.closedAt.IsZero() {
			f.closedAt, f.closedBy = l.CreatedAt, l.Owner
		}
	}
}

// personOrEmpty is the user id of name, or "" for the actors that are not people
// ("System", "API", an integration): they must never become responders.
func personOrEmpty(name string, who people) string {
	if name == "" || !who.isPerson(name) {
		return ""
	}
	return who.id(name)
}

var bracketed = regexp.MustCompile(`\[([^\]]*)\]`)

// failedDelivery reads a line such as "Could not send [SMS] notification to
// [jane@example.com]": the channel is the first bracketed word that names one, the
// person the first e-mail address, else a bracketed name of a known user. The log's
// owner is not used: for these lines it is "System". Without both it names nothing.
func failedDelivery(l alertLog, who people) (delivery, bool) {
	var d delivery
	person := emailLike.FindString(l.Log)
	for _, m := range bracketed.FindAllStringSubmatch(l.Log, -1) {
		word := strings.TrimSpace(m[1])
		if c := knownChannel(word); c != "" && d.channel == "" {
			d.channel = c
		} else if person == "" && who.isPerson(word) {
			person = word
		}
	}
	if d.channel == "" || person == "" {
		return delivery{}, false
	}
	d.person = who.id(person)
	return d, true
}

// knownChannel maps the names Opsgenie uses for a notification method (the OAS's
// contact methods email, sms, voice, mobile, and the words its UI and logs use) to an
// alertlens channel, or "" for a word that names none.
func knownChannel(text string) string {
	t := strings.ToLower(strings.TrimSpace(text))
	switch {
	case strings.Contains(t, "sms"):
		return ingest.ChannelSMS
	case strings.Contains(t, "voice") || strings.Contains(t, "call") || strings.Contains(t, "phone"):
		return ingest.ChannelPhone
	case strings.Contains(t, "mobile") || strings.Contains(t, "push"):
		return ingest.ChannelPush
	case strings.Contains(t, "mail"):
		return ingest.ChannelEmail
	case strings.Contains(t, "slack") || strings.Contains(t, "teams") || strings.Contains(t, "chat"):
		return ingest.ChannelChat
	}
	return ""
}

// methodChannel is the channel of a recipient's method. A method that names no phone,
// SMS, push or e-mail (a chat tool, a webhook) does not interrupt: chat.
func methodChannel(method string) string {
	if c := knownChannel(method); c != "" {
		return c
	}
	return ingest.ChannelChat
}

// Recipient states that tell of no message sent: "notactive" (the user was not
// reached, e.g. an escalation step that never came) and "action" (the user acted; the
// method then names the action, such as "Acknowledge", not how the user was reached).
var silentStates = map[string]bool{"": true, "notactive": true, "action": true}

// recipientNotifications makes a notification of every recipient who was sent one:
// to the user, on the channel of the method, when the recipient reached that state
// (updatedAt, else createdAt). A delivery the log says failed is left out.
func recipientNotifications(alertID string, recs []recipient, f logFacts, who people) []ingest.Notification {
	var out []ingest.Notification
	for _, r := range recs {
		person := r.User.ID
		if person == "" && r.User.Username != "" {
			person = who.id(r.User.Username)
		}
		at := r.UpdatedAt
		if at.IsZero() {
			at = r.CreatedAt
		}
		if person == "" || at.IsZero() || strings.TrimSpace(r.Method) == "" || silentStates[strings.ToLower(r.State)] {
			continue
		}
		n := ingest.Notification{IncidentID: alertID, ResponderID: person, Channel: methodChannel(r.Method), At: at}
		if slices.Contains(f.undelivered, delivery{person, n.Channel}) {
			continue
		}
		out = append(out, n)
	}
	return out
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
