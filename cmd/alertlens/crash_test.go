package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/live"
	"github.com/alertlens/alertlens/ingest/pagerduty"
	pdt "github.com/alertlens/alertlens/ingest/pagerduty/pagerdutytest"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// The "prove it" tests of the live server: `alertlens serve` killed with SIGKILL at
// random points of its syncs and rebuilds, and its scheduled sync facing a PagerDuty
// that misbehaves. Both compare what ends up in the file with an uninterrupted run
// against the same fake account, row for row per table.

const (
	crashToken  = "crash-test-token-never-stored"
	crashSource = "pd-crash"
	crashKills  = 21 // 7 of each kind of kill point, see killPoint
)

// crashTables are the tables whose row counts must end as the reference's.
var crashTables = []string{"incidents", "notifications", "incident_events", "responders", "services", "raw_records"}

// child is `alertlens serve` running as a process of its own: this test binary again,
// run as the CLI (see TestMain), so that SIGKILL kills it as it would kill a server.
type child struct {
	cmd  *exec.Cmd
	out  *lockedBuffer // its stdout and stderr (live_test.go's buffer)
	done chan struct{} // closed when the process has exited
	err  error         // its exit, after done
	url  string
}

// startServe starts serve on db and returns once it answers on /healthz.
func startServe(t *testing.T, db, cfg string) *child {
	t.Helper()
	args := []string{"--", "--db", db, "--config", cfg, "serve", "--addr", "127.0.0.1:0",
		"--build-quiet", "50ms", "--build-max-wait", "200ms", "--first-sync-within", "20ms"}
	c := &child{cmd: exec.Command(os.Args[0], args...), out: &lockedBuffer{}, done: make(chan struct{})}
	// The servers of one test share a temporary folder beside their database, so that
	// what killed ones leave stays in the test's own folder and can be checked.
	tmp := filepath.Join(filepath.Dir(db), "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	c.cmd.Env = append(os.Environ(), childEnv+"=1", "PD_CRASH_TOKEN="+crashToken, "TMPDIR="+tmp)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(c.kill)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			t.Fatalf("serve exited at start (%v):\n%s", c.err, c.out)
		default:
		}
		// A killed server leaves its record behind: wait for this one's.
		if info, ok, _ := live.ReadServerFile(db); ok && info.PID == c.cmd.Process.Pid {
			if resp, err := http.Get(info.URL + "/healthz"); err == nil {
				resp.Body.Close()
				c.url = info.URL
				return c
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("serve did not answer within 30 s:\n%s", c.out)
	return nil
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// stop ends the server as a person does (SIGTERM) and checks it exits cleanly.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		c.kill()
		t.Fatalf("serve did not stop within 20 s of SIGTERM:\n%s", c.out)
	}
	if c.err != nil {
		t.Fatalf("serve exited with %v after SIGTERM:\n%s", c.err, c.out)
	}
}

// getJSON GETs path from the server into out and returns the status; 0 when the
// request failed.
func getJSON(url, path string, out any) int {
	resp, err := http.Get(url + path)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return 0
		}
	}
	return resp.StatusCode
}

// crashStatus is the part of GET /api/v1/status these tests read.
type crashStatus struct {
	building, syncing bool
	synced            bool // the source has had a sync that succeeded
	current           bool // no change waits for a build, none runs, the last did not fail
	rows              map[string]int64
}

// readCrashStatus reads the server's status of crashSource; ok is false when the
// server did not answer it.
func readCrashStatus(url string) (cs crashStatus, ok bool) {
	var st live.Status
	if getJSON(url, "/api/v1/status", &st) != http.StatusOK {
		return cs, false
	}
	if b := st.Build; b != nil {
		cs.building = b.Building
		cs.current = !b.Building && b.Pending.IsZero() && b.LastError == ""
	}
	for _, s := range st.Sources {
		if s.Name == crashSource {
			cs.rows = s.Rows
			if s.Run != nil {
				cs.syncing, cs.synced = s.Run.Running, !s.Run.LastSuccess.IsZero()
			}
		}
	}
	return cs, true
}

func mustCrashStatus(t *testing.T, c *child) crashStatus {
	t.Helper()
	cs, ok := readCrashStatus(c.url)
	if !ok {
		t.Fatalf("GET /api/v1/status failed:\n%s", c.out)
	}
	return cs
}

// waitCurrent waits until the source has synced and its data is built.
func waitCurrent(t *testing.T, c *child) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st := mustCrashStatus(t, c); st.synced && st.current {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no finished sync and build within 30 s:\n%s", c.out)
}

