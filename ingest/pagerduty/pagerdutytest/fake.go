// Package pagerdutytest is a fake PagerDuty REST API and a generator of account
// histories built from real samples (testdata/, copied from public repositories, see
// testdata/SOURCES.md) and from fixtures written to PagerDuty's OpenAPI description. The
// collector's own tests and the server's crash and fault tests (cmd/alertlens) share it,
// so that there is one fake of the API to keep true to it.
package pagerdutytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// What the fake holds the client to, from PagerDuty's REST API description
// (PagerDuty/api-schema, reference/REST/openapiv3.json) and its developer documentation
// (PagerDuty/developer-docs, docs/REST-API). Neither is copied here: these are the facts.
const (
	// The header_Accept parameter of every operation: "required", "used as a
	// versioning header", default application/vnd.pagerduty+json;version=2.
	acceptType    = "application/vnd.pagerduty+json"
	acceptVersion = "2"
	// Pagination: limit "cannot exceed 100"; offset+limit over 10000 is a 400.
	maxLimit  = 100
	offsetCap = 10000
)

// includes are the include[] values each list documents (include_log_entry,
// include_incidents, include_user, include_services, include_escalation_policy);
// a list that documents none takes none.
var includes = map[string][]string{
	"/log_entries": {"incidents", "services", "channels", "teams"},
	"/incidents": {"acknowledgers", "agents", "assignees", "conference_bridge", "escalation_policies",
		"first_trigger_log_entries", "priorities", "services", "teams", "users"},
	"/users":               {"contact_methods", "notification_rules", "teams", "subdomains"},
	"/services":            {"escalation_policies", "teams", "integrations", "auto_pause_notifications_parameters"},
	"/escalation_policies": {"services", "teams", "targets", "escalation_rule_assignment_strategies"},
}

// Fake serves a generated account the way the REST API does: list endpoints page with
// limit/offset/more/total, list incidents oldest first and log entries newest first, and
// GET /incidents/{id} answers one incident. It refuses what the documentation refuses,
// with PagerDuty's error document (code and message from the Errors page): a request
// without the token (401, 2006) or without the versioning Accept header, a limit over
// 100, offset+limit over 10000, a since/until that is not a time (2004) or spans more
// than 6 months (2005), an unknown time zone, include[], sort_by or boolean value (400,
// 2001), and a stream the account may not read (402 or 403, see Refuse). It can answer
// 429 or 500 now and then, die for good, or call a hook on every request. It is an
// http.Handler, so that a test can wrap it in faults of its own.
type Fake struct {
	token string
	data  *Data

	mu             sync.Mutex
	requests       int
	rateLimitEvery int       // every Nth request gets a 429 with ratelimit-reset
	resetSeconds   int       // what that 429 says
	failEvery      int       // every Nth request gets a 500
	failFrom       int       // from the Nth request on, every request gets a 500
	onRequest      func(int) // called with the request's number before it is answered
	badRequests    []string  // 400s the fake gave: the client asked for something invalid
	refused        map[string]int
	paths          []string // every request's path and query, in order
}

// Data is a generated account, every record already JSON as the API sends it.
type Data struct {
	Users, Teams, Policies, Services [][]byte
	Incidents                        []Record // oldest first
	LogEntries                       []Record // oldest first; served newest first
	OnCalls                          []OnCall // served by GET /oncalls; oldest start first, as earliest=true relies on

	// What the account holds, for assertions.
	Notifications, Events, ResolvedByHuman, ResolvedAuto, Open, Runbooks int
}

// Record is one incident or log entry and the time it was created.
type Record struct {
	At   time.Time
	Body []byte
}

// NewFake returns a fake serving data to clients that send token.
func NewFake(token string, data *Data) *Fake {
	return &Fake{token: token, data: data, resetSeconds: 3, refused: map[string]int{}}
}

// Serve starts a fake on a loopback port for the test's duration.
func Serve(tb testing.TB, token string, data *Data) (*Fake, *httptest.Server) {
	f := NewFake(token, data)
	srv := httptest.NewServer(f)
	tb.Cleanup(srv.Close)
	return f, srv
}

// RateLimit makes every Nth request a 429 whose ratelimit-reset says resetSeconds (0:
// no 429s).
func (f *Fake) RateLimit(every, resetSeconds int) {
	f.mu.Lock()
	f.rateLimitEvery, f.resetSeconds = every, resetSeconds
	f.mu.Unlock()
}

