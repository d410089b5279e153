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

	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// fakeOpsgenie serves the parts of the Opsgenie REST API that the collector uses, as
// documented: GenieKey auth, offset paging capped at offset+limit, log paging by offset
// token, 429 with Retry-After now and then, and 503s now and then. Its records start
// from the real samples in shared/formats/opsgenie and add generated ones.
type fakeOpsgenie struct {
	t         testing.TB
	key       string
	offsetCap int

	mu     sync.Mutex
	users  []map[string]any
	teams  []map[string]any
	alerts []map[string]any // full alerts, sorted by createdAt then id
	logs   map[string][]map[string]any

	// Misbehaviour: every throttleEvery-th request gets a 429, every failEvery-th a 503
	// (0: never). onRequest, when set, sees every request's number first.
	throttleEvery, failEvery int
	echoKeyOnError           bool
	onRequest                func(n int)

	requests    int
	throttled   int
	failed      int
	listQueries []string
}

func readSample(tb testing.TB, name string) []map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(ingesttest.Formats(tb, "opsgenie"), name))
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return out
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

const msLayout = "2006-01-02T15:04:05.000Z"

// newFake builds a fake holding the sample users, teams and alerts as they are, plus
// nUsers generated users, two generated teams and the generated alerts of spec.
func newFake(tb testing.TB, key string, spec genSpec) *fakeOpsgenie {
	f := &fakeOpsgenie{t: tb, key: key, offsetCap: offsetCap, logs: map[string][]map[string]any{}}
	f.users = readSample(tb, "users_data_faros.json")
	f.teams = readSample(tb, "teams_data_faros.json")
	f.alerts = readSample(tb, "alerts_data_faros.json")
	// The documented sample alert has a "details" map only in GET /v2/alerts/{id}.
	f.alerts[0]["details"] = map[string]any{"serverName": "Zion", "runbook": "https://wiki.example.com/runbooks/danger"}
	f.logs[f.alerts[0]["id"].(string)] = []map[string]any{
		logEntry(f.alerts[0]["createdAt"].(string), 0, "system", "System", "Alert created via API"),
		logEntry(f.alerts[0]["createdAt"].(string), 1, "Notification", "System", "Sent [SMS] notification to [huongkstn@gmail.com]"),
	}
	f.logs[f.alerts[1]["id"].(string)] = nil // an open alert with nothing logged yet
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

var channelsTried = []string{"Sent [SMS] notification to [%s]", "Sent [voice] call to %s", "Sent [mobile] push notification to [%s]", "Sent [email] notification to [%s]"}

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
		f.logs[id] = f.genLogs(i, ts, spec, open)
	}
}

func (f *fakeOpsgenie) genLogs(i int, ts string, spec genSpec, open bool) []map[string]any {
	user := func(k int) string {
		if spec.users == 0 {
			return "huongkstn@gmail.com"
		}
		return fmt.Sprintf("oncall%d@example.com", k%spec.users)
	}
	logs := []map[string]any{logEntry(ts, 0, "system", "System", "Alert created via API")}
	n := 1 + i%3
	if spec.bigLogEvery > 0 && i%spec.bigLogEvery == 0 {
		n = 130 // more than one log page
	}
	seq := 1
	for k := range n {
		text := fmt.Sprintf(channelsTried[k%len(channelsTried)], user(i+k))
		logs = append(logs, logEntry(ts, seq, "Notification", "System", text))
		seq++
	}
	logs = append(logs, logEntry(ts, seq, "alertRecipient", user(i), "Viewed on [web]"))
	seq++
	if i%3 == 2 || open { // alerts without report.ackTime are acknowledged in the log
		logs = append(logs, logEntry(ts, seq, "system", user(i), "Alert acknowledged via web"))
		seq++
	}
	if !open {
		logs = append(logs, logEntry(ts, seq, "system", "API", "Alert closed via API"))
	}
	return logs
}

func (f *fakeOpsgenie) sortAlerts() {
	slices.SortStableFunc(f.alerts, func(a, b map[string]any) int {
		return strings.Compare(a["createdAt"].(string)+a["id"].(string), b["createdAt"].(string)+b["id"].(string))
	})
}

// expected counts what a complete sync must store, worked out from the fake's records.
type expected struct {
	alerts, notifications, acks, users, teams, alertLogs int
}

func (f *fakeOpsgenie) expected() expected {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := expected{alerts: len(f.alerts), users: len(f.users), teams: len(f.teams)}
	for _, a := range f.alerts {
		report, _ := a["report"].(map[string]any)
		_, ackOnReport := report["ackTime"]
		for _, l := range f.logs[a["id"].(string)] {
			e.alertLogs++
			switch {
			case l["type"] == "Notification":
				e.notifications++
			case strings.HasPrefix(l["log"].(string), "Alert acknowledged") && !ackOnReport:
				e.acks++
			}
		}
	}
	return e
}

