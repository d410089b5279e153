// Package ingest owns the records that every collector produces and the Writer that
// stores them. A collector (one subpackage per source) turns a source's payloads into
// these records, hands them to a Writer and commits after each page, with its cursor,
// so memory stays flat and a crash loses at most the page in flight.
package ingest

import (
	"encoding/json"
	"time"
)

// Channels a notification can go by. Phone, SMS and push interrupt; the rest do not.
const (
	ChannelPhone = "phone"
	ChannelSMS   = "sms"
	ChannelPush  = "push"
	ChannelEmail = "email"
	ChannelChat  = "chat"
)

// Channels lists every channel a notification may name.
var Channels = []string{ChannelPhone, ChannelSMS, ChannelPush, ChannelEmail, ChannelChat}

// Who resolved an incident.
const (
	ResolvedByHuman = "human"
	ResolvedByAuto  = "auto"
)

// Review tags from the weekly alert review.
const (
	TagNoAction    = "no_action"
	TagActionTaken = "action_taken"
)

// Event kinds a source reports apart from the incident record.
const (
	EventAcknowledge     = "acknowledge"
	EventEscalateTimeout = "escalate_timeout"
	EventEscalateManual  = "escalate_manual"
	EventRunbook         = "runbook" // Detail holds the link
)

// Responder is a person who can be paged.
type Responder struct {
	ID       string
	Name     string
	Email    string
	TimeZone string // IANA name; "" when the source does not know it
}

// Service is a service, integration or receiver that raises incidents.
type Service struct {
	ID       string
	Name     string
	Team     string
	Rotation string // the on-call rotation paged for it
}

// Incident is one occurrence that was raised.
type Incident struct {
	ID                string
	ServiceID         string
	Title             string
	Urgency           string // high | low
	Priority          string // P1..P5 or ""
	CreatedAt         time.Time
	AcknowledgedAt    time.Time // zero when never acknowledged
	ResolvedAt        time.Time // zero while open
	ResolvedBy        string    // human | auto | ""
	Rule              string    // explicit rule name from the source, or ""
	RunbookURL        string
	Escalations       int // past the first level by timeout
	ManualEscalations int // past the first level by hand
	Labels            json.RawMessage
}

// Notification is one message to one person on one channel at one time.
type Notification struct {
	IncidentID  string
	ResponderID string
	Channel     string
	At          time.Time
}

// Event is an acknowledgement, escalation or runbook link reported apart from the
// incident record.
type Event struct {
	IncidentID  string
	ID          string
	Kind        string
	ResponderID string // "" when no person did it
	At          time.Time
	Detail      string // the runbook link for EventRunbook
}

// Review is the weekly review's verdict on one incident.
type Review struct {
	IncidentID string
	Tag        string
	Note       string
	Reviewer   string
	ReviewedAt time.Time // zero when unknown
}

// Shift is a stretch of time one person was on call for a rotation at an escalation
// level, as the source's schedule says (not who was paged: that is Notification).
type Shift struct {
	ID              string // the source's id, else one derived from the fields below
	ResponderID     string
	Rotation        string
	EscalationLevel int // 1 is the first tier
	StartsAt        time.Time
	EndsAt          time.Time // after StartsAt
}

// Raw is a fetched record exactly as the source sent it.
type Raw struct {
	Kind    string
	ID      string
	Payload json.RawMessage
}

// Cursor records where a stream of a source's sync stopped.
type Cursor struct {
	Stream string
	Value  string
}
