package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/live"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// lockedBuffer is a log a server writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer runs `alertlens serve` in this process on a free loopback port, waits
// until it answers, and stops it (checking that it stopped cleanly and removed its
// record) when the test ends or stop is called. It returns the server's URL and log.
func startServer(t *testing.T, db string, args ...string) (url string, logs *lockedBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &lockedBuffer{}
	cmd := newRootCmd()
	cmd.SetArgs(append(append([]string{"--db", db}, args...), "serve", "--addr", "127.0.0.1:0",
		"--build-quiet", "100ms", "--build-max-wait", "1s"))
	cmd.SetOut(logs)
	cmd.SetErr(logs)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve ended with %v\n%s", err, logs)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("serve did not stop within 30 s of its context ending\n%s", logs)
			}
			if _, err := os.Stat(live.ServerFilePath(db)); !os.IsNotExist(err) {
				t.Errorf("the server's record %s is still there after it stopped (%v)", live.ServerFilePath(db), err)
			}
		})
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve stopped at start: %v\n%s", err, logs)
		default:
		}
		if info, ok, _ := live.ReadServerFile(db); ok {
			if resp, err := http.Get(info.URL + "/healthz"); err == nil {
				resp.Body.Close()
				return info.URL, logs, stop
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not answer within 60 s\n%s", logs)
	return "", nil, nil
}

// runCLIErr runs a command and returns its output and error.
func runCLIErr(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

var seconds = regexp.MustCompile(`in [0-9.]+ s\b`)

const testRules = `groups:
- name: disk
  rules:
  - alert: DiskFull
    expr: disk_free < 0.05
    annotations:
      runbook_url: https://runbooks.example.com/disk-full
  - alert: DiskFilling
    expr: predict_linear(disk_free[6h], 3600) < 0
`

// Every command gives the same output whether it holds the file itself or works
// through the server that holds it: the golden history imported, built, queried,
// exported and given rule definitions, once each way.
func TestCommandsBesideARunningServer(t *testing.T) {
	dir := t.TempDir()
	solo, served := filepath.Join(dir, "solo.duckdb"), filepath.Join(dir, "served.duckdb")
	golden, goldenCfg := "../../analytics/testdata/golden.jsonl", "../../analytics/testdata/golden.yaml"
	rulesFile := filepath.Join(dir, "disk.rules.yml")
	if err := os.WriteFile(rulesFile, []byte(testRules), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"type\":\"incident\",\"id\":\"b1\",\"service\":\"web\",\"title\":\"x\",\"created_at\":\"2026-03-01T00:00:00Z\"}\n{\"type\":\"incident\",\"id\":\"b2\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	type step struct {
		name string
		args []string
	}
	steps := []step{
		{"import", []string{"import", golden}},
		{"import again", []string{"import", golden}},
		{"rules import", []string{"rules", "import", rulesFile}},
		{"build", []string{"build"}},
		{"sql table", []string{"sql", "select rule_name, incidents, has_runbook, defined from alert_rules order by incidents desc, rule_name limit 4"}},
		{"sql csv", []string{"sql", "--format", "csv", "select month, scope, after_hours_pages, met from monthly_goal where scope_type = 'org' order by month"}},
		{"sql json", []string{"sql", "--format", "json", "select count(*) as n, sum(is_page::int) as pages, min(page_local_at) as first_local from incident_facts"}},
		{"export", []string{"export", "csv", "--what", "monthly-goal", "--from", "2026-01", "--to", "2026-03"}},
		{"export rules", []string{"export", "csv", "--what", "rules"}},
	}
	outputs := map[string]string{}
	runCLI(t, "--db", solo, "--config", goldenCfg, "build") // the config the server will build with
	for _, s := range steps {
		out, _ := runCLI(t, append([]string{"--db", solo}, s.args...)...)
		outputs[s.name] = seconds.ReplaceAllString(out, "in N s")
	}
	_, soloBad, soloErr := runCLIErr("--db", solo, "import", bad)

	url, logs, _ := startServer(t, served, "--config", goldenCfg)
	for _, s := range steps {
		out, errOut := runCLI(t, append([]string{"--db", served}, s.args...)...)
		if got := seconds.ReplaceAllString(out, "in N s"); got != outputs[s.name] {
			t.Errorf("%s beside the server printed\n%s\nwant what it prints alone:\n%s", s.name, got, outputs[s.name])
		}
		if strings.HasPrefix(s.name, "import") || s.name == "build" || s.name == "rules import" {
			if !strings.Contains(errOut, "through the server at "+url) {
				t.Errorf("%s beside the server did not say it went through it: %q", s.name, errOut)
			}
		}
	}
	if !strings.Contains(outputs["build"], "over 16 incidents (9 pages)") {
		t.Errorf("build printed %q, want the golden history's 16 incidents and 9 pages", outputs["build"])
	}
	if !strings.Contains(outputs["sql table"], "DiskFull") && !strings.Contains(outputs["sql table"], "(4 rows)") {
		t.Errorf("sql printed %q", outputs["sql table"])
	}

	// A bad file fails the same way and stores nothing, beside the server too.
	_, servedBad, servedErr := runCLIErr("--db", served, "import", bad)
	if soloErr == nil || servedErr == nil || soloErr.Error() != servedErr.Error() {
		t.Errorf("a bad import: alone %v (%s), beside the server %v (%s)", soloErr, soloBad, servedErr, servedBad)
	}
	out, _ := runCLI(t, "--db", served, "sql", "select count(*) as n from incidents where incident_id like 'b%'")
	if !strings.Contains(out, "n\n0\n") {
		t.Errorf("the bad file left incidents behind: %s", out)
	}

	// status through the server names it and counts the file's incidents.
	out, _ = runCLI(t, "--db", served, "status")
	if !strings.Contains(out, "server:   "+url) || !regexp.MustCompile(`(?m)^file\s+stored\s+16\s`).MatchString(out) {
		t.Errorf("status beside the server:\n%s", out)
	}
	out, _ = runCLI(t, "--db", solo, "status")
	if !strings.Contains(out, "server:   none holds") || !regexp.MustCompile(`(?m)^file\s+stored\s+16\s`).MatchString(out) {
		t.Errorf("status of the file alone:\n%s", out)
	}

	// A backup beside the server is a whole copy of the file: it opens and holds the
	// history, as a backup of the file alone does.
	for _, from := range []string{served, solo} {
		copyPath := from + ".copy"
		out, _ = runCLI(t, "--db", from, "backup", copyPath)
		if !strings.HasSuffix(strings.TrimSpace(out), " MB, 16 incidents") {
			t.Errorf("backup of %s printed %q", filepath.Base(from), out)
		}
		out, _ = runCLI(t, "--db", copyPath, "sql", "select count(*) as n from incidents")
		if !strings.Contains(out, "n\n16\n") {
			t.Errorf("the backup of %s holds: %s", filepath.Base(from), out)
		}
	}

	// What cannot go through the server says which server and what to do.
	t.Setenv("PAGERDUTY_TOKEN", "unused")
	_, _, err := runCLIErr("--db", served, "sync", "pagerduty")
	if err == nil || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), `no scheduled source "pagerduty"`) {
		t.Errorf("sync beside a server without that source: %v", err)
	}
	_, _, err = runCLIErr("--db", served, "--config", goldenCfg, "build")
	if err == nil || !strings.Contains(err.Error(), "builds with its own config") {
		t.Errorf("build --config beside a server: %v", err)
	}
	_, _, err = runCLIErr("--db", served, "serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "already served by the server at "+url) {
		t.Errorf("a second serve: %v", err)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the server logged an error:\n%s", logs)
	}
}

