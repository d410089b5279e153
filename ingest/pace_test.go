package ingest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// testClock moves only when the client waits, and notes when each request arrived.
type testClock struct {
	mu   sync.Mutex
	now  time.Time
	sent []time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// pacedRequests sends n requests through a client paced at p and returns the offsets,
// from the first, at which the server saw them on the client's clock.
func pacedRequests(t *testing.T, p Pace, limit rate.Limit, n int) ([]time.Duration, *HTTPClient) {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clock.mu.Lock()
		clock.sent = append(clock.sent, clock.now)
		clock.mu.Unlock()
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	c := NewHTTPClient(nil, "")
	c.Limiter, c.Now, c.Sleep = p.Limiter(limit), clock.Now, clock.Sleep
	for range n {
		if _, err := c.Get(context.Background(), srv.URL+"/x"); err != nil {
			t.Fatal(err)
		}
	}
	var at []time.Duration
	for _, s := range clock.sent {
		at = append(at, s.Sub(clock.sent[0]))
	}
	return at, c
}

func TestPaceSpacesRequests(t *testing.T) {
	// 60 a minute, one at a time: one a second, from the first at once.
	at, c := pacedRequests(t, Pace{Requests: 60, Per: time.Minute}, 0, 5)
	for i, d := range at {
		if want := time.Duration(i) * time.Second; d != want {
			t.Errorf("request %d at %v, want %v (all: %v)", i, d, want, at)
		}
	}
	if c.Paced != 4*time.Second || c.Requests != 5 {
		t.Errorf("paced %v over %d requests, want 4s over 5", c.Paced, c.Requests)
	}
}

func TestPaceBurstStaysUnderTheWindow(t *testing.T) {
	// 10 per 10 s in bursts of 4: the 4 go at once, then the bucket refills at 7 per
	// 10 s, so that no 10 s span holds more than 10 requests.
	at, _ := pacedRequests(t, Pace{Requests: 10, Per: 10 * time.Second, Burst: 4}, 0, 30)
	for i := 0; i < 4; i++ {
		if at[i] != 0 {
			t.Errorf("request %d of the burst waited %v", i, at[i])
		}
	}
	gap := 10 * time.Second / 7
	if d := at[5] - at[4]; d < gap-time.Millisecond || d > gap+time.Millisecond {
		t.Errorf("after the burst requests are %v apart, want %v", d, gap)
	}
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j]-at[i] < 10*time.Second; j++ {
			n++
		}
		if n > 10 {
			t.Errorf("%d requests in the 10 s from %v, over the limit of 10", n, at[i])
		}
	}
}

func TestPaceOff(t *testing.T) {
	// rate.Inf, or no documented pace, sends at once; a given limit replaces the pace.
	if l := (Pace{Requests: 960, Per: time.Minute}).Limiter(rate.Inf); l != nil {
		t.Errorf("rate.Inf gave a limiter of %v", l.Limit())
	}
	if l := (Pace{}).Limiter(0); l != nil {
		t.Errorf("a zero pace gave a limiter of %v", l.Limit())
	}
	at, _ := pacedRequests(t, Pace{Requests: 1, Per: time.Hour}, 2, 3)
	if at[2] != time.Second {
		t.Errorf("at a limit of 2 a second the third request went at %v, want 1s", at[2])
	}
}

// A context that ends while the client waits for its turn stops the request unsent.
func TestPaceHonoursContext(t *testing.T) {
	c := NewHTTPClient(nil, "")
	c.Limiter = Pace{Requests: 1, Per: time.Hour}.Limiter(0)
	c.Limiter.Allow() // the one token of the hour is spent
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, "http://127.0.0.1:1/never")
	if err == nil || !strings.Contains(err.Error(), "deadline") || c.Requests != 0 {
		t.Errorf("err %v after %d requests, want the deadline and none sent", err, c.Requests)
	}
}
