package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest/grafanaoncall/oncalltest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// oncallOrg serves the fake organisation with 12 alert groups, one an hour from ten days
// ago: one window of a backfill shorter than 30 days, one page. The collector's own tests
// (ingest/grafanaoncall) cover paging, resuming, retries and the mapping.
func oncallOrg(t *testing.T, token string) string {
	first := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Hour)
	_, srv := oncalltest.Serve(t, token, oncalltest.Org(12, first, time.Hour))
	return srv.URL
}

func TestSyncGrafanaOnCallCommand(t *testing.T) {
	const token = "oncall-cli-token"
	t.Setenv("GRAFANA_ONCALL_TOKEN", token) // the default --token-env
	url := oncallOrg(t, token)
	db := filepath.Join(t.TempDir(), "oncall.duckdb")

	// 29 days, inside one 30-day window: --since 30d counts back from when the command
	// starts and the backfill ends when its run starts, so a second that ticks between
	// the two made a second window of a second (one request more).
	out, progress := runCLI(t, "--db", db, "sync", "grafana-oncall", "--api-url", url, "--since", "29d", "--source", "oncall-test")
	// 7 list requests (routes: 27 in two pages), 1 window, 3 lists of open groups.
	for _, want := range []string{
		"oncall-test: fetched 2 teams, 3 users, 2 escalation chains, 4 escalation policies, 2 integrations, 27 routes, 12 alert groups in 1 windows; 0 open groups re-read, 0 more fetched one by one (0 gone); 11 requests",
		"oncall-test: stored incidents 12 (12 new), responders 3 (3 new), services 27 (27 new)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if !strings.Contains(progress, "grafana-oncall: alert groups ") || !strings.Contains(progress, "run 'alertlens build'") {
		t.Errorf("stderr has no window progress or build hint:\n%s", progress)
	}
	// Group 2 (Org's table): the payments route, acknowledged and resolved by bob.
	got, _ := runCLI(t, "--db", db, "sql", "--format", "csv",
		"select s.team, s.rotation, i.resolved_by, i.urgency from incidents i join services s using (source, service_id) where i.incident_id = 'IG00002'")
	if want := "team,rotation,resolved_by,urgency\r\nPayments,payments-primary,human,high\r\n"; got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
	if dump, _ := runCLI(t, "--db", db, "sql", "--format", "csv", "select cursor from sync_state union all select payload::varchar from raw_records"); strings.Contains(dump, token) {
		t.Errorf("the token is in the database")
	}
}

func TestSyncGrafanaOnCallFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "oncall.duckdb")
	t.Setenv("GRAFANA_ONCALL_TOKEN", "")
	if _, _, err := runCLIErr("--db", db, "sync", "grafana-oncall"); err == nil || !strings.Contains(err.Error(), "--api-url is required") {
		t.Errorf("no --api-url: err %v", err)
	}
	if _, _, err := runCLIErr("--db", db, "sync", "grafana-oncall", "--api-url", "https://oncall.example"); err == nil ||
		!strings.Contains(err.Error(), "$GRAFANA_ONCALL_TOKEN is empty") {
		t.Errorf("no token: err %v, want it to name the variable", err)
	}
	t.Setenv("IRM_TOKEN", "glsa_x")
	if _, _, err := runCLIErr("--db", db, "sync", "grafana-oncall", "--api-url", "https://oncall.example", "--token-env", "IRM_TOKEN", "--since", "last week"); err == nil ||
		!strings.Contains(err.Error(), "--since") {
		t.Errorf("bad --since: err %v", err)
	}
	if _, _, err := runCLIErr("--db", db, "sync", "grafana-oncall", "--api-url", "oncall.example", "--token-env", "IRM_TOKEN"); err == nil ||
		!strings.Contains(err.Error(), `want http(s)://host[/path], got "oncall.example"`) {
		t.Errorf("bad --api-url: err %v", err)
	}
	help, _, _ := runCLIErr("sync", "grafana-oncall", "--help")
	for _, want := range []string{"Grafana Cloud IRM", "--grafana-url", "GRAFANA_ONCALL_TOKEN"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not mention %s", want)
		}
	}
}

