package opsgenie

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeOpsgenie serves the parts of the Opsgenie REST API that the collector reads, as
// Opsgenie's OAS (opsgenie/opsgenie-oas) describes them, not as the collector expects
// them: GenieKey auth (401 otherwise), a second key of a team's integration that may
// not list users or teams (403), the documented parameters checked and refused with
// 422 and the documented error body {"message", "took", "requestId"}, 429 with
// X-RateLimit-State and X-RateLimit-Period-In-Sec, 503s now and then, offset paging
// capped at offset+limit, and log paging by offset token in either order and direction.
//
// Its records start from testdata/: the real alerts, users and team of
// alerts_data_faros.json and its siblings, and recipients and logs written from the
// OAS's AlertRecipient and AlertLog definitions (testdata/SOURCES.md). Generated alerts
// follow the same shapes and vary over the documented variants: closed alerts with a
// report, with a report lacking ackTime and acknowledgedBy, open alerts without one;
// recipients notified by each contact method, acting, and not active; log entries of
// both documented types, and a failed delivery now and then.
type fakeOpsgenie struct {
	t             testing.TB
	key           string
	restrictedKey string // a team integration's key: 403 on /v2/users and /v2/teams
	offsetCap     int

	mu         sync.Mutex
	users      []map[string]any
	teams      []map[string]any
	alerts     []map[string]any // full alerts (GET /v2/alerts/{id}), sorted by createdAt then id
	byID       map[string]map[string]any
	recipients map[string][]map[string]any
	logs       map[string][]map[string]any
	// schedules as GET /v2/schedules lists them, and each one's final-timeline periods
	// by schedule id (one rotation a schedule), oldest first.
	schedules []map[string]any
	periods   map[string][]map[string]any
	// undelivered holds "<alert id>/<user id>" of the notified recipients whose delivery
	// the log says failed: the fake wrote those "Could not send" lines, so it knows
	// without parsing them.
	undelivered map[string]bool

	// Misbehaviour: every throttleEvery-th request gets a 429 throttling for
	// throttlePeriod seconds, every failEvery-th a 503 (0: never). onRequest, when set,
	// sees every request's number first.
	throttleEvery, failEvery int
	throttlePeriod           int
	echoKeyOnError           bool
	onRequest                func(n int)

	requests    int
	throttled   int
	failed      int
	listQueries []string
	refused     []string // the requests answered 4xx for their parameters, with why
}

