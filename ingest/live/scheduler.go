package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// SyncResult tells what one sync of a source did.
type SyncResult struct {
	Summary  string           `json:"summary"` // one line a person reads, as `alertlens sync` prints it
	Requests int              `json:"requests"`
	Stored   map[string]int64 `json:"stored"` // rows per table over all commits
	New      map[string]int64 `json:"new"`    // of which the store did not hold before
}

// SyncFunc runs one sync of a source to its end (or until ctx ends, at a page boundary).
type SyncFunc func(ctx context.Context) (SyncResult, error)

// Job is one scheduled source.
type Job struct {
	Name  string
	Kind  string
	Every time.Duration
	Sync  SyncFunc
}

// SourceRun is the scheduler's record of one source.
type SourceRun struct {
	Running     bool          `json:"running"`
	Every       time.Duration `json:"every_ns"`
	LastStart   time.Time     `json:"last_start,omitzero"`
	LastSuccess time.Time     `json:"last_success,omitzero"`
	LastResult  *SyncResult   `json:"last_result,omitempty"`
	LastError   string        `json:"last_error,omitempty"`
	LastErrorAt time.Time     `json:"last_error_at,omitzero"`
	Failures    int           `json:"consecutive_failures"`
	NextRun     time.Time     `json:"next_run,omitzero"`
}

// Scheduler syncs each job on its own interval, with jitter so that sources (and
// servers) started together do not hit their APIs in step. A job runs one sync at a
// time; a failing job backs off and never holds up the others.
type Scheduler struct {
	jobs []*job
	log  *slog.Logger
	// FirstDelay bounds the random wait before a job's first sync after start.
	FirstDelay time.Duration
	// Backoff is the wait after a first failure; it doubles per failure in a row, up to
	// MaxBackoff (or the job's interval, when that is longer).
	Backoff, MaxBackoff time.Duration
}

type job struct {
	Job
	now chan chan syncReply // SyncNow requests

	mu  sync.Mutex
	run SourceRun
}

type syncReply struct {
	res SyncResult
	err error
}

// DefaultFirstDelay bounds the random wait before each job's first sync: soon after a
// start, yet not every source of every server at once.
const DefaultFirstDelay = 5 * time.Second

// NewScheduler returns a scheduler of jobs; Run starts it.
func NewScheduler(jobs []Job, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{log: log, FirstDelay: DefaultFirstDelay, Backoff: 30 * time.Second, MaxBackoff: 30 * time.Minute}
	for _, j := range jobs {
		s.jobs = append(s.jobs, &job{Job: j, now: make(chan chan syncReply), run: SourceRun{Every: j.Every}})
	}
	return s
}

// ErrNoSource is SyncNow's error for a name no job has.
var ErrNoSource = errors.New("no scheduled source of that name")

// Run syncs every job until ctx ends, then waits for the syncs in flight to stop at
// their next page boundary.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, j := range s.jobs {
		wg.Go(func() { s.loop(ctx, j) })
	}
	wg.Wait()
}

// SyncNow runs a sync of the named source now (after the one in flight, if any) and
// returns its result.
func (s *Scheduler) SyncNow(ctx context.Context, name string) (SyncResult, error) {
	for _, j := range s.jobs {
		if j.Name != name {
			continue
		}
		reply := make(chan syncReply, 1)
		select {
		case j.now <- reply:
		case <-ctx.Done():
			return SyncResult{}, ctx.Err()
		}
		select {
		case r := <-reply:
			return r.res, r.err
		case <-ctx.Done():
			return SyncResult{}, ctx.Err()
		}
	}
	return SyncResult{}, fmt.Errorf("%w: %q", ErrNoSource, name)
}

// Runs reports every job's record, by name.
func (s *Scheduler) Runs() map[string]SourceRun {
	out := map[string]SourceRun{}
	for _, j := range s.jobs {
		j.mu.Lock()
		out[j.Name] = j.run
		j.mu.Unlock()
	}
	return out
}

// Kinds reports every job's kind, by name.
func (s *Scheduler) Kinds() map[string]string {
	out := map[string]string{}
	for _, j := range s.jobs {
		out[j.Name] = j.Kind
	}
	return out
}

func (s *Scheduler) loop(ctx context.Context, j *job) {
	wait := jitter(0, s.FirstDelay)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	j.setNext(wait)
	for {
		var reply chan syncReply
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case reply = <-j.now:
		}
		res, err := s.runOnce(ctx, j)
		if reply != nil {
			reply <- syncReply{res, err}
		}
		if ctx.Err() != nil {
			return
		}
		j.mu.Lock()
		failures := j.run.Failures
		j.mu.Unlock()
		wait = jitter(j.Every, j.Every/10)
		if failures > 0 {
			wait = s.backoff(failures, j.Every)
		}
		reset(timer, wait)
		j.setNext(wait)
	}
}

func (j *job) setNext(wait time.Duration) {
	j.mu.Lock()
	j.run.NextRun = time.Now().Add(wait).UTC()
	j.mu.Unlock()
}

func (s *Scheduler) runOnce(ctx context.Context, j *job) (SyncResult, error) {
	start := time.Now()
	j.mu.Lock()
	j.run.Running, j.run.LastStart = true, start.UTC()
	j.mu.Unlock()
	s.log.Info("sync: start", "source", j.Name, "kind", j.Kind)

	res, err := j.Sync(ctx)

	j.mu.Lock()
	defer j.mu.Unlock()
	j.run.Running = false
	switch {
	case err != nil && ctx.Err() != nil:
		// stopped at shutdown: what was committed stays, the next start resumes there
		s.log.Info("sync: stopped at shutdown at a page boundary", "source", j.Name, "kind", j.Kind)
	case err != nil:
		j.run.Failures++
		j.run.LastError, j.run.LastErrorAt = err.Error(), time.Now().UTC()
		s.log.Error("sync: failed; committed pages stay and the next sync resumes there", "source", j.Name, "kind", j.Kind,
			"error", err.Error(), "consecutive_failures", j.run.Failures, "retry_in", s.backoff(j.run.Failures, j.Every).String())
	default:
		j.run.Failures = 0
		j.run.LastSuccess, j.run.LastResult = time.Now().UTC(), &res
		j.run.LastError = ""
		s.log.Info("sync: done", "source", j.Name, "kind", j.Kind, "summary", res.Summary,
			"ms", time.Since(start).Milliseconds())
	}
	return res, err
}

// backoff is the wait after the n-th failure in a row.
func (s *Scheduler) backoff(n int, every time.Duration) time.Duration {
	limit := max(every, s.MaxBackoff)
	d := s.Backoff
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return jitter(min(d, limit), min(d, limit)/10)
}

// jitter is d plus or minus up to spread, never negative.
func jitter(d, spread time.Duration) time.Duration {
	if spread <= 0 {
		return d
	}
	return max(d+time.Duration(rand.Int64N(int64(2*spread)))-spread, 0)
}
