// Package oncalltest is a fake Grafana OnCall public API and a small organisation to
// serve, for the collector's own tests and the sync command's. It is written from the
// API reference (docs/sources/oncall-api-reference) and the public API's code
// (engine/apps/public_api) of grafana/oncall, and serves the real samples of
// testdata/ beside its own records.
package oncalltest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fake serves an organisation the way OnCall's public API does, and holds the client to
// what the API documents:
//
//   - the token must be the Authorization header itself (no scheme); a wrong one gets
//     OnCall's 403 {"detail": "Invalid token."} (its first authenticator has no
//     WWW-Authenticate challenge, so Django REST framework answers 403, not 401); a
//     service account token (glsa_...) also needs X-Grafana-URL naming the stack;
//   - lists page by page number with the documented page sizes (alert groups, alerts,
//     teams, integrations, escalation chains and policies 50; users 100; routes 25) and
//     absolute next links; a query parameter the docs do not list (a page size such as
//     perpage, say) is refused with a 400 (the real API ignores it silently, which
//     would hide the mistake); a page past the end gets the last page, as OnCall's
//     paginator does;
//   - alert groups come newest first; started_at ("{start}_{end}", both included,
//     %Y-%m-%dT%H:%M:%S) and state (new, acknowledged, resolved, silenced) filter them,
//     and a malformed value is a 400 as in OnCall;
//   - it can answer 429 with Retry-After and RateLimit-Reset, 5xx, a 403 for want of a
//     permission on chosen lists, or 401 for everything (a proxy in front); it can also
//     play an older OnCall that ignores started_at.
type Fake struct {
	token, grafanaURL string

	mu              sync.Mutex
	data            *Data
	requests        int
	rateLimitEvery  int // every Nth request gets a 429
	retryAfter      int // seconds the 429 asks for
	failEvery       int // every Nth request gets a 502
	failFrom        int // from the Nth request on, every request gets a 500
	onRequest       func(n int)
	ignoreStartedAt bool
	unauthorized    bool
	denied          map[string]bool // list paths ("escalation_policies") refused for want of a permission
	nextBase        string          // scheme://host of next links; "" for the request's own
	badRequests     []string
	paths           []string // every request's path and query, in order
}

// Data is an organisation: the configuration lists as JSON records, the alert groups,
// and the alerts of groups served without last_alert.
type Data struct {
	Teams, Users, Chains, Policies, Integrations, Routes []json.RawMessage
	Groups                                               []*Group
	Alerts                                               []json.RawMessage
}

// Group is an alert group. A zero time is null. State follows from the times as
// OnCall's does: resolved, else acknowledged, else silenced, else firing.
type Group struct {
	ID, IntegrationID, RouteID, TeamID, Title string
	CreatedAt                                 time.Time
	AcknowledgedAt, ResolvedAt, SilencedAt    time.Time
	AcknowledgedBy, ResolvedBy                string // a user id; "" is null (the source did it)
	AlertsCount                               int
	Labels                                    map[string]string
	LastAlert                                 json.RawMessage // the newest alert's payload; nil serves "last_alert": null
	// Legacy serves the older shape of the record, as the API reference had it until
	// 2023 and the real sample shows: no acknowledged_by, resolved_by, team_id, labels,
	// silenced_at or last_alert.
	Legacy bool
	// Raw, when set, is served as it is (a real sample); CreatedAt must agree with it.
	Raw json.RawMessage
}

// State is the group's state as the API names it.
func (g *Group) State() string {
	switch {
	case !g.ResolvedAt.IsZero():
		return "resolved"
	case !g.AcknowledgedAt.IsZero():
		return "acknowledged"
	case !g.SilencedAt.IsZero():
		return "silenced"
	}
	return "firing"
}