func readTestdata(tb testing.TB, name string, v any) {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

const msLayout = "2006-01-02T15:04:05.000Z"

// The sample records the tests refer to by id.
const (
	sampleClosed  = "80413a06-38d6-4c85-92b8-5ebc900d42e2" // P4, created 2017-03-21T20:32:52.353Z
	sampleOpen    = "70413a06-38d6-4c85-92b8-5ebc900d42e2"
	sampleUser    = "01952c09-d155-454a-ae85-0ebbc8da040b" // huongkstn@gmail.com, Asia/Novosibirsk
	sampleUser2   = "44e5ea7e-de82-4e4d-baf6-21108ccd3125" // yenhh8@gmail.com, Asia/Novosibirsk
	sampleMailed  = "0a7c3d5e-9b1f-4e2a-8c6d-4f5e6a7b8c9d" // morpheus@opsgenie.com, no user record
	sampleActed   = "bb4d9938-c3c2-455d-aaab-727aa701c0d8" // agent_smith@opsgenie.com, acknowledged
	restrictedKey = "team-integration-key-for-one-team"
)

// newFake builds a fake holding the sample users, teams, alerts, recipients and logs as
// they are, plus nUsers generated users, two generated teams and the generated alerts
// of spec.
func newFake(tb testing.TB, key string, spec genSpec) *fakeOpsgenie {
	f := &fakeOpsgenie{t: tb, key: key, restrictedKey: restrictedKey, offsetCap: offsetCap, throttlePeriod: 60,
		undelivered: map[string]bool{}}
	readTestdata(tb, "users_data_faros.json", &f.users)
	readTestdata(tb, "teams_data_faros.json", &f.teams)
	readTestdata(tb, "alerts_data_faros.json", &f.alerts)
	readTestdata(tb, "recipients_samples.json", &f.recipients)
	readTestdata(tb, "logs_samples.json", &f.logs)
	// The OAS's Alert (GET /v2/alerts/{id}) adds details to the listed BaseAlert; the
	// values are the "details" example of Opsgenie's Add Details documentation.
	f.alerts[0]["details"] = map[string]any{"serverName": "Zion", "runbook": "https://wiki.example.com/runbooks/danger"}
	// The sample log's "Could not send [voice] call to [yenhh8@gmail.com]".
	f.undelivered[sampleClosed+"/"+sampleUser2] = true
	f.generate(spec)
	f.sortAlerts()
	return f
}

// genSpec describes the generated part of a fake's history.
type genSpec struct {
	users  int
	alerts []time.Time // creation times
	// bigLogEvery gives every n-th alert a log longer than one page (0: none).
	bigLogEvery int
}

func logEntry(created string, seq int, typ, owner, text string) map[string]any {
	t, _ := time.Parse(time.RFC3339Nano, created)
	t = t.Add(time.Duration(seq) * time.Second)
	return map[string]any{"log": text, "type": typ, "owner": owner, "createdAt": t.Format(msLayout),
		"offset": fmt.Sprintf("%d_%d%06d", t.UnixMilli(), t.UnixNano(), seq)}
}

// contactMethods are the OAS's contact methods (definitions/contact.yaml), the values a
// notified recipient's method takes.
var contactMethods = []string{"sms", "voice", "mobile", "email"}

func recipientEntry(id, username, state, method string, created, updated time.Time) map[string]any {
	return map[string]any{"user": map[string]any{"id": id, "username": username}, "state": state, "method": method,
		"createdAt": created.UTC().Format(msLayout), "updatedAt": updated.UTC().Format(msLayout)}
}

func (f *fakeOpsgenie) generate(spec genSpec) {
	userSample, teamSample := f.users[0], f.teams[0]
	for i := range spec.users {
		u := clone(userSample)
		u["id"] = fmt.Sprintf("user-%04d", i)
		u["username"] = fmt.Sprintf("oncall%d@example.com", i)
		u["fullName"] = fmt.Sprintf("On Call %d", i)
		u["timeZone"] = []string{"Europe/Dublin", "America/New_York", "Asia/Tokyo"}[i%3]
		f.users = append(f.users, u)
	}
	for i, name := range []string{"Platform", "Payments"} {
		t := clone(teamSample)
		t["id"], t["name"] = fmt.Sprintf("team-%d", i), name
		f.teams = append(f.teams, t)
	}
	closedSample, openSample := f.alerts[0], f.alerts[1]
	for i, created := range spec.alerts {
		var a map[string]any
		ts := created.UTC().Format(msLayout)
		open := i%10 == 9
		if open {
			a = clone(openSample)
		} else {
			a = clone(closedSample)
			report := a["report"].(map[string]any)
			report["ackTime"], report["closeTime"] = 30000+i, 120000+i
			report["acknowledgedBy"] = fmt.Sprintf("oncall%d@example.com", i%max(spec.users, 1))
			switch i % 3 {
			case 0:
				report["closedBy"] = report["acknowledgedBy"]
			case 1:
				report["closedBy"] = "System"
			case 2:
				delete(report, "ackTime")
				delete(report, "acknowledgedBy")
				report["closedBy"] = "Prometheus"
			}
		}
		id := fmt.Sprintf("a%06d-0000-4000-8000-%012d", i, i)
		a["id"], a["tinyId"], a["alias"] = id, strconv.Itoa(2000+i), fmt.Sprintf("rule-%d", i%7)
		a["message"] = fmt.Sprintf("[db-%d] CPU at %d%% on 10.0.3.%d", i%5, 80+i%20, i%250)
		a["createdAt"], a["lastOccurredAt"] = ts, ts
		a["updatedAt"] = created.Add(3 * time.Minute).UTC().Format(msLayout)
		a["priority"] = fmt.Sprintf("P%d", 1+i%5)
		a["responders"] = []map[string]any{{"id": fmt.Sprintf("team-%d", i%2), "type": "team"}}
		details := map[string]any{"host": fmt.Sprintf("db-%d", i%5)}
		if i%4 == 0 {
			details["runbook_url"] = fmt.Sprintf("https://wiki.example.com/runbooks/%d", i%7)
		}
		a["details"] = details
		f.alerts = append(f.alerts, a)
		f.recipients[id], f.logs[id] = f.genRecipientsAndLogs(i, created, spec, open)
	}
}

// genRecipientsAndLogs gives alert i 1-3 recipients notified by the contact methods in
// turn, the user who acknowledged it (state "action"), every other alert a recipient
// not active, every fifth a failed delivery to its first recipient, and a log of both
// documented types.
func (f *fakeOpsgenie) genRecipientsAndLogs(i int, created time.Time, spec genSpec, open bool) (recs, logs []map[string]any) {
	ts := created.UTC().Format(msLayout)
	username := func(k int) string {
		if spec.users == 0 {
			return "huongkstn@gmail.com"
		}
		return fmt.Sprintf("oncall%d@example.com", k%spec.users)
	}
	userID := func(k int) string {
		if spec.users == 0 {
			return sampleUser
		}
		return fmt.Sprintf("user-%04d", k%spec.users)
	}
	id := fmt.Sprintf("a%06d-0000-4000-8000-%012d", i, i)
	logs = []map[string]any{logEntry(ts, 0, "system", "System", "Alert created via API")}
	seq := 1
	n := 1 + i%3
	if spec.users == 0 {
		n = 1
	}
	for k := range n {
		method := contactMethods[(i+k)%len(contactMethods)]
		at := created.Add(time.Duration(1+k) * time.Second)
		recs = append(recs, recipientEntry(userID(i+1+k), username(i+1+k), "notified", method, at, at))
		if k == 0 && i%5 == 0 {
			logs = append(logs, logEntry(ts, seq, "system", "System",
				fmt.Sprintf("Could not send [%s] notification to [%s]", method, username(i+1+k))))
			seq++
			f.undelivered[id+"/"+userID(i+1+k)] = true
		}
	}
	if spec.users > 0 {
		// Every alert is acknowledged, by its report or in its log.
		recs = append(recs, recipientEntry(userID(i), username(i), "action", "Acknowledge", created.Add(time.Second), created.Add(30*time.Second)))
		if i%2 == 0 {
			recs = append(recs, recipientEntry(userID(i+5), username(i+5), "notactive", "", created.Add(time.Second), created.Add(time.Second)))
		}
	}
	views := 1
	if spec.bigLogEvery > 0 && i%spec.bigLogEvery == 0 {
		views = 130 // more than one log page
	}
	for k := range views {
		logs = append(logs, logEntry(ts, seq, "alertRecipient", username(i+1+k%n), "Viewed on ["+[]string{"web", "mobile"}[k%2]+"]"))
		seq++
	}
	if i%3 == 2 || open { // alerts without report.ackTime are acknowledged in the log
		logs = append(logs, logEntry(ts, seq, "system", username(i), "Alert acknowledged via web"))
		seq++
	}
	if !open {
		logs = append(logs, logEntry(ts, seq, "system", "API", "Alert closed via API"))
	}
	return recs, logs
}

func (f *fakeOpsgenie) sortAlerts() {
	slices.SortStableFunc(f.alerts, func(a, b map[string]any) int {
		return strings.Compare(a["createdAt"].(string)+a["id"].(string), b["createdAt"].(string)+b["id"].(string))
	})
	f.byID = map[string]map[string]any{}
	for _, a := range f.alerts {
		f.byID[a["id"].(string)] = a
	}
}

// expected counts what a complete sync must store, worked out from the fake's records:
// a notification per recipient in state "notified" whose delivery did not fail, a
// responder per user plus one per such recipient who is no user, an acknowledgement
// per "Alert acknowledged" log entry of an alert whose report has no ackTime.
type expected struct {
	alerts, notifications, acks, users, teams, alertLogs, recipients, responders int
}

func (f *fakeOpsgenie) expected() expected {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := expected{alerts: len(f.alerts), users: len(f.users), teams: len(f.teams), responders: len(f.users)}
	users := map[string]bool{}
	for _, u := range f.users {
		users[u["id"].(string)] = true
	}
	for _, a := range f.alerts {
		id := a["id"].(string)
		report, _ := a["report"].(map[string]any)
		_, ackOnReport := report["ackTime"]
		for _, l := range f.logs[id] {
			e.alertLogs++
			if l["type"] == "system" && strings.HasPrefix(l["log"].(string), "Alert acknowledged") && !ackOnReport {
				e.acks++
			}
		}
		for _, r := range f.recipients[id] {
			e.recipients++
			u := r["user"].(map[string]any)["id"].(string)
			if r["state"] != "notified" || f.undelivered[id+"/"+u] {
				continue
			}
			e.notifications++
			if !users[u] {
				users[u] = true
				e.responders++
			}
		}
	}
	return e
}

// errorBody is the OAS's ErrorResponse: a message, with BaseResponse's took and
// requestId.
func errorBody(n int, msg string) map[string]any {
	return map[string]any{"message": msg, "took": 0.001, "requestId": requestID(n)}
}

func requestID(n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n) }

