// Package pagerduty pulls incident history from the PagerDuty REST API into the store:
// users, teams, escalation policies and services in full on every run, and incidents and
// log entries by time window, backfilling first and then incrementally from a cursor.
// Each page is staged and committed with its cursor before the next is fetched, so
// memory stays flat and a killed sync resumes where it stopped.
package pagerduty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// Stream names, as stored in sync_state for the time-windowed ones.
const (
	StreamUsers              = "users"
	StreamTeams              = "teams"
	StreamEscalationPolicies = "escalation_policies"
	StreamServices           = "services"
	StreamIncidents          = "incidents"
	StreamLogEntries         = "log_entries"
	StreamOnCalls            = "oncalls"
	// StreamResolved is no list of the API: incidents stored open whose resolve log entry
	// has arrived, read again one by one (GET /incidents/{id}).
	StreamResolved = "resolved_incidents"
)

// unmappedShown is how many ids of records that could not be mapped a report keeps per
// stream: enough to look them up, not a list that grows with a broken account.
const unmappedShown = 5

// DefaultAPIURL is PagerDuty's REST API.
const DefaultAPIURL = "https://api.pagerduty.com"

// Options configure a Collector. Only Token and Since are required.
type Options struct {
	APIURL string // default DefaultAPIURL
	Token  string // a REST API key; read-only is enough
	// Since is where the first run's backfill starts; later runs go on from their cursors.
	Since time.Time
	// Overlap is how far before its cursor an incremental run starts again, to catch
	// records that arrived late (default 1 hour).
	Overlap time.Duration
	// OpenLookback bounds how far back an incremental run re-lists incidents to update
	// those still open at the last run (default 30 days): PagerDuty lists incidents by
	// creation time, so an incident only changes in the store when it is listed again.
	OpenLookback time.Duration
	// Progress receives a line per window; nil discards them.
	Progress io.Writer
	// AccountTimeZone is the account's time zone (an IANA name), given to users whose
	// time_zone is null: the User schema says such a user is in the account's zone, and
	// no endpoint of the REST API returns it (only list parameters default to it). ""
	// leaves their zone empty, so that the models fall back to the rotation's and then
	// the organisation's zone from the config.
	AccountTimeZone string

	// For tests: the HTTP client, the clock, how to wait, the request rate (default
	// Pace, PagerDuty's limit per token) and the retries (default 4).
	ingest.Transport
}

// Pace is the REST API's documented limit: 960 requests a minute per token. Pacing
// under it keeps a long backfill out of 429s, whose waits last until the minute resets.
var Pace = ingest.Pace{Requests: 960, Per: time.Minute}

// Collector syncs one PagerDuty account.
type Collector struct {
	opts   Options
	client *client
}

