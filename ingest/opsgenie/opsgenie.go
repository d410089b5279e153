// Package opsgenie collects alert history from the Opsgenie REST API: alerts (with
// their details, recipients and activity logs), users and teams, mapped to alertlens's
// records.
//
// It talks to the API with a small hand-written client rather than the official SDK:
// the SDK decodes into its own structs, while alertlens stores every payload exactly as
// received, and it pages by itself, while a sync must commit each page with its cursor
// before fetching the next.
package opsgenie

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// DefaultAPIURL is Opsgenie's US host; accounts in the EU use https://api.eu.opsgenie.com.
const DefaultAPIURL = "https://api.opsgenie.com"

// alertStream names the cursor of the alert listing in sync_state.
const alertStream = "alerts"

// Config says where and how to sync.
type Config struct {
	APIURL string
	Key    string // the API key; sent only in the Authorization header
	// Since is where the first sync of a source starts; later syncs start from the
	// stored cursor.
	Since time.Time
	// Overlap is how far before the end of the previous sync a later sync lists again,
	// so that alerts Opsgenie indexed late are not missed.
	Overlap time.Duration
	// Window is the createdAt range of one listing query.
	Window time.Duration
	// AliasIsRule says the alias names the alert rule (it does where every rule sends one
	// fixed alias); otherwise the rule comes from the title template.
	AliasIsRule bool
	// Schedules also reads who was on call: every schedule's final timeline, from Since
	// (later: the schedule's cursor) to the start of the sync.
	Schedules bool
	// Progress receives a line per window; nil for none.
	Progress io.Writer
	// For tests: the HTTP client, the clock, how to wait, the request rate (default
	// Pace) and the retries (default 5).
	ingest.Transport
}

// Pace is the request rate a sync keeps to. Opsgenie's limits depend on the plan and
// the request's domain (Search for listing alerts, Alert for an alert's details,
// recipients and logs, Configuration for users and teams), each a token bucket checked
// per minute and per second (docs.opsgenie.com/docs/api-rate-limiting); the figures are
// not published per plan on that page, so this is the 600 a minute docs/sources.md
// plans with, in bursts of at most 10 for the per-second bucket. A throttled answer
// still waits out its X-RateLimit-Period-In-Sec.
var Pace = ingest.Pace{Requests: 600, Per: time.Minute, Burst: 10}

// Collector syncs one Opsgenie account.
type Collector struct {
	cfg       Config
	base      string
	http      *ingest.HTTPClient
	offsetCap int
	who       people
	teamNames map[string]string
	// known holds the responders stored or staged: a recipient who is not among them
	// (a deleted user, or any user when the key may not list users) gets a record
	// with what the recipient entry gives, and one already stored is not overwritten.
	known map[string]bool
	// noRecipients is set once the key turns out not to read alert recipients.
	noRecipients bool
}

// New checks cfg and returns a collector.
func New(cfg Config) (*Collector, error) {
	if cfg.Key == "" {
		return nil, &ingest.OptionError{Kind: Kind, Option: "API key", Problem: "required"}
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	u, err := url.Parse(cfg.APIURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &ingest.OptionError{Kind: Kind, Option: "API URL", Problem: fmt.Sprintf("want an http(s) URL such as %s, got %q", DefaultAPIURL, cfg.APIURL)}
	}
	if cfg.Window <= 0 {
		return nil, &ingest.OptionError{Kind: Kind, Option: "window", Problem: fmt.Sprintf("want a positive duration, got %v", cfg.Window)}
	}
	if cfg.Overlap < 0 {
		return nil, &ingest.OptionError{Kind: Kind, Option: "overlap", Problem: fmt.Sprintf("want zero or a positive duration, got %v", cfg.Overlap)}
	}
	cfg.Transport = cfg.Transport.WithDefaults(5)
	c := cfg.Transport.Client(http.Header{"Authorization": {"GenieKey " + cfg.Key}}, cfg.Key, Pace)
	return &Collector{cfg: cfg, base: strings.TrimRight(cfg.APIURL, "/"), http: c, offsetCap: offsetCap,
		who: people{}, teamNames: map[string]string{}, known: map[string]bool{}}, nil
}

// stats counts what a sync fetched and stored, as it goes; Sync reports it.
type stats struct {
	commits       ingest.Report // the row counts of every commit
	Alerts        int           // alerts fetched and stored
	NewAlerts     int64         // of which the store did not hold before
	Unchanged     int           // alerts listed again but stored closed and unchanged, so not fetched
	Notifications int
	Acks          int // acknowledgements taken from logs
	Users, Teams  int
	Shifts        int // on-call shifts from the schedules' timelines
	Requests      int
	// Skipped names the streams the key may not read ("users: 403 Forbidden"); the
	// sync went on without them, and each was reported on Progress with what it costs.
	Skipped []string
}

// position is the alert cursor: the window being listed, how far into it the stored
// pages reach, and where this sync ends. It is stored as JSON in sync_state.
type position struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Offset int       `json:"offset"`
	Until  time.Time `json:"until"`
	// Seen lists alerts created at From that are stored already: a window split at the
	// offset cap starts at the creation time of the last alert it stored.
	Seen []string `json:"seen,omitempty"`
}