func (f *fakeOpsgenie) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	n := f.requests
	if f.onRequest != nil {
		f.onRequest(n)
	}
	w.Header().Set("X-Request-ID", requestID(n))
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "GenieKey ")
	if !ok || key == "" || key != f.key && key != f.restrictedKey {
		reply(w, http.StatusUnauthorized, errorBody(n, "Could not authenticate"))
		return
	}
	if f.throttleEvery > 0 && n%f.throttleEvery == 0 {
		f.throttled++
		w.Header().Set("X-RateLimit-State", "THROTTLED")
		w.Header().Set("X-RateLimit-Reason", "INTEGRATION")
		w.Header().Set("X-RateLimit-Period-In-Sec", strconv.Itoa(f.throttlePeriod))
		reply(w, http.StatusTooManyRequests, errorBody(n, "You are making too many requests! To avoid errors, we recommend you limit requests."))
		return
	}
	if f.failEvery > 0 && n%f.failEvery == 0 {
		f.failed++
		msg := "Internal Server Error"
		if f.echoKeyOnError {
			msg += " for " + r.Header.Get("Authorization")
		}
		reply(w, http.StatusServiceUnavailable, errorBody(n, msg))
		return
	}
	if r.Method != http.MethodGet {
		f.refuse(w, n, http.StatusMethodNotAllowed, "the fake serves GET only, not %s", r.Method)
		return
	}
	q := r.URL.Query()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	restricted := key == f.restrictedKey
	switch {
	case r.URL.Path == "/v2/users" || r.URL.Path == "/v2/teams":
		if restricted {
			// The OAS's Forbidden: "apiKey is valid but the apiKey cannot do this
			// operation because of permissions".
			reply(w, http.StatusForbidden, errorBody(n, "You are not authorized for this operation"))
			return
		}
		if r.URL.Path == "/v2/users" {
			f.listUsers(w, r, n, q)
			return
		}
		if !f.params(w, n, q) {
			return
		}
		reply(w, http.StatusOK, map[string]any{"data": f.teams, "expandable": []string{"member"}, "took": 0.01, "requestId": requestID(n)})
	case r.URL.Path == "/v2/alerts":
		f.listAlerts(w, r, n, q)
	case len(parts) >= 2 && parts[0] == "v2" && parts[1] == "schedules":
		if restricted {
			reply(w, http.StatusForbidden, errorBody(n, "You are not authorized for this operation"))
			return
		}
		f.serveSchedules(w, n, parts, q)
	case len(parts) == 3 && parts[0] == "v2" && parts[1] == "alerts":
		if a, ok := f.alert(w, n, parts[2], q, "identifierType"); ok {
			reply(w, http.StatusOK, map[string]any{"data": a, "took": 0.003, "requestId": requestID(n)})
		}
	case len(parts) == 4 && parts[0] == "v2" && parts[1] == "alerts" && parts[3] == "recipients":
		if a, ok := f.alert(w, n, parts[2], q, "identifierType"); ok {
			recs := f.recipients[a["id"].(string)]
			if recs == nil {
				recs = []map[string]any{}
			}
			reply(w, http.StatusOK, map[string]any{"data": recs, "took": 0.004, "requestId": requestID(n)})
		}
	case len(parts) == 4 && parts[0] == "v2" && parts[1] == "alerts" && parts[3] == "logs":
		if a, ok := f.alert(w, n, parts[2], q, "identifierType", "offset", "direction", "limit", "order"); ok {
			f.serveLogs(w, r, n, a["id"].(string), q)
		}
	default:
		reply(w, http.StatusNotFound, errorBody(n, "no such endpoint "+r.URL.Path))
	}
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// refuse answers a request the documentation does not allow, and remembers it: a sync
// that sends one is wrong even when it recovers.
func (f *fakeOpsgenie) refuse(w http.ResponseWriter, n, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.refused = append(f.refused, msg)
	reply(w, status, errorBody(n, msg))
}