// alertPayload is an Alertmanager v4 notification of one firing alert of its own.
func alertPayload(i int, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"version": "4", "groupKey": fmt.Sprintf("{}:{alertname=\"Load%d\"}", i), "status": "firing", "receiver": "web-oncall",
		"groupLabels":       map[string]string{"alertname": fmt.Sprintf("Load%d", i%7)},
		"commonLabels":      map[string]string{"alertname": fmt.Sprintf("Load%d", i%7), "severity": "critical", "service": "web"},
		"commonAnnotations": map[string]string{"summary": "load test"}, "externalURL": "http://alertmanager:9093",
		"alerts": []map[string]any{{
			"status": "firing", "fingerprint": fmt.Sprintf("%016x", i),
			"labels":      map[string]string{"alertname": fmt.Sprintf("Load%d", i%7), "severity": "critical", "service": "web", "instance": fmt.Sprintf("web-%d", i)},
			"annotations": map[string]string{"summary": fmt.Sprintf("web-%d is down", i)},
			"startsAt":    at.Add(time.Duration(i) * time.Second).UTC().Format(time.RFC3339), "endsAt": "0001-01-01T00:00:00Z",
			"generatorURL": "http://prometheus:9090/graph",
		}},
	})
	return b
}

func overviewIncidents(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/api/v1/overview")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ov struct {
		Incidents int `json:"incidents"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ov); err != nil {
		t.Fatal(err)
	}
	return ov.Incidents
}

// A page delivered to the webhook shows in the API within seconds: the server
// rebuilds after the write, by itself.
func TestWebhookDeliveryShowsWithinSeconds(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fresh.duckdb")
	runCLI(t, "--db", db, "import", "../../analytics/testdata/golden.jsonl")
	url, logs, _ := startServer(t, db, "--config", "../../analytics/testdata/golden.yaml")
	before := overviewIncidents(t, url)
	if before != 16 {
		t.Fatalf("overview says %d incidents before the delivery, want the golden 16", before)
	}
	var took []time.Duration
	for i := range 3 {
		start := time.Now()
		resp, err := http.Post(url+"/api/v1/ingest/alertmanager", "application/json", bytes.NewReader(alertPayload(i, start.Add(-time.Hour))))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery answered %d", resp.StatusCode)
		}
		for overviewIncidents(t, url) != before+i+1 {
			if time.Since(start) > 60*time.Second {
				t.Fatalf("delivery %d not shown after 60 s\n%s", i, logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	t.Logf("delivery to API: %v", took)
	// The status and /metrics say when the data and the build are from.
	resp, err := http.Get(url + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var st live.Status
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Webhook == nil || st.Webhook.LastDelivery == nil || st.Build == nil || st.Build.Builds < 3 || st.BuiltAt == nil {
		t.Errorf("status after three deliveries: %+v", st)
	}
	resp, err = http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"alertlens_served_build_timestamp_seconds", "alertlens_data_newest_incident_timestamp_seconds",
		"alertlens_webhook_last_delivery_timestamp_seconds", "alertlens_build_duration_seconds"} {
		if !regexp.MustCompile(`(?m)^` + name + ` (0\.[0-9]*[1-9]|[1-9])`).Match(metrics) {
			t.Errorf("/metrics has no non-zero %s", name)
		}
	}
}

var burstDeliveries = flag.Int("burst", 160, "deliveries in TestWebhookBurstDuringRebuilds (docs/operations.md publishes a run of 2000)")

// A burst of deliveries from 16 clients while rebuilds run: every delivery is stored
// exactly once, and the burst costs a handful of rebuilds, not one each.
func TestWebhookBurstDuringRebuilds(t *testing.T) {
	const clients = 16
	deliveries := *burstDeliveries
	db := filepath.Join(t.TempDir(), "burst.duckdb")
	runCLI(t, "--db", db, "import", "../../analytics/testdata/golden.jsonl")
	url, logs, _ := startServer(t, db, "--config", "../../analytics/testdata/golden.yaml")
	base := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	stopBuilds := make(chan struct{})
	var builds sync.WaitGroup
	builds.Go(func() { // rebuilds asked for on top of the ones the writes cause
		for {
			select {
			case <-stopBuilds:
				return
			default:
			}
			resp, err := http.Post(url+"/api/v1/build", "", nil)
			if err == nil {
				resp.Body.Close()
			}
		}
	})
	work := make(chan int)
	latencies := make([]time.Duration, deliveries)
	var wg sync.WaitGroup
	errs := make(chan error, deliveries)
	for range clients {
		wg.Go(func() {
			for i := range work {
				start := time.Now()
				resp, err := http.Post(url+"/api/v1/ingest/alertmanager", "application/json", bytes.NewReader(alertPayload(i, base)))
				if err != nil {
					errs <- err
					continue
				}
				resp.Body.Close()
				latencies[i] = time.Since(start)
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("delivery %d: status %d", i, resp.StatusCode)
				}
			}
		})
	}
	for i := range deliveries {
		work <- i
	}
	close(work)
	wg.Wait()
	close(stopBuilds)
	builds.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	slices.Sort(latencies)
	t.Logf("%d deliveries from %d clients: p50 %v, p99 %v, max %v", deliveries, clients,
		latencies[deliveries/2], latencies[deliveries*99/100], latencies[deliveries-1])
	out, _ := runCLI(t, "--db", db, "sql", "select count(*) as n, count(distinct incident_id) as ids from incidents where source = 'alertmanager'")
	if want := fmt.Sprintf("n    ids\n%d  %d\n", deliveries, deliveries); !strings.Contains(out, want) {
		t.Errorf("stored alertmanager incidents:\n%s\nwant %d, each once", out, deliveries)
	}
	out, _ = runCLI(t, "--db", db, "sql", "select count(*) as n from raw_records where source = 'alertmanager'")
	if !strings.Contains(out, fmt.Sprintf("n\n%d\n", deliveries)) {
		t.Errorf("raw records: %s", out)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the server logged an error:\n%s", logs)
	}
}

// Tokens set in the environment reach no log line, error message, /metrics answer,
// export or byte of the database file.
func TestSecretsStayInTheEnvironment(t *testing.T) {
	const writeToken, pdToken = "wt-5f0c1e2a9b7d4c38a1e6", "pd-u+Qx7ZbK3mN9vR2sT8yW"
	dir := t.TempDir()
	db := filepath.Join(dir, "secrets.duckdb")
	runCLI(t, "--db", db, "import", "../../analytics/testdata/golden.jsonl")
	// a PagerDuty that refuses the token, so that the sync fails and logs why
	var seenAuth sync.Map
	pd := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenAuth.Store(r.Header.Get("Authorization"), true)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Unauthorized","code":2006}}`)
	})}
	ln := listenLoopback(t)
	go pd.Serve(ln)
	t.Cleanup(func() { pd.Close() })
	cfg := filepath.Join(dir, "alertlens.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`organisation:
  name: Acme
api:
  write_tokens_env: [TEST_WRITE_TOKEN]
sources:
  - name: pd-test
    kind: pagerduty
    credential_env: TEST_PD_TOKEN
    api_url: http://%s
    sync_every: 10s
`, ln.Addr())), 0o644)
	t.Setenv("TEST_WRITE_TOKEN", writeToken)
	t.Setenv("TEST_PD_TOKEN", pdToken)
	url, logs, stop := startServer(t, db, "--config", cfg)

	// the sync fails on the refused token and says so, without the token
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "sync: failed") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "source=pd-test") || !strings.Contains(logs.String(), "sync: failed") {
		t.Errorf("no failed sync of pd-test logged:\n%s", logs)
	}
	if _, ok := seenAuth.Load("Token token=" + pdToken); !ok {
		t.Errorf("the fake never saw the token in the Authorization header")
	}
	var answers strings.Builder
	get := func(path, token string) {
		req, _ := http.NewRequest(http.MethodGet, url+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers.Write(b)
	}
	get("/metrics", writeToken)
	get("/api/v1/status", writeToken)
	get("/api/v1/goal?format=csv", writeToken)
	get("/api/v1/status", "wrong-"+writeToken) // a refused token is not echoed
	t.Setenv(TokenEnv, writeToken)
	out, _ := runCLI(t, "--db", db, "export", "csv", "--what", "rules")
	answers.WriteString(out)
	_, errOut, err := runCLIErr("--db", db, "sql", "select * from no_such_table")
	answers.WriteString(errOut + fmt.Sprint(err))
	t.Setenv(TokenEnv, "")
	_, errOut, err = runCLIErr("--db", db, "build")
	answers.WriteString(errOut + fmt.Sprint(err))
	if err == nil || !strings.Contains(err.Error(), "auth on") {
		t.Errorf("a build without the token beside a server with auth: %v", err)
	}

	for _, secret := range []string{writeToken, pdToken} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the server's log holds a token")
		}
		if strings.Contains(answers.String(), secret) {
			t.Errorf("an answer, export or error holds a token")
		}
	}
	// the file, once the server has closed it
	stop()
	func() {
		for _, name := range []string{db, db + ".wal"} {
			b, err := os.ReadFile(name)
			if err != nil && !os.IsNotExist(err) {
				t.Error(err)
			}
			for _, secret := range []string{writeToken, pdToken} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s holds a token", filepath.Base(name))
				}
			}
		}
		ro, err := sqlmodels.OpenReadOnly(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		var cfgText string
		ro.QueryRow("select config_yaml from cfg_settings").Scan(&cfgText)
		if !strings.Contains(cfgText, "TEST_PD_TOKEN") {
			t.Errorf("the stored config should name the variable: %q", cfgText)
		}
	}()
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// BenchmarkFreshness measures, on the demo history and with serve's default debounce,
// the time from a webhook delivery to the API showing it: one delivery per iteration,
// reported as the median and the worst case (docs/operations.md).
//
//	go test -tags nomsgpack -run '^$' -bench Freshness -benchtime 20x ./cmd/alertlens/
func BenchmarkFreshness(b *testing.B) {
	dir := b.TempDir()
	db := filepath.Join(dir, "demo.duckdb")
	var out, errOut bytes.Buffer
	demoCmd := newRootCmd()
	demoCmd.SetArgs([]string{"--db", db, "demo", "--no-serve"})
	demoCmd.SetOut(&out)
	demoCmd.SetErr(&errOut)
	if err := demoCmd.Execute(); err != nil {
		b.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serveCmd := newRootCmd()
	serveCmd.SetArgs([]string{"--db", db, "serve", "--addr", "127.0.0.1:0"})
	logs := &lockedBuffer{}
	serveCmd.SetOut(logs)
	serveCmd.SetErr(logs)
	done := make(chan error, 1)
	go func() { done <- serveCmd.ExecuteContext(ctx) }()
	var url string
	for url == "" {
		if info, ok, _ := live.ReadServerFile(db); ok {
			if resp, err := http.Get(info.URL + "/healthz"); err == nil {
				resp.Body.Close()
				url = info.URL
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	count := func() int {
		resp, err := http.Get(url + "/api/v1/overview")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var ov struct{ Incidents int }
		json.NewDecoder(resp.Body).Decode(&ov)
		return ov.Incidents
	}
	before := count()
	var took []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		resp, err := http.Post(url+"/api/v1/ingest/alertmanager", "application/json",
			bytes.NewReader(alertPayload(i, time.Date(2026, 10, 20, 3, 0, 0, 0, time.UTC))))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		i++
		for count() != before+i {
			time.Sleep(5 * time.Millisecond)
		}
		took = append(took, time.Since(start))
		time.Sleep(1500 * time.Millisecond) // let the rebuild finish: each delivery arrives alone
	}
	slices.Sort(took)
	b.ReportMetric(took[len(took)/2].Seconds(), "s-median")
	b.ReportMetric(took[len(took)-1].Seconds(), "s-worst")
	cancel()
	<-done
}
