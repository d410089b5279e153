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

// At most MaxQueries requests run their queries at once; the others wait their turn,
// and one whose deadline passes while it waits answers 503. The probe never waits.
func TestQueriesQueueBehindTheCap(t *testing.T) {
	s := &Server{slots: make(chan struct{}, 2)}
	var running, most atomic.Int64
	release := make(chan struct{})
	e := gin.New()
	slow := route{method: "GET", path: "/api/v1/goal", access: read}
	e.GET(slow.path, s.queue(slow), func(c *gin.Context) {
		n := running.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		running.Add(-1)
		c.Status(http.StatusOK)
	})
	probe := route{method: "GET", path: "/healthz", access: open}
	e.GET(probe.path, s.queue(probe), func(c *gin.Context) { c.Status(http.StatusOK) })

	var wg sync.WaitGroup
	codes := make([]int, 5)
	for i := range codes {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/goal", nil))
			codes[i] = rec.Code
		})
	}
	for running.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	// the cap is reached: the probe still answers, a request with a short deadline gives up
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/healthz behind a full queue: %d", rec.Code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/goal", nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a request whose deadline passed in the queue: %d, want 503", rec.Code)
	}
	close(release)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("queued request %d: %d", i, c)
		}
	}
	if most.Load() != 2 {
		t.Errorf("%d requests ran at once, want the cap of 2", most.Load())
	}
}