// Fail makes every Nth request a 500, and every request from the from-th on (0: never).
func (f *Fake) Fail(every, from int) {
	f.mu.Lock()
	f.failEvery, f.failFrom = every, from
	f.mu.Unlock()
}

// Refuse answers every request for path with status, as the API answers a key or an
// account that may not read it: 402 Payment Required when the account lacks the
// ability (GET /teams documents it, for accounts without the Teams feature), 403
// Forbidden when the key's user may not see it, 401 for a revoked key. 0 serves the
// path again.
func (f *Fake) Refuse(path string, status int) {
	f.mu.Lock()
	if status == 0 {
		delete(f.refused, path)
	} else {
		f.refused[path] = status
	}
	f.mu.Unlock()
}

// OnRequest calls hook with each request's number (counting from the fake's start)
// before the request is answered; nil removes it.
func (f *Fake) OnRequest(hook func(n int)) {
	f.mu.Lock()
	f.onRequest = hook
	f.mu.Unlock()
}

// Requests is how many requests the fake has answered or is answering.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Paths are the path and query of every request, in the order they came.
func (f *Fake) Paths() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

// BadRequests are the requests the fake refused with a 400, as "what: why".
func (f *Fake) BadRequests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.badRequests...)
}

type apiErr struct {
	Error struct {
		Message string   `json:"message"`
		Code    int      `json:"code"`
		Errors  []string `json:"errors,omitempty"`
	} `json:"error"`
}

// WriteError answers with PagerDuty's error document.
func WriteError(w http.ResponseWriter, status, code int, msg string, errs ...string) {
	var e apiErr
	e.Error.Message, e.Error.Code, e.Error.Errors = msg, code, errs
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

// WriteRateLimited answers 429 with the headers PagerDuty sends: the limit, nothing
// remaining, and the seconds until the limit resets.
func WriteRateLimited(w http.ResponseWriter, resetSeconds int) {
	w.Header().Set("ratelimit-limit", "960")
	w.Header().Set("ratelimit-remaining", "0")
	w.Header().Set("ratelimit-reset", strconv.Itoa(resetSeconds))
	WriteError(w, http.StatusTooManyRequests, 2020, "Rate Limit Exceeded")
}

// writeRefused answers status with the error the Errors page lists for it.
func writeRefused(w http.ResponseWriter, status int) {
	switch status {
	case http.StatusUnauthorized:
		WriteError(w, status, 2006, "Authentication failed")
	case http.StatusPaymentRequired:
		WriteError(w, status, 2014, "Missing Account Ability")
	case http.StatusForbidden:
		WriteError(w, status, 2010, "Access Denied")
	case http.StatusNotFound:
		WriteError(w, status, 2100, "Not Found")
	default:
		WriteError(w, status, 2000, http.StatusText(status))
	}
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	hook := f.onRequest
	limited := f.rateLimitEvery > 0 && n%f.rateLimitEvery == 0
	reset := f.resetSeconds
	failed := (f.failEvery > 0 && n%f.failEvery == 0) || (f.failFrom > 0 && n >= f.failFrom)
	refused := f.refused[r.URL.Path]
	f.paths = append(f.paths, r.URL.RequestURI())
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	// Authentication: "this format must be followed precisely or you will receive a
	// 401 Unauthorized response" (Authentication page).
	if r.Header.Get("Authorization") != "Token token="+f.token {
		WriteError(w, http.StatusUnauthorized, 2006, "Unauthorized")
		return
	}
	if limited {
		WriteRateLimited(w, reset)
		return
	}
	if failed {
		WriteError(w, http.StatusInternalServerError, 0, "Internal Server Error")
		return
	}
	if r.Method != http.MethodGet {
		WriteError(w, http.StatusMethodNotAllowed, 2015, "Invalid operation")
		return
	}
	// The schema marks Accept required on every operation and the Versioning page says
	// it pins the version; without it the API answers in whatever version the token was
	// created with. The docs name no status for a request without it: the fake answers
	// 400, so that a client that would get another version's shapes hears of it here.
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Accept")); err != nil || mt != acceptType || params["version"] != acceptVersion {
		f.bad(w, "Accept "+r.Header.Get("Accept"), "Accept must be "+acceptType+";version="+acceptVersion)
		return
	}
	if refused != 0 {
		writeRefused(w, refused)
		return
	}
	q := r.URL.Query()
	if !f.validParams(w, r, q) {
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/incidents/"); ok && id != "" && !strings.Contains(id, "/") {
		f.incident(w, id)
		return
	}
	limit, offset := 25, 0 // the documented default page size
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			f.bad(w, fmt.Sprintf("%s limit=%s", r.URL.Path, v), fmt.Sprintf("limit must be a number from 1 to %d", maxLimit))
			return
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			f.bad(w, fmt.Sprintf("%s offset=%s", r.URL.Path, v), "offset must be a number of 0 or more")
			return
		}
	}
	if offset+limit > offsetCap {
		f.bad(w, fmt.Sprintf("%s offset=%d limit=%d", r.URL.Path, offset, limit), "Offset+limit must be less than or equal to 10000")
		return
	}
	key, all := "", [][]byte(nil)
	switch r.URL.Path {
	case "/users":
		key, all = "users", f.data.Users
	case "/teams":
		key, all = "teams", f.data.Teams
	case "/escalation_policies":
		key, all = "escalation_policies", f.data.Policies
	case "/services":
		key, all = "services", f.data.Services
	case "/oncalls":
		var ok bool
		if all, ok = f.onCalls(w, r); !ok {
			return
		}
		key = "oncalls"
	case "/incidents", "/log_entries":
		since, until, ok := f.dateRange(w, r, q)
		if !ok {
			return
		}
		if r.URL.Path == "/incidents" {
			key, all = "incidents", inRange(f.data.Incidents, since, until, false)
		} else {
			key, all = "log_entries", inRange(f.data.LogEntries, since, until, true)
			if q.Get("is_overview") == "true" || q.Get("is_overview") == "1" {
				all = overview(all)
			}
		}
	default:
		WriteError(w, http.StatusNotFound, 2100, "Not Found")
		return
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `{%q:[`, key)
	end := min(offset+limit, len(all))
	for i := offset; i < end; i++ {
		if i > offset {
			buf.WriteByte(',')
		}
		buf.Write(all[i])
	}
	total := "null" // "The total field is null by default"
	if isTrue(q.Get("total")) {
		total = strconv.Itoa(len(all))
	}
	fmt.Fprintf(&buf, `],"limit":%d,"offset":%d,"more":%t,"total":%s}`, limit, offset, end < len(all), total)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ratelimit-limit", "960")
	w.Write(buf.Bytes())
}