func (p position) done() bool { return !p.From.Before(p.Until) }

// next is the window of the given size after p's.
func (p position) next(window time.Duration) position {
	to := p.To.Add(window)
	if to.After(p.Until) {
		to = p.Until
	}
	return position{From: p.To, To: to, Until: p.Until}
}

// Kind is the config's kind of Opsgenie sources.
const Kind = "opsgenie"

// Kind names the config's kind of source the collector reads.
func (c *Collector) Kind() string { return Kind }

// Stream names of the report.
const (
	StreamUsers  = "users"
	StreamTeams  = "teams"
	StreamAlerts = "alerts"
	StreamShifts = "oncall_shifts"
)

// Keys of the report's counts beyond the streams' records: alerts listed again but
// stored closed and unchanged, so not fetched; notifications; acknowledgements taken
// from the alerts' logs.
const (
	CountUnchanged     = "unchanged"
	CountNotifications = "notifications"
	CountAcks          = "acks"
)

var work = []ingest.Count{
	{Key: CountUnchanged, What: "unchanged alerts not fetched again"},
	{Key: CountNotifications, What: "notifications"},
	{Key: CountAcks, What: "acknowledgements from logs"},
}

func (st *stats) commit(c ingest.Counts) {
	if st.commits.Stored == nil {
		st.commits = ingest.NewReport(nil, nil)
	}
	st.commits.Commit(c)
}

// Sync stores users, teams and the alerts created since the stored cursor (or
// cfg.Since), committing each page with its cursor: a sync that is stopped resumes
// where it stopped and ends with the same rows.
func (c *Collector) Sync(ctx context.Context, db *sql.DB, w *ingest.Writer) (ingest.Report, error) {
	st, err := c.sync(ctx, db, w)
	rep := ingest.NewReport(work, nil)
	rep.Requests, rep.Skipped = st.Requests, st.Skipped
	for _, s := range []struct {
		name string
		n    int
	}{{StreamUsers, st.Users}, {StreamTeams, st.Teams}, {StreamAlerts, st.Alerts}} {
		rep.Stream(s.name).Records = s.n
	}
	if c.cfg.Schedules {
		rep.Stream(StreamShifts).Records = st.Shifts
	}
	rep.Add(CountUnchanged, st.Unchanged)
	rep.Add(CountNotifications, st.Notifications)
	rep.Add(CountAcks, st.Acks)
	if st.commits.Stored != nil {
		rep.Stored, rep.New = st.commits.Stored, st.commits.New
	}
	return rep, err
}

