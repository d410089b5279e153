package opsgenie

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

func TestRecipientNotifications(t *testing.T) {
	who := people{}
	who.add(user{ID: "u1", Username: "jane@example.com", FullName: "Jane Doe"})
	created := time.Date(2025, 2, 1, 3, 4, 5, 0, time.UTC)
	reached := created.Add(40 * time.Second)
	rec := func(id, username, state, method string, updated time.Time) recipient {
		var r recipient
		r.User.ID, r.User.Username, r.State, r.Method, r.CreatedAt, r.UpdatedAt = id, username, state, method, created, updated
		return r
	}
	cases := []struct {
		name    string
		r       recipient
		want    string // the channel, "" for no notification
		person  string
		wantsAt time.Time
	}{
		// The OAS's contact methods, as a notified recipient's method.
		{"voice", rec("u1", "jane@example.com", "notified", "voice", reached), ingest.ChannelPhone, "u1", reached},
		{"sms", rec("u1", "jane@example.com", "notified", "sms", reached), ingest.ChannelSMS, "u1", reached},
		{"mobile", rec("u1", "jane@example.com", "notified", "mobile", reached), ingest.ChannelPush, "u1", reached},
		{"email", rec("u1", "jane@example.com", "notified", "email", reached), ingest.ChannelEmail, "u1", reached},
		{"capitalised", rec("u1", "jane@example.com", "Notified", "SMS", reached), ingest.ChannelSMS, "u1", reached},
		// Anything else that reaches a person (a chat tool) does not interrupt.
		{"chat tool", rec("u1", "jane@example.com", "notified", "Slack", reached), ingest.ChannelChat, "u1", reached},
		// updatedAt missing: the recipient's creation stands in.
		{"no updatedAt", rec("u1", "jane@example.com", "notified", "sms", time.Time{}), ingest.ChannelSMS, "u1", created},
		// No user id: the username names the person.
		{"username only", rec("", "jane@example.com", "notified", "voice", reached), ingest.ChannelPhone, "u1", reached},
		// A user the account no longer lists keeps the id Opsgenie gives.
		{"deleted user", rec("u9", "gone@example.com", "notified", "voice", reached), ingest.ChannelPhone, "u9", reached},
		// Not sent: not active, or acted (the method is the action, not a channel).
		{"not active", rec("u1", "jane@example.com", "notactive", "", reached), "", "", time.Time{}},
		{"acted", rec("u1", "jane@example.com", "action", "Acknowledge", reached), "", "", time.Time{}},
		{"no method", rec("u1", "jane@example.com", "notified", "", reached), "", "", time.Time{}},
		{"no state", rec("u1", "jane@example.com", "", "sms", reached), "", "", time.Time{}},
		{"nobody", rec("", "", "notified", "sms", reached), "", "", time.Time{}},
	}
	for _, tc := range cases {
		got := recipientNotifications("A1", []recipient{tc.r}, logFacts{}, who)
		switch {
		case tc.want == "" && len(got) != 0:
			t.Errorf("%s: notification %+v, want none", tc.name, got[0])
		case tc.want != "" && len(got) != 1:
			t.Errorf("%s: %d notifications, want 1", tc.name, len(got))
		case tc.want != "" && (got[0].Channel != tc.want || got[0].ResponderID != tc.person || got[0].IncidentID != "A1" || !got[0].At.Equal(tc.wantsAt)):
			t.Errorf("%s: %+v, want %s to %s at %v", tc.name, got[0], tc.want, tc.person, tc.wantsAt)
		}
	}
}