// validParams checks the parameters whose values the description enumerates: the
// booleans (true/false/1/0, Types page), time_zone (a tzinfo name), include[] (each
// list's enum) and sort_by (incidents: up to two of incident_number, created_at,
// resolved_at, urgency, each with :asc or :desc; services and escalation policies: name).
func (f *Fake) validParams(w http.ResponseWriter, r *http.Request, q map[string][]string) bool {
	for _, b := range []string{"total", "is_overview", "earliest"} {
		for _, v := range q[b] {
			if v != "true" && v != "false" && v != "1" && v != "0" {
				f.bad(w, r.URL.RawQuery, b+" must be true or false")
				return false
			}
		}
	}
	if v, ok := q["time_zone"]; ok {
		if _, err := time.LoadLocation(v[0]); err != nil || v[0] == "" || v[0] == "Local" {
			f.bad(w, r.URL.RawQuery, "time_zone is not a known time zone")
			return false
		}
	}
	path := r.URL.Path
	if strings.HasPrefix(path, "/incidents/") {
		path = "/incidents"
	}
	for _, v := range q["include[]"] {
		if !contains(includes[path], v) {
			f.bad(w, r.URL.RawQuery, fmt.Sprintf("include[] %q is not one of %s", v, strings.Join(includes[path], ", ")))
			return false
		}
	}
	if v, ok := q["sort_by"]; ok {
		var fields, dirs []string
		switch r.URL.Path {
		case "/incidents":
			fields, dirs = []string{"incident_number", "created_at", "resolved_at", "urgency"}, []string{"asc", "desc"}
		case "/services", "/escalation_policies":
			fields, dirs = []string{"name"}, []string{"asc", "desc"}
		}
		parts := strings.Split(v[0], ",")
		for _, p := range parts {
			field, dir, hasDir := strings.Cut(p, ":")
			if !contains(fields, field) || (hasDir && !contains(dirs, dir)) || len(parts) > 2 {
				f.bad(w, r.URL.RawQuery, fmt.Sprintf("sort_by %q: want at most two of %s, each optionally :asc or :desc", v[0], strings.Join(fields, ", ")))
				return false
			}
		}
	}
	return true
}

