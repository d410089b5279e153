// Package file reads alertlens's import format: JSON Lines with one typed record a line
// (docs/import-format.md), or a CSV file of incidents. It is the collector for any
// paging tool without one of its own.
package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alertlens/alertlens/ingest"
)

// LineError is a record that could not be read: where it is and what was wrong.
type LineError struct {
	File  string
	Line  int
	Field string // "" when the line as a whole is wrong
	Msg   string
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: field %q: %s", e.File, e.Line, e.Field, e.Msg)
}

// Options change how a file is imported.
type Options struct {
	// SkipInvalid stores the good records and reports each bad one, instead of
	// refusing the whole file at its first bad record.
	SkipInvalid bool
}

// Result tells what one file held.
type Result struct {
	Records int            // records stored
	Invalid []*LineError   // records skipped (SkipInvalid only)
	ByType  map[string]int // records stored, per type
	Counts  ingest.Counts  // what the store made of them
}

// maxLine bounds one JSON line; an incident with large labels stays far below it.
const maxLine = 16 << 20

// ImportJSONL reads JSON Lines from r (named name in errors) and commits them through w as
// one transaction: on the first bad line nothing of the file is stored, unless
// opts.SkipInvalid is set.
func ImportJSONL(ctx context.Context, w *ingest.Writer, name string, r io.Reader, opts Options) (Result, error) {
	res := Result{ByType: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		typ, err := stageLine(w, text)
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				w.Discard(ctx)
				return res, err // the store failed, not the line
			}
			le.File, le.Line = name, line
			if !opts.SkipInvalid {
				w.Discard(ctx)
				return res, fmt.Errorf("%w (nothing from %s was imported; --skip-invalid stores the good lines)", le, name)
			}
			res.Invalid = append(res.Invalid, le)
			continue
		}
		res.Records++
		res.ByType[typ]++
		if line%50000 == 0 {
			if err := ctx.Err(); err != nil {
				w.Discard(ctx)
				return res, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		w.Discard(ctx)
		if errors.Is(err, bufio.ErrTooLong) {
			return res, fmt.Errorf("%s:%d: line longer than %d MiB", name, line+1, maxLine>>20)
		}
		return res, fmt.Errorf("read %s: %w", name, err)
	}
	return commit(ctx, w, res)
}

// commit stores what a file staged. A failed commit leaves it staged, and the next
// file on the same writer would commit it too (or fail on it again): drop it.
func commit(ctx context.Context, w *ingest.Writer, res Result) (Result, error) {
	counts, err := w.Commit(ctx)
	res.Counts = counts
	if err != nil {
		w.Discard(ctx)
	}
	return res, err
}

// stageLine parses one JSON line and stages its record. Errors in the line are
// *LineError (without file and line); any other error comes from the store.
func stageLine(w *ingest.Writer, text []byte) (string, error) {
	// encoding/json reads invalid UTF-8 as U+FFFD, but the line is also stored as it
	// came (raw_records), and the store refuses it at commit without naming the line.
	if !utf8.Valid(text) {
		return "", lineErr("", "not valid UTF-8")
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(text, &head); err != nil {
		return "", lineErr("", "not a JSON object: %v", jsonMsg(err))
	}
	var err error
	switch head.Type {
	case "responder":
		err = stageResponder(w, text)
	case "service":
		err = stageService(w, text)
	case "incident":
		err = stageIncident(w, text)
	case "notification":
		err = stageNotification(w, text)
	case "review":
		err = stageReview(w, text)
	case "":
		return "", lineErr("type", "missing; want one of responder, service, incident, notification, review")
	default:
		return "", lineErr("type", "unknown type %q; want one of responder, service, incident, notification, review", head.Type)
	}
	return head.Type, err
}

func lineErr(field, format string, args ...any) *LineError {
	return &LineError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// decode reads a record strictly: an unknown field is an error, because a misspelt
// optional field (say "runbook") would otherwise be dropped without a word.
func decode(text []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return lineErr(te.Field, "want a %s, got a JSON %s", te.Type, te.Value)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return lineErr(strings.Trim(f, `"`), "unknown field for this type (see docs/import-format.md)")
		}
		return lineErr("", "not a JSON object: %v", jsonMsg(err))
	}
	return nil
}

