package pagerduty

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

// fakePagerDuty serves a generated account the way the REST API does: list endpoints
// page with limit/offset/more/total, refuse offset+limit > 10000 and since/until ranges
// over 6 months with a 400, list incidents oldest first and log entries newest first,
// and want the token in the Authorization header. It can answer 429 or 500 now and
// then, die for good, or call a hook on every request.
type fakePagerDuty struct {
	token string
	data  *fakeData

	mu             sync.Mutex
	requests       int
	rateLimitEvery int       // every Nth request gets a 429 with ratelimit-reset
	resetSeconds   int       // what that 429 says
	failEvery      int       // every Nth request gets a 500
	failFrom       int       // from the Nth request on, every request gets a 500
	onRequest      func(int) // called with the request's number before it is answered
	badRequests    []string  // 400s the fake gave: the client asked for something invalid
}

// fakeData is a generated account, every record already JSON as the API sends it.
type fakeData struct {
	users, teams, policies, services [][]byte
	incidents                        []timedRecord // oldest first
	logEntries                       []timedRecord // oldest first; served newest first

	// What the account holds, for assertions.
	notifications, events, resolvedByHuman, resolvedAuto, open, runbooks int
}

type timedRecord struct {
	at   time.Time
	body []byte
}

func newFakePagerDuty(t testing.TB, token string, data *fakeData) (*fakePagerDuty, *httptest.Server) {
	f := &fakePagerDuty{token: token, data: data, resetSeconds: 3}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

type apiErr struct {
	Error struct {
		Message string   `json:"message"`
		Code    int      `json:"code"`
		Errors  []string `json:"errors,omitempty"`
	} `json:"error"`
}

func writeErr(w http.ResponseWriter, status, code int, msg string, errs ...string) {
	var e apiErr
	e.Error.Message, e.Error.Code, e.Error.Errors = msg, code, errs
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(e)
}

func (f *fakePagerDuty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	hook := f.onRequest
	limited := f.rateLimitEvery > 0 && n%f.rateLimitEvery == 0
	failed := (f.failEvery > 0 && n%f.failEvery == 0) || (f.failFrom > 0 && n >= f.failFrom)
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if r.Header.Get("Authorization") != "Token token="+f.token {
		writeErr(w, http.StatusUnauthorized, 2006, "Unauthorized")
		return
	}
	if limited {
		w.Header().Set("ratelimit-limit", "960")
		w.Header().Set("ratelimit-remaining", "0")
		w.Header().Set("ratelimit-reset", strconv.Itoa(f.resetSeconds))
		writeErr(w, http.StatusTooManyRequests, 2020, "Rate Limit Exceeded")
		return
	}
	if failed {
		writeErr(w, http.StatusInternalServerError, 0, "Internal Server Error")
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
		key, all = "users", f.data.users
	case "/teams":
		key, all = "teams", f.data.teams
	case "/escalation_policies":
		key, all = "escalation_policies", f.data.policies
	case "/services":
		key, all = "services", f.data.services
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
			key, all = "incidents", inRange(f.data.incidents, since, until, false)
		} else {
			if q.Get("is_overview") != "false" {
				f.bad(w, r.URL.RawQuery, "this fake serves only is_overview=false")
				return
			}
			key, all = "log_entries", inRange(f.data.logEntries, since, until, true)
		}
	default:
		writeErr(w, http.StatusNotFound, 2100, "Not Found")
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

func (f *fakePagerDuty) bad(w http.ResponseWriter, what, msg string) {
	f.mu.Lock()
	f.badRequests = append(f.badRequests, what+": "+msg)
	f.mu.Unlock()
	writeErr(w, http.StatusBadRequest, 2001, "Invalid Input Provided", msg)
}

// inRange returns the records created in [since, until), newest first when desc.
func inRange(recs []timedRecord, since, until time.Time, desc bool) [][]byte {
	lo := sort.Search(len(recs), func(i int) bool { return !recs[i].at.Before(since) })
	hi := sort.Search(len(recs), func(i int) bool { return !recs[i].at.Before(until) })
	out := make([][]byte, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, recs[i].body)
	}
	if desc {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// sample reads the first record of a sample file, which is a bare JSON list.
func sample(t testing.TB, name string) map[string]any {
	t.Helper()
	return samples(t, name)[0]
}

func samples(t testing.TB, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ingesttest.Formats(t, "pagerduty"), name))
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

// clone deep-copies a sample so that each generated record starts from the real shape.
func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	json.Unmarshal(b, &c)
	return c
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func userRef(id, name string) map[string]any {
	return map[string]any{"id": id, "type": "user_reference", "summary": name,
		"self": "https://api.pagerduty.com/users/" + id}
}

// fakeSpec says how big a generated account is.
type fakeSpec struct {
	// incidents created in each month from January 2026 (index 0) on
	perMonth []int
	users    int
	// logEvery gives every Nth incident its log entries (0 or 1: every incident), so
	// that a test can hold many incidents without paying for five times as many entries.
	logEvery int
}

var rfc = func(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// generate builds an account from the real samples in shared/formats/pagerduty: every
// record is a sample with its ids, times and states rewritten.
func generate(t testing.TB, spec fakeSpec) *fakeData {
	t.Helper()
	d := &fakeData{}
	userT := sample(t, "users_records_faros.json")
	teamSamples := samples(t, "teams_records_faros.json")
	serviceT := sample(t, "services_records_pypd.json")
	incidentT := sample(t, "incidents_records_pypd.json")
	triggerT := sample(t, "log_entries_records_faros.json")
	priorities := samples(t, "priorities_records_faros.json")

	zones := []string{"Europe/Kiev", "America/New_York", "Asia/Tokyo", "Europe/London", ""}
	var users []map[string]any
	for i := 0; i < spec.users; i++ {
		u := clone(userT)
		id := fmt.Sprintf("PUSER%02d", i)
		u["id"], u["name"], u["summary"] = id, fmt.Sprintf("Responder %d", i), fmt.Sprintf("Responder %d", i)
		u["email"], u["time_zone"] = fmt.Sprintf("responder%d@example.com", i), zones[i%len(zones)]
		users = append(users, u)
		d.users = append(d.users, mustJSON(u))
	}
	for _, tm := range teamSamples {
		d.teams = append(d.teams, mustJSON(tm))
	}
	// Escalation policies have no sample: their shape is small and documented.
	policyNames := []string{"Payments primary", "Platform follow-the-sun", "Data on-call"}
	for i, name := range policyNames {
		id := fmt.Sprintf("PEP%d", i)
		d.policies = append(d.policies, mustJSON(map[string]any{
			"id": id, "type": "escalation_policy", "name": name, "summary": name,
			"num_loops": 1, "escalation_rules": []any{}, "teams": []any{},
			"self": "https://api.pagerduty.com/escalation_policies/" + id,
		}))
	}
	const services = 4
	for i := 0; i < services; i++ {
		s := clone(serviceT)
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
		d.services = append(d.services, mustJSON(s))
	}

	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seq := 0
	for m, count := range spec.perMonth {
		from := start.AddDate(0, m, 0)
		span := from.AddDate(0, 1, 0).Sub(from) - 2*time.Hour // every event falls inside the month
		for k := 0; k < count; k++ {
			seq++
			created := from.Add(span / time.Duration(count) * time.Duration(k)).Truncate(time.Second)
			d.addIncident(seq, created, incidentT, triggerT, users, priorities, services, spec.logEvery <= 1 || seq%spec.logEvery == 0)
		}
	}
	sort.SliceStable(d.logEntries, func(i, j int) bool { return d.logEntries[i].at.Before(d.logEntries[j].at) })
	return d
}

func (d *fakeData) addIncident(seq int, created time.Time, incidentT, triggerT map[string]any, users []map[string]any, priorities []map[string]any, services int, withLog bool) {
	id := fmt.Sprintf("PINC%06d", seq)
	svc := fmt.Sprintf("PSVC%d", seq%services)
	inc := clone(incidentT)
	inc["id"], inc["incident_number"] = id, seq
	inc["title"] = fmt.Sprintf("[db-%d] CPU at %d%% on 10.0.%d.%d", seq%7, 80+seq%20, seq%5, seq%250)
	inc["summary"] = fmt.Sprintf("[#%d] %s", seq, inc["title"])
	inc["created_at"], inc["updated_at"] = rfc(created), rfc(created)
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
		inc["status"], inc["last_status_change_at"], inc["resolved_at"] = "triggered", rfc(created), nil
		d.open++
	} else {
		inc["status"], inc["last_status_change_at"], inc["resolved_at"] = "resolved", rfc(resolvedAt), rfc(resolvedAt)
		if seq%2 == 0 {
			inc["last_status_change_by"] = userRef(rid, rname)
			d.resolvedByHuman++
		} else {
			inc["last_status_change_by"] = map[string]any{"id": svc, "type": "service_reference", "summary": "service"}
			d.resolvedAuto++
		}
	}
	d.incidents = append(d.incidents, timedRecord{created, mustJSON(inc)})
	if !withLog {
		return
	}

	entry := func(n int, typ string, at time.Time, edit func(map[string]any)) {
		le := clone(triggerT)
		leID := fmt.Sprintf("R%s%02d", id, n)
		le["id"], le["type"], le["created_at"] = leID, typ, rfc(at)
		le["incident"].(map[string]any)["id"] = id
		le["service"].(map[string]any)["id"] = svc
		le["summary"] = typ
		edit(le)
		d.logEntries = append(d.logEntries, timedRecord{at, mustJSON(le)})
	}
	entry(0, "trigger_log_entry", created, func(le map[string]any) {
		le["agent"] = map[string]any{"id": svc, "type": "service_reference"}
		ch := map[string]any{"type": "api", "summary": inc["title"]}
		if seq%10 == 0 {
			ch["details"] = map[string]any{"runbook_url": "https://wiki.example.com/runbooks/cpu-" + strconv.Itoa(seq), "host": "db-1"}
			d.runbooks++
			d.events++
		}
		le["channel"] = ch
	})
	channels := []string{"phone_notification", "sms_notification", "push_notification", "email_notification"}
	entry(1, "notify_log_entry", created.Add(10*time.Second), func(le map[string]any) {
		le["agent"] = nil
		le["user"] = userRef(rid, rname)
		le["channel"] = map[string]any{"type": "auto", "notification": map[string]any{"type": channels[seq%4], "status": "success"}}
	})
	d.notifications++
	if open {
		return
	}
	if seq%2 == 0 {
		entry(2, "acknowledge_log_entry", created.Add(2*time.Minute), func(le map[string]any) {
			le["agent"] = userRef(rid, rname)
			le["channel"] = map[string]any{"type": "website"}
		})
		d.events++
	}
	if seq%7 == 0 {
		entry(3, "escalate_log_entry", created.Add(5*time.Minute), func(le map[string]any) {
			le["agent"] = nil
			le["channel"] = map[string]any{"type": "timeout"}
		})
		d.events++
	}
	entry(4, "resolve_log_entry", resolvedAt, func(le map[string]any) {
		le["agent"] = inc["last_status_change_by"]
		le["channel"] = map[string]any{"type": "website"}
	})
}

// records is the number of records the account holds, all streams together.
func (d *fakeData) records() int {
	return len(d.users) + len(d.teams) + len(d.policies) + len(d.services) + len(d.incidents) + len(d.logEntries)
}