// params refuses a parameter the endpoint does not document. Opsgenie may ignore one;
// the fake refuses it so that a misspelt parameter cannot pass unnoticed.
func (f *fakeOpsgenie) params(w http.ResponseWriter, n int, q url.Values, documented ...string) bool {
	for name := range q {
		if !slices.Contains(documented, name) {
			f.refuse(w, n, http.StatusUnprocessableEntity, "undocumented parameter %q", name)
			return false
		}
	}
	return true
}

// intParam reads an integer parameter in [lo, hi]; hi < 0 means no upper bound.
func (f *fakeOpsgenie) intParam(w http.ResponseWriter, n int, q url.Values, name string, def, lo, hi int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < lo || hi >= 0 && i > hi {
		f.refuse(w, n, http.StatusUnprocessableEntity, "%s must be an integer between %d and %d, got %q", name, lo, hi, v)
		return 0, false
	}
	return i, true
}

func (f *fakeOpsgenie) enumParam(w http.ResponseWriter, n int, q url.Values, name, def string, allowed ...string) (string, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	if !slices.Contains(allowed, v) {
		f.refuse(w, n, http.StatusUnprocessableEntity, "%s must be one of %v, got %q", name, allowed, v)
		return "", false
	}
	return v, true
}

// alert finds the alert an identifier names, by identifierType (default id).
func (f *fakeOpsgenie) alert(w http.ResponseWriter, n int, ident string, q url.Values, documented ...string) (map[string]any, bool) {
	if !f.params(w, n, q, documented...) {
		return nil, false
	}
	typ, ok := f.enumParam(w, n, q, "identifierType", "id", "id", "alias", "tiny")
	if !ok {
		return nil, false
	}
	if a, ok := f.byID[ident]; ok && typ == "id" {
		return a, true
	}
	field := map[string]string{"id": "id", "alias": "alias", "tiny": "tinyId"}[typ]
	for _, a := range f.alerts {
		if a[field] == ident {
			return a, true
		}
	}
	reply(w, http.StatusNotFound, errorBody(n, "Alert does not exist"))
	return nil, false
}

