package api

import (
	"context"
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

// Past the TTL the expired answer is served at once while one background request
// recomputes it; after a build, warm computes again the answers asked for before it,
// so that the next request is a hit on the new build's answer.
func TestResponseCacheRefreshAndWarm(t *testing.T) {
	var gen atomic.Uint64
	rc := newResponseCache(gen.Load)
	var runs atomic.Int64
	e := gin.New()
	goal := route{method: "GET", path: "/api/v1/goal", access: read}
	release := make(chan struct{}, 10)
	e.GET(goal.path, rc.middleware(goal), func(c *gin.Context) {
		n := runs.Add(1)
		if n > 1 {
			<-release // recomputations wait until the test lets them finish
		}
		c.String(http.StatusOK, "answer %d of build %d", n, gen.Load())
	})
	rc.replay = func(r *http.Request) { e.ServeHTTP(httptest.NewRecorder(), r) }
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/goal?from=2026-01", nil)
		req.Header.Set("Authorization", "Bearer reader")
		e.ServeHTTP(rec, req)
		return rec
	}
	if got := get().Body.String(); got != "answer 1 of build 0" {
		t.Fatalf("first answer %q", got)
	}
	expire := func() {
		rc.mu.Lock()
		for _, en := range rc.entries {
			en.at = en.at.Add(-cacheTTL - time.Second)
		}
		rc.mu.Unlock()
	}
	expire()
	for range 3 { // served the expired answer without waiting; one refresh started
		if rec := get(); rec.Body.String() != "answer 1 of build 0" || rec.Header().Get("X-Cache") != "hit" {
			t.Fatalf("past the TTL: %q %v", rec.Body.String(), rec.Header())
		}
	}
	release <- struct{}{}
	waitFor(t, func() bool { return get().Body.String() == "answer 2 of build 0" })
	if runs.Load() != 2 {
		t.Errorf("three requests past the TTL ran %d recomputations, want 1", runs.Load()-1)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rc.warm(ctx)
	time.Sleep(2 * warmPoll) // warm has read the generation it starts from
	gen.Add(1)               // a build committed
	release <- struct{}{}
	waitFor(t, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, en := range rc.entries {
			if en.gen == 1 && en.complete() {
				return true
			}
		}
		return false
	})
	if rec := get(); rec.Body.String() != "answer 3 of build 1" || rec.Header().Get("X-Cache") != "hit" {
		t.Errorf("after a build and warm-up: %q %v", rec.Body.String(), rec.Header())
	}
	if runs.Load() != 3 {
		t.Errorf("%d runs, want 3", runs.Load())
	}
}

// When warm starts it computes the start paths' answers before anyone asks, and an
// answer is kept by the representation asked for, not by the Accept header as sent: a
// browser's request finds the answer the warm-up computed, a request for CSV does not.
func TestResponseCacheWarmsStartPaths(t *testing.T) {
	var gen atomic.Uint64
	rc := newResponseCache(gen.Load)
	var runs atomic.Int64
	e := gin.New()
	goal := route{method: "GET", path: "/api/v1/goal", access: read}
	e.GET(goal.path, rc.middleware(goal), func(c *gin.Context) {
		n := runs.Add(1)
		c.String(http.StatusOK, "answer %d, csv %v", n, acceptsCSV(c.GetHeader("Accept")))
	})
	rc.replay = func(r *http.Request) { e.ServeHTTP(httptest.NewRecorder(), r) }
	rc.start = []string{"/api/v1/goal"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rc.warm(ctx)
	waitFor(t, func() bool { return runs.Load() == 1 })
	get := func(accept string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/goal", nil)
		req.Header.Set("Accept", accept)
		e.ServeHTTP(rec, req)
		return rec
	}
	waitFor(t, func() bool { return get("text/html,application/xhtml+xml,*/*;q=0.8").Header().Get("X-Cache") == "hit" })
	if rec := get("application/json"); rec.Body.String() != "answer 1, csv false" || rec.Header().Get("X-Cache") != "hit" {
		t.Errorf("a JSON request after the warm-up: %q %v", rec.Body.String(), rec.Header())
	}
	if rec := get("text/csv"); rec.Body.String() != "answer 2, csv true" || rec.Header().Get("X-Cache") == "hit" {
		t.Errorf("a CSV request shared the warm-up's answer: %q %v", rec.Body.String(), rec.Header())
	}
	if runs.Load() != 2 {
		t.Errorf("%d runs, want 2 (the warm-up's and the CSV)", runs.Load())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
