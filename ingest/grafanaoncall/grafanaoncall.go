// Package grafanaoncall pulls alert history from the Grafana OnCall public API (the
// same API that Grafana Cloud IRM serves): the users, teams, integrations, routes,
// escalation chains and escalation policies in full on every run, and the alert groups
// by creation time, backfilling first and then incrementally, each run also re-reading
// the groups that were still open. Each page is staged and committed with its cursor
// before the next is fetched, so memory stays flat and a killed sync resumes where it
// stopped.
package grafanaoncall

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// StreamAlertGroups names the alert groups' cursor in sync_state.
const StreamAlertGroups = "alert_groups"

// streamBackfill holds the first run's backfill start, so that a run that was stopped
// before finishing its walk still starts there, whatever a later run's Since says.
const streamBackfill = "backfill_since"

// Options configure a Collector. APIURL, Token and Since are required.
type Options struct {
	// APIURL is the OnCall API URL shown in OnCall (or IRM) → Settings, such as
	// https://oncall-prod-us-central-0.grafana.net/oncall; a trailing /api/v1 is allowed.
	// OnCall has no one host, so there is no default.
	APIURL string
	// Token is an OnCall API key, or a Grafana service account token (glsa_...).
	Token string
	// GrafanaURL is the Grafana stack a service account token belongs to, sent as
	// X-Grafana-URL; OnCall API keys do not need it.
	GrafanaURL string
	// Since is where the first run's backfill starts; later runs go on from the cursor.
	Since time.Time
	// Overlap is how far before its cursor an incremental run lists again (default 1 h).
	Overlap time.Duration
	// Window is the span of creation times one listing asks for (default 30 days).
	Window time.Duration
	// Progress receives a line per list and window; nil discards them.
	Progress io.Writer

	// For tests: the HTTP client, the clock, how to wait, the request rate (default
	// Pace) and the retries (default 4).
	ingest.Transport
}

// Pace keeps a sync within the 300 requests per 5 minutes per key that the public API's
// rate limits allow (docs/sources.md), in bursts of up to 60 so that a small
// organisation's sync does not wait at all.
var Pace = ingest.Pace{Requests: 300, Per: 5 * time.Minute, Burst: 60}

// Collector syncs one OnCall organisation.
type Collector struct {
	opts   Options
	client *client
}