// dateRange reads since and until of /incidents and /log_entries: ISO 8601 times (the
// API's error 2004 otherwise), since before until, at most 6 months apart (2005, "Date
// range cannot exceed 6 months"). Incidents default to the last month when they are
// left out ("default is 1 month").
func (f *Fake) dateRange(w http.ResponseWriter, r *http.Request, q map[string][]string) (since, until time.Time, ok bool) {
	until = time.Now().UTC()
	since = until.AddDate(0, -1, 0)
	get := func(name string, t *time.Time) bool {
		v := ""
		if len(q[name]) > 0 {
			v = q[name][0]
		}
		if v == "" && r.URL.Path == "/incidents" {
			return true
		}
		p, err := time.Parse(time.RFC3339, v)
		if err != nil {
			f.badCode(w, r.URL.RawQuery, 2004, "Invalid time values in 'since' and/or 'until' parameters", name+" must be an ISO 8601 time")
			return false
		}
		*t = p
		return true
	}
	if !get("since", &since) || !get("until", &until) {
		return since, until, false
	}
	if !since.Before(until) {
		f.badCode(w, r.URL.RawQuery, 2005, "Invalid Query Date Range", "since must be before until")
		return since, until, false
	}
	if until.After(since.AddDate(0, 6, 0)) {
		f.badCode(w, r.URL.RawQuery, 2005, "Invalid Query Date Range", "Date range cannot exceed 6 months")
		return since, until, false
	}
	return since, until, true
}

// incident answers GET /incidents/{id}, {"incident": {...}} as documented.
func (f *Fake) incident(w http.ResponseWriter, id string) {
	for _, rec := range f.data.Incidents {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(rec.Body, &head) == nil && head.ID == id {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("ratelimit-limit", "960")
			fmt.Fprintf(w, `{"incident":%s}`, rec.Body)
			return
		}
	}
	WriteError(w, http.StatusNotFound, 2100, "Not Found")
}

// overview keeps what is_overview=true keeps: "only the most important changes to the
// incident", which the fake takes to be every entry but notifications.
func overview(all [][]byte) [][]byte {
	var out [][]byte
	for _, b := range all {
		if !bytes.Contains(b, []byte(`"type":"notify_log_entry"`)) {
			out = append(out, b)
		}
	}
	return out
}

func isTrue(v string) bool { return v == "true" || v == "1" }

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func (f *Fake) bad(w http.ResponseWriter, what, msg string) {
	f.badCode(w, what, 2001, "Invalid Input Provided", msg)
}

func (f *Fake) badCode(w http.ResponseWriter, what string, code int, msg, detail string) {
	f.mu.Lock()
	f.badRequests = append(f.badRequests, what+": "+detail)
	f.mu.Unlock()
	WriteError(w, http.StatusBadRequest, code, msg, detail)
}

// inRange returns the records created in [since, until), newest first when desc.
func inRange(recs []Record, since, until time.Time, desc bool) [][]byte {
	lo := sort.Search(len(recs), func(i int) bool { return !recs[i].At.Before(since) })
	hi := sort.Search(len(recs), func(i int) bool { return !recs[i].At.Before(until) })
	out := make([][]byte, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, recs[i].Body)
	}
	if desc {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// Clone deep-copies a sample so that each generated record starts from the real shape.
func Clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	json.Unmarshal(b, &c)
	return c
}

// MustJSON marshals v, which a test built and knows to be valid.
func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// UserRef is a reference to a user, as records carry them.
func UserRef(id, name string) map[string]any {
	return map[string]any{"id": id, "type": "user_reference", "summary": name,
		"self": "https://api.pagerduty.com/users/" + id}
}

// RFC3339 formats a time as the API does.
func RFC3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Spec says how big a generated account is.
type Spec struct {
	// incidents created in each month from January 2026 (index 0) on
	PerMonth []int
	Users    int
	// LogEvery gives every Nth incident its log entries (0 or 1: every incident), so
	// that a test can hold many incidents without paying for five times as many entries.
	LogEvery int
}

