package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// table describes how one normalised table is merged: rows are keyed by its key
// columns, and a staged row replaces the stored row with the same key.
type table struct {
	name string
	cols []string
	key  []string
}

var tables = []table{
	{"raw_records", []string{"source", "kind", "record_id", "fetched_at", "payload"}, []string{"source", "kind", "record_id"}},
	{"responders", []string{"source", "responder_id", "name", "email", "time_zone"}, []string{"source", "responder_id"}},
	{"services", []string{"source", "service_id", "name", "team", "rotation"}, []string{"source", "service_id"}},
	{"incidents", []string{"source", "incident_id", "service_id", "title", "urgency", "priority", "created_at",
		"acknowledged_at", "resolved_at", "resolved_by", "rule", "runbook_url", "escalations", "manual_escalations", "labels"},
		[]string{"source", "incident_id"}},
	{"notifications", []string{"source", "incident_id", "responder_id", "channel", "notified_at"},
		[]string{"source", "incident_id", "responder_id", "channel", "notified_at"}},
	{"incident_events", []string{"source", "incident_id", "event_id", "kind", "responder_id", "occurred_at", "detail"},
		[]string{"source", "incident_id", "event_id"}},
	{"reviews", []string{"source", "incident_id", "tag", "note", "reviewer", "reviewed_at"}, []string{"source", "incident_id"}},
}

const (
	tRaw = iota
	tResponders
	tServices
	tIncidents
	tNotifications
	tEvents
	tReviews
)

// Counts tells, per table, how many distinct records a commit stored and how many of
// them were new (the rest replaced a stored record with the same key).
type Counts struct {
	Stored map[string]int64
	New    map[string]int64
}

// Writer stages one source's records on its own connection (through DuckDB's Appender
// into temporary tables) and merges them into the store in one transaction per Commit.
// It is not safe for concurrent use.
type Writer struct {
	source    string
	conn      *sql.Conn
	appenders []*duckdb.Appender
	pending   []int // rows staged per table since the last Commit or Discard
	seq       int64
	now       func() time.Time
	gate      *Gate // nil: the writer holds the database alone
}

// NewWriter opens a writer for records of the named source.
func NewWriter(ctx context.Context, db *sql.DB, source string) (*Writer, error) {
	if source == "" {
		return nil, fmt.Errorf("ingest: a source name is required")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &Writer{source: source, conn: conn, now: time.Now, pending: make([]int, len(tables))}
	for _, t := range tables {
		stmt := fmt.Sprintf("create or replace temp table stage_%s as select %s, 0::bigint as seq from %s limit 0",
			t.name, strings.Join(t.cols, ", "), t.name)
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			conn.Close()
			return nil, fmt.Errorf("ingest: stage %s: %w", t.name, err)
		}
	}
	err = conn.Raw(func(dc any) error {
		for _, t := range tables {
			a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "stage_"+t.name)
			if err != nil {
				return fmt.Errorf("ingest: appender for %s: %w", t.name, err)
			}
			w.appenders = append(w.appenders, a)
		}
		return nil
	})
	if err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Through sends every later Commit through g, the serving process's one writer.
func (w *Writer) Through(g *Gate) *Writer {
	w.gate = g
	return w
}

// Source is the name the writer stores records under.
func (w *Writer) Source() string { return w.source }