// New checks the options and fills in the defaults.
func New(opts Options) (*Collector, error) {
	if opts.APIURL == "" {
		return nil, &ingest.OptionError{Kind: Kind, Option: "API URL", Problem: "required: the OnCall API URL that OnCall → Settings shows (Grafana Cloud IRM: IRM → Settings → Admin & API)"}
	}
	base, err := url.Parse(opts.APIURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, &ingest.OptionError{Kind: Kind, Option: "API URL", Problem: fmt.Sprintf("want http(s)://host[/path], got %q", opts.APIURL)}
	}
	base.Path = strings.TrimSuffix(strings.TrimSuffix(base.Path, "/"), "/api/v1")
	base.RawQuery, base.Fragment = "", ""
	if opts.Token == "" {
		return nil, &ingest.OptionError{Kind: Kind, Option: "API token", Problem: "required"}
	}
	if opts.Since.IsZero() {
		return nil, &ingest.OptionError{Kind: Kind, Option: "since", Problem: "required: where the first run's backfill starts"}
	}
	if opts.Overlap == 0 {
		opts.Overlap = time.Hour
	}
	if opts.Window <= 0 {
		opts.Window = 30 * 24 * time.Hour
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	opts.Transport = opts.Transport.WithDefaults(4)
	return &Collector{opts: opts, client: newClient(base, opts)}, nil
}

// Kind is the config's kind of OnCall sources.
const Kind = "grafana_oncall"

// Keys of the report's counts beyond the streams' records.
const (
	// CountOpen counts the groups re-listed because they were open (new, acknowledged
	// or silenced); CountRefetched those stored as open that the open lists no longer
	// hold, fetched one by one for their resolution; CountGone those of them the API no
	// longer has.
	CountOpen      = "open"
	CountRefetched = "refetched"
	CountGone      = "gone"
	// CountAlerts counts the alerts fetched for groups listed without their last alert.
	CountAlerts = "alerts"
)

var (
	work = []ingest.Count{
		{Key: CountOpen, What: "open groups re-read"},
		{Key: CountRefetched, What: "more fetched one by one"},
		{Key: CountGone, What: "gone", Of: CountRefetched},
	}
	notes = []ingest.Count{{Key: CountAlerts, What: "alerts fetched for groups listed without their last alert"}}
)

// Kind names the config's kind of source the collector reads.
func (c *Collector) Kind() string { return Kind }

// lists are the configuration lists, read in full on every run, in this order: routes
// after integrations, since a listed route says more than an integration's default_route.
var lists = []struct{ path, what, kind string }{
	{"teams/", "teams", "team"},
	{"users/", "users", "user"},
	{"escalation_chains/", "escalation chains", "escalation_chain"},
	{"escalation_policies/", "escalation policies", "escalation_policy"},
	{"integrations/", "integrations", "integration"},
	{"routes/", "routes", "route"},
}

// run is the state of one Sync.
type run struct {
	*Collector
	db         *sql.DB
	w          *ingest.Writer
	end        time.Time // the walk stops here: when the sync started, to the second
	since      time.Time // where the history starts
	cat        *catalog
	services   map[string]bool // services staged in this run
	seen       map[string]bool // alert groups stored in this run
	unfiltered bool            // the server ignores started_at (an older OnCall)
	noAlerts   bool            // the alerts list is not readable
	rep        ingest.Report
}

// Sync pulls everything new since the last run (or since Options.Since on the first)
// and stores it through w, committing after every page. On failure, everything
// committed stays, the error says how far the sync got, and the next Sync resumes there.
func (c *Collector) Sync(ctx context.Context, db *sql.DB, w *ingest.Writer) (ingest.Report, error) {
	r := &run{Collector: c, db: db, w: w, end: c.opts.Now().UTC().Truncate(time.Second), cat: newCatalog(),
		services: map[string]bool{}, seen: map[string]bool{},
		rep: ingest.NewReport(work, notes)}
	r.rep.SkippedSee = "docs/sources.md for the permissions"
	before := c.client.requests()
	err := r.sync(ctx)
	if err != nil {
		w.Discard(context.WithoutCancel(ctx))
	}
	r.rep.Requests = c.client.requests() - before
	return r.rep, err
}

// groups is the report of the alert groups' stream, whose windows the summary says.
func (r *run) groups() *ingest.StreamReport {
	sr := r.rep.Stream(StreamAlertGroups)
	sr.SayWindows = true
	return sr
}

func (r *run) sync(ctx context.Context) error {
	if err := r.backfillStart(ctx); err != nil {
		return err
	}
	for _, l := range lists {
		if err := r.list(ctx, l.path, l.kind); err != nil {
			return err
		}
	}
	if err := r.stageServices(ctx); err != nil {
		return err
	}
	r.groups() // said even when no window holds a group
	if err := r.walk(ctx); err != nil {
		return err
	}
	return r.refresh(ctx)
}

func (r *run) backfillStart(ctx context.Context) error {
	stored, err := ingest.LoadCursor(ctx, r.db, r.w.Source(), streamBackfill)
	if err == nil && stored != "" {
		r.since, err = time.Parse(time.RFC3339, stored)
	}
	if err != nil {
		return r.failed("the backfill start", fmt.Errorf("stored cursor %q: %w", stored, err))
	}
	if stored != "" {
		return nil
	}
	r.since = r.opts.Since.UTC().Truncate(time.Second)
	return r.commit(ctx, ingest.Cursor{Stream: streamBackfill, Value: r.since.Format(time.RFC3339)})
}

func (r *run) commit(ctx context.Context, cursors ...ingest.Cursor) error {
	counts, err := r.w.Commit(ctx, cursors...)
	if err != nil {
		return err
	}
	r.rep.Commit(counts)
	return nil
}

// forbidden tells a 403 for want of a permission, which a sync goes on without, from
// other refusals: OnCall answers a wrong token with a 403 too ("Invalid token.").
func forbidden(err error) bool {
	var se *ingest.StatusError
	return errors.As(err, &se) && se.Status == http.StatusForbidden && strings.Contains(se.Message, "permission")
}

// list reads one configuration list in full, committing each page. A list the token has
// no permission for is skipped with a progress line: what it would tell falls back as
// the mapping says.
func (r *run) list(ctx context.Context, path, kind string) error {
	start, before, n := time.Now(), r.client.requests(), 0
	sr := r.rep.Stream(strings.TrimSuffix(path, "/"))
	for u := r.client.endpoint(path, nil); u != nil; {
		p, err := r.client.list(ctx, u)
		var se *ingest.StatusError
		if errors.As(err, &se) && se.Status == http.StatusNotFound && n == 0 {
			err = fmt.Errorf("%w (is the API URL the one OnCall → Settings shows? A Grafana stack's own URL is not it)", err)
		}
		if forbidden(err) && n == 0 {
			r.rep.Skipped = append(r.rep.Skipped, strings.TrimSuffix(path, "/"))
			fmt.Fprintf(r.opts.Progress, "grafana-oncall: %s: skipped, the token may not read it (%v)\n", strings.TrimSuffix(path, "/"), err)
			return nil
		}
		if err == nil {
			err = r.stageList(kind, p.Results)
		}
		if err == nil {
			err = r.commit(ctx)
		}
		if err != nil {
			return r.failed(fmt.Sprintf("%s after %d records", strings.TrimSuffix(path, "/"), n), err)
		}
		n += len(p.Results)
		u = p.Next
	}
	if kind == "escalation_policy" {
		r.cat.policiesRead = true
	}
	sr.Records, sr.Requests = n, r.client.requests()-before
	r.progress(strings.TrimSuffix(path, "/"), n, r.client.requests()-before, start)
	return nil
}

// stageList keeps each record as received and learns what the catalog needs from it.
func (r *run) stageList(kind string, recs []json.RawMessage) error {
	for _, raw := range recs {
		var id struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &id); err != nil || id.ID == "" {
			return fmt.Errorf("a %s without an id: %.200s", kind, raw)
		}
		if err := r.catalogue(kind, raw); err != nil {
			return fmt.Errorf("%s %s: %w", kind, id.ID, err)
		}
		if err := r.w.Raw(ingest.Raw{Kind: kind, ID: id.ID, Payload: raw}); err != nil {
			return err
		}
	}
	return nil
}

