package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// responseCache keeps the answers of read requests until the next build commits. The
// numbers only change with a build, while dashboards on a team's wall and the weekly
// meeting ask for the same few pages over and over: an answer computed once per build
// costs each later request a map lookup instead of its queries. Requests for the same
// answer that arrive while it is being computed wait for it instead of each running
// the queries (the 32 clients of a dashboard wall would otherwise all miss at once).
// Answers are recomputed after cacheTTL, since "this month" and the pace move with the
// clock: the expired answer is served while one request recomputes it in the
// background, so a dashboard wall never waits for the seconds some answers take at
// millions of incidents. When the server starts, warm asks for the default answer of
// every page and endpoint, and after a build for the answers asked under the build
// before, so that the first request finds its answer computed or computing.
type responseCache struct {
	generation func() uint64 // changes when a build commits
	// replay serves a request through the whole route (cache, deadline, queue, handler;
	// as the server's own request, past auth), discarding the answer: set by the server,
	// used to refresh and warm.
	replay func(*http.Request)
	// start are the paths warm asks for when it starts (the routes without parameters).
	start []string

	mu      sync.Mutex
	entries map[string]*cached
	order   []string // oldest first, for eviction
}

type cached struct {
	gen        uint64
	at         time.Time
	ready      chan struct{} // closed once the answer is in
	ok         bool          // a 200 worth keeping
	status     int
	header     http.Header
	body       []byte
	req        *http.Request // the request that asked, without its context: to ask again
	refreshing bool          // a background recomputation is under way (guarded by mu)
}

const (
	cacheTTL        = 30 * time.Second
	cacheMaxEntries = 512
	cacheMaxBody    = 8 << 20
	// warmPoll is how often warm looks for a new build; warmMax bounds the answers it
	// asks for again after one, most recently asked first.
	warmPoll = 200 * time.Millisecond
	warmMax  = 64
)

// refreshing marks a background recomputation's request: it computes a new answer
// while the expired one stays in the cache for everyone else.
type refreshKey struct{}

// uncached are the read routes whose answers are not the last build's numbers: the
// status, the review page and its API (tags change between builds), metrics, backups.
var uncached = []string{"/healthz", "/metrics", "/api/v1/status", "/api/v1/backup", "/review", "/api/v1/review",
	"/api/v1/reports/", "/api/v1/incidents/:id/review", "/api/v1/rules/:id/follow-ups", "/api/v1/rules/:id/fix-effect",
	"/rule/", "/assets/"}

func newResponseCache(generation func() uint64) *responseCache {
	return &responseCache{generation: generation, entries: map[string]*cached{}}
}

func cacheable(r route) bool {
	if r.method != http.MethodGet || r.access == open {
		return false
	}
	for _, p := range uncached {
		if r.path == p || strings.HasPrefix(r.path, p) && strings.HasSuffix(p, "/") || strings.HasPrefix(r.path, p+"/") {
			return false
		}
	}
	return true
}