func (c *Collector) sync(ctx context.Context, db *sql.DB, w *ingest.Writer) (st stats, err error) {
	defer func() { st.Requests = c.http.Requests }()
	pos, err := c.start(ctx, db, w.Source())
	if err != nil {
		return st, err
	}
	if err := c.loadStored(ctx, db, w.Source()); err != nil {
		return st, err
	}
	// A key of a team's API integration, which Opsgenie recommends, may not list users
	// or teams (403): the alerts matter more than either, so go on without them.
	if err := c.syncUsers(ctx, w, &st); err != nil && !c.skip(err, "users", usersLoss, &st) {
		return st, fmt.Errorf("opsgenie: users: %w", err)
	}
	if err := c.syncTeams(ctx, w, &st); err != nil && !c.skip(err, "teams", teamsLoss, &st) {
		return st, fmt.Errorf("opsgenie: teams: %w", err)
	}
	win := newWindow(pos.From, c.http.Requests)
	for !pos.done() {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		next, err := c.alertPage(ctx, db, w, pos, &st, &win)
		if err != nil {
			w.Discard(context.WithoutCancel(ctx))
			from := pos.From.Format(time.RFC3339)
			stored := "alerts created before " + from
			if pos.Offset > 0 {
				stored += fmt.Sprintf(" and the first %d after", pos.Offset)
			}
			return st, fmt.Errorf("opsgenie: alerts created from %s (offset %d): %w; %s are stored, and running the sync again resumes there",
				from, pos.Offset, err, stored)
		}
		if !next.From.Equal(pos.From) {
			win.print(c.cfg.Progress, next.From, c.http.Requests)
			win = newWindow(next.From, c.http.Requests)
		}
		pos = next
	}
	if c.cfg.Schedules {
		// After the alerts: what the alerts cost stays the same with or without it.
		if err := c.syncSchedules(ctx, db, w, c.cfg.Now().UTC().Truncate(time.Second), &st); err != nil && !c.skip(err, "schedules", schedulesLoss, &st) {
			return st, err
		}
	}
	return st, nil
}

// What a sync loses when the key may not read a stream, as the warning says it.
const (
	usersLoss     = "responders get no time zone from Opsgenie, so their pages are judged in their rotation's zone from the config, else the organisation's"
	teamsLoss     = "alerts' teams are named by their ids until a key that may list teams syncs"
	schedulesLoss = "no on-call shifts are stored, so on-call hours and pay are empty and load is judged per page"
	recipLoss     = "no notifications are stored, so pages are inferred from priority (P1-P2) and judged in the rotation's zone"
)

// skip tells whether err is Opsgenie refusing the key a stream (403, or 402 for a plan
// without it), and if so reports the stream as skipped.
func (c *Collector) skip(err error, stream, loss string, st *stats) bool {
	var se *ingest.StatusError
	if !errors.As(err, &se) || (se.Status != http.StatusForbidden && se.Status != http.StatusPaymentRequired) {
		return false
	}
	st.Skipped = append(st.Skipped, fmt.Sprintf("%s: %d %s", stream, se.Status, http.StatusText(se.Status)))
	if c.cfg.Progress != nil {
		fmt.Fprintf(c.cfg.Progress, "opsgenie: warning: %s skipped, the key may not read them (%v); %s\n", stream, err, loss)
	}
	return true
}