// catalogue stores a user as a responder and tells the catalog the rest.
func (r *run) catalogue(kind string, raw json.RawMessage) error {
	if kind != "user" {
		return r.cat.learn(kind, raw)
	}
	var u userRecord
	if err := json.Unmarshal(raw, &u); err != nil {
		return err
	}
	return r.w.Responder(ingest.Responder{ID: u.ID, Name: u.Username, Email: u.Email, TimeZone: deref(u.Timezone)})
}

// stageServices stores a service for every route the lists named, whether or not it
// has raised an alert group yet; services that only groups name (a deleted route, a
// group that came through none) are staged with their groups.
func (r *run) stageServices(ctx context.Context) error {
	ids := make([]string, 0, len(r.cat.routes))
	for id := range r.cat.routes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := r.stageService(r.cat.routes[id].integrationID, id); err != nil {
			return err
		}
	}
	if err := r.commit(ctx); err != nil {
		return r.failed("services", err)
	}
	return nil
}

func (r *run) stageService(integrationID, routeID string) error {
	id := serviceID(integrationID, routeID)
	if r.services[id] {
		return nil
	}
	r.services[id] = true
	return r.w.Service(r.cat.service(integrationID, routeID))
}

// position is the alert groups' cursor, stored as JSON in sync_state. Every group
// created before Done is stored. While a walk is under way, End is where it stops and,
// when a window is part-way through, Window is that window's end and Page the page to
// fetch next; a finished walk has Done == End and no Window. A killed sync resumes from
// exactly here. Unfiltered says the server ignores started_at, so the walk pages through
// one window from Done to End, newest first.
type position struct {
	Done       time.Time  `json:"done"`
	End        time.Time  `json:"end"`
	Window     *time.Time `json:"window,omitempty"`
	Page       int        `json:"page,omitempty"`
	Unfiltered bool       `json:"unfiltered,omitempty"`
}

