package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
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

// constant columns are the same for every row of a commit: they are not staged but
// given to the merge (the source name, and when the raw records were fetched).
var constant = map[string]bool{"source": true, "fetched_at": true}

// ownKey is the key without the source: what tells a source's rows apart.
func (t table) ownKey() []string {
	return slices.DeleteFunc(slices.Clone(t.key), func(k string) bool { return k == "source" })
}

// keyMatch is the join condition of the own key between aliases a and b.
func (t table) keyMatch(a, b string) string {
	var match []string
	for _, k := range t.ownKey() {
		match = append(match, fmt.Sprintf("%s.%s = %s.%s", a, k, b, k))
	}
	return strings.Join(match, " and ")
}

// staged is the staging table's select list over the table: every column a row brings.
func (t table) staged() []string {
	var out []string
	for _, c := range t.cols {
		if !constant[c] {
			out = append(out, c)
		}
	}
	return out
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
	{"oncall_shifts", []string{"source", "shift_id", "responder_id", "rotation", "escalation_level", "starts_at", "ends_at"},
		[]string{"source", "shift_id"}},
}

const (
	tRaw = iota
	tResponders
	tServices
	tIncidents
	tNotifications
	tEvents
	tReviews
	tShifts
)

// Counts tells, per table, how many distinct records a commit stored and how many of
// them were new (the rest replaced a stored record with the same key).
type Counts struct {
	Stored map[string]int64
	New    map[string]int64
}