// Generate builds an account from the real samples in testdata/: every record is a
// sample with its ids, times and states rewritten. The same spec always
// gives the same account.
func Generate(tb testing.TB, spec Spec) *Data {
	tb.Helper()
	d := &Data{}
	userT := Sample(tb, "users_records_faros.json")
	teamSamples := Samples(tb, "teams_records_faros.json")
	serviceT := Sample(tb, "services_first_record_pypd.json")
	incidentT := Sample(tb, "incidents_records_pypd.json")
	triggerT := Sample(tb, "log_entries_records_faros.json")
	priorities := Samples(tb, "priorities_records_faros.json")

	zones := []string{"Europe/Kiev", "America/New_York", "Asia/Tokyo", "Europe/London", ""}
	var users []map[string]any
	for i := 0; i < spec.Users; i++ {
		u := Clone(userT)
		id := fmt.Sprintf("PUSER%02d", i)
		u["id"], u["name"], u["summary"] = id, fmt.Sprintf("Responder %d", i), fmt.Sprintf("Responder %d", i)
		u["email"], u["time_zone"] = fmt.Sprintf("responder%d@example.com", i), zones[i%len(zones)]
		if u["time_zone"] == "" {
			u["time_zone"] = nil // the User schema: "If null, the account's time zone will be used"
		}
		users = append(users, u)
		d.Users = append(d.Users, MustJSON(u))
	}
	var teamIDs []string
	for _, tm := range teamSamples {
		d.Teams = append(d.Teams, MustJSON(tm))
		teamIDs = append(teamIDs, tm["id"].(string))
	}
	// Escalation policies have no sample: their shape is small and documented.
	policyNames := []string{"Payments primary", "Platform follow-the-sun", "Data on-call"}
	for i, name := range policyNames {
		id := fmt.Sprintf("PEP%d", i)
		d.Policies = append(d.Policies, MustJSON(map[string]any{
			"id": id, "type": "escalation_policy", "name": name, "summary": name,
			"num_loops": 1, "escalation_rules": []any{}, "teams": []any{},
			"self": "https://api.pagerduty.com/escalation_policies/" + id,
		}))
	}
	const services = 4
	for i := 0; i < services; i++ {
		s := Clone(serviceT)
		id := fmt.Sprintf("PSVC%d", i)
		s["id"], s["name"], s["summary"] = id, fmt.Sprintf("service-%d", i), fmt.Sprintf("service-%d", i)
		// The references carry stale summaries: the names must come from the teams
		// and escalation policies fetched, as the real API's references can lag.
		ep := s["escalation_policy"].(map[string]any)
		ep["id"], ep["summary"] = fmt.Sprintf("PEP%d", i%len(policyNames)), "stale policy name"
		if i == services-1 {
			s["teams"] = []any{}
		} else {
			team := teamSamples[i]
			s["teams"] = []any{map[string]any{"id": team["id"], "type": "team_reference", "summary": "stale team name"}}
		}
		d.Services = append(d.Services, MustJSON(s))
	}

	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seq := 0
	for m, count := range spec.PerMonth {
		from := start.AddDate(0, m, 0)
		span := from.AddDate(0, 1, 0).Sub(from) - 2*time.Hour // every event falls inside the month
		for k := 0; k < count; k++ {
			seq++
			created := from.Add(span / time.Duration(count) * time.Duration(k)).Truncate(time.Second)
			d.addIncident(seq, created, incidentT, triggerT, users, priorities, teamIDs, services, spec.LogEvery <= 1 || seq%spec.LogEvery == 0)
		}
	}
	sort.SliceStable(d.LogEntries, func(i, j int) bool { return d.LogEntries[i].At.Before(d.LogEntries[j].At) })
	return d
}