// The log no longer tells who was notified: its notification-like lines are read only
// to drop deliveries that failed, and "System" never becomes a person.
func TestLogLinesAreNotNotifications(t *testing.T) {
	who := people{}
	who.add(user{ID: "u1", Username: "jane@example.com", FullName: "Jane Doe"})
	at := time.Date(2025, 2, 1, 3, 4, 5, 0, time.UTC)
	var f logFacts
	for i, l := range []alertLog{
		{Log: "Could not send [SMS] notification to [jane@example.com]", Type: "system", Owner: "System"},
		{Log: "Could not send [voice] call to [Jane Doe]", Type: "alertRecipient", Owner: "System"},
		{Log: "Could not send notification", Type: "system", Owner: "System"},        // names nobody: nothing to drop
		{Log: "Sent [SMS] notification", Type: "Notification", Owner: "System"},      // undocumented type: not read
		{Log: "Alert acknowledged via API", Type: "Notification", Owner: "Jane Doe"}, // undocumented type: not read
		{Log: "Viewed on [mobile]", Type: "alertRecipient", Owner: "jane@example.com"},
		{Log: "Alert acknowledged via API", Type: "system", Owner: "System"},
	} {
		l.CreatedAt, l.Offset = at, fmt.Sprint(i)
		f.read("A1", l, who)
	}
	if want := []delivery{{"u1", ingest.ChannelSMS}, {"u1", ingest.ChannelPhone}}; !slices.Equal(f.undelivered, want) {
		t.Errorf("failed deliveries %v, want %v", f.undelivered, want)
	}
	if len(f.acks) != 1 || f.acks[0].ResponderID != "" || f.acks[0].ID != "ack:6" {
		t.Errorf("acks %+v: want one, from the system entry, by nobody (System is no person)", f.acks)
	}

	// Jane was sent an SMS, a voice call and a push; the log says the first two failed.
	var recs []recipient
	for _, m := range []string{"sms", "voice", "mobile"} {
		var r recipient
		r.User.ID, r.User.Username, r.State, r.Method, r.UpdatedAt = "u1", "jane@example.com", "notified", m, at
		recs = append(recs, r)
	}
	got := recipientNotifications("A1", recs, f, who)
	if len(got) != 1 || got[0].Channel != ingest.ChannelPush {
		t.Errorf("notifications %+v, want only the push that did not fail", got)
	}
}

func TestLogAcknowledgementsAndClose(t *testing.T) {
	who := people{}
	who.add(user{ID: "u1", Username: "jane@example.com"})
	at := time.Date(2025, 2, 1, 3, 4, 5, 0, time.UTC)
	var f logFacts
	f.read("A1", alertLog{Log: "Alert unacknowledged via web", Type: "system", Owner: "jane@example.com", CreatedAt: at, Offset: "1"}, who)
	f.read("A1", alertLog{Log: "Alert acknowledged via API", Type: "system", Owner: "API", CreatedAt: at, Offset: "2"}, who)
	f.read("A1", alertLog{Log: "Alert acknowledged via web", Type: "system", Owner: "jane@example.com", CreatedAt: at.Add(time.Minute), Offset: "3"}, who)
	f.read("A1", alertLog{Log: "Alert closed via web", Type: "system", Owner: "jane@example.com", CreatedAt: at.Add(time.Hour), Offset: "4"}, who)
	if len(f.acks) != 2 || f.acks[0].ResponderID != "" || f.acks[1].ResponderID != "u1" || f.acks[1].ID != "ack:3" {
		t.Errorf("acks %+v: want two, by nobody (API) and by u1", f.acks)
	}
	if !f.closedAt.Equal(at.Add(time.Hour)) || f.closedBy != "jane@example.com" {
		t.Errorf("close read as %v by %q", f.closedAt, f.closedBy)
	}

	// An alert closed without a report: the log's close time and person decide.
	a := alert{ID: "A1", Status: "closed", CreatedAt: at, UpdatedAt: at.Add(2 * time.Hour), Priority: "P2"}
	in := incident(a, f, who, false)
	if !in.ResolvedAt.Equal(at.Add(time.Hour)) || in.ResolvedBy != "human" || in.Urgency != "high" {
		t.Errorf("incident %+v: want resolved at the log's close by a human, high urgency", in)
	}
	// Without a close in the log, updatedAt stands in, and nobody known closed it.
	in = incident(a, logFacts{}, who, true)
	if !in.ResolvedAt.Equal(at.Add(2*time.Hour)) || in.ResolvedBy != "auto" {
		t.Errorf("incident %+v: want resolved at updatedAt, auto", in)
	}
}

func TestRunbookFromDetails(t *testing.T) {
	cases := []struct {
		details map[string]string
		want    string
	}{
		{map[string]string{"Runbook": "https://wiki/x", "host": "db-1"}, "https://wiki/x"},
		{map[string]string{"doc": "https://wiki.example.com/runbooks/cpu"}, "https://wiki.example.com/runbooks/cpu"},
		{map[string]string{"b_runbook": "second", "a_runbook": "first"}, "first"},
		{map[string]string{"runbook_url": "  "}, ""},
		{nil, ""},
	}
	for _, tc := range cases {
		if got := runbook(tc.details); got != tc.want {
			t.Errorf("runbook(%v) = %q, want %q", tc.details, got, tc.want)
		}
	}
}