// servePage serves items[offset:offset+limit], each passed through show when set, with
// the OAS's PageDetails links.
func servePage(r *http.Request, n int, items []map[string]any, offset, limit int, show func(map[string]any) map[string]any, extra map[string]any) map[string]any {
	end := min(offset+limit, len(items))
	data := slices.Clone(items[min(offset, len(items)):end])
	if show != nil {
		for i, item := range data {
			data[i] = show(item)
		}
	}
	link := func(off int) string {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(off))
		return "https://api.opsgenie.com" + r.URL.Path + "?" + q.Encode()
	}
	paging := map[string]any{"first": link(0), "last": link(max(0, (len(items)-1)/limit*limit))}
	if end < len(items) {
		paging["next"] = link(end)
	}
	if offset > 0 {
		paging["prev"] = link(max(0, offset-limit))
	}
	body := map[string]any{"data": data, "paging": paging, "took": 0.02, "requestId": requestID(n)}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

func (f *fakeOpsgenie) listUsers(w http.ResponseWriter, r *http.Request, n int, q url.Values) {
	if !f.params(w, n, q, "limit", "offset", "sortField", "order", "query") {
		return
	}
	limit, ok1 := f.intParam(w, n, q, "limit", 100, 1, -1)
	offset, ok2 := f.intParam(w, n, q, "offset", 0, 0, -1)
	_, ok3 := f.enumParam(w, n, q, "sortField", "username", "username", "fullName", "insertedAt")
	_, ok4 := f.enumParam(w, n, q, "order", "asc", "asc", "desc")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return
	}
	reply(w, http.StatusOK, servePage(r, n, f.users, offset, limit, nil, map[string]any{"totalCount": len(f.users)}))
}