// matches applies the state filter as OnCall's get_*_state_filter do.
func (g *Group) matches(state string) bool {
	resolved, acked, silenced := !g.ResolvedAt.IsZero(), !g.AcknowledgedAt.IsZero(), !g.SilencedAt.IsZero()
	switch state {
	case "new":
		return !resolved && !acked && !silenced
	case "acknowledged":
		return acked && !resolved
	case "silenced":
		return silenced && !acked && !resolved
	case "resolved":
		return resolved
	}
	return true
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// JSON renders the group as the API does.
func (g *Group) JSON() json.RawMessage {
	if g.Raw != nil {
		return g.Raw
	}
	m := map[string]any{
		"id": g.ID, "integration_id": g.IntegrationID, "route_id": nullString(g.RouteID),
		"alerts_count": g.AlertsCount, "state": g.State(), "created_at": nullTime(g.CreatedAt),
		"resolved_at": nullTime(g.ResolvedAt), "acknowledged_at": nullTime(g.AcknowledgedAt),
		"title": g.Title, "permalinks": map[string]any{"slack": nil, "telegram": nil, "web": "https://grafana.example.com/a/grafana-oncall-app/alert-groups/" + g.ID},
	}
	if !g.Legacy {
		labels := []map[string]any{}
		keys := make([]string, 0, len(g.Labels))
		for k := range g.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			labels = append(labels, map[string]any{"key": map[string]string{"id": k, "name": k}, "value": map[string]string{"id": g.Labels[k], "name": g.Labels[k]}})
		}
		m["team_id"], m["labels"], m["silenced_at"] = nullString(g.TeamID), labels, nullTime(g.SilencedAt)
		m["acknowledged_by"], m["resolved_by"] = nullString(g.AcknowledgedBy), nullString(g.ResolvedBy)
		m["last_alert"] = nil
		if g.LastAlert != nil {
			m["last_alert"] = map[string]any{"id": "A" + g.ID, "alert_group_id": g.ID, "created_at": nullTime(g.CreatedAt), "payload": g.LastAlert}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// NewFake returns a fake serving data to clients that send token; grafanaURL is the
// stack a service account token (glsa_...) must name in X-Grafana-URL.
func NewFake(token, grafanaURL string, data *Data) *Fake {
	return &Fake{token: token, grafanaURL: grafanaURL, data: data, retryAfter: 3, denied: map[string]bool{}}
}

// Serve starts a fake on a loopback port for the test's duration.
func Serve(tb testing.TB, token string, data *Data) (*Fake, *httptest.Server) {
	f := NewFake(token, "https://stack.grafana.example", data)
	srv := httptest.NewServer(f)
	tb.Cleanup(srv.Close)
	return f, srv
}

func (f *Fake) set(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// RateLimit makes every Nth request a 429 asking to wait seconds (0: none).
func (f *Fake) RateLimit(every, seconds int) {
	f.set(func() { f.rateLimitEvery, f.retryAfter = every, seconds })
}

// Fail makes every Nth request a 502, and every request from the from-th on a 500 (0: never).
func (f *Fake) Fail(every, from int) { f.set(func() { f.failEvery, f.failFrom = every, from }) }

// OnRequest calls hook with each request's number before it is answered; nil removes it.
func (f *Fake) OnRequest(hook func(n int)) { f.set(func() { f.onRequest = hook }) }

// IgnoreStartedAt plays an older OnCall, whose alert group list has no started_at filter.
func (f *Fake) IgnoreStartedAt(on bool) { f.set(func() { f.ignoreStartedAt = on }) }

// Unauthorized answers every request with a 401, as a proxy in front of OnCall might.
func (f *Fake) Unauthorized(on bool) { f.set(func() { f.unauthorized = on }) }

// Deny refuses a list ("escalation_policies") with OnCall's 403 for a missing permission.
func (f *Fake) Deny(list string) { f.set(func() { f.denied[list] = true }) }

// NextBase makes next links point at another scheme://host, as an OnCall whose
// BASE_URL is not the address the client uses does.
func (f *Fake) NextBase(base string) { f.set(func() { f.nextBase = base }) }

// Update changes the group with that id (acknowledge it, resolve it) between syncs.
func (f *Fake) Update(id string, change func(g *Group)) {
	f.set(func() {
		for _, g := range f.data.Groups {
			if g.ID == id {
				change(g)
				return
			}
		}
		panic("oncalltest: no alert group " + id)
	})
}

// Delete removes a group, as DELETE with mode "delete" does: the API answers 404 for it.
func (f *Fake) Delete(id string) {
	f.set(func() {
		for i, g := range f.data.Groups {
			if g.ID == id {
				f.data.Groups = append(f.data.Groups[:i], f.data.Groups[i+1:]...)
				return
			}
		}
		panic("oncalltest: no alert group " + id)
	})
}

// Requests is how many requests the fake has answered or is answering.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// BadRequests are the requests the fake refused with a 400, as "what: why".
func (f *Fake) BadRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.badRequests...)
}

// Paths are the path and query of every request, in order.
func (f *Fake) Paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

// documented lists the query parameters each list takes, from the API reference;
// page is the paging parameter.
var documented = map[string][]string{
	"alert_groups":        {"id", "route_id", "integration_id", "label", "team_id", "started_at", "state"},
	"alerts":              {"id", "alert_group_id", "search"},
	"users":               {"username"},
	"teams":               {"name"},
	"integrations":        {"name"},
	"routes":              {"integration_id", "routing_regex"},
	"escalation_chains":   {},
	"escalation_policies": {"escalation_chain_id"},
}

var pageSize = map[string]int{"users": 100, "routes": 25}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	f.paths = append(f.paths, r.URL.RequestURI())
	hook := f.onRequest
	limited := f.rateLimitEvery > 0 && n%f.rateLimitEvery == 0
	wait := f.retryAfter
	down := f.failFrom > 0 && n >= f.failFrom
	flaky := f.failEvery > 0 && n%f.failEvery == 0
	unauthorized := f.unauthorized
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	auth := r.Header.Get("Authorization")
	switch {
	case unauthorized:
		detail(w, http.StatusUnauthorized, "Authentication credentials were not provided.")
		return
	case auth != f.token:
		detail(w, http.StatusForbidden, "Invalid token.")
		return
	case strings.HasPrefix(auth, "glsa_") && r.Header.Get("X-Grafana-URL") != f.grafanaURL:
		detail(w, http.StatusForbidden, "Missing X-Grafana-Instance-ID")
		return
	case limited:
		w.Header().Set("Retry-After", strconv.Itoa(wait))
		w.Header().Set("RateLimit-Reset", strconv.Itoa(wait))
		detail(w, http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d seconds.", wait))
		return
	case down:
		detail(w, http.StatusInternalServerError, "Internal Server Error")
		return
	case flaky:
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		return
	case r.Method != http.MethodGet:
		detail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", r.Method))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/")
	if !ok {
		detail(w, http.StatusNotFound, "Not found.")
		return
	}
	name, id, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.denied[name] {
		detail(w, http.StatusForbidden, "You do not have permission to perform this action.")
		return
	}
	if id != "" {
		f.serveGroup(w, name, id)
		return
	}
	allowed, ok := documented[name]
	if !ok {
		detail(w, http.StatusNotFound, "Not found.")
		return
	}
	q := r.URL.Query()
	for k := range q {
		if k != "page" && !slices.Contains(allowed, k) {
			f.bad(w, r.URL.RequestURI(), fmt.Sprintf("%q is not a documented parameter of %s", k, name))
			return
		}
	}
	recs, listed := map[string][]json.RawMessage{"teams": f.data.Teams, "users": f.data.Users,
		"escalation_chains": f.data.Chains, "escalation_policies": f.data.Policies,
		"integrations": f.data.Integrations, "routes": f.data.Routes}[name]
	switch {
	case listed:
	case name == "alerts":
		recs = f.alerts(q.Get("alert_group_id"))
	default: // alert_groups
		var err string
		if recs, err = f.groups(q); err != "" {
			f.bad(w, r.URL.RequestURI(), err)
			return
		}
	}
	f.page(w, r, recs, name)
}

func (f *Fake) bad(w http.ResponseWriter, what, why string) {
	f.badRequests = append(f.badRequests, what+": "+why)
	detail(w, http.StatusBadRequest, why)
}

func (f *Fake) serveGroup(w http.ResponseWriter, name, id string) {
	if name == "alert_groups" {
		for _, g := range f.data.Groups {
			if g.ID == id {
				w.Header().Set("Content-Type", "application/json")
				w.Write(g.JSON())
				return
			}
		}
	}
	detail(w, http.StatusNotFound, "Not found.")
}

// groups filters and orders the alert groups as the list does: newest first.
func (f *Fake) groups(q url.Values) ([]json.RawMessage, string) {
	var from, to time.Time
	if v := q.Get("started_at"); v != "" && !f.ignoreStartedAt {
		a, b, ok := strings.Cut(v, "_")
		var err1, err2 error
		from, err1 = time.Parse("2006-01-02T15:04:05", a)
		to, err2 = time.Parse("2006-01-02T15:04:05", b)
		if !ok || err1 != nil || err2 != nil || from.After(to) {
			return nil, "Invalid range value"
		}
	}
	state := strings.ToLower(q.Get("state"))
	if state != "" && !slices.Contains([]string{"new", "acknowledged", "resolved", "silenced"}, state) {
		return nil, "state: Must be one of the following: new, acknowledged, resolved, silenced"
	}
	sel := []*Group{}
	for _, g := range f.data.Groups {
		if !from.IsZero() && (g.CreatedAt.Before(from) || g.CreatedAt.After(to)) {
			continue
		}
		if (q.Get("id") != "" && g.ID != q.Get("id")) || (q.Get("route_id") != "" && g.RouteID != q.Get("route_id")) ||
			(q.Get("integration_id") != "" && g.IntegrationID != q.Get("integration_id")) || !g.matches(state) {
			continue
		}
		sel = append(sel, g)
	}
	sort.SliceStable(sel, func(i, j int) bool { return sel[i].CreatedAt.After(sel[j].CreatedAt) })
	out := make([]json.RawMessage, len(sel))
	for i, g := range sel {
		out[i] = g.JSON()
	}
	return out, ""
}

// alerts are a group's alerts, newest first (the list orders by -id).
func (f *Fake) alerts(groupID string) []json.RawMessage {
	type alert struct {
		GroupID   string    `json:"alert_group_id"`
		CreatedAt time.Time `json:"created_at"`
		raw       json.RawMessage
	}
	var sel []alert
	for _, raw := range f.data.Alerts {
		a := alert{raw: raw}
		json.Unmarshal(raw, &a)
		if groupID == "" || a.GroupID == groupID {
			sel = append(sel, a)
		}
	}
	sort.SliceStable(sel, func(i, j int) bool { return sel[i].CreatedAt.After(sel[j].CreatedAt) })
	out := make([]json.RawMessage, len(sel))
	for i, a := range sel {
		out[i] = a.raw
	}
	return out
}

// page serves one page of recs as OnCall's PathPrefixedPagePagination does.
func (f *Fake) page(w http.ResponseWriter, r *http.Request, recs []json.RawMessage, name string) {
	size := pageSize[name]
	if size == 0 {
		size = 50
	}
	pages := max(1, (len(recs)+size-1)/size)
	p, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || p < 1 {
		p = 1
	}
	p = min(p, pages) // past the end: the last page
	link := func(n int) any {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		base := f.nextBase
		if base == "" {
			base = "http://" + r.Host
		}
		return base + r.URL.Path + "?" + q.Encode()
	}
	resp := map[string]any{"count": len(recs), "next": nil, "previous": nil,
		"results": recs[(p-1)*size : min(p*size, len(recs))], "current_page_number": p, "page_size": size, "total_pages": pages}
	if len(recs) == 0 {
		resp["results"] = []json.RawMessage{} // [] rather than null, as the API sends
	}
	if p < pages {
		resp["next"] = link(p + 1)
	}
	if p > 1 {
		resp["previous"] = link(p - 1)
	}
	writeJSON(w, http.StatusOK, resp)
}
