package opsgenie

import (
	"testing"
	"time"
)

func TestNotificationFromLog(t *testing.T) {
	who := people{}
	who.add(user{ID: "u1", Username: "jane@example.com", FullName: "Jane Doe"})
	who.add(user{ID: "u2", Username: "sms.bob@example.com", FullName: "Bob"})
	at := time.Date(2025, 2, 1, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		log, typ, owner string
		channel, person string
		isNotification  bool
	}{
		{"Sent [SMS] notification to [jane@example.com]", "Notification", "System", "sms", "u1", true},
		{"Sent [voice] call to jane@example.com", "Notification", "System", "phone", "u1", true},
		{"Sent [mobile] push notification to [Jane Doe]", "Notification", "System", "push", "u1", true},
		{"Sent [email] notification to [sms.bob@example.com]", "Notification", "System", "email", "u2", true},
		{"Voice call to jane@example.com answered", "system", "System", "phone", "u1", true},
		{"Sent [Slack] message to [gone@example.com]", "Notification", "System", "chat", "gone@example.com", true},
		{"Sent [SMS] notification", "Notification", "Jane Doe", "sms", "u1", true}, // the owner is the person
		{"Viewed on [web]", "alertRecipient", "jane@example.com", "", "", false},
		{"Alert acknowledged via web", "system", "jane@example.com", "", "", false},
	}
	for _, tc := range cases {
		var f logFacts
		f.read("A1", alertLog{Log: tc.log, Type: tc.typ, Owner: tc.owner, CreatedAt: at, Offset: "1_1"}, who)
		if !tc.isNotification {
			if len(f.notifications) != 0 {
				t.Errorf("%q: read as notification %+v", tc.log, f.notifications[0])
			}
			continue
		}
		if len(f.notifications) != 1 {
			t.Errorf("%q: %d notifications, want 1", tc.log, len(f.notifications))
			continue
		}
		n := f.notifications[0]
		if n.Channel != tc.channel || n.ResponderID != tc.person || n.IncidentID != "A1" || !n.At.Equal(at) {
			t.Errorf("%q: %+v, want %s to %s", tc.log, n, tc.channel, tc.person)
		}
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