// teeWriter keeps a copy of what a handler writes.
type teeWriter struct {
	gin.ResponseWriter
	buf  bytes.Buffer
	over bool
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if !w.over {
		if w.buf.Len()+len(b) > cacheMaxBody {
			w.over = true
		} else {
			w.buf.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// middleware serves a route's answers from the cache (nil cache, or a route that is
// not cacheable: a no-op).
func (rc *responseCache) middleware(r route) gin.HandlerFunc {
	if rc == nil || !cacheable(r) {
		return func(c *gin.Context) { c.Next() }
	}
	return func(c *gin.Context) {
		// Keyed by the representation asked for rather than the Accept header as sent:
		// browsers send their own, and the answer of a page does not depend on it.
		key := c.Request.URL.RequestURI()
		if acceptsCSV(c.GetHeader("Accept")) {
			key += "\x00csv"
		}
		gen := rc.generation()
		refresh := c.Request.Context().Value(refreshKey{}) != nil
		rc.mu.Lock()
		e, found := rc.entries[key]
		fresh := found && e.gen == gen && !refresh
		if fresh && time.Since(e.at) >= cacheTTL {
			// expired: serve it if it is a complete answer, and recompute it once
			fresh = e.complete()
			if fresh && !e.refreshing && rc.replay != nil {
				e.refreshing = true
				req := e.req.Clone(context.WithValue(context.Background(), refreshKey{}, true))
				go rc.replay(req)
			}
		}
		stale := e
		if !fresh {
			e = &cached{gen: gen, at: time.Now(), ready: make(chan struct{}), req: c.Request.Clone(context.Background())}
			if !refresh {
				rc.put(key, e)
			}
		}
		rc.mu.Unlock()
		if fresh {
			select {
			case <-e.ready:
			case <-c.Request.Context().Done():
				c.Abort()
				return
			}
			if e.ok {
				for k, v := range e.header {
					c.Writer.Header()[k] = v
				}
				c.Writer.Header().Set("X-Cache", "hit")
				c.Data(e.status, e.header.Get("Content-Type"), e.body)
				c.Abort()
				return
			}
			c.Next() // the first try did not give an answer worth keeping: compute our own
			return
		}
		tee := &teeWriter{ResponseWriter: c.Writer}
		c.Writer = tee
		defer close(e.ready)
		c.Next()
		ok := tee.Status() == http.StatusOK && !tee.over && !c.IsAborted()
		if ok {
			e.status, e.body, e.ok = http.StatusOK, tee.buf.Bytes(), true
			e.header = tee.Header().Clone()
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		switch {
		case refresh && ok && rc.entries[key] == stale:
			rc.put(key, e) // the recomputed answer replaces the expired one
		case refresh && stale != nil:
			stale.refreshing = false // failed: the next request past the TTL tries again
		case !ok && rc.entries[key] == e:
			delete(rc.entries, key)
		}
	}
}

// complete tells whether e holds an answer worth serving now. The caller holds mu.
func (e *cached) complete() bool {
	select {
	case <-e.ready:
		return e.ok
	default:
		return false
	}
}

// warm runs until ctx ends. It first asks, one at a time, for the answers of the start
// paths, so that the first person to open a dashboard after the server starts does not
// wait for it to be computed (at a million incidents the responders' page took 0.8 s
// the first time). After each build it asks again for the answers (at most warmMax, the
// most recently asked first) that the build before had kept, so that a dashboard's
// first request after a build finds its answer computed, or computing, rather than
// starting on it.
func (rc *responseCache) warm(ctx context.Context) {
	if rc == nil || rc.replay == nil {
		return
	}
	last := rc.generation()
	for _, path := range rc.start {
		if ctx.Err() != nil || rc.generation() != last {
			break // stopping, or a build committed: the loop below asks for its answers
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		if err != nil {
			continue
		}
		rc.replay(req)
	}
	tick := time.NewTicker(warmPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		gen := rc.generation()
		if gen == last {
			continue
		}
		last = gen
		for _, req := range rc.askedBefore(gen) {
			if ctx.Err() != nil || rc.generation() != gen {
				break // stopping, or another build committed: start over for it
			}
			rc.replay(req.Clone(ctx))
		}
	}
}

// askedBefore returns the requests of the kept answers older than gen, most recent
// first.
func (rc *responseCache) askedBefore(gen uint64) []*http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []*http.Request
	for i := len(rc.order) - 1; i >= 0 && len(out) < warmMax; i-- {
		if e, ok := rc.entries[rc.order[i]]; ok && e.gen < gen && e.req != nil && e.complete() {
			out = append(out, e.req)
		}
	}
	return out
}

// put stores an entry, dropping the oldest past cacheMaxEntries. The caller holds mu.
func (rc *responseCache) put(key string, e *cached) {
	if _, ok := rc.entries[key]; !ok {
		rc.order = append(rc.order, key)
	}
	rc.entries[key] = e
	for len(rc.entries) > cacheMaxEntries && len(rc.order) > 0 {
		oldest := rc.order[0]
		rc.order = rc.order[1:]
		delete(rc.entries, oldest)
	}
	if len(rc.order) > 4*cacheMaxEntries { // keys replaced in place leave stale names behind
		kept := rc.order[:0]
		for _, k := range rc.order {
			if _, ok := rc.entries[k]; ok {
				kept = append(kept, k)
			}
		}
		rc.order = kept
	}
}
