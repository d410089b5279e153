package alertmanager

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// sample reads one of the real payloads copied into testdata (SOURCES.md), so the
// tests run in a fresh clone too.
func sample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func newHandler(tb testing.TB, db *sql.DB, cfg Config, logs io.Writer) *Handler {
	tb.Helper()
	if logs == nil {
		logs = io.Discard
	}
	h, err := NewHandler(db, cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func post(h http.Handler, body []byte, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/alertmanager", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func mustPost(tb testing.TB, h http.Handler, body []byte) Result {
	tb.Helper()
	rec := post(h, body)
	if rec.Code != http.StatusOK {
		tb.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	var res Result
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		tb.Fatalf("response %q: %v", rec.Body, err)
	}
	return res
}

// alertmanagerFingerprint is Alertmanager's fingerprint written out from its
// definition (FNV-1a over the sorted names and values, each followed by 0xff), apart
// from the library the receiver uses.
func alertmanagerFingerprint(labels map[string]string) string {
	h := fnv.New64a()
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range labels {
			if !yield(k) {
				return
			}
		}
	}) {
		h.Write([]byte(k))
		h.Write([]byte{0xff})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0xff})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

type incidentRow struct {
	ID, Service, Title, Urgency, Priority string
	CreatedAt                             time.Time
	ResolvedAt                            *time.Time
	ResolvedBy, Rule, Runbook             string
	Labels                                string
}