func (d *Data) addIncident(seq int, created time.Time, incidentT, triggerT map[string]any, users []map[string]any, priorities []map[string]any, teamIDs []string, services int, withLog bool) {
	id := fmt.Sprintf("PINC%06d", seq)
	svc := fmt.Sprintf("PSVC%d", seq%services)
	inc := Clone(incidentT)
	inc["id"], inc["incident_number"] = id, seq
	inc["title"] = fmt.Sprintf("[db-%d] CPU at %d%% on 10.0.%d.%d", seq%7, 80+seq%20, seq%5, seq%250)
	inc["summary"] = fmt.Sprintf("[#%d] %s", seq, inc["title"])
	inc["created_at"], inc["updated_at"] = RFC3339(created), RFC3339(created)
	inc["service"].(map[string]any)["id"] = svc
	// An incident carries the escalation policy and teams it was raised with: those of
	// its service at the time (PSVCi has policy PEPi%3 and team teamSamples[i], none for
	// the last), under the stale summaries references can carry.
	inc["escalation_policy"] = map[string]any{"id": fmt.Sprintf("PEP%d", seq%services%3), "type": "escalation_policy_reference", "summary": "stale policy name"}
	inc["teams"] = []any{}
	if seq%services != services-1 {
		inc["teams"] = []any{map[string]any{"id": teamIDs[seq%services], "type": "team_reference", "summary": "stale team name"}}
	}
	inc["urgency"] = []string{"high", "low"}[seq%2]
	if seq%3 == 0 {
		inc["priority"] = priorities[seq%len(priorities)]
	}
	responder := users[seq%len(users)]
	rid, rname := responder["id"].(string), responder["name"].(string)
	open := seq%50 == 0
	resolvedAt := created.Add(30 * time.Minute)
	if open {
		inc["status"], inc["last_status_change_at"], inc["resolved_at"] = "triggered", RFC3339(created), nil
		d.Open++
	} else {
		inc["status"], inc["last_status_change_at"], inc["resolved_at"] = "resolved", RFC3339(resolvedAt), RFC3339(resolvedAt)
		if seq%2 == 0 {
			inc["last_status_change_by"] = UserRef(rid, rname)
			d.ResolvedByHuman++
		} else {
			inc["last_status_change_by"] = map[string]any{"id": svc, "type": "service_reference", "summary": "service"}
			d.ResolvedAuto++
		}
	}
	d.Incidents = append(d.Incidents, Record{created, MustJSON(inc)})
	if !withLog {
		return
	}

	entry := func(n int, typ string, at time.Time, edit func(map[string]any)) {
		le := Clone(triggerT)
		leID := fmt.Sprintf("R%s%02d", id, n)
		le["id"], le["type"], le["created_at"] = leID, typ, RFC3339(at)
		le["incident"].(map[string]any)["id"] = id
		le["service"].(map[string]any)["id"] = svc
		le["summary"] = typ
		edit(le)
		d.LogEntries = append(d.LogEntries, Record{at, MustJSON(le)})
	}
	entry(0, "trigger_log_entry", created, func(le map[string]any) {
		le["agent"] = map[string]any{"id": svc, "type": "service_reference"}
		ch := map[string]any{"type": "api", "summary": inc["title"]}
		if seq%10 == 0 {
			ch["details"] = map[string]any{"runbook_url": "https://wiki.example.com/runbooks/cpu-" + strconv.Itoa(seq), "host": "db-1"}
			d.Runbooks++
			d.Events++
		}
		le["channel"] = ch
	})
	channels := []string{"phone_notification", "sms_notification", "push_notification", "email_notification"}
	entry(1, "notify_log_entry", created.Add(10*time.Second), func(le map[string]any) {
		le["agent"] = nil
		le["user"] = UserRef(rid, rname)
		le["channel"] = map[string]any{"type": "auto", "notification": map[string]any{"type": channels[seq%4], "status": "success"}}
	})
	d.Notifications++
	if open {
		return
	}
	if seq%2 == 0 {
		entry(2, "acknowledge_log_entry", created.Add(2*time.Minute), func(le map[string]any) {
			le["agent"] = UserRef(rid, rname)
			le["channel"] = map[string]any{"type": "website"}
		})
		d.Events++
	}
	if seq%7 == 0 {
		entry(3, "escalate_log_entry", created.Add(5*time.Minute), func(le map[string]any) {
			le["agent"] = nil
			le["channel"] = map[string]any{"type": "timeout"}
		})
		d.Events++
	}
	entry(4, "resolve_log_entry", resolvedAt, func(le map[string]any) {
		le["agent"] = inc["last_status_change_by"]
		le["channel"] = map[string]any{"type": "website"}
	})
	d.Events++ // the collector keeps each resolve as an event
}

// Records is the number of records the account holds, all streams together.
func (d *Data) Records() int {
	return len(d.Users) + len(d.Teams) + len(d.Policies) + len(d.Services) + len(d.Incidents) + len(d.LogEntries)
}