func (p position) finished() bool { return p.Window == nil && !p.Done.Before(p.End) }

func (p position) String() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// window is a range [Since, Until) of creation times, in whole seconds.
type window struct{ Since, Until time.Time }

func (w window) String() string {
	return w.Since.Format(time.RFC3339) + ".." + w.Until.Format(time.RFC3339)
}

// startedAt is OnCall's started_at filter for the window: "{start}_{end}", both ends
// included, UTC without a zone. The end being included, a group created at exactly
// Until comes back in two windows and is stored by the second.
func (w window) startedAt() string {
	const f = "2006-01-02T15:04:05"
	return w.Since.UTC().Format(f) + "_" + w.Until.UTC().Format(f)
}

// walk lists the alert groups window by window, oldest window first, from the cursor
// to the start of this sync.
func (r *run) walk(ctx context.Context) error {
	stored, err := ingest.LoadCursor(ctx, r.db, r.w.Source(), StreamAlertGroups)
	if err != nil {
		return r.failed("alert groups", err)
	}
	cur, page := r.since, 1
	var resume *window
	if stored != "" {
		var pos position
		if err := json.Unmarshal([]byte(stored), &pos); err != nil || pos.Done.IsZero() {
			return r.failed("alert groups", fmt.Errorf("stored cursor %q is not one this version wrote: delete it from sync_state to backfill again", stored))
		}
		r.unfiltered = pos.Unfiltered
		switch {
		case pos.Window != nil:
			resume, page = &window{pos.Done, *pos.Window}, max(pos.Page, 1)
		case !pos.finished():
			cur = pos.Done
		default:
			cur = pos.Done.Add(-r.opts.Overlap)
		}
		if cur.Before(r.since) {
			cur = r.since
		}
	}
	for resume != nil || cur.Before(r.end) {
		win := window{cur, earlier(cur.Add(r.opts.Window), r.end)}
		if resume != nil {
			win, resume = *resume, nil
		}
		if r.unfiltered {
			win.Until = later(win.Until, r.end)
		}
		r.groups().Windows++
		until, err := r.window(ctx, win, page)
		if err != nil {
			return err
		}
		cur, page = until, 1
	}
	return nil
}