func (f *fakeOpsgenie) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	n := f.requests
	if f.onRequest != nil {
		f.onRequest(n)
	}
	if r.Header.Get("Authorization") != "GenieKey "+f.key {
		reply(w, http.StatusUnauthorized, map[string]any{"message": "Could not authenticate", "took": 0.001})
		return
	}
	if f.throttleEvery > 0 && n%f.throttleEvery == 0 {
		f.throttled++
		w.Header().Set("X-RateLimit-State", "THROTTLED")
		w.Header().Set("Retry-After", "2")
		reply(w, http.StatusTooManyRequests, map[string]any{"message": "You are making too many requests! To avoid errors, we recommend you limit requests.", "took": 0.001})
		return
	}
	if f.failEvery > 0 && n%f.failEvery == 0 {
		f.failed++
		msg := "Internal Server Error"
		if f.echoKeyOnError {
			msg += " for " + r.Header.Get("Authorization")
		}
		reply(w, http.StatusServiceUnavailable, map[string]any{"message": msg})
		return
	}
	q := r.URL.Query()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/v2/users":
		f.serveOffsetPage(w, r, q, f.users, nil)
	case r.URL.Path == "/v2/teams":
		reply(w, http.StatusOK, map[string]any{"data": f.teams, "took": 0.01, "requestId": "t"})
	case r.URL.Path == "/v2/alerts":
		f.listAlerts(w, r, q)
	case len(parts) == 3 && parts[1] == "alerts":
		for _, a := range f.alerts {
			if a["id"] == parts[2] {
				reply(w, http.StatusOK, map[string]any{"data": a, "took": 0.003, "requestId": "g"})
				return
			}
		}
		reply(w, http.StatusNotFound, map[string]any{"message": "Alert does not exist"})
	case len(parts) == 4 && parts[1] == "alerts" && parts[3] == "logs":
		f.serveLogs(w, r, parts[2], q)
	default:
		reply(w, http.StatusNotFound, map[string]any{"message": "no such endpoint " + r.URL.Path})
	}
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func intParam(q url.Values, name string, def int) (int, error) {
	if q.Get(name) == "" {
		return def, nil
	}
	return strconv.Atoi(q.Get(name))
}

// serveOffsetPage serves items[offset:offset+limit], each passed through show when set.
func (f *fakeOpsgenie) serveOffsetPage(w http.ResponseWriter, r *http.Request, q url.Values, items []map[string]any, show func(map[string]any) map[string]any) {
	limit, err1 := intParam(q, "limit", 20)
	offset, err2 := intParam(q, "offset", 0)
	if err1 != nil || err2 != nil || limit < 1 || limit > 100 || offset < 0 {
		reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "bad limit or offset"})
		return
	}
	end := min(offset+limit, len(items))
	data := items[min(offset, len(items)):end]
	if show != nil {
		shown := make([]map[string]any, len(data))
		for i, item := range data {
			shown[i] = show(item)
		}
		data = shown
	}
	paging := map[string]any{"first": pageURL(r, 0)}
	if end < len(items) {
		paging["next"] = pageURL(r, end)
	}
	reply(w, http.StatusOK, map[string]any{"data": data, "paging": paging, "took": 0.02, "requestId": "p"})
}

func pageURL(r *http.Request, offset int) string {
	q := r.URL.Query()
	q.Set("offset", strconv.Itoa(offset))
	return "https://api.opsgenie.com" + r.URL.Path + "?" + q.Encode()
}

var rangeQuery = regexp.MustCompile(`^createdAt >= (\d+) AND createdAt < (\d+)$`)

func (f *fakeOpsgenie) listAlerts(w http.ResponseWriter, r *http.Request, q url.Values) {
	m := rangeQuery.FindStringSubmatch(q.Get("query"))
	if m == nil || q.Get("sort") != "createdAt" || q.Get("order") != "asc" {
		reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "unexpected query " + r.URL.RawQuery})
		return
	}
	limit, _ := intParam(q, "limit", 20)
	offset, _ := intParam(q, "offset", 0)
	if offset+limit > f.offsetCap {
		reply(w, http.StatusUnprocessableEntity, map[string]any{"message": fmt.Sprintf("offset + limit must not exceed %d", f.offsetCap)})
		return
	}
	f.listQueries = append(f.listQueries, q.Get("query")+" offset="+q.Get("offset"))
	from, _ := strconv.ParseInt(m[1], 10, 64)
	to, _ := strconv.ParseInt(m[2], 10, 64)
	var in []map[string]any
	for _, a := range f.alerts {
		t, _ := time.Parse(time.RFC3339Nano, a["createdAt"].(string))
		if ms := t.UnixMilli(); ms >= from && ms < to {
			in = append(in, a)
		}
	}
	f.serveOffsetPage(w, r, q, in, func(a map[string]any) map[string]any {
		listed := clone(a)
		for _, k := range []string{"details", "description", "actions", "entity"} {
			delete(listed, k) // GET /v2/alerts lists BaseAlert, without these
		}
		return listed
	})
}

func (f *fakeOpsgenie) serveLogs(w http.ResponseWriter, r *http.Request, id string, q url.Values) {
	logs, ok := f.logs[id]
	if !ok {
		reply(w, http.StatusNotFound, map[string]any{"message": "Alert does not exist"})
		return
	}
	if q.Get("order") != "asc" || q.Get("direction") != "next" {
		reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "this fake serves logs oldest first only"})
		return
	}
	limit, _ := intParam(q, "limit", 20)
	start := 0
	if tok := q.Get("offset"); tok != "" {
		start = slices.IndexFunc(logs, func(l map[string]any) bool { return l["offset"] == tok }) + 1
		if start == 0 {
			reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "unknown offset " + tok})
			return
		}
	}
	end := min(start+limit, len(logs))
	paging := map[string]any{}
	if end < len(logs) {
		next := r.URL.Query()
		next.Set("offset", logs[end-1]["offset"].(string))
		paging["next"] = "https://api.opsgenie.com" + r.URL.Path + "?" + next.Encode()
	}
	reply(w, http.StatusOK, map[string]any{"data": logs[start:end], "paging": paging, "took": 0.01, "requestId": "l"})
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
