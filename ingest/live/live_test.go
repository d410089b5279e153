package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/ingesttest"
)

// countingBuild is a build that takes d and counts its runs.
type countingBuild struct {
	runs atomic.Int64
	d    time.Duration
	err  error
}

func (b *countingBuild) build(ctx context.Context) (models.BuildReport, error) {
	n := b.runs.Add(1)
	select {
	case <-time.After(b.d):
	case <-ctx.Done():
		return models.BuildReport{}, ctx.Err()
	}
	return models.BuildReport{Incidents: n, Duration: b.d}, b.err
}

func runBuilder(t *testing.T, b *Builder) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A burst of writes costs one rebuild, and a write after it another.
func TestBuilderDebouncesABurst(t *testing.T) {
	cb := &countingBuild{d: 10 * time.Millisecond}
	b := NewBuilder(cb.build, 50*time.Millisecond, time.Second, nil)
	runBuilder(t, b)
	for range 200 {
		b.Changed()
	}
	waitFor(t, "the first build", func() bool { return b.Status().Builds == 1 })
	time.Sleep(150 * time.Millisecond) // three quiet periods: no further build
	if n := cb.runs.Load(); n != 1 {
		t.Fatalf("%d builds after a burst of 200 writes, want 1", n)
	}
	if st := b.Status(); !st.Pending.IsZero() || st.Incidents != 1 || st.LastSuccess.IsZero() {
		t.Errorf("status after the build: %+v", st)
	}
	b.Changed()
	if b.Status().Pending.IsZero() {
		t.Error("a write waiting for its build is not pending")
	}
	waitFor(t, "the second build", func() bool { return b.Status().Builds == 2 })
}

// Writes that never stop for the quiet period still get a build every MaxWait.
func TestBuilderMaxWaitBeatsSteadyTraffic(t *testing.T) {
	cb := &countingBuild{}
	b := NewBuilder(cb.build, 100*time.Millisecond, 150*time.Millisecond, nil)
	runBuilder(t, b)
	start := time.Now()
	for time.Since(start) < 700*time.Millisecond {
		b.Changed()
		time.Sleep(20 * time.Millisecond) // never quiet for 100 ms
	}
	// 700 ms of writes with a build at the latest 150 ms after the first waiting one
	if n := cb.runs.Load(); n < 3 {
		t.Errorf("%d builds during 700 ms of steady writes, want at least 3 (one per 150 ms at most)", n)
	}
}

// BuildNow waits for a build that starts after the call; a failed build reports its
// error and leaves the last good one's figures in the status.
func TestBuildNowAndAFailedBuild(t *testing.T) {
	cb := &countingBuild{d: 20 * time.Millisecond}
	b := NewBuilder(cb.build, time.Hour, time.Hour, nil)
	runBuilder(t, b)
	rep, err := b.BuildNow(context.Background())
	if err != nil || rep.Incidents != 1 {
		t.Fatalf("BuildNow: %+v, %v", rep, err)
	}
	good := b.Status()
	cb.err = errors.New("model incident_facts failed")
	b.Changed()
	if _, err := b.BuildNow(context.Background()); err == nil || err.Error() != "model incident_facts failed" {
		t.Fatalf("BuildNow of a failing build: %v", err)
	}
	st := b.Status()
	if st.LastError != "model incident_facts failed" || st.LastSuccess != good.LastSuccess || st.Builds != 1 || st.Incidents != 1 {
		t.Errorf("status after a failed build: %+v (the good one: %+v)", st, good)
	}
	if st.Pending.IsZero() {
		t.Error("the writes of a failed build are no longer pending")
	}
}