// Writer stages one source's records on its own connection (through DuckDB's Appender
// into temporary tables, or from a query with StageSelect) and merges them into the
// store in one transaction per Commit. It is not safe for concurrent use.
type Writer struct {
	source    string
	conn      *sql.Conn
	appenders []*duckdb.Appender
	pending   []int // rows staged per table since the last Commit or Discard
	now       func() time.Time
	gate      *Gate // nil: the writer holds the database alone

	tx *sql.Tx // Begin's transaction, while one is open
	// first marks the tables that held no rows of the source when Begin opened its
	// transaction: StageSelect inserts their rows straight into the table, without
	// staging them or looking for stored keys (there are none); direct counts them.
	first  map[int]bool
	direct map[int]int
	calls  map[int][]selectCall // StageSelect calls that inserted straight into a first table
	counts Counts               // what StageSelect merged into Begin's transaction
	// deleted marks staged rows deleted since the staging tables were last checkpointed:
	// DuckDB keeps a temporary table's deleted rows in memory until then.
	deleted bool
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
		stmt := fmt.Sprintf("create or replace temp table stage_%s as select %s from %s limit 0",
			t.name, strings.Join(t.staged(), ", "), t.name)
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
	w.pending[t]++
	if err := w.appenders[t].AppendRow(vals...); err != nil {
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

// nullJSON stores an empty document as NULL, and a document as its text: JSON that a
// collector or the import reader parsed already, kept byte for byte (migration 007).
func nullJSON(b []byte) driver.Value {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// Raw stages a record's payload as the source sent it.
func (w *Writer) Raw(r Raw) error {
	return w.append(tRaw, r.Kind, r.ID, string(r.Payload))
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

// Shift stages one on-call shift.
func (w *Writer) Shift(s Shift) error {
	return w.append(tShifts, s.ID, s.ResponderID, s.Rotation, int32(s.EscalationLevel), s.StartsAt.UTC(), s.EndsAt.UTC())
}

// Begin opens a transaction that StageSelect writes into and Commit ends, so that what
// a reader stores set by set lands whole or not at all. Without Begin, each Commit is
// a transaction of its own.
func (w *Writer) Begin(ctx context.Context) error {
	if w.tx != nil {
		return fmt.Errorf("ingest: a transaction is open already")
	}
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	w.tx, w.first, w.direct, w.calls = tx, map[int]bool{}, map[int]int{}, map[int][]selectCall{}
	w.counts = Counts{Stored: map[string]int64{}, New: map[string]int64{}}
	for i, t := range tables {
		var held bool
		if err := tx.QueryRowContext(ctx, "select exists (select 1 from "+t.name+" where source = ?)", w.source).Scan(&held); err != nil {
			tx.Rollback()
			w.tx = nil
			return fmt.Errorf("ingest: look at %s: %w", t.name, err)
		}
		w.first[i] = !held
	}
	return nil
}

// StageSelect stages the rows of a query inside Begin's transaction, for a reader that
// reads and checks its records in SQL (the import format). The query's columns are
// named as the table's (but source and fetched_at), plus latest: of the rows with the
// same key, the one with the greatest latest is kept, as the last record of a key wins
// in a merge. args are the query's own parameters ($1, $2, ...). A table the source had
// no rows in at Begin takes the rows straight in, without staging, call after call (a
// reader's chunks, in their order), and a key given twice is left to Commit, which
// keeps the row of the greatest latest in the latest call once. Other tables stage
// each call's rows and merge them by key at once, so that the staging table holds one
// call's rows at a time.
func (w *Writer) StageSelect(ctx context.Context, name, query, latest string, args ...any) error {
	if w.tx == nil {
		return fmt.Errorf("ingest: StageSelect without Begin")
	}
	ti := slices.IndexFunc(tables, func(t table) bool { return t.name == name })
	if ti < 0 {
		return fmt.Errorf("ingest: no table %q", name)
	}
	t := tables[ti]
	if w.pending[ti] > 0 {
		return fmt.Errorf("ingest: StageSelect into %s after rows staged by record", t.name)
	}
	direct := w.first[ti]
	call := selectCall{query: query, latest: latest, args: args}
	var stmt string
	if direct {
		// Without the window that keeps one row a key: a key is rarely given twice, and
		// the window sorted every row of the call (0.7 s and 100 MB of a million-incident
		// import). Commit finds the keys given twice and keeps their latest rows.
		var sel string
		sel, args = w.constants(t, args)
		stmt = fmt.Sprintf("insert into %s by name select %s, r.* exclude (%s) from (%s) r", t.name, sel, latest, query)
	} else {
		stmt = fmt.Sprintf("insert into stage_%s by name select * exclude (%s) from (%s) qualify row_number() over (partition by %s order by %s desc) = 1",
			t.name, latest, query, strings.Join(t.ownKey(), ", "), latest)
	}
	res, err := w.tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return fmt.Errorf("ingest: stage %s: %w", t.name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if direct {
		w.direct[ti] += int(n)
		w.calls[ti] = append(w.calls[ti], call)
		return nil
	}
	stored, fresh, err := merge(ctx, w.tx, t, w.source, w.now().UTC())
	if err != nil {
		return fmt.Errorf("ingest: merge %s: %w", t.name, err)
	}
	w.counts.Stored[t.name] += stored
	w.counts.New[t.name] += fresh
	if _, err := w.tx.ExecContext(ctx, "delete from stage_"+t.name); err != nil {
		return fmt.Errorf("ingest: clear stage %s: %w", t.name, err)
	}
	w.deleted = true
	return nil
}

// Exec runs a statement on the writer's connection, outside any transaction: for what
// a reader sets up on it (temporary macros and tables).
func (w *Writer) Exec(ctx context.Context, stmt string, args ...any) error {
	_, err := w.conn.ExecContext(ctx, stmt, args...)
	return err
}

// Query runs a query on the writer's connection, where a reader's temporary macros
// and tables are.
func (w *Writer) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return w.conn.QueryContext(ctx, query, args...)
}

func (w *Writer) flushAppenders() error {
	for i, a := range w.appenders {
		if err := a.Flush(); err != nil {
			return fmt.Errorf("ingest: flush %s: %w", tables[i].name, err)
		}
	}
	return nil
}

// Commit merges everything staged since the last Commit or Discard into the store, and
// records the cursors, in one transaction (Begin's, when one is open): either all of it
// lands or none of it does.
func (w *Writer) Commit(ctx context.Context, cursors ...Cursor) (Counts, error) {
	if w.tx != nil {
		return w.commitOpen(ctx, cursors)
	}
	counts := Counts{Stored: map[string]int64{}, New: map[string]int64{}}
	if err := w.flushAppenders(); err != nil {
		return counts, err
	}
	err := w.gate.Do(func() (bool, error) {
		tx, err := w.conn.BeginTx(ctx, nil)
		if err != nil {
			return false, err
		}
		defer tx.Rollback()
		if err := w.mergeInto(ctx, tx, counts); err != nil {
			return false, err
		}
		if err := w.saveCursors(ctx, tx, cursors); err != nil {
			return false, err
		}
		if err := tx.Commit(); err != nil {
			return false, fmt.Errorf("ingest: commit: %w", err)
		}
		return len(counts.Stored) > 0, nil
	})
	if err != nil {
		return counts, err
	}
	return counts, w.clear(ctx)
}

// commitOpen ends Begin's transaction: what is staged is merged outside the gate (its
// rows are the writer's source's own), and only the commit itself waits for it.
func (w *Writer) commitOpen(ctx context.Context, cursors []Cursor) (Counts, error) {
	counts := w.counts
	if err := w.flushAppenders(); err != nil {
		return counts, err
	}
	if err := w.mergeInto(ctx, w.tx, counts); err != nil {
		return counts, err
	}
	if err := w.dropRepeatedKeys(ctx, counts); err != nil {
		return counts, err
	}
	if err := w.saveCursors(ctx, w.tx, cursors); err != nil {
		return counts, err
	}
	tx := w.tx
	w.tx = nil
	err := w.gate.Do(func() (bool, error) {
		if err := tx.Commit(); err != nil {
			return false, fmt.Errorf("ingest: commit: %w", err)
		}
		return len(counts.Stored) > 0, nil
	})
	if err != nil {
		tx.Rollback()
		return counts, err
	}
	return counts, w.clear(ctx)
}

// selectCall is one StageSelect that inserted straight into a first table: what
// dropRepeatedKeys runs again for the rows of a key given twice.
type selectCall struct {
	query, latest string
	args          []any
}

// constants selects the columns a StageSelect query does not give (source, fetched_at)
// as parameters after args.
func (w *Writer) constants(t table, args []any) (string, []any) {
	var sel []string
	for _, c := range t.cols {
		switch c {
		case "source":
			sel = append(sel, fmt.Sprintf("$%d::varchar as source", len(args)+1))
			args = append(args, w.source)
		case "fetched_at":
			sel = append(sel, fmt.Sprintf("$%d::timestamp as fetched_at", len(args)+1))
			args = append(args, w.now().UTC())
		}
	}
	return strings.Join(sel, ", "), args
}

// dropRepeatedKeys keeps one row of each key given twice in the first tables that
// StageSelect filled: the one with the greatest latest in the latest call, as a merge
// would. Looking for keys given twice is one hash aggregate over a hash of the keys,
// 8 bytes a row where the keys are text (a notification's are four columns). Only
// when one is found are the calls run again for the rows of the repeated hashes, to
// learn which is latest (the table does not keep latest); those rows are deleted and
// the winner of each key inserted, so that two keys of one hash both stay.
func (w *Writer) dropRepeatedKeys(ctx context.Context, counts Counts) error {
	for ti, calls := range w.calls {
		t := tables[ti]
		keys := strings.Join(t.ownKey(), ", ")
		if _, err := w.tx.ExecContext(ctx, "create or replace temp table repeated_keys (h ubigint)"); err != nil {
			return fmt.Errorf("ingest: look for keys given twice in %s: %w", t.name, err)
		}
		// in passes of a range of hashes each, so that the aggregate's table stays small
		passes, bits := 1, 0
		for passes*KeysPerPass < w.direct[ti] {
			passes, bits = passes*2, bits+1
		}
		for pass := range passes {
			of := ""
			if bits > 0 {
				of = fmt.Sprintf(" and hash(%s) >> %d = %d", keys, 64-bits, pass)
			}
			if _, err := w.tx.ExecContext(ctx, fmt.Sprintf(`insert into repeated_keys
				select hash(%[2]s) as h from %[1]s where source = $1%[3]s group by h having count(*) > 1`, t.name, keys, of), w.source); err != nil {
				return fmt.Errorf("ingest: look for keys given twice in %s: %w", t.name, err)
			}
		}
		var repeated int64
		if err := w.tx.QueryRowContext(ctx, "select count(*) from repeated_keys").Scan(&repeated); err != nil {
			return fmt.Errorf("ingest: look for keys given twice in %s: %w", t.name, err)
		}
		if repeated > 0 {
			removed, err := w.keepLatest(ctx, t, calls)
			if err != nil {
				return fmt.Errorf("ingest: drop keys given twice in %s: %w", t.name, err)
			}
			counts.Stored[t.name] -= removed
			counts.New[t.name] -= removed
		}
		if _, err := w.tx.ExecContext(ctx, "drop table temp.repeated_keys"); err != nil {
			return fmt.Errorf("ingest: look for keys given twice in %s: %w", t.name, err)
		}
	}
	return nil
}

// KeysPerPass is how many keys dropRepeatedKeys counts in one aggregate at most (tests
// lower it): at ten million incidents, the one aggregate over the 13.8 million
// notifications' keys took a process to 584 MiB under a 512MB limit; four of a quarter
// each, under a 160MB limit, to 250 MiB in about the same time (1.54 s against 1.35 s,
// DuckDB alone).
var KeysPerPass = 1 << 22

// keepLatest replaces the rows of t whose key hashes are in repeated_keys by the latest
// row of each key, found by running the calls again, and returns how many fewer rows t
// holds. The calls' keys are cast to t's types, so that they hash as t's do.
func (w *Writer) keepLatest(ctx context.Context, t table, calls []selectCall) (int64, error) {
	var hashed []string
	for _, k := range t.ownKey() {
		var typ string
		if err := w.tx.QueryRowContext(ctx, `select data_type from duckdb_columns()
			where database_name = current_database() and schema_name = 'main' and table_name = $1 and column_name = $2`,
			t.name, k).Scan(&typ); err != nil {
			return 0, fmt.Errorf("the type of %s.%s: %w", t.name, k, err)
		}
		hashed = append(hashed, fmt.Sprintf("r.%s::%s", k, typ))
	}
	for i, c := range calls {
		into := "insert into repeated_rows"
		if i == 0 {
			into = "create or replace temp table repeated_rows as"
		}
		if _, err := w.tx.ExecContext(ctx, fmt.Sprintf(`%s select r.*, %d as call_no from (%s) r
			where hash(%s) in (select h from repeated_keys)`, into, i, c.query, strings.Join(hashed, ", ")), c.args...); err != nil {
			return 0, err
		}
	}
	defer w.tx.ExecContext(ctx, "drop table if exists temp.repeated_rows")
	var found int64
	if err := w.tx.QueryRowContext(ctx, "select count(*) from repeated_rows").Scan(&found); err != nil {
		return 0, err
	}
	res, err := w.tx.ExecContext(ctx, fmt.Sprintf(`delete from %s t where t.source = $1
		and hash(t.%s) in (select h from repeated_keys)`, t.name, strings.Join(t.ownKey(), ", t.")), w.source)
	if err != nil {
		return 0, err
	}
	deleted, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	// every row of a first table came from these calls: a row not found again would be lost
	if deleted != found {
		return 0, fmt.Errorf("the calls gave %d rows of the repeated keys again, the table holds %d", found, deleted)
	}
	sel, args := w.constants(t, nil)
	latest := calls[0].latest
	res, err = w.tx.ExecContext(ctx, fmt.Sprintf(`insert into %s by name select %s, r.* exclude (%s, call_no) from repeated_rows r
		qualify row_number() over (partition by %s order by call_no desc, %s desc) = 1`,
		t.name, sel, latest, strings.Join(t.ownKey(), ", "), latest), args...)
	if err != nil {
		return 0, err
	}
	kept, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	return deleted - kept, nil
}

// mergeInto merges every table with staged rows inside tx, adding to counts.
func (w *Writer) mergeInto(ctx context.Context, tx *sql.Tx, counts Counts) error {
	for i, t := range tables {
		if n := w.direct[i]; n > 0 { // inserted already, into the transaction
			counts.Stored[t.name] += int64(n)
			counts.New[t.name] += int64(n)
		}
		if w.pending[i] == 0 {
			continue
		}
		stored, fresh, err := merge(ctx, tx, t, w.source, w.now().UTC())
		if err != nil {
			return fmt.Errorf("ingest: merge %s: %w", t.name, err)
		}
		if stored > 0 {
			counts.Stored[t.name] += stored
			counts.New[t.name] += fresh
		}
	}
	return nil
}

func (w *Writer) saveCursors(ctx context.Context, tx *sql.Tx, cursors []Cursor) error {
	for _, c := range cursors {
		if _, err := tx.ExecContext(ctx, `insert or replace into sync_state values (?, ?, ?, ?)`, w.source, c.Stream, c.Value, w.now().UTC()); err != nil {
			return fmt.Errorf("ingest: save cursor %s: %w", c.Stream, err)
		}
	}
	return nil
}

// selectList is the staged rows' select list for the table's columns, with the
// constant columns as arguments.
func selectList(t table, source string, fetched time.Time) (sel []string, args []any) {
	for _, c := range t.cols {
		switch {
		case c == "source":
			sel = append(sel, "?::varchar")
			args = append(args, source)
		case c == "fetched_at":
			sel = append(sel, "?::timestamp")
			args = append(args, fetched)
		default:
			sel = append(sel, "s."+c)
		}
	}
	return sel, args
}

// merge moves the staged rows into the table, keyed by its key columns: the stored rows
// of the staged keys are deleted and the staged rows inserted (the last staged row of a
// key wins: staging tables only grow between clears, so rowid is the staging order), so
// a record fetched again replaces itself. It reports how many keys were staged and how
// many of them were new. The tables have no index on their keys (see
// sql/schema/003_keyless_tables.sql): the delete is a semi-join on the key columns, which
// costs a scan of them, far less than maintaining an index on every insert.
func merge(ctx context.Context, tx *sql.Tx, t table, source string, fetched time.Time) (stored, fresh int64, err error) {
	stage := "stage_" + t.name
	sel, args := selectList(t, source, fetched)
	var key, storedKey []string
	for _, k := range t.ownKey() {
		key, storedKey = append(key, "s."+k), append(storedKey, "t."+k)
	}
	cols := strings.Join(t.cols, ", ")
	if len(t.key) == len(t.cols) {
		on := t.keyMatch("s", "t")
		// every column is key: add the rows not stored yet (the subquery is correlated
		// with the page's rows, so DuckDB's distinct of the correlated keys is the page's)
		res, err := tx.ExecContext(ctx, fmt.Sprintf(
			"insert into %s (%s) select distinct %s from %s s where not exists (select 1 from %s t where t.source = ? and %s)",
			t.name, cols, strings.Join(sel, ", "), stage, t.name, on), append(args, source)...)
		if err != nil {
			return 0, 0, err
		}
		if fresh, err = res.RowsAffected(); err != nil {
			return 0, 0, err
		}
		err = tx.QueryRowContext(ctx, fmt.Sprintf("select count(*) from (select distinct %s from %s s)", strings.Join(key, ", "), stage)).Scan(&stored)
		return stored, fresh, err
	}
	// Look before deleting: a delete that scans the table keeps memory outside DuckDB's
	// limit while the database is open, even when it deletes nothing, and most pages of
	// a backfill bring only new keys. In DuckDB alone at a 128MB limit, pages of 100 new
	// rows merged by such a delete took the process from 177 to 305 MiB in 4,000 pages;
	// with the same join as a count instead, it stayed at 193-211 MiB for 6,000. The
	// count is the scan the delete would make; a delete follows only when it finds rows.
	//
	// The staged keys are a list the stored rows' keys are looked up in, not a subquery
	// correlated with each stored row: DuckDB runs a correlated exists as a join against
	// the distinct keys of every stored row, a hash aggregate of the whole table per page
	// (at 300,000 raw records, 76-184 ms against 9-18 ms for the same count this way).
	var replaced int64
	matching := fmt.Sprintf("from %s t where t.source = ? and (%s) in (select %s from %s s)",
		t.name, strings.Join(storedKey, ", "), strings.Join(key, ", "), stage)
	if err := tx.QueryRowContext(ctx, "select count(*) "+matching, source).Scan(&replaced); err != nil {
		return 0, 0, err
	}
	if replaced > 0 {
		if _, err := tx.ExecContext(ctx, "delete "+matching, source); err != nil {
			return 0, 0, err
		}
	}
	res, err := tx.ExecContext(ctx, fmt.Sprintf(
		"insert into %s (%s) select %s from %s s qualify row_number() over (partition by %s order by s.rowid desc) = 1",
		t.name, cols, strings.Join(sel, ", "), stage, strings.Join(key, ", ")), args...)
	if err != nil {
		return 0, 0, err
	}
	if stored, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	return stored, stored - replaced, nil
}

// Discard drops everything staged since the last Commit, and rolls back Begin's
// transaction when one is open.
func (w *Writer) Discard(ctx context.Context) error {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
	for _, a := range w.appenders {
		if err := a.Clear(); err != nil {
			return err
		}
	}
	return w.clear(ctx)
}

func (w *Writer) clear(ctx context.Context) error {
	w.direct = nil
	for i, t := range tables {
		if w.pending[i] == 0 {
			continue
		}
		w.pending[i] = 0
		if _, err := w.conn.ExecContext(ctx, "delete from stage_"+t.name); err != nil {
			return fmt.Errorf("ingest: clear stage %s: %w", t.name, err)
		}
		w.deleted = true
	}
	if w.deleted {
		// The deleted rows of a temporary table stay in memory until it is checkpointed:
		// without this, a sync's staging tables (and the live server's) held every page
		// they had staged, and during a 12,000-incident PagerDuty backfill the resident
		// memory climbed about 4.7 MB a second; with it, 140-170 MB between DuckDB's
		// checkpoints of the stored tables. It takes a millisecond or two a commit.
		if _, err := w.conn.ExecContext(ctx, "checkpoint temp"); err != nil {
			return fmt.Errorf("ingest: free the staged rows: %w", err)
		}
		w.deleted = false
	}
	return nil
}

// Close releases the writer's connection, dropping anything not committed.
func (w *Writer) Close() error {
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
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
