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
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bytedance/sonic"

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
//
// Lines are read in batches and parsed on every core (decoding and checking a record
// is most of an import's work), then staged in their order in the file, so that the
// last record of a key wins and the first bad line is the one reported.
func ImportJSONL(ctx context.Context, w *ingest.Writer, name string, r io.Reader, opts Options) (Result, error) {
	res := Result{ByType: map[string]int{}}
	if err := w.Begin(ctx); err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches, readErr := readBatches(ctx, r)
	parsedBatches := parseBatches(ctx, batches)
	fail := func(err error) (Result, error) {
		cancel()
		for range parsedBatches { // let the reader and the parsers stop
		}
		w.Discard(context.WithoutCancel(ctx))
		return res, err
	}
	for b := range parsedBatches {
		for i, p := range b.records {
			if p.err != nil {
				var le *LineError
				if !errors.As(p.err, &le) {
					return fail(p.err)
				}
				le.File, le.Line = name, b.first+b.lines[i]
				if !opts.SkipInvalid {
					return fail(fmt.Errorf("%w (nothing from %s was imported; --skip-invalid stores the good lines)", le, name))
				}
				res.Invalid = append(res.Invalid, le)
				continue
			}
			if err := p.stage(w); err != nil {
				return fail(err) // the store failed, not the line
			}
			res.Records++
			res.ByType[p.typ]++
			if res.Records%flushEvery == 0 {
				if err := w.Flush(ctx); err != nil {
					return fail(err)
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
	}
	if err := readErr(); err != nil {
		w.Discard(ctx)
		var long *lineTooLong
		if errors.As(err, &long) {
			return res, fmt.Errorf("%s:%d: line longer than %d MiB", name, long.line, maxLine>>20)
		}
		return res, fmt.Errorf("read %s: %w", name, err)
	}
	return commit(ctx, w, res)
}

// flushEvery is how many records are staged before they are merged into the import's
// transaction: it bounds the staging tables, so an import's memory does not grow with
// the file.
var flushEvery = 100_000

// batchLines is how many lines a parser takes at a time: large enough that handing
// batches between goroutines costs little, small enough to keep memory flat.
const batchLines = 2048

// batch is consecutive non-empty lines of a file; lines[i] is the line number of
// texts[i] counted from first.
type batch struct {
	seq     int
	first   int
	lines   []int
	texts   [][]byte
	records []parsed
}

type lineTooLong struct{ line int }

func (e *lineTooLong) Error() string { return fmt.Sprintf("line %d too long", e.line) }

// readBatches reads r into batches of lines; the function it returns reports the read
// error, once the channel is closed.
func readBatches(ctx context.Context, r io.Reader) (<-chan *batch, func() error) {
	out := make(chan *batch, 4)
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		line, seq := 0, 0
		b := &batch{seq: seq, first: 1}
		send := func() bool {
			select {
			case out <- b:
			case <-ctx.Done():
				return false
			}
			seq++
			b = &batch{seq: seq, first: line + 1}
			return true
		}
		for sc.Scan() {
			line++
			text := bytes.TrimSpace(sc.Bytes())
			if len(text) == 0 {
				continue
			}
			b.lines = append(b.lines, line-b.first)
			b.texts = append(b.texts, bytes.Clone(text))
			if len(b.texts) == batchLines && !send() {
				return
			}
		}
		if err = sc.Err(); errors.Is(err, bufio.ErrTooLong) {
			err = &lineTooLong{line: line + 1}
		}
		if len(b.texts) > 0 {
			send()
		}
	}()
	return out, func() error { <-done; return err }
}

// parseBatches parses batches on every core and hands them on in their order.
func parseBatches(ctx context.Context, in <-chan *batch) <-chan *batch {
	workers := runtime.GOMAXPROCS(0)
	parsedOut := make(chan *batch, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range in {
				b.records = make([]parsed, len(b.texts))
				for i, text := range b.texts {
					b.records[i] = parseLine(text)
				}
				select {
				case parsedOut <- b:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(parsedOut) }()
	ordered := make(chan *batch, workers)
	go func() {
		defer close(ordered)
		waiting := map[int]*batch{}
		next := 0
		for b := range parsedOut {
			waiting[b.seq] = b
			for {
				nb, ok := waiting[next]
				if !ok {
					break
				}
				delete(waiting, next)
				next++
				select {
				case ordered <- nb:
				case <-ctx.Done():
					for range parsedOut {
					}
					return
				}
			}
		}
	}()
	return ordered
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

// parsed is one line of the import format read and checked: the record it holds, or
// the error in it (a *LineError without file and line).
type parsed struct {
	typ          string
	text         []byte
	rawID        string
	responder    ingest.Responder
	service      ingest.Service
	incident     ingest.Incident
	notification ingest.Notification
	review       ingest.Review
	shift        ingest.Shift
	err          error
}

// stage hands the record to the writer, with its line as the raw record.
func (p *parsed) stage(w *ingest.Writer) error {
	if err := w.Raw(ingest.Raw{Kind: p.typ, ID: p.rawID, Payload: p.text}); err != nil {
		return err
	}
	switch p.typ {
	case "responder":
		return w.Responder(p.responder)
	case "service":
		return w.Service(p.service)
	case "incident":
		return w.Incident(p.incident)
	case "notification":
		return w.Notification(p.notification)
	case "oncall_shift":
		return w.Shift(p.shift)
	}
	return w.Review(p.review)
}

// parseLine reads one JSON line. It touches no shared state, so lines are parsed in
// parallel.
func parseLine(text []byte) parsed {
	p := parsed{text: text}
	// encoding/json reads invalid UTF-8 as U+FFFD, but the line is also stored as it
	// came (raw_records), and the store refuses it at commit without naming the line.
	if !utf8.Valid(text) {
		p.err = lineErr("", "not valid UTF-8")
		return p
	}
	typ, ok := topLevelType(text)
	if !ok {
		var head struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(text, &head); err != nil {
			p.err = lineErr("", "not a JSON object: %v", jsonMsg(err))
			return p
		}
		typ = head.Type
	}
	p.typ = typ
	switch typ {
	case "responder":
		p.err = parseResponder(&p)
	case "service":
		p.err = parseService(&p)
	case "incident":
		p.err = parseIncident(&p)
	case "notification":
		p.err = parseNotification(&p)
	case "review":
		p.err = parseReview(&p)
	case "oncall_shift":
		p.err = parseShift(&p)
	case "":
		p.err = lineErr("type", "missing; want one of responder, service, incident, notification, review, oncall_shift")
	default:
		p.err = lineErr("type", "unknown type %q; want one of responder, service, incident, notification, review, oncall_shift", typ)
	}
	return p
}

func lineErr(field, format string, args ...any) *LineError {
	return &LineError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// decode reads a record strictly: an unknown field is an error, because a misspelt
// optional field (say "runbook") would otherwise be dropped without a word.
//
// Records are decoded by sonic, which is several times faster than encoding/json (a
// decode is most of an import's work). A line sonic refuses is decoded again by
// encoding/json, which words the error as the format's documentation shows and takes
// what it takes (FuzzDecodersAgree checks that a line sonic takes, encoding/json takes
// too, with the same values).
func decode(text []byte, v any) error {
	if fastJSON.Unmarshal(text, v) == nil {
		return nil
	}
	rv := reflect.ValueOf(v).Elem()
	rv.SetZero() // forget what the fast decoder filled in before it gave up
	return slowDecode(text, v)
}

var fastJSON = sonic.Config{DisallowUnknownFields: true, ValidateString: true}.Froze()

// slowDecode is encoding/json's strict decode, with its errors in the format's words.
func slowDecode(text []byte, v any) error {
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

type responderRecord struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	TimeZone string `json:"time_zone"`
}

func parseResponder(p *parsed) error {
	var r responderRecord
	if err := decode(p.text, &r); err != nil {
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
	p.rawID = r.ID
	p.responder = ingest.Responder{ID: r.ID, Name: r.Name, Email: r.Email, TimeZone: r.TimeZone}
	return nil
}

type serviceRecord struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Name     string `json:"name"`
	Team     string `json:"team"`
	Rotation string `json:"rotation"`
}

func parseService(p *parsed) error {
	var s serviceRecord
	if err := decode(p.text, &s); err != nil {
		return err
	}
	if err := required("id", s.ID); err != nil {
		return err
	}
	if s.Name == "" {
		s.Name = s.ID
	}
	p.rawID = s.ID
	p.service = ingest.Service{ID: s.ID, Name: s.Name, Team: s.Team, Rotation: s.Rotation}
	return nil
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

func parseIncident(p *parsed) error {
	var r IncidentRecord
	if err := decode(p.text, &r); err != nil {
		return err
	}
	inc, err := r.Incident()
	if err != nil {
		return err
	}
	p.rawID, p.incident = r.ID, inc
	return nil
}

type notificationRecord struct {
	Type      string `json:"type"`
	Incident  string `json:"incident"`
	Responder string `json:"responder"`
	Channel   string `json:"channel"`
	At        string `json:"at"`
}

func parseNotification(p *parsed) error {
	var n notificationRecord
	if err := decode(p.text, &n); err != nil {
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
	p.rawID = id
	p.notification = ingest.Notification{IncidentID: n.Incident, ResponderID: n.Responder, Channel: n.Channel, At: at}
	return nil
}

type reviewRecord struct {
	Type       string `json:"type"`
	Incident   string `json:"incident"`
	Tag        string `json:"tag"`
	Note       string `json:"note"`
	Reviewer   string `json:"reviewer"`
	ReviewedAt string `json:"reviewed_at"`
}

func parseReview(p *parsed) error {
	var r reviewRecord
	if err := decode(p.text, &r); err != nil {
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
	p.rawID = r.Incident
	p.review = ingest.Review{IncidentID: r.Incident, Tag: r.Tag, Note: r.Note, Reviewer: r.Reviewer, ReviewedAt: at}
	return nil
}

type shiftRecord struct {
	Type            string `json:"type"`
	ID              string `json:"id"`
	Responder       string `json:"responder"`
	Rotation        string `json:"rotation"`
	EscalationLevel *int   `json:"escalation_level"`
	StartsAt        string `json:"starts_at"`
	EndsAt          string `json:"ends_at"`
}

// maxShift bounds one shift: a longer one is almost surely a mistyped date, and would be
// paid as weeks of on-call.
const maxShift = 31 * 24 * time.Hour

func parseShift(p *parsed) error {
	var r shiftRecord
	if err := decode(p.text, &r); err != nil {
		return err
	}
	if err := required("responder", r.Responder); err != nil {
		return err
	}
	if err := required("rotation", r.Rotation); err != nil {
		return err
	}
	level := 1
	if r.EscalationLevel != nil {
		level = *r.EscalationLevel
	}
	if level < 1 || level > 20 {
		return lineErr("escalation_level", "want 1 (the first tier) to 20, got %d", level)
	}
	start, err := parseTime("starts_at", r.StartsAt, true)
	if err != nil {
		return err
	}
	end, err := parseTime("ends_at", r.EndsAt, true)
	if err != nil {
		return err
	}
	if !end.After(start) {
		return lineErr("ends_at", "%s is not after starts_at %s", r.EndsAt, r.StartsAt)
	}
	if end.Sub(start) > maxShift {
		return lineErr("ends_at", "the shift lasts %s, over the 31 days one record may hold: split it", end.Sub(start))
	}
	// Without an id, a shift is keyed by what it is, so importing it again replaces it.
	id := r.ID
	if id == "" {
		id = strings.Join([]string{r.Responder, r.Rotation, strconv.Itoa(level), start.Format(time.RFC3339)}, "|")
	}
	p.rawID = id
	p.shift = ingest.Shift{ID: id, ResponderID: r.Responder, Rotation: r.Rotation, EscalationLevel: level, StartsAt: start, EndsAt: end}
	return nil
}
