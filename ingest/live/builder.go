// Package live is the serving process's one writer: every write to the database
// (webhook deliveries, scheduled syncs, imports through the API, rule imports) passes
// through one ingest.Gate, and after new data the Builder rebuilds the models, debounced
// so that a burst of writes costs one rebuild. A build is one transaction: readers keep
// reading the last complete build until it commits, and never wait for it.
package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/alertlens/alertlens/analytics/models"
)

// BuildFunc builds the models once.
type BuildFunc func(ctx context.Context) (models.BuildReport, error)

// BuildStatus tells how the last builds went.
type BuildStatus struct {
	Building    bool          `json:"building"`
	LastSuccess time.Time     `json:"last_success,omitzero"` // when the last good build committed
	Duration    time.Duration `json:"duration_ns"`           // of the last good build
	Incidents   int64         `json:"incidents"`             // history size at the last good build
	Pages       int64         `json:"pages"`
	// Full tells whether the last good build recomputed every incident (FullReason:
	// why) or only the Recomputed ones, around the Changed ones.
	Full        bool      `json:"full"`
	FullReason  string    `json:"full_reason,omitempty"`
	Changed     int64     `json:"changed"`
	Recomputed  int64     `json:"recomputed"`
	Builds      int64     `json:"builds"` // good builds since the server started
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Pending is when the oldest change not yet in a build arrived; zero when the
	// models are current.
	Pending time.Time `json:"pending,omitzero"`
}

// Builder runs builds one at a time: after a change it waits until Quiet has passed
// without another (a burst of webhook deliveries is one build), but never longer than
// MaxWait after the first change, so steady traffic cannot starve the dashboards.
type Builder struct {
	build   BuildFunc
	quiet   time.Duration
	maxWait time.Duration
	log     *slog.Logger

	changed chan struct{} // a change arrived (buffered: a signal, not a queue)
	asked   chan struct{} // someone waits in BuildNow

	mu      sync.Mutex
	status  BuildStatus
	waiters []chan buildResult

	// running is held for the whole of a build, so that a backup can wait for the
	// build in flight and keep the next from starting while it copies the file.
	running sync.Mutex
}

type buildResult struct {
	rep models.BuildReport
	err error
}

// NewBuilder returns a builder; Run starts it.
func NewBuilder(build BuildFunc, quiet, maxWait time.Duration, log *slog.Logger) *Builder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if maxWait < quiet {
		maxWait = quiet
	}
	return &Builder{build: build, quiet: quiet, maxWait: maxWait, log: log,
		changed: make(chan struct{}, 1), asked: make(chan struct{}, 1)}
}

// Changed tells the builder that the data changed. It never blocks: it is called from
// inside the write gate.
func (b *Builder) Changed() {
	b.mu.Lock()
	if b.status.Pending.IsZero() {
		b.status.Pending = time.Now().UTC()
	}
	b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
}

// BuildNow waits for a build that starts after the call and returns its report (the
// `alertlens build` command beside a running server).
func (b *Builder) BuildNow(ctx context.Context) (models.BuildReport, error) {
	done := make(chan buildResult, 1)
	b.mu.Lock()
	b.waiters = append(b.waiters, done)
	b.mu.Unlock()
	select {
	case b.asked <- struct{}{}:
	default:
	}
	select {
	case r := <-done:
		return r.rep, r.err
	case <-ctx.Done():
		return models.BuildReport{}, ctx.Err()
	}
}

// Status is how the builds went.
func (b *Builder) Status() BuildStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Run builds after changes until ctx ends. A build still running then is cancelled:
// its transaction rolls back and the last complete build stays.
func (b *Builder) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var first time.Time // the first change since the last build started
	for {
		select {
		case <-ctx.Done():
			b.fail(ctx.Err())
			return
		case <-b.changed:
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			wait := b.quiet
			if deadline := first.Add(b.maxWait); now.Add(wait).After(deadline) {
				wait = deadline.Sub(now)
			}
			reset(timer, wait)
		case <-b.asked:
			reset(timer, 0)
		case <-timer.C:
			first = time.Time{}
			b.runOnce(ctx)
			b.mu.Lock()
			more := len(b.waiters) > 0
			b.mu.Unlock()
			if more {
				reset(timer, 0)
			}
		}
	}
}

func reset(t *time.Timer, d time.Duration) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	t.Reset(max(d, 0))
}

func (b *Builder) runOnce(ctx context.Context) {
	b.mu.Lock()
	waiters := b.waiters
	b.waiters = nil
	b.status.Building = true
	pending := b.status.Pending
	b.status.Pending = time.Time{}
	b.mu.Unlock()

	b.running.Lock()
	rep, err := b.build(ctx)
	b.running.Unlock()

	b.mu.Lock()
	b.status.Building = false
	if err != nil {
		b.status.LastError, b.status.LastErrorAt = err.Error(), time.Now().UTC()
		if b.status.Pending.IsZero() || (!pending.IsZero() && pending.Before(b.status.Pending)) {
			b.status.Pending = pending // the changes are still not built
		}
	} else {
		b.status.LastSuccess, b.status.Duration = time.Now().UTC(), rep.Duration
		b.status.Incidents, b.status.Pages = rep.Incidents, rep.Pages
		b.status.Full, b.status.FullReason = rep.Full, rep.FullReason
		b.status.Changed, b.status.Recomputed = rep.Changed, rep.Recomputed
		b.status.Builds++
		b.status.LastError, b.status.LastErrorAt = "", time.Time{}
	}
	b.mu.Unlock()
	for _, w := range waiters {
		w <- buildResult{rep, err}
	}
	switch {
	case err != nil && errors.Is(err, context.Canceled):
		b.log.Info("build: abandoned at shutdown; the last complete build stays")
	case err != nil:
		b.log.Error("build: failed; the last complete build stays", "error", err.Error())
	default:
		b.log.Info("build: done", "incidents", rep.Incidents, "pages", rep.Pages, "ms", rep.Duration.Milliseconds(),
			"full", rep.Full, "full_reason", rep.FullReason, "changed", rep.Changed, "recomputed", rep.Recomputed)
	}
}

// fail answers every waiter when the builder stops.
func (b *Builder) fail(err error) {
	b.mu.Lock()
	waiters := b.waiters
	b.waiters = nil
	b.mu.Unlock()
	for _, w := range waiters {
		w <- buildResult{err: err}
	}
}