func jsonMsg(err error) string { return strings.TrimPrefix(err.Error(), "json: ") }

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return lineErr(field, "required, and missing or empty")
	}
	return nil
}

func oneOf(field, v string, allowed ...string) error {
	if !slices.Contains(allowed, v) {
		return lineErr(field, "want one of %s, got %q", strings.Join(allowed, ", "), v)
	}
	return nil
}

// parseTime reads an RFC 3339 time; "" gives the zero time unless the field is required.
func parseTime(field, v string, req bool) (time.Time, error) {
	if v == "" {
		if req {
			return time.Time{}, lineErr(field, "required, and missing or empty")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, lineErr(field, "want an RFC 3339 time such as 2026-03-29T00:30:00Z, got %q", v)
	}
	return t.UTC(), nil
}

func raw(w *ingest.Writer, kind, id string, text []byte) error {
	return w.Raw(ingest.Raw{Kind: kind, ID: id, Payload: text})
}

type responderRecord struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	TimeZone string `json:"time_zone"`
}

func stageResponder(w *ingest.Writer, text []byte) error {
	var r responderRecord
	if err := decode(text, &r); err != nil {
		return err
	}
	if err := required("id", r.ID); err != nil {
		return err
	}
	if r.TimeZone != "" {
		if _, err := time.LoadLocation(r.TimeZone); err != nil {
			return lineErr("time_zone", "want an IANA time zone such as Europe/Dublin, got %q", r.TimeZone)
		}
	}
	if r.Name == "" {
		r.Name = r.ID
	}
	if err := raw(w, "responder", r.ID, text); err != nil {
		return err
	}
	return w.Responder(ingest.Responder{ID: r.ID, Name: r.Name, Email: r.Email, TimeZone: r.TimeZone})
}

type serviceRecord struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	Team     string `json:"team"`
	Rotation string `json:"rotation"`
}

func stageService(w *ingest.Writer, text []byte) error {
	var s serviceRecord
	if err := decode(text, &s); err != nil {
		return err
	}
	if err := required("id", s.ID); err != nil {
		return err
	}
	if s.Name == "" {
		s.Name = s.ID
	}
	if err := raw(w, "service", s.ID, text); err != nil {
		return err
	}
	return w.Service(ingest.Service{ID: s.ID, Name: s.Name, Team: s.Team, Rotation: s.Rotation})
}

// IncidentRecord is an incident line of the import format (and a row of the CSV form).
type IncidentRecord struct {
	Type              string          `json:"type"`
	ID                string          `json:"id"`
	Service           string          `json:"service"`
	Title             string          `json:"title"`
	Urgency           string          `json:"urgency"`
	Priority          string          `json:"priority"`
	CreatedAt         string          `json:"created_at"`
	AcknowledgedAt    string          `json:"acknowledged_at"`
	ResolvedAt        string          `json:"resolved_at"`
	ResolvedBy        string          `json:"resolved_by"`
	Rule              string          `json:"rule"`
	RunbookURL        string          `json:"runbook_url"`
	Escalations       int             `json:"escalations"`
	ManualEscalations int             `json:"manual_escalations"`
	Labels            json.RawMessage `json:"labels"`
}

var priorityPattern = regexp.MustCompile(`^P[1-5]$`)