// alertSorts are the OAS's values of List Alerts' sort parameter.
var alertSorts = []string{"createdAt", "updatedAt", "tinyId", "alias", "message", "status", "acknowledged", "isSeen",
	"snoozed", "snoozedUntil", "count", "lastOccurredAt", "source", "owner", "integration.name", "integration.type",
	"report.ackTime", "report.closeTime", "report.acknowledgedBy", "report.closedBy"}

// createdAtTerm is one term of the search query as the collector writes it: createdAt
// compared with a time in epoch milliseconds.
var createdAtTerm = regexp.MustCompile(`^createdAt\s*(>=|>|<=|<)\s*(\d+)$`)

func (f *fakeOpsgenie) listAlerts(w http.ResponseWriter, r *http.Request, n int, q url.Values) {
	if !f.params(w, n, q, "query", "searchIdentifier", "searchIdentifierType", "offset", "limit", "sort", "order") {
		return
	}
	limit, ok1 := f.intParam(w, n, q, "limit", 20, 1, 100)
	offset, ok2 := f.intParam(w, n, q, "offset", 0, 0, -1)
	sortBy, ok3 := f.enumParam(w, n, q, "sort", "createdAt", alertSorts...)
	order, ok4 := f.enumParam(w, n, q, "order", "desc", "asc", "desc")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return
	}
	if sortBy != "createdAt" {
		f.refuse(w, n, http.StatusNotImplemented, "the fake sorts alerts by createdAt only, not %s", sortBy)
		return
	}
	if offset+limit > f.offsetCap {
		f.refuse(w, n, http.StatusUnprocessableEntity, "offset + limit must not exceed %d", f.offsetCap)
		return
	}
	keep := func(ms int64) bool { return true }
	if query := strings.TrimSpace(q.Get("query")); query != "" {
		for _, term := range regexp.MustCompile(`\s+AND\s+`).Split(query, -1) {
			m := createdAtTerm.FindStringSubmatch(term)
			if m == nil {
				f.refuse(w, n, http.StatusUnprocessableEntity, "Invalid query: %q", query)
				return
			}
			v, _ := strconv.ParseInt(m[2], 10, 64)
			prev := keep
			switch m[1] {
			case ">=":
				keep = func(ms int64) bool { return prev(ms) && ms >= v }
			case ">":
				keep = func(ms int64) bool { return prev(ms) && ms > v }
			case "<=":
				keep = func(ms int64) bool { return prev(ms) && ms <= v }
			case "<":
				keep = func(ms int64) bool { return prev(ms) && ms < v }
			}
		}
	}
	f.listQueries = append(f.listQueries, q.Get("query")+" offset="+q.Get("offset"))
	var in []map[string]any
	for _, a := range f.alerts {
		t, _ := time.Parse(time.RFC3339Nano, a["createdAt"].(string))
		if keep(t.UnixMilli()) {
			in = append(in, a)
		}
	}
	if order == "desc" {
		slices.Reverse(in)
	}
	reply(w, http.StatusOK, servePage(r, n, in, offset, limit, func(a map[string]any) map[string]any {
		listed := clone(a)
		for _, k := range []string{"details", "description", "actions", "entity"} {
			delete(listed, k) // GET /v2/alerts lists BaseAlert, without these
		}
		return listed
	}, nil))
}

