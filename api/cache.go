package api

import (
	"bytes"
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
// Answers also expire after cacheTTL, since "this month" and the pace move with the
// clock.
type responseCache struct {
	generation func() uint64 // changes when a build commits

	mu      sync.Mutex
	entries map[string]*cached
	order   []string // oldest first, for eviction
}

type cached struct {
	gen    uint64
	at     time.Time
	ready  chan struct{} // closed once the answer is in
	ok     bool          // a 200 worth keeping
	status int
	header http.Header
	body   []byte
}

const (
	cacheTTL        = 30 * time.Second
	cacheMaxEntries = 512
	cacheMaxBody    = 8 << 20
)

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
		key := c.Request.URL.RequestURI() + "\x00" + c.GetHeader("Accept")
		gen := rc.generation()
		rc.mu.Lock()
		e, found := rc.entries[key]
		fresh := found && e.gen == gen && time.Since(e.at) < cacheTTL
		if !fresh {
			e = &cached{gen: gen, at: time.Now(), ready: make(chan struct{})}
			rc.put(key, e)
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
		if tee.Status() == http.StatusOK && !tee.over && !c.IsAborted() {
			e.status, e.body, e.ok = http.StatusOK, tee.buf.Bytes(), true
			e.header = tee.Header().Clone()
		} else {
			rc.mu.Lock()
			if rc.entries[key] == e {
				delete(rc.entries, key)
			}
			rc.mu.Unlock()
		}
	}
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