// Incident validates the record and returns the incident it describes.
func (r *IncidentRecord) Incident() (ingest.Incident, error) {
	var inc ingest.Incident
	if err := required("id", r.ID); err != nil {
		return inc, err
	}
	if err := required("service", r.Service); err != nil {
		return inc, err
	}
	if r.Urgency == "" {
		r.Urgency = "high" // PagerDuty's default for a service
	}
	if err := oneOf("urgency", r.Urgency, "high", "low"); err != nil {
		return inc, err
	}
	if r.Priority != "" && !priorityPattern.MatchString(r.Priority) {
		return inc, lineErr("priority", "want P1 to P5 or empty, got %q", r.Priority)
	}
	if err := oneOf("resolved_by", r.ResolvedBy, ingest.ResolvedByHuman, ingest.ResolvedByAuto, ""); err != nil {
		return inc, err
	}
	if r.Escalations < 0 || r.ManualEscalations < 0 {
		return inc, lineErr("escalations", "must not be negative")
	}
	created, err := parseTime("created_at", r.CreatedAt, true)
	if err != nil {
		return inc, err
	}
	acked, err := parseTime("acknowledged_at", r.AcknowledgedAt, false)
	if err != nil {
		return inc, err
	}
	resolved, err := parseTime("resolved_at", r.ResolvedAt, false)
	if err != nil {
		return inc, err
	}
	if !acked.IsZero() && acked.Before(created) {
		return inc, lineErr("acknowledged_at", "%s is before created_at %s", r.AcknowledgedAt, r.CreatedAt)
	}
	if !resolved.IsZero() && resolved.Before(created) {
		return inc, lineErr("resolved_at", "%s is before created_at %s", r.ResolvedAt, r.CreatedAt)
	}
	if len(r.Labels) > 0 && !bytes.Equal(r.Labels, []byte("null")) {
		var obj map[string]any
		if json.Unmarshal(r.Labels, &obj) != nil {
			return inc, lineErr("labels", "want a JSON object of names to values")
		}
	} else {
		r.Labels = nil
	}
	return ingest.Incident{
		ID: r.ID, ServiceID: r.Service, Title: r.Title, Urgency: r.Urgency, Priority: r.Priority,
		CreatedAt: created, AcknowledgedAt: acked, ResolvedAt: resolved, ResolvedBy: r.ResolvedBy,
		Rule: r.Rule, RunbookURL: r.RunbookURL, Escalations: r.Escalations,
		ManualEscalations: r.ManualEscalations, Labels: r.Labels,
	}, nil
}

func stageIncident(w *ingest.Writer, text []byte) error {
	var r IncidentRecord
	if err := decode(text, &r); err != nil {
		return err
	}
	inc, err := r.Incident()
	if err != nil {
		return err
	}
	if err := raw(w, "incident", r.ID, text); err != nil {
		return err
	}
	return w.Incident(inc)
}

type notificationRecord struct {
	Type      string `json:"type"`
	Incident  string `json:"incident"`
	Responder string `json:"responder"`
	Channel   string `json:"channel"`
	At        string `json:"at"`
}

func stageNotification(w *ingest.Writer, text []byte) error {
	var n notificationRecord
	if err := decode(text, &n); err != nil {
		return err
	}
	if err := required("incident", n.Incident); err != nil {
		return err
	}
	if err := required("responder", n.Responder); err != nil {
		return err
	}
	if err := oneOf("channel", n.Channel, ingest.Channels...); err != nil {
		return err
	}
	at, err := parseTime("at", n.At, true)
	if err != nil {
		return err
	}
	id := strings.Join([]string{n.Incident, n.Responder, n.Channel, at.Format(time.RFC3339Nano)}, "|")
	if err := raw(w, "notification", id, text); err != nil {
		return err
	}
	return w.Notification(ingest.Notification{IncidentID: n.Incident, ResponderID: n.Responder, Channel: n.Channel, At: at})
}

type reviewRecord struct {
	Type       string `json:"type"`
	Incident   string `json:"incident"`
	Tag        string `json:"tag"`
	Note       string `json:"note"`
	Reviewer   string `json:"reviewer"`
	ReviewedAt string `json:"reviewed_at"`
}

func stageReview(w *ingest.Writer, text []byte) error {
	var r reviewRecord
	if err := decode(text, &r); err != nil {
		return err
	}
	if err := required("incident", r.Incident); err != nil {
		return err
	}
	if err := oneOf("tag", r.Tag, ingest.TagNoAction, ingest.TagActionTaken); err != nil {
		return err
	}
	at, err := parseTime("reviewed_at", r.ReviewedAt, false)
	if err != nil {
		return err
	}
	if err := raw(w, "review", r.Incident, text); err != nil {
		return err
	}
	return w.Review(ingest.Review{IncidentID: r.Incident, Tag: r.Tag, Note: r.Note, Reviewer: r.Reviewer, ReviewedAt: at})
}