func (w *Writer) append(t int, vals ...driver.Value) error {
	w.seq++
	w.pending[t]++
	row := append([]driver.Value{w.source}, vals...)
	row = append(row, w.seq)
	if err := w.appenders[t].AppendRow(row...); err != nil {
		return fmt.Errorf("ingest: stage %s: %w", tables[t].name, err)
	}
	return nil
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullJSON stores an empty document as NULL. The Appender marshals values for a JSON
// column with encoding/json, so a document must go as json.RawMessage: a string would
// be stored as one JSON string holding the escaped text.
func nullJSON(b []byte) driver.Value {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// Raw stages a record's payload as the source sent it.
func (w *Writer) Raw(r Raw) error {
	return w.append(tRaw, r.Kind, r.ID, w.now().UTC(), json.RawMessage(r.Payload))
}

// Responder stages a person.
func (w *Writer) Responder(r Responder) error {
	return w.append(tResponders, r.ID, r.Name, r.Email, r.TimeZone)
}

// Service stages a service.
func (w *Writer) Service(s Service) error {
	return w.append(tServices, s.ID, s.Name, s.Team, s.Rotation)
}

// Incident stages an incident.
func (w *Writer) Incident(i Incident) error {
	return w.append(tIncidents, i.ID, i.ServiceID, i.Title, i.Urgency, i.Priority, i.CreatedAt.UTC(),
		nullTime(i.AcknowledgedAt), nullTime(i.ResolvedAt), i.ResolvedBy, i.Rule, i.RunbookURL,
		int32(i.Escalations), int32(i.ManualEscalations), nullJSON(i.Labels))
}

// Notification stages a notification.
func (w *Writer) Notification(n Notification) error {
	return w.append(tNotifications, n.IncidentID, n.ResponderID, n.Channel, n.At.UTC())
}

// Event stages an acknowledgement or escalation event.
func (w *Writer) Event(e Event) error {
	return w.append(tEvents, e.IncidentID, e.ID, e.Kind, e.ResponderID, e.At.UTC(), e.Detail)
}

// Review stages a review verdict.
func (w *Writer) Review(r Review) error {
	return w.append(tReviews, r.IncidentID, r.Tag, r.Note, r.Reviewer, nullTime(r.ReviewedAt))
}

// Commit merges everything staged since the last Commit or Discard into the store, and
// records the cursors, in one transaction: either all of it lands or none of it does.
func (w *Writer) Commit(ctx context.Context, cursors ...Cursor) (Counts, error) {
	counts := Counts{Stored: map[string]int64{}, New: map[string]int64{}}
	for i, a := range w.appenders {
		if err := a.Flush(); err != nil {
			return counts, fmt.Errorf("ingest: flush %s: %w", tables[i].name, err)
		}
	}
	err := w.gate.Do(func() (bool, error) {
		if err := w.mergeStaged(ctx, counts, cursors); err != nil {
			return false, err
		}
		return len(counts.Stored) > 0, nil
	})
	if err != nil {
		return counts, err
	}
	return counts, w.clear(ctx)
}

// mergeStaged moves the staged rows and the cursors into the store in one transaction.
func (w *Writer) mergeStaged(ctx context.Context, counts Counts, cursors []Cursor) error {
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, t := range tables {
		if w.pending[i] == 0 {
			continue
		}
		stored, fresh, err := merge(ctx, tx, t)
		if err != nil {
			return fmt.Errorf("ingest: merge %s: %w", t.name, err)
		}
		if stored > 0 {
			counts.Stored[t.name], counts.New[t.name] = stored, fresh
		}
	}
	for _, c := range cursors {
		if _, err := tx.ExecContext(ctx, `insert or replace into sync_state values (?, ?, ?, ?)`, w.source, c.Stream, c.Value, w.now().UTC()); err != nil {
			return fmt.Errorf("ingest: save cursor %s: %w", c.Stream, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("ingest: commit: %w", err)
	}
	return nil
}

// merge upserts the staged rows into the table through its primary key (the last
// staged row of a key wins) and reports how many keys were staged and how many were new.
// The primary key's index makes this cost the size of the page, not of the table.
func merge(ctx context.Context, tx *sql.Tx, t table) (stored, fresh int64, err error) {
	stage := "stage_" + t.name
	if err = tx.QueryRowContext(ctx, fmt.Sprintf("select count(distinct (%s)) from %s",
		strings.Join(t.key, ", "), stage)).Scan(&stored); err != nil || stored == 0 {
		return stored, 0, err
	}
	var before, after int64
	if err = tx.QueryRowContext(ctx, "select count(*) from "+t.name).Scan(&before); err != nil {
		return 0, 0, err
	}
	verb := "insert or replace"
	if len(t.key) == len(t.cols) {
		verb = "insert or ignore" // every column is key: nothing to replace
	}
	cols := strings.Join(t.cols, ", ")
	if _, err = tx.ExecContext(ctx, fmt.Sprintf(
		"%s into %s (%s) select %s from %s qualify row_number() over (partition by %s order by seq desc) = 1",
		verb, t.name, cols, cols, stage, strings.Join(t.key, ", "))); err != nil {
		return 0, 0, err
	}
	if err = tx.QueryRowContext(ctx, "select count(*) from "+t.name).Scan(&after); err != nil {
		return 0, 0, err
	}
	return stored, after - before, nil
}

// Discard drops everything staged since the last Commit.
func (w *Writer) Discard(ctx context.Context) error {
	for _, a := range w.appenders {
		if err := a.Clear(); err != nil {
			return err
		}
	}
	return w.clear(ctx)
}

func (w *Writer) clear(ctx context.Context) error {
	for i, t := range tables {
		if w.pending[i] == 0 {
			continue
		}
		w.pending[i] = 0
		if _, err := w.conn.ExecContext(ctx, "delete from stage_"+t.name); err != nil {
			return fmt.Errorf("ingest: clear stage %s: %w", t.name, err)
		}
	}
	return nil
}

// Close releases the writer's connection, dropping anything not committed.
func (w *Writer) Close() error {
	for _, a := range w.appenders {
		a.Close()
	}
	w.appenders = nil
	return w.conn.Close()
}

// LoadCursor returns the stored cursor of a source's stream, or "" when there is none.
func LoadCursor(ctx context.Context, db *sql.DB, source, stream string) (string, error) {
	var v string
	err := db.QueryRowContext(ctx, `select cursor from sync_state where source = ? and stream = ?`, source, stream).Scan(&v)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return v, err
}