// A grafana_oncall source under sources: gives the command its API URL and credential
// variable, and is a scheduled job whose sync reports as the command does.
func TestGrafanaOnCallSourceFromConfig(t *testing.T) {
	const token = "oncall-config-token"
	t.Setenv("IRM_CONFIG_TOKEN", token)
	url := oncallOrg(t, token)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "alertlens.yaml")
	doc := fmt.Sprintf("sources:\n  - name: irm\n    kind: grafana_oncall\n    credential_env: IRM_CONFIG_TOKEN\n    api_url: %s\n    since: 30d\n", url)
	if err := os.WriteFile(cfgPath, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := runCLI(t, "--db", filepath.Join(dir, "a.duckdb"), "--config", cfgPath, "sync", "grafana-oncall", "--source", "irm", "--since", "30d")
	if !strings.Contains(out, "irm: fetched 2 teams") || !strings.Contains(out, "12 alert groups") {
		t.Errorf("sync with the source's settings said:\n%s", out)
	}

	cfg, err := config.Parse([]byte(doc), "alertlens.yaml")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := scheduledJobs(cfg, ingesttest.OpenDB(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Kind != config.KindGrafanaOnCall {
		t.Fatalf("jobs %+v", jobs)
	}
	res, err := jobs[0].Sync(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Summary, "irm: stored incidents 12 (12 new)") || res.Requests != 11 || res.New["incidents"] != 12 {
		t.Errorf("scheduled sync: %+v", res)
	}
}

// `alertlens sync grafana-oncall` killed with SIGKILL in the middle of a window (the
// fake kills the process while it waits for its answer to request 9, the first window's
// second page): the first page stays committed, and the next run ends with the rows of
// an uninterrupted one.
func TestSyncGrafanaOnCallSurvivesKill9(t *testing.T) {
	const token = "oncall-kill-token"
	t.Setenv("GRAFANA_ONCALL_TOKEN", token)
	// 130 groups, one every 7 hours from 40 days ago: with a backfill from 45 days ago,
	// the first 30-day window holds those created before 15 days ago (86), two pages.
	first := time.Now().UTC().Add(-40 * 24 * time.Hour).Truncate(time.Hour)
	serve := func() (*oncalltest.Fake, []string) {
		f, srv := oncalltest.Serve(t, token, oncalltest.Org(130, first, 7*time.Hour))
		return f, []string{"sync", "grafana-oncall", "--api-url", srv.URL, "--since", "45d", "--source", "oncall-kill"}
	}
	dir := t.TempDir()
	tables := map[string]string{
		"incidents":   `select * exclude (source) from incidents order by incident_id`,
		"services":    `select * exclude (source) from services order by service_id`,
		"responders":  `select * exclude (source) from responders order by responder_id`,
		"raw_records": `select kind, record_id, payload::varchar from raw_records order by kind, record_id`,
	}
	rows := func(db string) map[string]string {
		out := map[string]string{}
		for name, q := range tables {
			out[name], _ = runCLI(t, "--db", db, "sql", "--format", "csv", q)
		}
		return out
	}

	_, args := serve()
	ref := filepath.Join(dir, "ref.duckdb")
	runCLI(t, append([]string{"--db", ref}, args...)...)
	want := rows(ref)

	fake, args := serve()
	db := filepath.Join(dir, "killed.duckdb")
	child := exec.Command(os.Args[0], append([]string{"--", "--db", db}, args...)...)
	child.Env = append(os.Environ(), childEnv+"=1")
	var out lockedBuffer
	child.Stdout, child.Stderr = &out, &out
	fake.OnRequest(func(n int) {
		if n == 9 {
			child.Process.Kill() // SIGKILL
		}
	})
	if err := child.Run(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the sync was not killed (%v):\n%s", err, out.String())
	}
	fake.OnRequest(nil)
	if got, _ := runCLI(t, "--db", db, "sql", "--format", "csv", "select count(*) from incidents"); got != "count_star()\r\n50\r\n" {
		t.Errorf("after the kill the file holds %q incidents, want the first page's 50", got)
	}
	runCLI(t, append([]string{"--db", db}, args...)...)
	got := rows(db)
	for name := range tables {
		if got[name] != want[name] {
			t.Errorf("%s after resuming differs from an uninterrupted sync (%d bytes vs %d)", name, len(got[name]), len(want[name]))
		}
	}
	if n := strings.Count(want["incidents"], "\n") - 1; n != 130 {
		t.Errorf("the reference holds %d incidents, want 130", n)
	}
}