// servedIncidents is what GET /api/v1/overview says the served build holds, and the
// answer's status.
func servedIncidents(url string) (n int, code int) {
	var ov struct {
		Incidents int `json:"incidents"`
	}
	code = getJSON(url, "/api/v1/overview", &ov)
	return ov.Incidents, code
}

// writeSourceConfig writes a config with one PagerDuty source at apiURL, synced every
// interval.
func writeSourceConfig(t *testing.T, path, apiURL, every string) string {
	t.Helper()
	doc := fmt.Sprintf(`sources:
- name: %s
  kind: pagerduty
  credential_env: PD_CRASH_TOKEN
  api_url: %s
  since: "2026-01-01"
  sync_every: %s
`, crashSource, apiURL, every)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// storeFacts is what a run leaves in the file: the rows of crashTables (their count and
// a digest of their content, raw_records' fetch times aside) and the organisation's
// pages and after-hours pages per month from monthly_goal.
type storeFacts struct {
	counts  map[string]int64
	digests map[string]string
	months  []string
}

// storeFactsAt reads the facts of a database no process holds.
func storeFactsAt(t *testing.T, path string) storeFacts {
	t.Helper()
	db, err := sqlmodels.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return readFacts(t, db)
}

func readFacts(t *testing.T, db *sql.DB) storeFacts {
	t.Helper()
	f := storeFacts{counts: map[string]int64{}, digests: map[string]string{}}
	for _, table := range crashTables {
		rows := table
		if table == "raw_records" {
			rows = "(select * exclude (fetched_at) from raw_records)"
		}
		var n int64
		var digest sql.NullString
		if err := db.QueryRow(fmt.Sprintf("select count(*), md5(string_agg(r::varchar, '|' order by r::varchar)) from %s r", rows)).Scan(&n, &digest); err != nil {
			t.Fatal(err)
		}
		f.counts[table], f.digests[table] = n, digest.String
	}
	rows, err := db.Query(`select strftime(month, '%Y-%m'), pages, after_hours_pages from monthly_goal where scope_type = 'org' order by month`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var month string
		var pages, afterHours int64
		if err := rows.Scan(&month, &pages, &afterHours); err != nil {
			t.Fatal(err)
		}
		f.months = append(f.months, fmt.Sprintf("%s: %d pages, %d after hours", month, pages, afterHours))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return f
}

// same reports every way got differs from the uninterrupted run's facts.
func (want storeFacts) same(t *testing.T, got storeFacts, after string) {
	t.Helper()
	for _, table := range crashTables {
		switch {
		case got.counts[table] != want.counts[table]:
			t.Errorf("%s: %d rows %s, %d in the uninterrupted run", table, got.counts[table], after, want.counts[table])
		case got.digests[table] != want.digests[table]:
			t.Errorf("%s: the same %d rows as the uninterrupted run but other values %s", table, got.counts[table], after)
		}
	}
	if strings.Join(got.months, "\n") != strings.Join(want.months, "\n") {
		t.Errorf("monthly goal %s:\n%s\nthe uninterrupted run's:\n%s", after, strings.Join(got.months, "\n"), strings.Join(want.months, "\n"))
	}
}

// checkAccount asserts the uninterrupted run stored the account the fake serves, so
// that comparing with it means something.
func (want storeFacts) checkAccount(t *testing.T, d *pdt.Data, months int) {
	t.Helper()
	account := map[string]int64{
		"incidents": int64(len(d.Incidents)), "notifications": int64(d.Notifications), "incident_events": int64(d.Events),
		"responders": int64(len(d.Users)), "services": int64(len(d.Services)), "raw_records": int64(d.Records()),
	}
	for _, table := range crashTables {
		if want.counts[table] != account[table] {
			t.Errorf("uninterrupted run: %d rows in %s, the account holds %d", want.counts[table], table, account[table])
		}
	}
	all := strings.Join(want.months, "\n")
	if len(want.months) != months || strings.Contains(all, " 0 pages") || strings.Contains(all, " 0 after hours") {
		t.Errorf("uninterrupted run's monthly goal: %q, want %d months, each with pages after hours", want.months, months)
	}
}

// killPoint is where in a server's life a kill is aimed: anywhere in its first 1.2 s,
// just after the answer to one of its sync's first 15 requests (while the page is
// committed), or inside a rebuild.
type killPoint int

const (
	killAnywhere killPoint = iota
	killInCommit
	killInBuild
)

func (k killPoint) String() string { return [...]string{"anywhere", "after a page", "in a build"}[k] }

// TestServeSurvivesKill9 kills serve with SIGKILL 21 times while its scheduled sync
// backfills a PagerDuty account and its builder rebuilds (every 50-200 ms during the
// sync), restarting it on the same file each time; after a last run left to finish,
// the file holds exactly the rows and monthly figures of an uninterrupted run. Between
// restarts the last committed build must still be served and no committed page lost.
func TestServeSurvivesKill9(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("ALERTLENS_CRASH_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (ALERTLENS_CRASH_SEED=%d repeats these kill points)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	// 1,000 incidents and their 4,600 log entries: 4 pages of entities, 10 of incidents
	// and 47 of log entries, which the collector's pacing (960 requests a minute) spreads
	// over about 4 s, so that the backfill spans several kills.
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{400, 350, 250}, Users: 8})
	// The uninterrupted run syncs once, from a fake of its own, while the kills go on:
	// the same account, its requests counted apart. The killed runs sync every 10 s
	// (the least the config allows), which none of them lives to see.
	refFake, refAPI := pdt.Serve(t, crashToken, data)
	fake, api := pdt.Serve(t, crashToken, data)
	dir := t.TempDir()
	cfg := writeSourceConfig(t, filepath.Join(dir, "killed.yaml"), api.URL, "10s")
	refDB := filepath.Join(dir, "reference.duckdb")
	ref := startServe(t, refDB, writeSourceConfig(t, filepath.Join(dir, "reference.yaml"), refAPI.URL, "1h"))

	crashDB := filepath.Join(dir, "crashed.duckdb")
	var (
		served   int              // incidents of the last build seen served before a kill
		rows     map[string]int64 // the source's rows seen just before the last kill
		landed   = map[string]int{}
		killedAt []string
	)
	crashStart := time.Now()
	for i := 0; i < crashKills; i++ {
		c := startServe(t, crashDB, cfg)
		n, code := servedIncidents(c.url)
		switch {
		case served > 0 && (code != http.StatusOK || n < served):
			t.Fatalf("restart %d: GET /api/v1/overview: %d with %d incidents; before the kill a build of %d was served\n%s", i, code, n, served, c.out)
		case code == http.StatusOK && n > 0:
			served = n
		}
		st := mustCrashStatus(t, c)
		for table, before := range rows {
			if st.rows[table] < before {
				t.Fatalf("restart %d: %d %s of %s, %d before the kill: a committed page was lost", i, st.rows[table], table, crashSource, before)
			}
		}

		point := killPoint(i % 3)
		var delay time.Duration
		switch point {
		case killAnywhere:
			delay = time.Duration(rng.Int64N(int64(1200 * time.Millisecond)))
		case killInCommit:
			// A page is committed in the tens of milliseconds after its answer, then
			// the collector paces its next request (62.5 ms apart).
			waitRequests(c, fake, fake.Requests()+1+rng.IntN(15))
			delay = time.Duration(rng.Int64N(int64(40 * time.Millisecond)))
		case killInBuild:
			// the first build that starts after a random point of the sync, a
			// little way into it (a build takes 100-300 ms here)
			time.Sleep(time.Duration(rng.Int64N(int64(800 * time.Millisecond))))
			waitFor(c, func(s crashStatus) bool { return s.building })
			delay = time.Duration(rng.Int64N(int64(80 * time.Millisecond)))
		}
		time.Sleep(delay)
		if n, code := servedIncidents(c.url); code == http.StatusOK && n > served {
			served = n
		}
		st = mustCrashStatus(t, c)
		c.kill()
		rows = st.rows
		state := "idle"
		switch {
		case st.syncing && st.building:
			state = "sync and build"
		case st.syncing:
			state = "sync"
		case st.building:
			state = "build"
		}
		landed[state]++
		killedAt = append(killedAt, fmt.Sprintf("%s+%v: %s at the kill, %d incidents, %d notifications stored", point, delay.Round(time.Millisecond),
			state, st.rows["incidents"], st.rows["notifications"]))
	}
	crashTime := time.Since(crashStart)
	waitCurrent(t, ref)
	ref.stop(t)
	refRequests := refFake.Requests()
	want := storeFactsAt(t, refDB)
	want.checkAccount(t, data, 3)
	t.Logf("uninterrupted run: %d requests, %v; %s", refRequests, want.counts, strings.Join(want.months, "; "))
	t.Logf("%d kills in %v; running at the kill: %v", crashKills, crashTime.Round(time.Millisecond), landed)
	for i, k := range killedAt {
		t.Logf("kill %2d: %s", i+1, k)
	}

	last := startServe(t, crashDB, cfg)
	if n, code := servedIncidents(last.url); code != http.StatusOK || n < served {
		t.Errorf("last restart: GET /api/v1/overview: %d with %d incidents; before the kill a build of %d was served", code, n, served)
	}
	waitCurrent(t, last)
	if n, _ := servedIncidents(last.url); n != len(data.Incidents) {
		t.Errorf("the last build serves %d incidents, want %d", n, len(data.Incidents))
	}
	last.stop(t)
	// Each restart removed the import folders the killed servers left; the stopped ones
	// removed their own.
	if left, _ := filepath.Glob(filepath.Join(dir, "tmp", spoolPrefix+"*")); len(left) > 0 {
		t.Errorf("import folders left after %d kills and restarts: %v", crashKills, left)
	}

	want.same(t, storeFactsAt(t, crashDB), "after the kills")
	// Each kill wastes at most what a restart fetches again: the four entity lists, the
	// page in flight, and once the backfill is done an incremental run's two windows.
	crashRequests := fake.Requests()
	if bound := refRequests + (crashKills+1)*(4+1+2); crashRequests > bound {
		t.Errorf("the killed runs sent %d requests, the uninterrupted one %d: more than %d, so some restart did not resume", crashRequests, refRequests, bound)
	}
	t.Logf("killed runs: %d requests; uninterrupted: %d", crashRequests, refRequests)
	if landed["sync"]+landed["sync and build"] < 4 || landed["build"]+landed["sync and build"] < 4 {
		t.Errorf("too few kills landed inside a sync or a build: %v", landed)
	}
}

// waitRequests waits until the fake has had n requests, or the server's sync has
// ended (an incremental one sends only 6), or 4 s.
func waitRequests(c *child, f *pdt.Fake, n int) {
	deadline := time.Now().Add(4 * time.Second)
	for i := 0; f.Requests() < n && time.Now().Before(deadline); i++ {
		if i%20 == 19 {
			if st, ok := readCrashStatus(c.url); ok && st.synced && !st.syncing {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFor polls the status until cond holds, for up to 4 s: past that the kill lands
// wherever the server is (a sync already finished has nothing left to interrupt).
func waitFor(c *child, cond func(crashStatus) bool) {
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		if st, ok := readCrashStatus(c.url); ok && cond(st) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// faultyAPI stands in front of the fake PagerDuty and spoils one request: the first
// for the second page of incidents (offset 100). Once it has, it can hold every later
// request until the test has looked at the store.
type faultyAPI struct {
	fake  *pdt.Fake
	fault func(w http.ResponseWriter, r *http.Request, fake *pdt.Fake)
	hold  chan struct{} // nil: never hold

	mu   sync.Mutex
	hits []time.Time // when the spoiled request, and each time it was asked again, came
}

func (f *faultyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Path == "/incidents" && r.URL.Query().Get("offset") == "100"
	f.mu.Lock()
	if target {
		f.hits = append(f.hits, time.Now())
	}
	spoil, after := target && len(f.hits) == 1, len(f.hits) > 0
	f.mu.Unlock()
	if spoil {
		f.fault(w, r, f.fake)
		return
	}
	if after && f.hold != nil {
		select {
		case <-f.hold:
		case <-r.Context().Done():
			return
		}
	}
	f.fake.ServeHTTP(w, r)
}

func (f *faultyAPI) hitTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.hits...)
}

// fakeAnswer is what the fake would have answered r.
func fakeAnswer(fake *pdt.Fake, r *http.Request) []byte {
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, r)
	return rec.Body.Bytes()
}

// editPage rewrites the fake's page of incidents before it is sent.
func editPage(w http.ResponseWriter, r *http.Request, fake *pdt.Fake, edit func(page map[string]any)) {
	var page map[string]any
	if err := json.Unmarshal(fakeAnswer(fake, r), &page); err != nil {
		panic(err)
	}
	edit(page)
	w.Header().Set("Content-Type", "application/json")
	w.Write(pdt.MustJSON(page))
}

// faultService is the server's writer (live.Service with the jobs serve makes of the
// config's sources) syncing one PagerDuty source from apiURL into a new database.
type faultService struct {
	svc  *live.Service
	db   *sql.DB
	logs *lockedBuffer
	stop func()
}

func startFaultService(t *testing.T, apiURL string) *faultService {
	t.Helper()
	doc := fmt.Sprintf("sources:\n- name: %s\n  kind: pagerduty\n  credential_env: PD_FAULTS_TOKEN\n  api_url: %s\n  since: \"2026-01-01\"\n  sync_every: 10m\n",
		crashSource, apiURL)
	cfg, err := config.Parse([]byte(doc), "alertlens.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlmodels.Open(context.Background(), filepath.Join(t.TempDir(), "faults.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	jobs, err := scheduledJobs(cfg, db, logger)
	if err != nil {
		t.Fatal(err)
	}
	svc := live.New(live.Options{DB: db, Jobs: jobs, Logger: logger, Quiet: 50 * time.Millisecond, MaxWait: 200 * time.Millisecond,
		Build: func(ctx context.Context) (models.BuildReport, error) { return models.Build(ctx, db, cfg) }})
	// the first sync at once, and a failed one retried within a second, not 30 s
	svc.Scheduler().FirstDelay, svc.Scheduler().Backoff = 10*time.Millisecond, 300*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done; db.Close() }) }
	t.Cleanup(stop)
	return &faultService{svc: svc, db: db, logs: logs, stop: stop}
}

// waitSynced waits until the source has had a good sync and its data is built.
func (f *faultService) waitSynced(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		st, err := f.svc.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b := st.Build
		for _, s := range st.Sources {
			if s.Name == crashSource && s.Run != nil && !s.Run.LastSuccess.IsZero() && !s.Run.Running &&
				b != nil && !b.Building && b.Pending.IsZero() && b.Builds > 0 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no good sync and build within 30 s:\n%s", f.logs)
}

// logLine returns the first log line with msg that names the source, or "".
func logLine(logs, msg string) string {
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `msg="`+msg) && strings.Contains(line, "source="+crashSource) {
			return line
		}
	}
	return ""
}