// loadStored reads the responders and team names an earlier sync stored, so that a
// sync whose key may not list users or teams recognises those people and does not
// overwrite those records with the less it knows.
func (c *Collector) loadStored(ctx context.Context, db *sql.DB, source string) error {
	rows, err := db.QueryContext(ctx, `select responder_id, coalesce(name, ''), coalesce(email, '') from responders where source = ?`, source)
	if err != nil {
		return err
	}
	for rows.Next() {
		var u user
		if err := rows.Scan(&u.ID, &u.FullName, &u.Username); err != nil {
			rows.Close()
			return err
		}
		c.known[u.ID] = true
		c.who.add(u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = db.QueryContext(ctx, `select service_id, coalesce(name, '') from services where source = ? and service_id like 'team:%'`, source)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		c.teamNames[strings.TrimPrefix(id, "team:")] = name
	}
	return rows.Err()
}

// start works out where this sync begins: a stopped sync resumes at its cursor; a
// finished one lists again from the overlap before its end, or from the oldest alert
// still open in the store, whichever is earlier, so that alerts closed since are updated.
func (c *Collector) start(ctx context.Context, db *sql.DB, source string) (position, error) {
	now := c.cfg.Now().UTC().Truncate(time.Millisecond)
	stored, err := ingest.LoadCursor(ctx, db, source, alertStream)
	if err != nil {
		return position{}, err
	}
	from := c.cfg.Since.UTC().Truncate(time.Millisecond)
	if stored != "" {
		var p position
		if err := json.Unmarshal([]byte(stored), &p); err != nil {
			return position{}, fmt.Errorf("opsgenie: stored cursor of source %s is not one this version wrote: %w", source, err)
		}
		if !p.done() {
			return p, nil
		}
		from = p.Until.Add(-c.cfg.Overlap)
		var open sql.NullTime
		if err := db.QueryRowContext(ctx, `select min(created_at) from incidents where source = ? and resolved_at is null`,
			source).Scan(&open); err != nil {
			return position{}, err
		}
		if open.Valid && open.Time.Before(from) {
			from = open.Time.UTC().Truncate(time.Millisecond)
		}
	}
	return position{From: from, To: from, Until: now}.next(c.cfg.Window), nil
}

func (c *Collector) syncUsers(ctx context.Context, w *ingest.Writer, st *stats) error {
	return c.eachUser(ctx, func(items []json.RawMessage) error {
		for _, raw := range items {
			var u user
			if err := json.Unmarshal(raw, &u); err != nil || u.ID == "" {
				return fmt.Errorf("a user without an id: %.200s", raw)
			}
			c.who.add(u)
			c.known[u.ID] = true
			if err := w.Raw(ingest.Raw{Kind: "user", ID: u.ID, Payload: raw}); err != nil {
				return err
			}
			if err := w.Responder(ingest.Responder{ID: u.ID, Name: u.FullName, Email: u.Username, TimeZone: u.TimeZone}); err != nil {
				return err
			}
			st.Users++
		}
		counts, err := w.Commit(ctx)
		st.commit(counts)
		return err
	})
}

func (c *Collector) syncTeams(ctx context.Context, w *ingest.Writer, st *stats) error {
	items, err := c.teams(ctx)
	if err != nil {
		return err
	}
	for _, raw := range items {
		var t team
		if err := json.Unmarshal(raw, &t); err != nil || t.ID == "" {
			return fmt.Errorf("a team without an id: %.200s", raw)
		}
		c.teamNames[t.ID] = t.Name
		if err := w.Raw(ingest.Raw{Kind: "team", ID: t.ID, Payload: raw}); err != nil {
			return err
		}
		if err := w.Service(teamService(t)); err != nil {
			return err
		}
		st.Teams++
	}
	counts, err := w.Commit(ctx)
	st.commit(counts)
	return err
}

// alertPage fetches one page of the alert listing at pos, with each alert's details and
// log, commits it with the cursor that follows it, and returns that cursor.
func (c *Collector) alertPage(ctx context.Context, db *sql.DB, w *ingest.Writer, pos position, st *stats, win *windowStats) (position, error) {
	p, err := c.listAlerts(ctx, pos.From, pos.To, pos.Offset)
	if err != nil {
		return pos, err
	}
	listed := make([]struct {
		ID        string    `json:"id"`
		CreatedAt time.Time `json:"createdAt"`
		UpdatedAt time.Time `json:"updatedAt"`
	}, len(p.Data))
	ids := make([]string, len(p.Data))
	for i, raw := range p.Data {
		if err := json.Unmarshal(raw, &listed[i]); err != nil || listed[i].ID == "" {
			return pos, fmt.Errorf("an alert without an id: %.200s", raw)
		}
		ids[i] = listed[i].ID
	}
	unchanged, err := storedClosed(ctx, db, w.Source(), ids)
	if err != nil {
		return pos, err
	}
	for _, a := range listed {
		if a.CreatedAt.Equal(pos.From) && slices.Contains(pos.Seen, a.ID) {
			continue
		}
		if t, ok := unchanged[a.ID]; ok && t.Equal(a.UpdatedAt) {
			st.Unchanged++
			win.unchanged++
			continue
		}
		n, err := c.stageAlert(ctx, w, a.ID, st)
		if err != nil {
			return pos, fmt.Errorf("alert %s: %w", a.ID, err)
		}
		win.alerts++
		win.notifications += n
	}

	next := pos
	switch {
	case len(p.Data) < pageLimit || p.Paging.Next == "":
		size := c.cfg.Window
		if len(p.Data) == 0 && pos.Offset == 0 {
			// An empty window: double the next one, so that years without alerts cost a
			// few requests rather than one a window.
			size = max(size, 2*pos.To.Sub(pos.From))
		}
		next = pos.next(size)
	case pos.Offset+len(p.Data)+pageLimit > c.offsetCap:
		// Opsgenie will not page past the offset cap: split the window where this page
		// ends. The alerts of this page created in its last millisecond are listed again
		// and skipped (those of earlier pages, if any, are fetched again, harmlessly).
		last := listed[len(listed)-1].CreatedAt.UTC().Truncate(time.Millisecond)
		if !last.After(pos.From) {
			return pos, fmt.Errorf("more than %d alerts were created at %s; Opsgenie cannot list past that many", c.offsetCap, last.Format(time.RFC3339Nano))
		}
		next = position{From: last, To: pos.To, Until: pos.Until}
		for _, a := range listed {
			if a.CreatedAt.Equal(last) {
				next.Seen = append(next.Seen, a.ID)
			}
		}
	default:
		next.Offset += len(p.Data)
	}
	if len(p.Data) == 0 && !next.done() {
		// Nothing to store: save the commit. A sync stopped here lists a few empty
		// windows again.
		return next, nil
	}
	cur, err := json.Marshal(next)
	if err != nil {
		return pos, err
	}
	counts, err := w.Commit(ctx, ingest.Cursor{Stream: alertStream, Value: string(cur)})
	st.NewAlerts += counts.New["incidents"]
	st.commit(counts)
	return next, err
}

// stageAlert fetches an alert in full and its log, and stages every record they make.
// It returns the number of notifications staged.
func (c *Collector) stageAlert(ctx context.Context, w *ingest.Writer, id string, st *stats) (int, error) {
	raw, err := c.getAlert(ctx, id)
	if err != nil {
		return 0, err
	}
	var a alert
	if err := json.Unmarshal(raw, &a); err != nil {
		return 0, fmt.Errorf("alert is not of Opsgenie's shape: %w", err)
	}
	if a.ID != id || a.CreatedAt.IsZero() {
		return 0, fmt.Errorf("alert has id %q and createdAt %v: want id %q and a createdAt", a.ID, a.CreatedAt, id)
	}
	recs, err := c.stageRecipients(ctx, w, id, st)
	if err != nil {
		return 0, fmt.Errorf("recipients: %w", err)
	}
	var facts logFacts
	err = c.alertLogs(ctx, id, func(items []json.RawMessage) error {
		for _, lraw := range items {
			var l alertLog
			if err := json.Unmarshal(lraw, &l); err != nil || l.Offset == "" {
				return fmt.Errorf("a log entry without an offset: %.200s", lraw)
			}
			if err := w.Raw(ingest.Raw{Kind: "alert_log", ID: id + "/" + l.Offset, Payload: lraw}); err != nil {
				return err
			}
			facts.read(id, l, c.who)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("log: %w", err)
	}

	if sid, integration := serviceOf(a); integration {
		if err := w.Service(ingest.Service{ID: sid, Name: a.Integration.Name}); err != nil {
			return 0, err
		}
	} else if tid, ok := strings.CutPrefix(sid, "team:"); ok && c.teamNames[tid] == "" {
		// A team that has been deleted since: keep its id as its name.
		if err := w.Service(teamService(team{ID: tid, Name: tid})); err != nil {
			return 0, err
		}
	}
	if err := w.Incident(incident(a, facts, c.who, c.cfg.AliasIsRule)); err != nil {
		return 0, err
	}
	if err := w.Raw(ingest.Raw{Kind: "alert", ID: id, Payload: raw}); err != nil {
		return 0, err
	}
	notes := recipientNotifications(id, recs, facts, c.who)
	for _, n := range notes {
		if !c.known[n.ResponderID] {
			// Not among the users listed (deleted, or the key may not list users): the
			// recipient entry gives the id and e-mail address, but no time zone.
			r := ingest.Responder{ID: n.ResponderID}
			for _, rec := range recs {
				if rec.User.ID == n.ResponderID && emailLike.MatchString(rec.User.Username) {
					r.Email = rec.User.Username
				}
			}
			if err := w.Responder(r); err != nil {
				return 0, err
			}
			c.known[n.ResponderID] = true
		}
		if err := w.Notification(n); err != nil {
			return 0, err
		}
	}
	if a.Report.AckTime == 0 { // the report's acknowledgement is already on the incident
		for _, e := range facts.acks {
			if err := w.Event(e); err != nil {
				return 0, err
			}
		}
		st.Acks += len(facts.acks)
	}
	st.Alerts++
	st.Notifications += len(notes)
	return len(notes), nil
}

// stageRecipients fetches who the alert was sent to and stages each entry as received.
// It learns each recipient's username, so that a log line naming the user by e-mail
// address is matched to the same person even when the key may not list users.
func (c *Collector) stageRecipients(ctx context.Context, w *ingest.Writer, id string, st *stats) ([]recipient, error) {
	if c.noRecipients {
		return nil, nil
	}
	items, err := c.alertRecipients(ctx, id)
	if err != nil {
		if c.skip(err, "alert recipients", recipLoss, st) {
			c.noRecipients = true
			return nil, nil
		}
		return nil, err
	}
	recs := make([]recipient, 0, len(items))
	for i, raw := range items {
		var r recipient
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("a recipient not of Opsgenie's shape: %.200s", raw)
		}
		key := r.User.ID
		if key == "" {
			key = r.User.Username
		}
		if key == "" {
			key = fmt.Sprint(i)
		}
		if err := w.Raw(ingest.Raw{Kind: "alert_recipient", ID: id + "/" + key, Payload: raw}); err != nil {
			return nil, err
		}
		if r.User.ID != "" && r.User.Username != "" {
			if _, ok := c.who[strings.ToLower(r.User.Username)]; !ok {
				c.who.add(user{ID: r.User.ID, Username: r.User.Username})
			}
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// storedClosed returns, for those of ids that the store holds as closed alerts, the
// updatedAt they were stored with. A closed alert that has not changed since needs no
// fetching: its recipients and log gain no notifications once it is closed.
func storedClosed(ctx context.Context, db *sql.DB, source string, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{source}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.QueryContext(ctx, `select record_id, json_extract_string(payload, '$.updatedAt') from raw_records
		where source = ? and kind = 'alert' and json_extract_string(payload, '$.status') = 'closed'
		  and record_id in (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var updated sql.NullString
		if err := rows.Scan(&id, &updated); err != nil {
			return nil, err
		}
		if t, err := time.Parse(time.RFC3339Nano, updated.String); err == nil {
			out[id] = t
		}
	}
	return out, rows.Err()
}

// windowStats counts one window for its progress line.
type windowStats struct {
	from                             time.Time
	start                            time.Time
	requests                         int
	alerts, unchanged, notifications int
}

func newWindow(from time.Time, requests int) windowStats {
	return windowStats{from: from, start: time.Now(), requests: requests}
}

func (s windowStats) print(out io.Writer, to time.Time, requests int) {
	if out == nil || s.alerts+s.unchanged == 0 { // empty windows would drown the rest
		return
	}
	secs := time.Since(s.start).Seconds()
	fmt.Fprintf(out, "opsgenie: alerts %s..%s: %d alerts (%d unchanged), %d notifications in %d requests, %.1f s, %.0f alerts/s\n",
		s.from.Format(time.RFC3339), to.Format(time.RFC3339), s.alerts, s.unchanged, s.notifications,
		requests-s.requests, secs, float64(s.alerts+s.unchanged)/max(secs, 1e-3))
}