// window fetches the pages of one window from page on, newest first, committing each
// with the cursor that says where the walk stands after it, and returns where the
// window ended (later than planned when it finds that the server ignores started_at).
func (r *run) window(ctx context.Context, win window, page int) (time.Time, error) {
	start, before, records := time.Now(), r.client.requests(), 0
	q := url.Values{"started_at": {win.startedAt()}}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	for u := r.client.endpoint("alert_groups/", q); ; {
		where := fmt.Sprintf("alert groups %s, page %d", win, page)
		p, err := r.client.list(ctx, u)
		if err != nil {
			return win.Until, r.failed(where, err)
		}
		groups, err := decodeGroups(p.Results)
		if err != nil {
			return win.Until, r.failed(where, err)
		}
		past, staged := false, 0
		for i, g := range groups {
			switch {
			case g.created.After(win.Until) && !r.unfiltered:
				// A server that filters would not have sent it: an older OnCall without
				// started_at. Page newest first through everything up to now instead,
				// rather than through the whole history once per window.
				r.unfiltered, win.Until = true, later(win.Until, r.end)
				fmt.Fprintf(r.opts.Progress, "grafana-oncall: the API ignores started_at (an older OnCall): listing alert groups newest first back to %s\n", win.Since.Format(time.RFC3339))
			case g.created.Before(win.Since):
				past = true // newest first: the rest of the list is older still
			}
			if g.created.Before(win.Since) || !g.created.Before(win.Until) {
				continue
			}
			if err := r.stageGroup(ctx, p.Results[i], g.groupRecord); err != nil {
				return win.Until, r.failed(where, err)
			}
			staged++
		}
		pos := position{Done: win.Until, End: r.end, Unfiltered: r.unfiltered}
		if p.Next != nil && !past {
			until := win.Until
			pos = position{Done: win.Since, End: r.end, Window: &until, Page: pageOf(p.Next, page+1), Unfiltered: r.unfiltered}
		}
		if err := r.commit(ctx, ingest.Cursor{Stream: StreamAlertGroups, Value: pos.String()}); err != nil {
			return win.Until, r.failed(where, err)
		}
		records += staged
		r.groups().Records += staged
		if pos.Window == nil {
			break
		}
		u, page = p.Next, pos.Page
	}
	r.progress("alert groups "+win.String(), records, r.client.requests()-before, start)
	return win.Until, nil
}

// pageOf reads the page number of a next link, else assumes the one after.
func pageOf(next *url.URL, otherwise int) int {
	if n, err := strconv.Atoi(next.Query().Get("page")); err == nil && n > 0 {
		return n
	}
	return otherwise
}

type listedGroup struct {
	groupRecord
	created time.Time
}

