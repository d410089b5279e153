package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
)

// A one-incident PagerDuty account: enough to check the command's wiring. The collector's
// own tests (ingest/pagerduty) cover paging, windows, retries and resuming.
func onePagerDutyIncident(t *testing.T, token string) *httptest.Server {
	lists := map[string]string{
		"/users":               `{"id":"PU1","type":"user","name":"Ada","email":"ada@example.com","time_zone":"Europe/London"}`,
		"/teams":               `{"id":"PT1","type":"team","name":"Payments"}`,
		"/escalation_policies": `{"id":"PE1","type":"escalation_policy","name":"Payments primary"}`,
		"/services":            `{"id":"PS1","type":"service","name":"checkout","teams":[{"id":"PT1","type":"team_reference"}],"escalation_policy":{"id":"PE1","type":"escalation_policy_reference"}}`,
		"/incidents":           `{"id":"PI1","type":"incident","title":"CPU at 97% on db-1","status":"resolved","urgency":"high","created_at":"2026-02-03T02:00:00Z","last_status_change_at":"2026-02-03T02:40:00Z","last_status_change_by":{"id":"PU1","type":"user_reference"},"service":{"id":"PS1","type":"service_reference"}}`,
		"/log_entries":         `{"id":"RL1","type":"notify_log_entry","created_at":"2026-02-03T02:00:30Z","incident":{"id":"PI1"},"user":{"id":"PU1","type":"user_reference"},"channel":{"type":"auto","notification":{"type":"phone_notification"}}}`,
		"/oncalls":             `{"user":{"id":"PU1","type":"user_reference"},"schedule":{"id":"PSC1","type":"schedule_reference"},"escalation_policy":{"id":"PE1","type":"escalation_policy_reference"},"escalation_level":1,"start":"2026-02-02T09:00:00Z","end":"2026-02-09T09:00:00Z"}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Token token="+token {
			http.Error(w, `{"error":{"message":"Unauthorized","code":2006}}`, http.StatusUnauthorized)
			return
		}
		rec, ok := lists[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// Every record sits in the first window that asks for February 2026.
		if since := r.URL.Query().Get("since"); since != "" && since > "2026-02-03" {
			rec = ""
		}
		key := strings.TrimPrefix(r.URL.Path, "/")
		fmt.Fprintf(w, `{%q:[%s],"limit":100,"offset":0,"more":false,"total":null}`, key, rec)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSyncPagerDutyCommand(t *testing.T) {
	const token = "cli-test-token"
	t.Setenv("PD_TEST_TOKEN", token)
	srv := onePagerDutyIncident(t, token)
	db := filepath.Join(t.TempDir(), "pd.duckdb")

	out, progress := runCLI(t, "--db", db, "sync", "pagerduty", "--token-env", "PD_TEST_TOKEN",
		"--api-url", srv.URL, "--since", "2026-01-01", "--source", "pd-test")
	for _, want := range []string{"pd-test: fetched 1 teams, 1 escalation policies, 1 users, 1 services, 1 incidents, 1 log entries",
		"incidents 1 (1 new)", "notifications 1 (1 new)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
	if !strings.Contains(progress, "pagerduty: incidents 2026-01-01T00:00:00Z..") || !strings.Contains(progress, "run 'alertlens build'") {
		t.Errorf("stderr has no window progress or build hint:\n%s", progress)
	}
	got, _ := runCLI(t, "--db", db, "sql", "--format", "csv",
		"select s.team, s.rotation, i.resolved_by, n.channel from incidents i join services s using (source, service_id) join notifications n using (source, incident_id) where i.source = 'pd-test'")
	if want := "team,rotation,resolved_by,channel\r\nPayments,Payments primary,human,phone\r\n"; got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
	if dump, _ := runCLI(t, "--db", db, "sql", "--format", "csv", "select * from sync_state union all select source, kind, record_id, now() from raw_records"); strings.Contains(dump, token) {
		t.Errorf("the token is in the database")
	}
}

func TestSyncPagerDutyWithoutToken(t *testing.T) {
	t.Setenv("PD_TEST_TOKEN", "")
	var errOut bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs([]string{"--db", filepath.Join(t.TempDir(), "pd.duckdb"), "sync", "pagerduty", "--token-env", "PD_TEST_TOKEN"})
	cmd.SetOut(&errOut)
	cmd.SetErr(&errOut)
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "$PD_TEST_TOKEN is empty") {
		t.Errorf("error %v: want one naming the empty variable", err)
	}
}

// The config file's pagerduty section gives the credential's variable, the API URL and
// the source name when the flags do not.
func TestSyncPagerDutyFromConfig(t *testing.T) {
	const token = "config-test-token"
	t.Setenv("PD_CONFIG_TOKEN", token)
	srv := onePagerDutyIncident(t, token)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertlens.yaml")
	doc := fmt.Sprintf("pagerduty:\n  credential_env: PD_CONFIG_TOKEN\n  api_url: %s\n  source: pd-config\n", srv.URL)
	if err := os.WriteFile(cfg, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := runCLI(t, "--db", filepath.Join(dir, "pd.duckdb"), "--config", cfg, "sync", "pagerduty", "--since", "2026-01-01")
	if !strings.Contains(out, "pd-config: fetched 1 teams") {
		t.Errorf("sync with the config's defaults said:\n%s", out)
	}
}

// The summary names what the sync could not read or map, and what changes how records
// count, against the fake's documented account (ingest/pagerduty's hand-worked test
// holds the figures): /teams answers 402, as for an account without the Teams feature.
func TestSyncPagerDutySummaryNamesWhatItSkipped(t *testing.T) {
	const token = "summary-test-token"
	t.Setenv("PD_SUMMARY_TOKEN", token)
	fake, srv := pdt.Serve(t, token, pdt.Documented(t))
	fake.Refuse("/teams", http.StatusPaymentRequired)
	out, progress := runCLI(t, "--db", filepath.Join(t.TempDir(), "pd.duckdb"), "sync", "pagerduty", "--token-env", "PD_SUMMARY_TOKEN",
		"--api-url", srv.URL, "--since", "2025-12-01", "--account-time-zone", "America/Chicago", "--source", "pd-doc")
	for _, want := range []string{
		"pd-doc: skipped what the account or key may not read: teams: 402 Payment Required\n",
		"pd-doc: kept raw only, could not be mapped: 1 log entries (L00303: notify_log_entry without a user: nobody to count it for)\n",
		"pd-doc: 1 incidents merged into another (they count with it), 1 incidents without a service, " +
			"1 notifications not delivered (not interruptions), 1 notifications that do not say by what means (chat), " +
			"1 users given the account's time zone\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary does not say %q:\n%s", want, out)
		}
	}
	if !strings.Contains(progress, "pagerduty: warning: teams skipped") {
		t.Errorf("stderr does not warn of the skipped teams:\n%s", progress)
	}
	if bad := fake.BadRequests(); len(bad) > 0 {
		t.Errorf("the fake refused %s", bad[0])
	}
}