// TestScheduledSyncThroughFaults spoils one page of a scheduled PagerDuty sync in each
// way a real API or the network does: a 429 with PagerDuty's rate-limit headers, a
// 500, an answer that hangs past the client's timeout, a connection cut half-way
// through the body, a complete answer holding half a JSON document, and valid JSON with
// a required field missing (a record's id, the page's "more"). The sync either retries
// the request and finishes, or stops with a logged error that names the source and the
// window, having committed whole pages only; either way the next sync ends with the
// rows of an uninterrupted run.
func TestScheduledSyncThroughFaults(t *testing.T) {
	timeout := ingest.DefaultTimeout
	ingest.DefaultTimeout = 500 * time.Millisecond
	t.Cleanup(func() { ingest.DefaultTimeout = timeout })
	// os.Setenv, not t.Setenv, which forbids the parallel subtests; no other test
	// reads this variable.
	os.Setenv("PD_FAULTS_TOKEN", crashToken)
	t.Cleanup(func() { os.Unsetenv("PD_FAULTS_TOKEN") })

	// 250 incidents (3 pages, the spoiled one the second) and the log entries of every
	// fifth (214 entries, 3 pages).
	data := pdt.Generate(t, pdt.Spec{PerMonth: []int{150, 100}, Users: 4, LogEvery: 5})
	_, api := pdt.Serve(t, crashToken, data)
	ref := startFaultService(t, api.URL)
	ref.waitSynced(t)
	want := readFacts(t, ref.db)
	ref.stop()
	want.checkAccount(t, data, 2)

	const window = "incidents window 2026-01-01T00:00:00Z..2026-06-30T00:00:00Z at offset 100"
	cases := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request, fake *pdt.Fake)
		// retried: the client asks again after at least this long and the sync goes
		// on; else the sync fails with an error saying cause, and the next sync
		// (the scheduler's retry) fetches the page again.
		retried time.Duration
		cause   string
	}{
		{name: "429", retried: time.Second, fault: func(w http.ResponseWriter, r *http.Request, _ *pdt.Fake) {
			pdt.WriteRateLimited(w, 1)
		}},
		{name: "500", retried: 500 * time.Millisecond, fault: func(w http.ResponseWriter, r *http.Request, _ *pdt.Fake) {
			pdt.WriteError(w, http.StatusInternalServerError, 0, "Internal Server Error")
		}},
		{name: "hang past the timeout", retried: 500 * time.Millisecond, fault: func(w http.ResponseWriter, r *http.Request, _ *pdt.Fake) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}},
		{name: "connection cut in the body", retried: 500 * time.Millisecond, fault: func(w http.ResponseWriter, r *http.Request, fake *pdt.Fake) {
			body := fakeAnswer(fake, r)
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
			buf.Write(body[:len(body)/2])
			buf.Flush()
			conn.Close()
		}},
		{name: "half a JSON document", cause: "response is not a JSON object: unexpected end of JSON input",
			fault: func(w http.ResponseWriter, r *http.Request, fake *pdt.Fake) {
				body := fakeAnswer(fake, r)
				w.Header().Set("Content-Type", "application/json")
				w.Write(body[:len(body)/2])
			}},
		{name: "a record without its id", cause: "incident record without an id",
			fault: func(w http.ResponseWriter, r *http.Request, fake *pdt.Fake) {
				editPage(w, r, fake, func(page map[string]any) { delete(page["incidents"].([]any)[40].(map[string]any), "id") })
			}},
		{name: "a page without more", cause: `no \"more\"`,
			fault: func(w http.ResponseWriter, r *http.Request, fake *pdt.Fake) {
				editPage(w, r, fake, func(page map[string]any) { delete(page, "more") })
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			faulty := &faultyAPI{fake: pdt.NewFake(crashToken, data), fault: tc.fault}
			if tc.retried == 0 {
				faulty.hold = make(chan struct{})
			}
			srv := httptest.NewServer(faulty)
			t.Cleanup(srv.Close)
			f := startFaultService(t, srv.URL)

			if tc.retried == 0 {
				// the failed sync, then the store before the next sync may write
				deadline := time.Now().Add(20 * time.Second)
				for logLine(f.logs.String(), "sync: failed") == "" && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				line := logLine(f.logs.String(), "sync: failed")
				if !strings.Contains(line, window) || !strings.Contains(line, tc.cause) {
					t.Errorf("the failure's log line does not name %s and %q:\n%s", window, tc.cause, f.logs)
				}
				t.Logf("what the log says: %s", line)
				checkPageBoundary(t, f.db)
				close(faulty.hold)
			}
			f.waitSynced(t)
			want.same(t, readFacts(t, f.db), "after the fault")
			logs := f.logs.String()
			if logLine(logs, "sync: done") == "" {
				t.Errorf("no sync of %s logged done:\n%s", crashSource, logs)
			}
			hits := faulty.hitTimes()
			if len(hits) != 2 {
				t.Fatalf("the spoiled request was sent %d times, want twice (the fault, then once more)", len(hits))
			}
			if tc.retried > 0 {
				if line := logLine(logs, "sync: failed"); line != "" {
					t.Errorf("the client should have retried the request, not failed the sync: %s", line)
				}
				if gap := hits[1].Sub(hits[0]); gap < tc.retried {
					t.Errorf("asked again %v after the fault, want at least %v", gap, tc.retried)
				}
			}
		})
	}
}