func decodeGroups(recs []json.RawMessage) ([]listedGroup, error) {
	out := make([]listedGroup, len(recs))
	for i, raw := range recs {
		if err := json.Unmarshal(raw, &out[i].groupRecord); err != nil || out[i].ID == "" {
			return nil, fmt.Errorf("an alert group without an id: %.200s", raw)
		}
		var err error
		if out[i].created, err = parseTime(out[i].ID, "created_at", out[i].CreatedAt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// stageGroup stages an alert group as an incident, with its service when that is not
// staged yet, and keeps its JSON as received.
func (r *run) stageGroup(ctx context.Context, raw json.RawMessage, g groupRecord) error {
	payload := lastAlertPayload(g)
	if !g.hasLastAlert() {
		var err error
		if payload, err = r.newestAlert(ctx, g.ID); err != nil {
			return fmt.Errorf("alert group %s: its alerts: %w", g.ID, err)
		}
	}
	inc, err := mapGroup(raw, payload, r.cat)
	if err != nil {
		return err
	}
	if err := r.stageService(g.IntegrationID, g.routeID()); err != nil {
		return err
	}
	if err := r.w.Incident(inc); err != nil {
		return err
	}
	r.seen[g.ID] = true
	return r.w.Raw(ingest.Raw{Kind: "alert_group", ID: g.ID, Payload: raw})
}

// newestAlert fetches the payload of a group's newest alert, for servers whose group
// list does not carry last_alert: one request per group. The alerts list comes newest
// first; the first page's alerts are kept raw.
func (r *run) newestAlert(ctx context.Context, groupID string) (json.RawMessage, error) {
	if r.noAlerts {
		return nil, nil
	}
	p, err := r.client.list(ctx, r.client.endpoint("alerts/", url.Values{"alert_group_id": {groupID}}))
	if forbidden(err) {
		r.noAlerts = true
		fmt.Fprintf(r.opts.Progress, "grafana-oncall: alerts: skipped, the token may not read them (%v): no runbook links\n", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var newest json.RawMessage
	for _, raw := range p.Results {
		var a alertRecord
		if err := json.Unmarshal(raw, &a); err != nil || a.ID == "" {
			return nil, fmt.Errorf("an alert without an id: %.200s", raw)
		}
		if newest == nil {
			newest = a.Payload
		}
		if err := r.w.Raw(ingest.Raw{Kind: "alert", ID: a.ID, Payload: raw}); err != nil {
			return nil, err
		}
		r.rep.Add(CountAlerts, 1)
	}
	return newest, nil
}

// refresh re-reads the groups that may have changed since they were stored. OnCall
// lists groups by creation and has no "changed since" filter, so: every group now open
// (the lists of states new, acknowledged and silenced, within the history), then, one by
// one, each group stored as open that those lists no longer hold, which has been
// resolved since (or deleted: the API answers 404 and the group stays as stored).
func (r *run) refresh(ctx context.Context) error {
	start, before := time.Now(), r.client.requests()
	hist := window{r.since, r.end}
	for _, state := range []string{"new", "acknowledged", "silenced"} {
		q := url.Values{"state": {state}, "started_at": {hist.startedAt()}}
		for u := r.client.endpoint("alert_groups/", q); u != nil; {
			where := fmt.Sprintf("open alert groups (state %s)", state)
			p, err := r.client.list(ctx, u)
			if err != nil {
				return r.failed(where, err)
			}
			groups, err := decodeGroups(p.Results)
			if err != nil {
				return r.failed(where, err)
			}
			staged := 0
			for i, g := range groups {
				if r.seen[g.ID] || g.created.Before(hist.Since) || !g.created.Before(hist.Until) {
					continue
				}
				if err := r.stageGroup(ctx, p.Results[i], g.groupRecord); err != nil {
					return r.failed(where, err)
				}
				staged++
			}
			if err := r.commit(ctx); err != nil {
				return r.failed(where, err)
			}
			r.rep.Add(CountOpen, staged)
			u = p.Next
		}
	}
	stale, err := r.storedOpen(ctx)
	if err != nil {
		return r.failed("open alert groups", err)
	}
	for i, id := range stale {
		raw, err := r.client.get(ctx, "alert_groups/"+url.PathEscape(id))
		var se *ingest.StatusError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			r.rep.Add(CountGone, 1)
			continue
		}
		var g []listedGroup
		if err == nil {
			g, err = decodeGroups([]json.RawMessage{raw})
		}
		if err == nil {
			err = r.stageGroup(ctx, raw, g[0].groupRecord)
		}
		if err == nil && (i%50 == 49 || i == len(stale)-1) {
			err = r.commit(ctx)
		}
		if err != nil {
			return r.failed("alert group "+id, err)
		}
		r.rep.Add(CountRefetched, 1)
	}
	if err := r.commit(ctx); err != nil {
		return r.failed("open alert groups", err)
	}
	r.progress("open alert groups", r.rep.Count(CountOpen)+r.rep.Count(CountRefetched), r.client.requests()-before, start)
	return nil
}

// storedOpen lists the groups stored as open that this run has not stored again.
func (r *run) storedOpen(ctx context.Context) ([]string, error) {
	rows, err := r.db.QueryContext(ctx, `select incident_id from incidents where source = ? and resolved_at is null order by incident_id`, r.w.Source())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !r.seen[id] {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

func (r *run) progress(what string, records, requests int, start time.Time) {
	secs := time.Since(start).Seconds()
	rate := ""
	if records > 0 && secs > 0 {
		rate = fmt.Sprintf(", %.0f records/s", float64(records)/secs)
	}
	fmt.Fprintf(r.opts.Progress, "grafana-oncall: %s: %d records, %d requests, %.1f s%s\n", what, records, requests, secs, rate)
}

// failed wraps an error with where the sync stopped and what it had stored by then.
func (r *run) failed(where string, err error) error {
	return fmt.Errorf("grafana-oncall: %s: %w (stored before this: %d alert groups in this run; run the sync again to resume from there)",
		where, err, r.rep.Records(StreamAlertGroups)+r.rep.Count(CountOpen)+r.rep.Count(CountRefetched))
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