// serveLogs pages an alert's log as the OAS's List Alert Logs does: offset is the
// offset token of the entry a page starts after, direction says which way from it,
// and order which end comes first (newest, by default).
func (f *fakeOpsgenie) serveLogs(w http.ResponseWriter, r *http.Request, n int, id string, q url.Values) {
	limit, ok1 := f.intParam(w, n, q, "limit", 20, 1, 100)
	order, ok2 := f.enumParam(w, n, q, "order", "desc", "asc", "desc")
	direction, ok3 := f.enumParam(w, n, q, "direction", "next", "next", "prev")
	if !ok1 || !ok2 || !ok3 {
		return
	}
	logs := slices.Clone(f.logs[id])
	if order == "desc" {
		slices.Reverse(logs)
	}
	start, end := 0, min(limit, len(logs))
	if tok := q.Get("offset"); tok != "" {
		at := slices.IndexFunc(logs, func(l map[string]any) bool { return l["offset"] == tok })
		if at < 0 {
			f.refuse(w, n, http.StatusUnprocessableEntity, "unknown offset %q", tok)
			return
		}
		if direction == "next" {
			start, end = at+1, min(at+1+limit, len(logs))
		} else {
			start, end = max(0, at-limit), at
		}
	}
	data := logs[start:end]
	paging := map[string]any{}
	if len(data) > 0 {
		first := r.URL.Query()
		first.Del("offset")
		paging["first"] = "https://api.opsgenie.com" + r.URL.Path + "?" + first.Encode()
	}
	if end < len(logs) && len(data) > 0 {
		next := r.URL.Query()
		next.Set("offset", data[len(data)-1]["offset"].(string))
		next.Set("direction", "next")
		paging["next"] = "https://api.opsgenie.com" + r.URL.Path + "?" + next.Encode()
	}
	reply(w, http.StatusOK, map[string]any{"data": data, "paging": paging, "took": 0.01, "requestId": requestID(n)})
}

// closeAlert closes an open alert by hand, as a responder would between two syncs.
func (f *fakeOpsgenie) closeAlert(id string, at time.Time, by string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.alerts {
		if a["id"] != id {
			continue
		}
		created, _ := time.Parse(time.RFC3339Nano, a["createdAt"].(string))
		a["status"] = "closed"
		a["updatedAt"] = at.UTC().Format(msLayout)
		a["report"] = map[string]any{"closeTime": at.Sub(created).Milliseconds(), "closedBy": by}
		return
	}
	f.t.Fatalf("no alert %s to close", id)
}