func incidents(tb testing.TB, db *sql.DB) map[string]incidentRow {
	tb.Helper()
	rows, err := db.Query(`select incident_id, service_id, title, urgency, priority, created_at, resolved_at,
		resolved_by, rule, runbook_url, labels::varchar from incidents where source = 'alertmanager'`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]incidentRow{}
	for rows.Next() {
		var r incidentRow
		var resolved sql.NullTime
		if err := rows.Scan(&r.ID, &r.Service, &r.Title, &r.Urgency, &r.Priority, &r.CreatedAt, &resolved,
			&r.ResolvedBy, &r.Rule, &r.Runbook, &r.Labels); err != nil {
			tb.Fatal(err)
		}
		if resolved.Valid {
			t := resolved.Time.UTC()
			r.ResolvedAt = &t
		}
		r.CreatedAt = r.CreatedAt.UTC()
		out[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

type serviceRow struct{ Name, Team, Rotation string }

func services(tb testing.TB, db *sql.DB) map[string]serviceRow {
	tb.Helper()
	rows, err := db.Query(`select service_id, name, team, rotation from services where source = 'alertmanager'`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]serviceRow{}
	for rows.Next() {
		var id string
		var s serviceRow
		if err := rows.Scan(&id, &s.Name, &s.Team, &s.Rotation); err != nil {
			tb.Fatal(err)
		}
		out[id] = s
	}
	return out
}

func count(tb testing.TB, db *sql.DB, table string) int {
	tb.Helper()
	var n int
	if err := db.QueryRow("select count(*) from " + table).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestFingerprintMatchesPrometheusVector(t *testing.T) {
	// The published vector of prometheus/common's model/signature_test.go.
	labels := map[string]string{"name": "garland, briggs", "fear": "love is not enough"}
	want := fmt.Sprintf("%016x", uint64(5799056148416392346))
	if got := toLabelSet(labels).Fingerprint().String(); got != want {
		t.Errorf("library fingerprint %s, want %s", got, want)
	}
	if got := alertmanagerFingerprint(labels); got != want {
		t.Errorf("test's own fingerprint %s, want %s", got, want)
	}
}

func TestSampleFiringWithCommonRunbook(t *testing.T) {
	db := ingesttest.OpenDB(t)
	res := mustPost(t, newHandler(t, db, Config{}, nil), sample(t, "webhook_v4_firing_msteams.json"))
	if res.Alerts != 1 || res.New != 1 || res.Updated != 0 {
		t.Errorf("result %+v, want 1 alert, 1 new", res)
	}
	// No fingerprint in this older payload: it is computed from the alert's own labels.
	fp := alertmanagerFingerprint(map[string]string{"alertname": "high_memory_load",
		"instance": "instance-with-hyphen_and_underscore", "job": "docker_nodes", "monitor": "master", "severity": "warning"})
	id := fp + "@2018-03-07T11:33:21.873077559Z"
	got := incidents(t, db)
	if len(got) != 1 {
		t.Fatalf("%d incidents, want 1: %v", len(got), got)
	}
	inc, ok := got[id]
	if !ok {
		t.Fatalf("no incident %s; have %v", id, got)
	}
	want := incidentRow{
		ID: id, Service: "teams_proxy", Title: "Server High Memory usage", Urgency: "low",
		CreatedAt: utc("2018-03-07T11:33:21.873077Z"), Rule: "high_memory_load",
		Runbook: "https://github.com/bzon/prometheus-msteams", // only in commonAnnotations, as `runbook`
	}
	var kept map[string]map[string]string
	if err := json.Unmarshal([]byte(inc.Labels), &kept); err != nil {
		t.Fatal(err)
	}
	inc.Labels = ""
	if fmt.Sprint(inc) != fmt.Sprint(want) {
		t.Errorf("incident\n got %+v\nwant %+v", inc, want)
	}
	if kept["labels"]["instance"] != "instance-with-hyphen_and_underscore" || kept["labels"]["severity"] != "warning" ||
		kept["annotations"]["summary"] != "Server High Memory usage" ||
		kept["annotations"]["runbook"] != "https://github.com/bzon/prometheus-msteams" ||
		kept["annotations"]["description"] != "10.80.40.11 reported high memory usage with 23.28%." {
		t.Errorf("labels column %v", kept)
	}
	if s := services(t, db); fmt.Sprint(s) != fmt.Sprint(map[string]serviceRow{"teams_proxy": {"teams_proxy", "", "teams_proxy"}}) {
		t.Errorf("services %v", s)
	}
	var kind, payload string
	if err := db.QueryRow(`select kind, payload::varchar from raw_records where source = 'alertmanager' and record_id = ?`, id).Scan(&kind, &payload); err != nil {
		t.Fatal(err)
	}
	var alertJSON map[string]any
	if err := json.Unmarshal([]byte(payload), &alertJSON); err != nil || kind != "alert" ||
		alertJSON["startsAt"] != "2018-03-07T06:33:21.873077559-05:00" {
		t.Errorf("raw record %s %s", kind, payload)
	}
	if n := count(t, db, "notifications"); n != 0 {
		t.Errorf("%d notifications, want none (Alertmanager does not say who was paged)", n)
	}
}

func TestSampleTwoAlertsTakeCommonSeverity(t *testing.T) {
	db := ingesttest.OpenDB(t)
	mustPost(t, newHandler(t, db, Config{}, nil), sample(t, "webhook_v4_firing_2_alerts_msteams.json"))
	got := incidents(t, db)
	for _, name := range []string{"high_memory_load", "high_memory_load2"} {
		id := alertmanagerFingerprint(map[string]string{"alertname": name}) + "@2018-03-07T11:33:21.873077559Z"
		inc, ok := got[id]
		if !ok {
			t.Errorf("no incident %s for %s; have %d", id, name, len(got))
			continue
		}
		// severity=warning is only in commonLabels; no runbook anywhere.
		if inc.Title != "Server High Memory usage" || inc.Rule != name || inc.Urgency != "low" ||
			inc.Runbook != "" || inc.ResolvedAt != nil || inc.Service != "teams_proxy" {
			t.Errorf("%s: %+v", name, inc)
		}
	}
	if len(got) != 2 {
		t.Errorf("%d incidents, want 2", len(got))
	}
}

func TestSampleLargeFiring(t *testing.T) {
	db := ingesttest.OpenDB(t)
	res := mustPost(t, newHandler(t, db, Config{}, nil), sample(t, "webhook_v4_firing_large_msteams.json"))
	if res.Alerts != 19 || res.New != 19 {
		t.Errorf("result %+v, want 19 alerts, all new", res)
	}
	got := incidents(t, db)
	if len(got) != 19 {
		t.Fatalf("%d incidents, want 19", len(got))
	}
	perService := map[string]int{}
	laterStart := 0
	for _, inc := range got {
		perService[inc.Service]++
		if inc.Urgency != "high" || inc.Rule != "NodeEvent" || inc.Runbook != "" || inc.ResolvedAt != nil ||
			!strings.HasPrefix(inc.Title, "Server is down. `") {
			t.Errorf("incident %+v", inc)
		}
		if inc.CreatedAt.Equal(utc("2019-01-10T02:58:40.360642Z")) {
			laterStart++
		}
	}
	wantPerService := map[string]int{
		"infrastructurevmenvironmentcuser3cne1": 2, "infrastructurevmenvironmentcuser2use1": 3,
		"database1vmenvironmentcuser3cne1": 3, "infrastructurevmenvironmentcuser4usc1": 2,
		"infrastructurevmenvironmentcuser1usw1": 3, "infrastructurevmenvironmentcuser5euw1": 3,
		"subdatabase2vmenvironmentcuser3cne1": 3,
	}
	if fmt.Sprint(perService) != fmt.Sprint(wantPerService) {
		t.Errorf("incidents per service %v, want %v", perService, wantPerService)
	}
	if laterStart != 6 {
		t.Errorf("%d incidents started 2019-01-10T02:58:40Z, want 6 (database1 and subdatabase2)", laterStart)
	}
	svcs := services(t, db)
	if len(svcs) != 7 {
		t.Errorf("%d services, want 7", len(svcs))
	}
	for id, s := range svcs {
		if s.Name != id || s.Team != "" || s.Rotation != "prometheus-tool-dev" {
			t.Errorf("service %s: %+v", id, s)
		}
	}
	// One alert checked whole: database1002A.
	fp := alertmanagerFingerprint(map[string]string{"alertname": "NodeEvent", "alias": "database1002A",
		"env": "user3environmentc", "env2": "environmentc",
		"user3tance": "database1002A.environmentc.user3.myowncompanet.net:9001", "job": "data_collector",
		"monitor": "example", "op": "user3", "service": "database1vmenvironmentcuser3cne1", "severity": "page",
		"site": "A", "source": "data_database"})
	inc, ok := got[fp+"@2019-01-10T02:58:40.360642134Z"]
	if !ok || inc.Title != "Server is down. `database1002A` - `user3environmentc`" || inc.Service != "database1vmenvironmentcuser3cne1" {
		t.Errorf("database1002A: found %v, %+v", ok, inc)
	}
}

func TestSampleResolvedWithRunbookURL(t *testing.T) {
	db := ingesttest.OpenDB(t)
	mustPost(t, newHandler(t, db, Config{}, nil), sample(t, "webhook_v4_resolved_runbook_url_prom2teams.json"))
	got := incidents(t, db)
	id := "dd19ae3d4e06ac55@2017-05-09T07:01:37.803Z" // the payload's own fingerprint
	inc, ok := got[id]
	if !ok || len(got) != 1 {
		t.Fatalf("want only incident %s, have %v", id, got)
	}
	if inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(utc("2017-05-09T07:08:37.818278Z")) || inc.ResolvedBy != "auto" {
		t.Errorf("resolved at %v by %q, want 2017-05-09T07:08:37.818278Z by auto", inc.ResolvedAt, inc.ResolvedBy)
	}
	// "severe" is not one of the default high severities.
	if inc.Title != "Disk usage alert on CS30.evilcorp" || inc.Urgency != "low" || inc.Rule != "DiskSpace" ||
		inc.Runbook != "https://cs30-evilcorp-runbooks.com/rootfs-device-high-disk-usage" || inc.Service != "test_webhook" ||
		!inc.CreatedAt.Equal(utc("2017-05-09T07:01:37.803Z")) {
		t.Errorf("incident %+v", inc)
	}
	// With "severe" configured as high, the same alert is high urgency.
	db2 := ingesttest.OpenDB(t)
	mustPost(t, newHandler(t, db2, Config{HighSeverities: []string{"SEVERE"}}, nil), sample(t, "webhook_v4_resolved_runbook_url_prom2teams.json"))
	if u := incidents(t, db2)[id].Urgency; u != "high" {
		t.Errorf("urgency %q with high_severities [SEVERE], want high", u)
	}
}

// snapshot is every stored value that a delivery could change, apart from
// raw_records.fetched_at (the time of the latest delivery).
func snapshot(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	var b strings.Builder
	for _, q := range []string{
		`select * from incidents order by all`,
		`select * from services order by all`,
		`select source, kind, record_id, payload::varchar from raw_records order by all`,
		`select count(*) from notifications`,
		`select count(*) from incident_events`,
	} {
		for _, vals := range ingesttest.Rows(tb, db, q) {
			fmt.Fprintln(&b, vals...)
		}
	}
	return b.String()
}

func TestResendChangesNothing(t *testing.T) {
	db := ingesttest.OpenDB(t)
	h := newHandler(t, db, Config{}, nil)
	for _, name := range []string{"webhook_v4_firing_large_msteams.json", "webhook_v4_resolved_runbook_url_prom2teams.json"} {
		mustPost(t, h, sample(t, name))
	}
	before := snapshot(t, db)
	rows := []int{count(t, db, "incidents"), count(t, db, "services"), count(t, db, "raw_records")}
	for _, name := range []string{"webhook_v4_firing_large_msteams.json", "webhook_v4_resolved_runbook_url_prom2teams.json"} {
		res := mustPost(t, h, sample(t, name))
		if res.New != 0 {
			t.Errorf("%s resent: %d new incidents, want 0", name, res.New)
		}
	}
	if got := []int{count(t, db, "incidents"), count(t, db, "services"), count(t, db, "raw_records")}; !slices.Equal(got, rows) {
		t.Errorf("rows (incidents, services, raw) %v after the resend, want %v", got, rows)
	}
	if rows[0] != 20 || rows[1] != 8 || rows[2] != 20 {
		t.Errorf("rows (incidents, services, raw) %v, want [20 8 20]", rows)
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("a resend changed stored values\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// webhook builds a version 4 payload with one alert.
func webhook(status, fingerprint, startsAt, endsAt string) []byte {
	b, _ := json.Marshal(map[string]any{
		"version": "4", "status": status, "receiver": "platform-oncall",
		"commonLabels": map[string]string{"alertname": "KubePodCrashLooping"},
		"alerts": []map[string]any{{
			"status":      status,
			"labels":      map[string]string{"alertname": "KubePodCrashLooping", "severity": "critical", "team": "Platform", "service": "checkout", "pod": "checkout-7d9"},
			"annotations": map[string]string{"description": "Pod checkout-7d9 is restarting", "runbook_url": "https://runbooks.example.com/KubePodCrashLooping"},
			"startsAt":    startsAt, "endsAt": endsAt, "fingerprint": fingerprint,
		}},
	})
	return b
}

func TestFiringThenResolvedThenLateFiring(t *testing.T) {
	db := ingesttest.OpenDB(t)
	h := newHandler(t, db, Config{}, nil)
	const start, end = "2026-03-29T00:30:00Z", "2026-03-29T00:34:10.5Z"
	id := "a1b2c3d4e5f60718@2026-03-29T00:30:00Z"

	if res := mustPost(t, h, webhook("firing", "a1b2c3d4e5f60718", start, "0001-01-01T00:00:00Z")); res.New != 1 {
		t.Errorf("firing: %+v, want 1 new", res)
	}
	inc := incidents(t, db)[id]
	if inc.ResolvedAt != nil || inc.ResolvedBy != "" || inc.Urgency != "high" || inc.Title != "Pod checkout-7d9 is restarting" ||
		inc.Service != "checkout/Platform" || inc.Runbook != "https://runbooks.example.com/KubePodCrashLooping" {
		t.Errorf("after firing: %+v", inc)
	}
	if s := services(t, db)["checkout/Platform"]; s != (serviceRow{"checkout", "Platform", "platform-oncall"}) {
		t.Errorf("service %+v", s)
	}

	if res := mustPost(t, h, webhook("resolved", "a1b2c3d4e5f60718", start, end)); res.New != 0 || res.Updated != 1 {
		t.Errorf("resolved: %+v, want 1 updated", res)
	}
	inc = incidents(t, db)[id]
	if inc.ResolvedAt == nil || !inc.ResolvedAt.Equal(utc(end)) || inc.ResolvedBy != "auto" {
		t.Errorf("after resolved: resolved at %v by %q, want %s by auto", inc.ResolvedAt, inc.ResolvedBy, end)
	}
	resolved := snapshot(t, db)

	// A firing delivery of the same episode arriving late (a retry that overtook the
	// resolve) keeps the incident resolved and changes nothing.
	if res := mustPost(t, h, webhook("firing", "a1b2c3d4e5f60718", start, "0001-01-01T00:00:00Z")); res.KeptResolved != 1 || res.Updated != 0 {
		t.Errorf("late firing: %+v, want 1 kept resolved", res)
	}
	if after := snapshot(t, db); after != resolved {
		t.Errorf("a late firing delivery changed the store\nbefore:\n%s\nafter:\n%s", resolved, after)
	}

	// The same alert firing again later is a new episode, a new incident.
	if res := mustPost(t, h, webhook("firing", "a1b2c3d4e5f60718", "2026-03-29T02:00:00Z", "0001-01-01T00:00:00Z")); res.New != 1 {
		t.Errorf("refiring: %+v, want 1 new", res)
	}
	all := incidents(t, db)
	if len(all) != 2 || all["a1b2c3d4e5f60718@2026-03-29T02:00:00Z"].ResolvedAt != nil || all[id].ResolvedAt == nil {
		t.Errorf("after refiring: %v", all)
	}
}

func TestMalformedBodiesStoreNothing(t *testing.T) {
	good := `{"labels":{"alertname":"A"},"startsAt":"2026-03-29T00:30:00Z"}`
	body := func(alerts ...string) string {
		return `{"version":"4","status":"firing","receiver":"r","alerts":[` + strings.Join(alerts, ",") + `]}`
	}
	cases := []struct{ name, body, want string }{
		{"not json", `{"version":`, `body: want a JSON object (Alertmanager webhook version 4), got invalid JSON: unexpected end of JSON input`},
		{"array", `[1,2]`, `body: want a JSON object (Alertmanager webhook version 4), got an array`},
		{"version 3", `{"version":"3","status":"firing","receiver":"r","alerts":[]}`, `version: want "4", got "3"`},
		{"version number", `{"version":4,"status":"firing","receiver":"r","alerts":[]}`, `version: want a string, got a number`},
		{"no version", `{"status":"firing","receiver":"r","alerts":[]}`, `version: want "4", got none`},
		{"bad status", `{"version":"4","status":"open","receiver":"r","alerts":[]}`, `status: want "firing" or "resolved", got "open"`},
		{"no receiver", `{"version":"4","status":"firing","alerts":[]}`, `receiver: want the receiver's name, got an empty string`},
		{"no alerts", `{"version":"4","status":"firing","receiver":"r"}`, `alerts: want an array of alerts, missing`},
		{"alerts object", `{"version":"4","status":"firing","receiver":"r","alerts":{}}`, `alerts: want an array of alerts, got an object`},
		{"bad startsAt in third", body(good, good, `{"labels":{"alertname":"A"},"startsAt":"yesterday"}`),
			`alerts[2].startsAt: want an RFC 3339 time such as 2026-03-29T00:30:00Z, got "yesterday"`},
		{"zero startsAt", body(`{"labels":{"alertname":"A"},"startsAt":"0001-01-01T00:00:00Z"}`),
			`alerts[0].startsAt: want an RFC 3339 time such as 2026-03-29T00:30:00Z, got "0001-01-01T00:00:00Z"`},
		{"label not a string", body(good, `{"labels":{"alertname":"A","severity":3},"startsAt":"2026-03-29T00:30:00Z"}`),
			`alerts[1].labels.severity: want a string, got a number`},
		{"no labels", body(`{"startsAt":"2026-03-29T00:30:00Z"}`), `alerts[0].labels: want an object of label names to string values, missing`},
		{"empty labels", body(`{"labels":{},"startsAt":"2026-03-29T00:30:00Z"}`), `alerts[0].labels: want at least one label, got an empty object`},
		{"annotations list", body(`{"labels":{"a":"b"},"annotations":["x"],"startsAt":"2026-03-29T00:30:00Z"}`),
			`alerts[0].annotations: want an object of names to string values, got an array`},
		{"alert not object", body(good, `"x"`), `alerts[1]: want an alert object, got a string`},
		{"alert status", body(`{"status":"pending","labels":{"a":"b"},"startsAt":"2026-03-29T00:30:00Z"}`),
			`alerts[0].status: want "firing" or "resolved", got "pending"`},
		{"resolved without end", body(`{"status":"resolved","labels":{"a":"b"},"startsAt":"2026-03-29T00:30:00Z","endsAt":"0001-01-01T00:00:00Z"}`),
			`alerts[0].endsAt: want the RFC 3339 time a resolved alert ended, got "0001-01-01T00:00:00Z"`},
		{"resolved before start", body(`{"status":"resolved","labels":{"a":"b"},"startsAt":"2026-03-29T00:30:00Z","endsAt":"2026-03-29T00:29:00Z"}`),
			`alerts[0].endsAt: want a time not before startsAt (2026-03-29T00:30:00Z), got "2026-03-29T00:29:00Z"`},
		{"fingerprint number", body(`{"labels":{"a":"b"},"startsAt":"2026-03-29T00:30:00Z","fingerprint":12}`),
			`alerts[0].fingerprint: want a string, got a number`},
		{"common labels", `{"version":"4","status":"firing","receiver":"r","commonLabels":{"x":null},"alerts":[]}`,
			`commonLabels.x: want a string, got null`},
	}
	db := ingesttest.OpenDB(t)
	var logs bytes.Buffer
	h := newHandler(t, db, Config{}, &logs)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := post(h, []byte(c.body))
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", rec.Code, rec.Body)
			}
			var got map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("response %q is not JSON: %v", rec.Body, err)
			}
			if got["error"] != c.want {
				t.Errorf("error\n got %s\nwant %s", got["error"], c.want)
			}
		})
	}
	for _, table := range []string{"incidents", "services", "raw_records"} {
		if n := count(t, db, table); n != 0 {
			t.Errorf("%d rows in %s after malformed bodies, want 0", n, table)
		}
	}
	if !strings.Contains(logs.String(), "alerts[2].startsAt") {
		t.Errorf("rejections are not logged: %s", logs.String())
	}
}

func TestBodyLimit(t *testing.T) {
	db := ingesttest.OpenDB(t)
	h := newHandler(t, db, Config{}, nil)
	big := `{"version":"4","status":"firing","receiver":"r","alerts":[],"pad":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	if rec := post(h, []byte(big)); rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "at most 5 MiB") {
		t.Errorf("status %d %s, want 413", rec.Code, rec.Body)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/ingest/alertmanager", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET: status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestBearerToken(t *testing.T) {
	const token = "s3cret-T0ken-value-9f8e7d"
	t.Setenv("TEST_AM_TOKEN", token)
	db := ingesttest.OpenDB(t)
	var logs bytes.Buffer
	h := newHandler(t, db, Config{TokenEnv: "TEST_AM_TOKEN"}, &logs)
	body := sample(t, "webhook_v4_firing_msteams.json")

	var responses strings.Builder
	for _, c := range []struct {
		name   string
		header []string
		want   int
	}{
		{"none", nil, http.StatusUnauthorized},
		{"wrong", []string{"Authorization", "Bearer " + token + "x"}, http.StatusUnauthorized},
		{"prefix of it", []string{"Authorization", "Bearer " + token[:10]}, http.StatusUnauthorized},
		{"basic scheme", []string{"Authorization", "Basic " + token}, http.StatusUnauthorized},
		{"right", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"scheme in lower case", []string{"Authorization", "bearer " + token}, http.StatusOK},
	} {
		rec := post(h, body, c.header...)
		responses.WriteString(rec.Body.String())
		if rec.Code != c.want {
			t.Errorf("%s: status %d, want %d: %s", c.name, rec.Code, c.want, rec.Body)
		}
		if c.want == http.StatusUnauthorized {
			if n := count(t, db, "incidents"); n != 0 {
				t.Errorf("%s: %d incidents stored without the token", c.name, n)
			}
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", c.name)
			}
		}
	}
	if n := count(t, db, "incidents"); n != 1 {
		t.Errorf("%d incidents after the authorised deliveries, want 1", n)
	}
	if !strings.Contains(logs.String(), "without the right bearer token") || !strings.Contains(logs.String(), "stored a notification") {
		t.Errorf("logs do not record the rejections and the delivery:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token[:10]) || strings.Contains(responses.String(), token[:10]) {
		t.Errorf("the token leaked into the logs or a response:\n%s\n%s", logs.String(), responses.String())
	}
	var raw string
	db.QueryRow(`select string_agg(payload::varchar, '') from raw_records`).Scan(&raw)
	if strings.Contains(raw, token[:10]) {
		t.Error("the token leaked into raw_records")
	}

	// Without token_env no header is needed.
	open := newHandler(t, ingesttest.OpenDB(t), Config{}, nil)
	if rec := post(open, body); rec.Code != http.StatusOK {
		t.Errorf("no token configured: status %d, want 200", rec.Code)
	}
	// A configured but empty variable refuses to start rather than accept anyone.
	t.Setenv("TEST_AM_TOKEN_EMPTY", "")
	if _, err := NewHandler(db, Config{TokenEnv: "TEST_AM_TOKEN_EMPTY"}, slog.New(slog.DiscardHandler)); err == nil ||
		err.Error() != "alertmanager.token_env: environment variable TEST_AM_TOKEN_EMPTY is empty or not set" {
		t.Errorf("empty token variable: %v", err)
	}
}

func TestConcurrentDeliveries(t *testing.T) {
	db := ingesttest.OpenDB(t)
	srv := httptest.NewServer(newHandler(t, db, Config{}, nil))
	defer srv.Close()
	bodies := [][]byte{
		sample(t, "webhook_v4_firing_large_msteams.json"),
		sample(t, "webhook_v4_firing_2_alerts_msteams.json"),
		sample(t, "webhook_v4_firing_msteams.json"),
		sample(t, "webhook_v4_resolved_runbook_url_prom2teams.json"),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 { // each payload four times, all at once
		wg.Go(func() {
			resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(bodies[i%len(bodies)]))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b, _ := io.ReadAll(resp.Body)
				errs <- fmt.Errorf("status %d: %s", resp.StatusCode, b)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// 19 + 2 + 1 + 1 distinct alerts, each stored once.
	if n := count(t, db, "incidents"); n != 23 {
		t.Errorf("%d incidents, want 23", n)
	}
	if n := count(t, db, "raw_records"); n != 23 {
		t.Errorf("%d raw records, want 23", n)
	}
}

// BenchmarkDelivery measures one delivery of the 19-alert sample, the resend case
// (every incident replaced in place), including the Writer set-up per request.
func BenchmarkDelivery(b *testing.B) {
	db := ingesttest.OpenDB(b)
	h := newHandler(b, db, Config{}, nil)
	body := sample(b, "webhook_v4_firing_large_msteams.json")
	mustPost(b, h, body)
	b.ResetTimer()
	for b.Loop() {
		if rec := post(h, body); rec.Code != http.StatusOK {
			b.Fatal(rec.Body)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/19, "µs/alert")
}

func TestRunbookTemplates(t *testing.T) {
	labels := map[string]string{"alertname": "NodeDown", "instance": "db-7:9100", "job": "node", "service": "ledger"}
	for _, c := range []struct {
		name        string
		annotations map[string]string
		want        string
	}{
		{"plain", map[string]string{"runbook_url": " https://r.example.com/node "}, "https://r.example.com/node"},
		{"$labels", map[string]string{"runbook_url": "https://r.example.com/{{ $labels.job }}/{{$labels.instance}}"}, "https://r.example.com/node/db-7:9100"},
		{".Labels and trim markers", map[string]string{"runbook_url": "https://r.example.com/{{- .Labels.service -}}"}, "https://r.example.com/ledger"},
		{"index", map[string]string{"runbook": `https://r.example.com/{{ index $labels "job" }}`}, "https://r.example.com/node"},
		// A label the alert does not carry, or a template function: the link leads
		// nowhere, so it is no runbook; the other annotation is taken if it is one.
		{"unknown label", map[string]string{"runbook_url": "https://r.example.com/{{ $labels.pod }}"}, ""},
		{"function", map[string]string{"runbook_url": "https://r.example.com/{{ $labels.job | toUpper }}"}, ""},
		{"refused, then runbook", map[string]string{"runbook_url": "https://r.example.com/{{ $labels.pod }}", "runbook": "https://wiki.example.com/node"}, "https://wiki.example.com/node"},
		{"none", map[string]string{"summary": "Node down"}, ""},
	} {
		if got := runbook(c.annotations, labels); got != c.want {
			t.Errorf("%s: runbook %q, want %q", c.name, got, c.want)
		}
	}
}

// Two teams' alerts of one name through one receiver, without a service label, and
// two teams' alerts on one shared service, in one delivery: each alert keeps its team.
func TestTeamPerAlert(t *testing.T) {
	db := ingesttest.OpenDB(t)
	alert := func(fp string, labels map[string]string) map[string]any {
		return map[string]any{"status": "firing", "labels": labels, "annotations": map[string]string{},
			"startsAt": "2026-03-29T00:30:00Z", "fingerprint": fp}
	}
	body, _ := json.Marshal(map[string]any{"version": "4", "status": "firing", "receiver": "web-oncall",
		"alerts": []map[string]any{
			alert("0000000000000001", map[string]string{"alertname": "HighErrorRate", "team": "payments"}),
			alert("0000000000000002", map[string]string{"alertname": "HighErrorRate", "team": "infra"}),
			alert("0000000000000003", map[string]string{"alertname": "QueueBacklog", "service": "checkout", "team": "payments"}),
			alert("0000000000000004", map[string]string{"alertname": "QueueBacklog", "service": "checkout", "team": "infra"}),
			alert("0000000000000005", map[string]string{"alertname": "QueueBacklog", "service": "checkout"}),
		}})
	mustPost(t, newHandler(t, db, Config{}, nil), body)
	want := map[string]serviceRow{
		"web-oncall/payments": {"web-oncall", "payments", "web-oncall"},
		"web-oncall/infra":    {"web-oncall", "infra", "web-oncall"},
		"checkout/payments":   {"checkout", "payments", "web-oncall"},
		"checkout/infra":      {"checkout", "infra", "web-oncall"},
		"checkout":            {"checkout", "", "web-oncall"},
	}
	if got := services(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("services\n got %v\nwant %v", got, want)
	}
	inc := incidents(t, db)
	for fp, svc := range map[string]string{"0000000000000001": "web-oncall/payments", "0000000000000002": "web-oncall/infra",
		"0000000000000003": "checkout/payments", "0000000000000004": "checkout/infra", "0000000000000005": "checkout"} {
		if got := inc[fp+"@2026-03-29T00:30:00Z"].Service; got != svc {
			t.Errorf("alert %s: service %q, want %q", fp, got, svc)
		}
	}
}