// A failing source backs off and retries, and never holds up the others; a source
// runs one sync at a time however often it is asked.
func TestSchedulerBackoffAndIsolation(t *testing.T) {
	var failing, healthy, inFlight, maxInFlight atomic.Int64
	var mu sync.Mutex
	var failedAt []time.Time
	jobs := []Job{
		{Name: "broken", Kind: "pagerduty", Every: 20 * time.Millisecond, Sync: func(ctx context.Context) (SyncResult, error) {
			failing.Add(1)
			mu.Lock()
			failedAt = append(failedAt, time.Now())
			mu.Unlock()
			return SyncResult{}, errors.New("pagerduty: GET /incidents: 500")
		}},
		{Name: "fine", Kind: "opsgenie", Every: 20 * time.Millisecond, Sync: func(ctx context.Context) (SyncResult, error) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				m := maxInFlight.Load()
				if n <= m || maxInFlight.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			healthy.Add(1)
			return SyncResult{Summary: "fine: 1 alert"}, nil
		}},
	}
	s := NewScheduler(jobs, nil)
	s.FirstDelay, s.Backoff, s.MaxBackoff = time.Millisecond, 10*time.Millisecond, 80*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	var asks sync.WaitGroup
	for range 5 {
		asks.Go(func() {
			if res, err := s.SyncNow(ctx, "fine"); err != nil || res.Summary != "fine: 1 alert" {
				t.Errorf("SyncNow: %+v, %v", res, err)
			}
		})
	}
	asks.Wait()
	if _, err := s.SyncNow(ctx, "nope"); !errors.Is(err, ErrNoSource) {
		t.Errorf("SyncNow of an unknown source: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	cancel()
	<-done

	if maxInFlight.Load() != 1 {
		t.Errorf("%d syncs of one source ran at once, want 1", maxInFlight.Load())
	}
	// the healthy source ran every ~20 ms: far more often than the failing one retried
	if h, f := healthy.Load(), failing.Load(); h < 10 || f < 3 || f >= h {
		t.Errorf("healthy source synced %d times, failing one tried %d times", h, f)
	}
	mu.Lock()
	defer mu.Unlock()
	// waits after failures 1, 2, 3 are about 10, 20, 40 ms (±10 %): they grow
	if len(failedAt) >= 4 {
		d1, d3 := failedAt[2].Sub(failedAt[1]), failedAt[3].Sub(failedAt[2])
		if d3 <= d1 {
			t.Errorf("waits between failing syncs did not grow: %v then %v", d1, d3)
		}
	}
	run := s.Runs()["broken"]
	if run.Failures != int(failing.Load()) || run.LastError != "pagerduty: GET /incidents: 500" || !run.LastSuccess.IsZero() {
		t.Errorf("failing source's record: %+v", run)
	}
	if ok := s.Runs()["fine"]; ok.Failures != 0 || ok.LastSuccess.IsZero() || ok.LastResult == nil {
		t.Errorf("healthy source's record: %+v", ok)
	}
}

// Commits through the gate are signalled once each, and only when they stored rows.
func TestGateSignalsEachCommitThatStored(t *testing.T) {
	db := ingesttest.OpenDB(t)
	var changes atomic.Int64
	gate := ingest.NewGate(func() { changes.Add(1) })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			w, err := ingest.NewWriter(context.Background(), db, "s"+string(rune('a'+i)))
			if err != nil {
				t.Error(err)
				return
			}
			defer w.Close()
			w.Through(gate)
			w.Service(ingest.Service{ID: "web", Name: "web"})
			if _, err := w.Commit(context.Background()); err != nil {
				t.Error(err)
			}
			// a commit of cursors alone changes no data: no rebuild
			if _, err := w.Commit(context.Background(), ingest.Cursor{Stream: "x", Value: "1"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := changes.Load(); n != 8 {
		t.Errorf("%d changes signalled for 8 commits that stored rows, want 8", n)
	}
	var services int
	db.QueryRow("select count(*) from services").Scan(&services)
	if services != 8 {
		t.Errorf("%d services stored, want 8", services)
	}
}

// The server's record is written whole and read back; a missing one is not an error.
func TestServerFile(t *testing.T) {
	db := t.TempDir() + "/a.duckdb"
	if _, ok, err := ReadServerFile(db); ok || err != nil {
		t.Fatalf("no record yet: ok %v, err %v", ok, err)
	}
	want := ServerInfo{PID: 42, URL: "http://127.0.0.1:8080", DB: db, StartedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	if err := WriteServerFile(db, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := ReadServerFile(db)
	if !ok || err != nil || got != want {
		t.Errorf("read back %+v (ok %v, err %v), want %+v", got, ok, err, want)
	}
	RemoveServerFile(db)
	if _, ok, _ := ReadServerFile(db); ok {
		t.Error("the record is still there after RemoveServerFile")
	}
}
