package modeltest_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/alertmanager"
	"github.com/alertlens/alertlens/ingest/ingesttest"
	"github.com/alertlens/alertlens/ingest/rules"
)

// These tests deliver alerts as Alertmanager sends them and read what the models make
// of them, with figures worked out by hand (see doc.go for why they live here).

type amAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    string            `json:"startsAt"`
	EndsAt      string            `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

func deliver(t *testing.T, db *sql.DB, cfg alertmanager.Config, alerts ...amAlert) {
	t.Helper()
	h, err := alertmanager.NewHandler(db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range alerts {
		if alerts[i].EndsAt == "" {
			alerts[i].EndsAt = "0001-01-01T00:00:00Z"
		}
	}
	body, _ := json.Marshal(map[string]any{"version": "4", "status": "firing", "receiver": "web-oncall", "alerts": alerts})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/ingest/alertmanager", bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("delivery: %d %s", rec.Code, rec.Body)
	}
}

func build(t *testing.T, db *sql.DB, yaml string) {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Build(context.Background(), db, cfg); err != nil {
		t.Fatal(err)
	}
}

type fact struct {
	resolvedAt                      *time.Time
	resolvedBy                      string
	transient, flapping, autoResolv bool
}

func factOf(t *testing.T, db *sql.DB, id string) fact {
	t.Helper()
	var f fact
	var at sql.NullTime
	var by sql.NullString
	err := db.QueryRow(`select resolved_at, resolved_by, is_transient, is_flapping, is_auto_resolved
		from incident_facts where incident_id = ?`, id).Scan(&at, &by, &f.transient, &f.flapping, &f.autoResolv)
	if err != nil {
		t.Fatalf("incident %s: %v", id, err)
	}
	if at.Valid {
		u := at.Time.UTC()
		f.resolvedAt = &u
	}
	f.resolvedBy = by.String
	return f
}

func firing(fp, start string, labels map[string]string) amAlert {
	return amAlert{Status: "firing", Labels: labels, Annotations: map[string]string{}, StartsAt: start, Fingerprint: fp}
}

// A flapping alert: it resolved and fired again within one group interval, so
// Alertmanager sent the second firing and never the first episode's resolve.
func TestFlappingEpisodeIsClosedByTheNext(t *testing.T) {
	db := ingesttest.OpenDB(t)
	labels := map[string]string{"alertname": "ApiLatencyHigh", "service": "api", "severity": "critical"}
	deliver(t, db, alertmanager.Config{}, firing("aaaaaaaaaaaaaaaa", "2026-03-10T10:00:00Z", labels))
	deliver(t, db, alertmanager.Config{}, firing("aaaaaaaaaaaaaaaa", "2026-03-10T10:03:00Z", labels))
	build(t, db, "")

	first := factOf(t, db, "aaaaaaaaaaaaaaaa@2026-03-10T10:00:00Z")
	// Closed at the second episode's start, 3 minutes in: by auto, so auto-resolved;
	// within 5 minutes, so transient; the first of its rule, so not flapping.
	if first.resolvedAt == nil || !first.resolvedAt.Equal(time.Date(2026, 3, 10, 10, 3, 0, 0, time.UTC)) ||
		first.resolvedBy != "auto" || !first.transient || !first.autoResolv || first.flapping {
		t.Errorf("first episode %+v (resolved %v), want resolved 10:03 by auto, transient, auto-resolved, not flapping", first, first.resolvedAt)
	}
	second := factOf(t, db, "aaaaaaaaaaaaaaaa@2026-03-10T10:03:00Z")
	// Still firing (it was just delivered); 3 minutes after the first, so flapping.
	if second.resolvedAt != nil || second.resolvedBy != "" || !second.flapping || second.transient {
		t.Errorf("second episode %+v (resolved %v), want open and flapping", second, second.resolvedAt)
	}
	var stored sql.NullTime
	db.QueryRow(`select resolved_at from incidents where incident_id = 'aaaaaaaaaaaaaaaa@2026-03-10T10:00:00Z'`).Scan(&stored)
	if stored.Valid {
		t.Errorf("the stored record was changed (resolved_at %v): the models derive the close, the record stays as sent", stored.Time)
	}

	// The real resolve arriving late wins over the derived one.
	late := firing("aaaaaaaaaaaaaaaa", "2026-03-10T10:00:00Z", labels)
	late.Status, late.EndsAt = "resolved", "2026-03-10T10:01:30Z"
	deliver(t, db, alertmanager.Config{}, late)
	build(t, db, "")
	if f := factOf(t, db, "aaaaaaaaaaaaaaaa@2026-03-10T10:00:00Z"); f.resolvedAt == nil ||
		!f.resolvedAt.Equal(time.Date(2026, 3, 10, 10, 1, 30, 0, time.UTC)) || f.resolvedBy != "auto" {
		t.Errorf("after the late resolve %+v (resolved %v), want 10:01:30", f, f.resolvedAt)
	}
}

// Episodes that stopped being re-sent: Alertmanager re-sends a firing alert every
// repeat_interval (4h), so one not heard of for stale_after (default 3 × 4h = 12h) has
// ended, or a silence muted it and its resolve.
func TestStaleEpisodesAreClosedAsUnknown(t *testing.T) {
	db := ingesttest.OpenDB(t)
	labels := func(name string) map[string]string {
		return map[string]string{"alertname": name, "service": "api", "severity": "warning"}
	}
	deliver(t, db, alertmanager.Config{},
		firing("bbbbbbbbbbbbbbbb", "2026-03-10T12:00:00Z", labels("Silenced")),
		firing("cccccccccccccccc", "2026-03-10T12:00:00Z", labels("StillFiring")))
	deliver(t, db, alertmanager.Config{StaleAfter: "10h"}, firing("dddddddddddddddd", "2026-03-10T12:00:00Z", labels("ShortStale")))
	// Last seen 13 h, 11 h and 11 h before the build.
	for fp, hours := range map[string]int{"bbbbbbbbbbbbbbbb": 13, "cccccccccccccccc": 11, "dddddddddddddddd": 11} {
		if _, err := db.Exec(`update raw_records set fetched_at = now()::timestamp - to_hours(?::bigint)
			where kind = 'alert' and record_id = ?`, hours, fp+"@2026-03-10T12:00:00Z"); err != nil {
			t.Fatal(err)
		}
	}
	build(t, db, "")
	lastSeen := func(fp string) time.Time {
		var at time.Time
		db.QueryRow(`select fetched_at from raw_records where record_id = ?`, fp+"@2026-03-10T12:00:00Z").Scan(&at)
		return at.UTC()
	}
	for fp, closed := range map[string]bool{"bbbbbbbbbbbbbbbb": true, "cccccccccccccccc": false, "dddddddddddddddd": true} {
		f := factOf(t, db, fp+"@2026-03-10T12:00:00Z")
		switch {
		case closed && (f.resolvedAt == nil || !f.resolvedAt.Equal(lastSeen(fp)) || f.resolvedBy != "unknown" || !f.autoResolv):
			t.Errorf("%s: %+v (resolved %v), want closed at its last sight %v by unknown", fp, f, f.resolvedAt, lastSeen(fp))
		case !closed && (f.resolvedAt != nil || f.resolvedBy != ""):
			t.Errorf("%s: %+v (resolved %v), want still open", fp, f, f.resolvedAt)
		}
	}
}

// METRICS.md: an Alertmanager rule is alertname plus the service/team labels.
func TestTwoTeamsAreTwoRules(t *testing.T) {
	db := ingesttest.OpenDB(t)
	deliver(t, db, alertmanager.Config{},
		firing("1111111111111111", "2026-03-10T09:00:00Z", map[string]string{"alertname": "HighErrorRate", "team": "payments", "severity": "page"}),
		firing("2222222222222222", "2026-03-10T09:00:00Z", map[string]string{"alertname": "HighErrorRate", "team": "infra", "severity": "page"}))
	build(t, db, "")
	rows, err := db.Query(`select rule_name, service_name, team, count(*) from incident_facts group by rule_id, rule_name, service_name, team order by team`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name, svc, team string
		var n int
		rows.Scan(&name, &svc, &team, &n)
		got = append(got, name+" "+svc+" "+team+" "+string(rune('0'+n)))
	}
	want := []string{"HighErrorRate web-oncall infra 1", "HighErrorRate web-oncall payments 1"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("rules %q, want %q", got, want)
	}
}

// runbook_patterns match each value on its own, not the labels document's JSON text,
// and a definition applies to the alerts that carry its labels.
func TestRunbooksFromPatternsAndDefinitions(t *testing.T) {
	db := ingesttest.OpenDB(t)
	page := func(name, team string) map[string]string {
		return map[string]string{"alertname": name, "team": team, "severity": "page"}
	}
	web := firing("3333333333333333", "2026-03-10T09:00:00Z", map[string]string{"alertname": "Web5xx", "service": "web", "severity": "page"})
	web.Annotations = map[string]string{"summary": "5xx on web", "dashboard": "https://runbooks.example.com/web/5xx"}
	deliver(t, db, alertmanager.Config{}, web,
		firing("4444444444444444", "2026-03-10T09:00:00Z", page("HighErrorRate", "payments")),
		firing("5555555555555555", "2026-03-10T09:00:00Z", page("HighErrorRate", "infra")),
		firing("6666666666666666", "2026-03-10T09:00:00Z", page("DiskFull", "infra")),
		firing("7777777777777777", "2026-03-10T09:00:00Z", page("NodeDown", "infra")))
	f, err := rules.Parse("defs.yml", "/defs.yml", []byte(`groups:
- name: upstream
  rules:
  - alert: HighErrorRate
    expr: errors > 1
    labels: {severity: page}
    annotations: {runbook_url: "https://runbooks.example.com/a-generic"}
  - alert: HighErrorRate
    expr: errors > 1
    labels: {severity: page, team: payments}
    annotations: {runbook_url: "https://runbooks.example.com/teams/{{ $labels.team }}/errors"}
  - alert: DiskFull
    expr: disk > 0.9
    labels: {severity: page}
    annotations: {runbook_url: "https://runbooks.example.com/disk-a"}
  - alert: DiskFull
    expr: disk > 0.95
    labels: {severity: page}
    annotations: {runbook_url: "https://runbooks.example.com/disk-b"}
  - alert: NodeDown
    expr: up == 0
    annotations: {runbook_url: "https://runbooks.example.com/node/{{ $labels.pod }}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := rules.Store(context.Background(), db, []rules.Path{{Abs: "/defs.yml", Files: []rules.File{f}}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	build(t, db, `runbook_patterns: ['https://runbooks\.example\.com/.*']`)
	want := map[string]string{
		"3333333333333333": "https://runbooks.example.com/web/5xx",               // the pattern, in the dashboard annotation alone
		"4444444444444444": "https://runbooks.example.com/teams/payments/errors", // the payments definition sets more labels; expanded
		"5555555555555555": "https://runbooks.example.com/a-generic",             // team infra: only the generic one applies
		"6666666666666666": "",                                                   // two equal definitions disagree: none
		"7777777777777777": "",                                                   // {{ $labels.pod }}: the alert has no pod
	}
	for fp, link := range want {
		var got sql.NullString
		var has bool
		if err := db.QueryRow(`select runbook_url, has_runbook from incident_facts where incident_id = ?`, fp+"@2026-03-10T09:00:00Z").Scan(&got, &has); err != nil {
			t.Fatal(err)
		}
		if got.String != link || has != (link != "") {
			t.Errorf("%s: runbook %q (has %v), want %q", fp, got.String, has, link)
		}
	}
	// What the rules export shows (CSV too) is the same clean link.
	var rule string
	db.QueryRow(`select runbook_url from alert_rules where rule_name = 'Web5xx'`).Scan(&rule)
	if rule != "https://runbooks.example.com/web/5xx" {
		t.Errorf("alert_rules.runbook_url %q", rule)
	}
}