// New checks the options and fills in the defaults.
func New(opts Options) (*Collector, error) {
	if opts.Token == "" {
		return nil, &ingest.OptionError{Kind: Kind, Option: "API token", Problem: "required"}
	}
	if opts.APIURL == "" {
		opts.APIURL = DefaultAPIURL
	}
	base, err := url.Parse(opts.APIURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, &ingest.OptionError{Kind: Kind, Option: "API URL", Problem: fmt.Sprintf("want http(s)://host[/path], got %q", opts.APIURL)}
	}
	if opts.Since.IsZero() {
		return nil, &ingest.OptionError{Kind: Kind, Option: "since", Problem: "required: where the first run's backfill starts"}
	}
	if opts.Overlap == 0 {
		opts.Overlap = time.Hour
	}
	if opts.OpenLookback == 0 {
		opts.OpenLookback = 30 * 24 * time.Hour
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.AccountTimeZone != "" {
		if _, err := time.LoadLocation(opts.AccountTimeZone); err != nil || opts.AccountTimeZone == "Local" {
			return nil, &ingest.OptionError{Kind: Kind, Option: "account time zone", Problem: fmt.Sprintf("want an IANA name such as Europe/Dublin, got %q", opts.AccountTimeZone)}
		}
	}
	opts.Transport = opts.Transport.WithDefaults(4)
	return &Collector{opts: opts, client: newClient(base, opts.Token, opts)}, nil
}

// Kind is the config's kind of PagerDuty sources.
const Kind = "pagerduty"

// Keys of the report's notes: what the records said that changes how they count.
const (
	NoteMerged           = "merged"
	NoteNoService        = "no_service"
	NoteFailedDeliveries = "failed_deliveries"
	NoteUnknownMethods   = "unknown_methods"
	NoteAccountZoneUsers = "account_zone_users"
)

// notes declares the report's notes in the order the summary says them.
var notes = []ingest.Count{
	{Key: NoteMerged, What: "incidents merged into another (they count with it)"},
	{Key: NoteNoService, What: "incidents without a service"},
	{Key: NoteFailedDeliveries, What: "notifications not delivered (not interruptions)"},
	{Key: NoteUnknownMethods, What: "notifications that do not say by what means (chat)"},
	{Key: NoteAccountZoneUsers, What: "users given the account's time zone"},
}

// Kind names the config's kind of source the collector reads.
func (c *Collector) Kind() string { return Kind }

// Sync pulls everything new since the last run (or since Options.Since on the first)
// and stores it through w, committing after every page. On failure, everything
// committed stays, the error says how far the sync got, and the next Sync resumes there.
func (c *Collector) Sync(ctx context.Context, db *sql.DB, w *ingest.Writer) (ingest.Report, error) {
	r := &run{Collector: c, db: db, w: w, end: c.opts.Now().UTC().Truncate(time.Second),
		rep: ingest.NewReport(nil, notes)}
	before := c.client.requests()
	teams, policies := map[string]string{}, map[string]string{}
	steps := []func(context.Context) error{
		r.backfillStart,
		func(ctx context.Context) error {
			return r.entities(ctx, StreamTeams, "/teams", "team", func(raw json.RawMessage) (string, error) {
				var t named
				err := decode("team", raw, &t, func() string { return t.ID })
				teams[t.ID] = t.label()
				return t.ID, err
			})
		},
		func(ctx context.Context) error {
			return r.entities(ctx, StreamEscalationPolicies, "/escalation_policies", "escalation_policy", func(raw json.RawMessage) (string, error) {
				var p named
				err := decode("escalation policy", raw, &p, func() string { return p.ID })
				policies[p.ID] = p.label()
				return p.ID, err
			})
		},
		func(ctx context.Context) error {
			return r.entities(ctx, StreamUsers, "/users", "user", func(raw json.RawMessage) (string, error) {
				var u named
				if err := decode("user", raw, &u, func() string { return u.ID }); err != nil {
					return "", err
				}
				if u.TimeZone == "" && c.opts.AccountTimeZone != "" {
					u.TimeZone = c.opts.AccountTimeZone
					r.rep.Add(NoteAccountZoneUsers, 1)
				}
				return u.ID, w.Responder(ingest.Responder{ID: u.ID, Name: u.label(), Email: u.Email, TimeZone: u.TimeZone})
			})
		},
		func(ctx context.Context) error {
			return r.entities(ctx, StreamServices, "/services", "service", func(raw json.RawMessage) (string, error) {
				var s serviceRecord
				if err := decode("service", raw, &s, func() string { return s.ID }); err != nil {
					return "", err
				}
				return s.ID, w.Service(mapService(s, teams, policies))
			})
		},
		func(ctx context.Context) error {
			return r.timed(ctx, StreamIncidents, "/incidents", "incident", maxSpan,
				url.Values{"sort_by": {"created_at:asc"}, "time_zone": {"UTC"}},
				func(raw json.RawMessage) (string, error) { return r.incident(raw, teams, policies) })
		},
		func(ctx context.Context) error {
			// is_overview=false lists every entry, notifications included, and
			// include[]=channels adds the trigger's alert details where runbooks sit.
			err := r.timed(ctx, StreamLogEntries, "/log_entries", "log_entry", maxSpan,
				url.Values{"is_overview": {"false"}, "include[]": {"channels"}, "time_zone": {"UTC"}},
				func(raw json.RawMessage) (string, error) {
					id, le, err := mapLogEntry(raw)
					switch {
					case err != nil:
						return id, err
					case le.Notification != nil:
						if le.Failed {
							r.rep.Add(NoteFailedDeliveries, 1)
						} else if le.UnknownMethod {
							r.rep.Add(NoteUnknownMethods, 1)
						}
						err = w.Notification(*le.Notification)
					case le.Event != nil:
						err = w.Event(*le.Event)
					}
					return id, err
				})
			if r.rep.Count(NoteUnknownMethods) > 0 {
				fmt.Fprintf(r.opts.Progress, "pagerduty: warning: %d notifications do not say by what means (no channel.notification.type): stored as chat, which does not interrupt\n", r.rep.Count(NoteUnknownMethods))
			}
			if r.rep.Count(NoteFailedDeliveries) > 0 {
				fmt.Fprintf(r.opts.Progress, "pagerduty: %d notifications were not delivered (channel.notification.status other than success): stored as not interrupting\n", r.rep.Count(NoteFailedDeliveries))
			}
			return err
		},
		func(ctx context.Context) error { return r.rereadResolved(ctx, teams, policies) },
		func(ctx context.Context) error {
			// Last, so that the streams before keep their request numbers in the
			// fault tests. earliest=false: earliest=true keeps one entry per policy, level and user,
			// which would drop every later shift of a person within the window.
			return r.timed(ctx, StreamOnCalls, "/oncalls", "oncall", onCallSpan,
				url.Values{"earliest": {"false"}, "time_zone": {"UTC"}},
				func(raw json.RawMessage) (string, error) {
					s, ok, err := mapOnCall(raw, r.win, policies)
					if err != nil || !ok {
						return "", err
					}
					return s.ID, w.Shift(s)
				})
		},
	}
	for _, step := range steps {
		if err := step(ctx); err != nil && !r.skip(err) {
			w.Discard(context.WithoutCancel(ctx))
			r.rep.Requests = c.client.requests() - before
			return r.rep, err
		}
	}
	r.rep.Requests = c.client.requests() - before
	return r.rep, nil
}

// mapService names a service's team and rotation from the teams and escalation
// policies fetched before it, falling back on the references' summaries.
func mapService(s serviceRecord, teams, policies map[string]string) ingest.Service {
	svc := ingest.Service{ID: s.ID, Name: s.Name}
	if svc.Name == "" {
		svc.Name = s.Summary
	}
	if len(s.Teams) > 0 {
		if svc.Team = teams[s.Teams[0].ID]; svc.Team == "" {
			svc.Team = s.Teams[0].Summary
		}
	}
	if p := s.EscalationPolicy; p != nil {
		if svc.Rotation = policies[p.ID]; svc.Rotation == "" {
			svc.Rotation = p.Summary
		}
	}
	return svc
}

// run is the state of one Sync.
type run struct {
	*Collector
	db    *sql.DB
	w     *ingest.Writer
	end   time.Time // the walks stop here: the time the sync started
	since time.Time // where a stream without a cursor starts
	win   window    // the window being fetched: on-call entries are clipped to it
	rep   ingest.Report
	cur   *ingest.StreamReport // the stream being fetched
}

// streamLoss says what a sync without the stream is missing, for the warning.
var streamLoss = map[string]string{
	StreamTeams:              "team names come from the summaries the services' and incidents' references carry",
	StreamEscalationPolicies: "rotation names come from the summaries the services' and incidents' references carry",
	StreamUsers:              "no responders are stored: notifications still count, judged in the config's zones",
	StreamServices:           "services are not named; incidents keep their own team and rotation",
	StreamOnCalls:            "no on-call shifts are stored",
}

// skip tells whether err is the API refusing the account or key a stream that the
// sync can do without (402: the account lacks the ability, as GET /teams documents for
// accounts without the Teams feature; 403: the key's user may not read it), and if so
// reports the stream as skipped and drops what the failed page staged. Incidents and
// log entries are what the sync is for: a refusal there stops it.
func (r *run) skip(err error) bool {
	var se *ingest.StatusError
	sr := r.cur
	if sr == nil || streamLoss[sr.Stream] == "" || !errors.As(err, &se) ||
		(se.Status != http.StatusForbidden && se.Status != http.StatusPaymentRequired) {
		return false
	}
	r.w.Discard(context.Background())
	sr.Skipped = fmt.Sprintf("%d %s", se.Status, http.StatusText(se.Status))
	r.rep.Skipped = append(r.rep.Skipped, sr.Stream+": "+sr.Skipped)
	fmt.Fprintf(r.opts.Progress, "pagerduty: warning: %s skipped, the account or key may not read them (%v); %s\n", sr.Stream, se, streamLoss[sr.Stream])
	return true
}

// incident stages one incident, counting what its record says.
func (r *run) incident(raw json.RawMessage, teams, policies map[string]string) (string, error) {
	inc, facts, err := mapIncident(raw, teams, policies)
	if err != nil {
		return inc.ID, err
	}
	if facts.NoService {
		r.rep.Add(NoteNoService, 1)
	}
	if facts.Merged != "" {
		r.rep.Add(NoteMerged, 1)
	}
	return inc.ID, r.w.Incident(inc)
}

// rereadResolved reads again, one by one, the incidents stored open whose resolve log
// entry has been stored. PagerDuty lists incidents by creation, and a run re-lists only
// those created within OpenLookback, so without this an incident left open longer
// would keep its stale state for ever while its resolve sits in the log. The incident
// record, not the log entry, says how it ended (resolved_at, last_status_change_by, a
// merge in resolve_reason), so it is the record that is fetched; once stored resolved
// it is not read again. The resolve events make the lookup a join of two small typed
// tables, and survive a sync that stops before this step.
func (r *run) rereadResolved(ctx context.Context, teams, policies map[string]string) error {
	sr := r.report(StreamResolved)
	start, before := time.Now(), r.client.requests()
	defer func() { sr.Requests += r.client.requests() - before }()
	rows, err := r.db.QueryContext(ctx, `select distinct e.incident_id from incident_events e
		join incidents i on i.source = e.source and i.incident_id = e.incident_id
		where e.source = ? and e.kind = ? and i.resolved_at is null order by 1`, r.w.Source(), eventResolve)
	if err != nil {
		return r.failed(StreamResolved, err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return r.failed(StreamResolved, err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r.failed(StreamResolved, err)
	}
	for _, id := range ids {
		raw, err := r.client.object(ctx, "/incidents/"+url.PathEscape(id), "incident")
		var se *ingest.StatusError
		if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusForbidden) {
			// Deleted, or out of the key's reach (error 2018: "You may have lost access
			// to this incident if it has been resolved"): it stays as stored.
			r.noteUnmapped(sr, id, fmt.Sprintf("GET /incidents/%s: %d %s", id, se.Status, http.StatusText(se.Status)))
			continue
		}
		if err == nil {
			err = r.stage("incident", []json.RawMessage{raw}, func(raw json.RawMessage) (string, error) { return r.incident(raw, teams, policies) })
		}
		if err == nil {
			err = r.commit(ctx, sr, 1)
		}
		if err != nil {
			return r.failed(fmt.Sprintf("%s %s", StreamResolved, id), err)
		}
	}
	if len(ids) > 0 {
		r.progress(StreamResolved, "", sr.Records, r.client.requests()-before, start)
	}
	r.warnUnmapped(sr)
	return nil
}

// noteUnmapped counts a record the stream could not map, keeping the first few ids.
func (r *run) noteUnmapped(sr *ingest.StreamReport, id, why string) {
	sr.Unmapped++
	if len(sr.UnmappedIDs) < unmappedShown {
		sr.UnmappedIDs = append(sr.UnmappedIDs, why)
	}
}

// warnUnmapped tells, once per stream, how many records it kept raw only.
func (r *run) warnUnmapped(sr *ingest.StreamReport) {
	if sr.Unmapped > 0 {
		fmt.Fprintf(r.opts.Progress, "pagerduty: warning: %s: %d records could not be mapped and are kept raw only (first: %s)\n",
			sr.Stream, sr.Unmapped, strings.Join(sr.UnmappedIDs, "; "))
	}
}

// streamBackfill holds the first run's backfill start, so that a stream the first run
// did not reach (it was stopped) still starts there, whatever a later run's Since says.
const streamBackfill = "backfill_since"

func (r *run) backfillStart(ctx context.Context) error {
	stored, err := ingest.LoadCursor(ctx, r.db, r.w.Source(), streamBackfill)
	if err == nil && stored != "" {
		r.since, err = time.Parse(time.RFC3339, stored)
	}
	if err != nil {
		return r.failed(streamBackfill, fmt.Errorf("stored cursor %q: %w", stored, err))
	}
	if stored != "" {
		return nil
	}
	r.since = r.opts.Since.UTC().Truncate(time.Second)
	_, err = r.w.Commit(ctx, ingest.Cursor{Stream: streamBackfill, Value: r.since.Format(time.RFC3339)})
	return err
}

// stage turns a page's records into staged rows, keeping each one's JSON as received.
// A record that cannot be mapped (unmappedError) is kept raw and counted; the page and
// the stream go on past it.
func (r *run) stage(kind string, recs []json.RawMessage, handle func(json.RawMessage) (string, error)) error {
	for _, raw := range recs {
		id, err := handle(raw)
		var ue *unmappedError
		if errors.As(err, &ue) {
			id, err = ue.id, nil
			r.noteUnmapped(r.cur, ue.id, ue.Error())
		}
		if err != nil {
			return err
		}
		if id == "" { // a record that maps to nothing (an on-call entry outside its window)
			continue
		}
		if err := r.w.Raw(ingest.Raw{Kind: kind, ID: id, Payload: raw}); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) commit(ctx context.Context, sr *ingest.StreamReport, n int, cursors ...ingest.Cursor) error {
	counts, err := r.w.Commit(ctx, cursors...)
	if err != nil {
		return err
	}
	r.rep.Commit(counts)
	sr.Records += n
	return nil
}

// entities fetches a whole list (users, teams...), which the API cannot filter by time.
func (r *run) entities(ctx context.Context, stream, path, kind string, handle func(json.RawMessage) (string, error)) error {
	sr := r.report(stream)
	start, before := time.Now(), r.client.requests()
	defer func() { sr.Requests += r.client.requests() - before }()
	defer r.warnUnmapped(sr)
	for offset := 0; ; offset += pageLimit {
		p, err := r.client.list(ctx, path, stream, url.Values{}, offset, false)
		if err == nil {
			err = r.stage(kind, p.Records, handle)
		}
		if err == nil {
			err = r.commit(ctx, sr, len(p.Records))
		}
		if err != nil {
			return r.failed(fmt.Sprintf("%s at offset %d", stream, offset), err)
		}
		if !p.More {
			break
		}
		if offset+2*pageLimit > offsetCap {
			fmt.Fprintf(r.opts.Progress, "pagerduty: %s: the API pages through only the first %d; the rest were not fetched\n", stream, offsetCap)
			break
		}
	}
	r.progress(stream, "", sr.Records, r.client.requests()-before, start)
	return nil
}

// timed walks a stream whose list takes since/until (incidents, log entries, on-calls)
// from its cursor to the start of this sync, window by window, each at most span long.
func (r *run) timed(ctx context.Context, stream, path, kind string, span time.Duration, params url.Values, handle func(json.RawMessage) (string, error)) error {
	sr := r.report(stream)
	before := r.client.requests()
	defer func() { sr.Requests += r.client.requests() - before }()
	defer r.warnUnmapped(sr)

	cur, resume, offset, err := r.startOf(ctx, stream)
	if err != nil {
		return r.failed(stream, err)
	}
	var stack []window // windows still to walk, the next on top
	if resume != nil {
		stack = append(stack, *resume)
	}
	for len(stack) > 0 || cur.Before(r.end) {
		if len(stack) == 0 {
			stack = append(stack, window{cur, minTime(cur.Add(span), r.end)})
		}
		win := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		sr.Windows++
		split, err := r.window(ctx, sr, path, kind, params, win, offset, handle)
		offset = 0
		if err != nil {
			return err
		}
		if split {
			first, second, ok := win.halves()
			if !ok {
				return r.failed(fmt.Sprintf("%s window %s", stream, win), fmt.Errorf("more than %d records in one second: the API cannot page through them", offsetCap))
			}
			sr.Splits++
			stack = append(stack, second, first)
			continue
		}
		cur = win.Until
	}
	return nil
}

// startOf reads a stream's cursor and tells where its walk starts: cur, after the
// window part-way through (resume, to go on at offset) if a sync was killed in one.
func (r *run) startOf(ctx context.Context, stream string) (cur time.Time, resume *window, offset int, err error) {
	stored, err := ingest.LoadCursor(ctx, r.db, r.w.Source(), stream)
	if err != nil || stored == "" {
		return r.since, nil, 0, err
	}
	pos, err := parsePosition(stream, stored)
	switch {
	case err != nil:
		return cur, nil, 0, err
	case pos.Window != nil:
		return *pos.Window, &window{pos.Done, *pos.Window}, pos.Offset, nil
	case !pos.finished():
		return pos.Done, nil, 0, nil
	}
	cur = pos.Done.Add(-r.opts.Overlap)
	if stream == StreamIncidents {
		// Incidents still open at the last run change later (acknowledged, resolved),
		// but PagerDuty lists incidents by creation: re-list from the oldest one still
		// open, within the lookback (older ones would make every run re-list them all).
		var open sql.NullTime
		if err := r.db.QueryRowContext(ctx, `select min(created_at) from incidents where source = ? and resolved_at is null and created_at >= ?`,
			r.w.Source(), pos.Done.Add(-r.opts.OpenLookback)).Scan(&open); err != nil {
			return cur, nil, 0, err
		}
		if open.Valid && open.Time.Before(cur) {
			cur = open.Time.UTC().Truncate(time.Second)
		}
	}
	return cur, nil, 0, nil
}

// window fetches the pages of one window from offset, committing each with the cursor
// that says where the walk stands after it. split is true, with nothing stored, when the
// window holds more records than the API pages through (found from total=true on its
// first page, or on reaching the offset cap when the API gives no total).
func (r *run) window(ctx context.Context, sr *ingest.StreamReport, path, kind string, params url.Values, win window, offset int, handle func(json.RawMessage) (string, error)) (split bool, err error) {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	q.Set("since", win.Since.Format(time.RFC3339))
	q.Set("until", win.Until.Format(time.RFC3339))
	start, before, records := time.Now(), r.client.requests(), 0
	r.win = win
	for {
		where := fmt.Sprintf("%s window %s at offset %d", sr.Stream, win, offset)
		p, err := r.client.list(ctx, path, sr.Stream, q, offset, offset == 0)
		if err != nil {
			return false, r.failed(where, err)
		}
		if p.Total > offsetCap || (p.More && offset+2*pageLimit > offsetCap) {
			fmt.Fprintf(r.opts.Progress, "pagerduty: %s %s: more than %d records, splitting the window\n", sr.Stream, win, offsetCap)
			return true, nil
		}
		pos := position{Done: win.Until, End: r.end}
		if p.More {
			until := win.Until
			pos = position{Done: win.Since, End: r.end, Window: &until, Offset: offset + pageLimit}
		}
		if err := r.stage(kind, p.Records, handle); err != nil {
			return false, r.failed(where, err)
		}
		if err := r.commit(ctx, sr, len(p.Records), ingest.Cursor{Stream: sr.Stream, Value: pos.String()}); err != nil {
			return false, r.failed(where, err)
		}
		records += len(p.Records)
		if !p.More {
			break
		}
		offset += pageLimit
	}
	r.progress(sr.Stream, win.String(), records, r.client.requests()-before, start)
	return false, nil
}

func (r *run) report(stream string) *ingest.StreamReport {
	sr := &ingest.StreamReport{Stream: stream}
	r.rep.Streams = append(r.rep.Streams, sr)
	r.cur = sr
	return sr
}

func (r *run) progress(stream, win string, records, requests int, start time.Time) {
	secs := time.Since(start).Seconds()
	rate := ""
	if records > 0 && secs > 0 {
		rate = fmt.Sprintf(", %.0f records/s", float64(records)/secs)
	}
	if win != "" {
		stream += " " + win
	}
	fmt.Fprintf(r.opts.Progress, "pagerduty: %s: %d records, %d requests, %.1f s%s\n", stream, records, requests, secs, rate)
}

// failed wraps an error with where the sync stopped and what it had stored by then.
func (r *run) failed(where string, err error) error {
	var done []string
	for _, s := range r.rep.Streams {
		done = append(done, fmt.Sprintf("%d %s", s.Records, strings.ReplaceAll(s.Stream, "_", " ")))
	}
	if len(done) == 0 {
		done = append(done, "nothing")
	}
	return fmt.Errorf("pagerduty: %s: %w (stored before this: %s; run the sync again to resume from there)",
		where, err, strings.Join(done, ", "))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