// checkPageBoundary asserts that a sync stopped by a spoiled second page of incidents
// left exactly the pages before it: the four entity lists and 100 incidents, with the
// cursor saying offset 100 of the first window, and no log entries.
func checkPageBoundary(t *testing.T, db *sql.DB) {
	t.Helper()
	var incidents, raw, notifications int
	if err := db.QueryRow(`select (select count(*) from incidents), (select count(*) from raw_records where kind = 'incident'),
		(select count(*) from notifications)`).Scan(&incidents, &raw, &notifications); err != nil {
		t.Fatal(err)
	}
	if incidents != 100 || raw != 100 || notifications != 0 {
		t.Errorf("after the failed sync: %d incidents, %d raw incidents, %d notifications; want the first page only (100, 100, 0)", incidents, raw, notifications)
	}
	cursor, err := ingest.LoadCursor(context.Background(), db, crashSource, pagerduty.StreamIncidents)
	if err != nil {
		t.Fatal(err)
	}
	var pos struct {
		Done   time.Time `json:"done"`
		Window time.Time `json:"window"`
		Offset int       `json:"offset"`
	}
	if err := json.Unmarshal([]byte(cursor), &pos); err != nil {
		t.Fatalf("incidents cursor %q: %v", cursor, err)
	}
	if !pos.Done.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || !pos.Window.Equal(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)) || pos.Offset != 100 {
		t.Errorf("incidents cursor %s: want offset 100 of the window 2026-01-01..2026-06-30", cursor)
	}
}
