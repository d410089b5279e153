// Package pagerdutytest is a fake PagerDuty REST API and a generator of account
// histories built from the real samples in shared/formats/pagerduty. The collector's
// own tests and the server's crash and fault tests (cmd/alertlens) share it, so that
// there is one fake of the API to keep true to it.
package pagerdutytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// Fake serves a generated account the way the REST API does: list endpoints page with
// limit/offset/more/total, refuse offset+limit > 10000 and since/until ranges over 6
// months with a 400, list incidents oldest first and log entries newest first, and want
// the token in the Authorization header. It can answer 429 or 500 now and then, die for
// good, or call a hook on every request. It is an http.Handler, so that a test can wrap
// it in faults of its own.
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
	return &Fake{token: token, data: data, resetSeconds: 3}
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

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	hook := f.onRequest
	limited := f.rateLimitEvery > 0 && n%f.rateLimitEvery == 0
	reset := f.resetSeconds
	failed := (f.failEvery > 0 && n%f.failEvery == 0) || (f.failFrom > 0 && n >= f.failFrom)
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
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
	q := r.URL.Query()
	limit, offset := 25, 0
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	limit = min(max(limit, 1), 100)
	if offset+limit > 10000 {
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
		since, err1 := time.Parse(time.RFC3339, q.Get("since"))
		until, err2 := time.Parse(time.RFC3339, q.Get("until"))
		if err1 != nil || err2 != nil || !since.Before(until) {
			f.bad(w, r.URL.RawQuery, "since and until must be times, since before until")
			return
		}
		if until.After(since.AddDate(0, 6, 0)) {
			f.bad(w, r.URL.RawQuery, "Date range cannot exceed 6 months")
			return
		}
		if r.URL.Path == "/incidents" {
			key, all = "incidents", inRange(f.data.Incidents, since, until, false)
		} else {
			if q.Get("is_overview") != "false" {
				f.bad(w, r.URL.RawQuery, "this fake serves only is_overview=false")
				return
			}
			key, all = "log_entries", inRange(f.data.LogEntries, since, until, true)
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
	total := "null"
	if q.Get("total") == "true" {
		total = strconv.Itoa(len(all))
	}
	fmt.Fprintf(&buf, `],"limit":%d,"offset":%d,"more":%t,"total":%s}`, limit, offset, end < len(all), total)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ratelimit-limit", "960")
	w.Write(buf.Bytes())
}

func (f *Fake) bad(w http.ResponseWriter, what, msg string) {
	f.mu.Lock()
	f.badRequests = append(f.badRequests, what+": "+msg)
	f.mu.Unlock()
	WriteError(w, http.StatusBadRequest, 2001, "Invalid Input Provided", msg)
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

// Sample reads the first record of a sample file, which is a bare JSON list.
func Sample(tb testing.TB, name string) map[string]any {
	tb.Helper()
	return Samples(tb, name)[0]
}

// Samples reads every record of a sample file.
func Samples(tb testing.TB, name string) []map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(ingesttest.Formats(tb, "pagerduty"), name))
	if err != nil {
		tb.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return recs
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

// Generate builds an account from the real samples in shared/formats/pagerduty: every
// record is a sample with its ids, times and states rewritten. The same spec always
// gives the same account.
func Generate(tb testing.TB, spec Spec) *Data {
	tb.Helper()
	d := &Data{}
	userT := Sample(tb, "users_records_faros.json")
	teamSamples := Samples(tb, "teams_records_faros.json")
	serviceT := Sample(tb, "services_records_pypd.json")
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
		users = append(users, u)
		d.Users = append(d.Users, MustJSON(u))
	}
	for _, tm := range teamSamples {
		d.Teams = append(d.Teams, MustJSON(tm))
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
			d.addIncident(seq, created, incidentT, triggerT, users, priorities, services, spec.LogEvery <= 1 || seq%spec.LogEvery == 0)
		}
	}
	sort.SliceStable(d.LogEntries, func(i, j int) bool { return d.LogEntries[i].At.Before(d.LogEntries[j].At) })
	return d
}

func (d *Data) addIncident(seq int, created time.Time, incidentT, triggerT map[string]any, users []map[string]any, priorities []map[string]any, services int, withLog bool) {
	id := fmt.Sprintf("PINC%06d", seq)
	svc := fmt.Sprintf("PSVC%d", seq%services)
	inc := Clone(incidentT)
	inc["id"], inc["incident_number"] = id, seq
	inc["title"] = fmt.Sprintf("[db-%d] CPU at %d%% on 10.0.%d.%d", seq%7, 80+seq%20, seq%5, seq%250)
	inc["summary"] = fmt.Sprintf("[#%d] %s", seq, inc["title"])
	inc["created_at"], inc["updated_at"] = RFC3339(created), RFC3339(created)
	inc["service"].(map[string]any)["id"] = svc
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
}

// Records is the number of records the account holds, all streams together.
func (d *Data) Records() int {
	return len(d.Users) + len(d.Teams) + len(d.Policies) + len(d.Services) + len(d.Incidents) + len(d.LogEntries)
}
