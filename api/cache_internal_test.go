package api

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// An answer is computed once per build: later requests get it from the cache, a new
// build (generation) computes it again, concurrent misses wait for one computation,
// and errors and uncacheable routes are never kept.
func TestResponseCache(t *testing.T) {
	var gen atomic.Uint64
	rc := newResponseCache(gen.Load)
	var runs atomic.Int64
	status := http.StatusOK
	e := gin.New()
	goal := route{method: "GET", path: "/api/v1/goal", access: read}
	e.GET(goal.path, rc.middleware(goal), func(c *gin.Context) {
		runs.Add(1)
		time.Sleep(20 * time.Millisecond) // long enough for the concurrent requests to queue
		c.Header("X-Truncated", "true")
		c.String(status, "answer %d", gen.Load())
	})
	status2 := route{method: "GET", path: "/api/v1/status", access: read}
	e.GET(status2.path, rc.middleware(status2), func(c *gin.Context) { runs.Add(1000); c.String(http.StatusOK, "live") })

	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if rec := get("/api/v1/goal?from=2026-01"); rec.Body.String() != "answer 0" || rec.Header().Get("X-Truncated") != "true" {
				t.Errorf("answer %q, headers %v", rec.Body.String(), rec.Header())
			}
		})
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("8 concurrent requests ran the handler %d times, want 1", runs.Load())
	}
	if rec := get("/api/v1/goal?from=2026-01"); rec.Header().Get("X-Cache") != "hit" {
		t.Errorf("a repeat was not served from the cache: %v", rec.Header())
	}
	get("/api/v1/goal?from=2026-02") // another query is another answer
	if runs.Load() != 2 {
		t.Errorf("a different query string shared an answer (%d runs)", runs.Load())
	}
	gen.Add(1) // a build committed
	if rec := get("/api/v1/goal?from=2026-01"); rec.Body.String() != "answer 1" || runs.Load() != 3 {
		t.Errorf("after a build: %q, %d runs", rec.Body.String(), runs.Load())
	}
	status = http.StatusServiceUnavailable
	get("/api/v1/goal?from=2026-03")
	get("/api/v1/goal?from=2026-03")
	if runs.Load() != 5 {
		t.Errorf("an error answer was kept (%d runs, want 5)", runs.Load())
	}
	get("/api/v1/status")
	get("/api/v1/status")
	if runs.Load() != 2005 {
		t.Errorf("the status was cached (%d runs)", runs.Load())
	}
}
