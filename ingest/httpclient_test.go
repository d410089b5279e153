package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRateLimitWait(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"retry-after seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{"retry-after date", map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second},
		{"reset seconds", map[string]string{"X-RateLimit-Reset": "12"}, 12 * time.Second},
		{"reset unix time", map[string]string{"RateLimit-Reset": "1740830430"}, 30 * time.Second},
		{"nothing usable", map[string]string{"X-RateLimit-State": "THROTTLED"}, 0},
		// PagerDuty's lower-case ratelimit-reset is still read first.
		{"pagerduty reset", map[string]string{"ratelimit-reset": "17", "ratelimit-remaining": "0"}, 17 * time.Second},
		// Opsgenie: a 60 s throttle is waited out in full, not retried after a backoff.
		{"opsgenie throttle period", map[string]string{"X-RateLimit-State": "THROTTLED", "X-RateLimit-Reason": "INTEGRATION", "X-RateLimit-Period-In-Sec": "60"}, time.Minute},
		{"opsgenie period without a state", map[string]string{"X-RateLimit-Period-In-Sec": "10"}, 10 * time.Second},
		{"opsgenie state OK is no throttle", map[string]string{"X-RateLimit-State": "OK", "X-RateLimit-Period-In-Sec": "60"}, 0},
		{"opsgenie unreadable period", map[string]string{"X-RateLimit-State": "THROTTLED", "X-RateLimit-Period-In-Sec": "a minute"}, 0},
		{"retry-after wins over the period", map[string]string{"Retry-After": "5", "X-RateLimit-Period-In-Sec": "60"}, 5 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			if got := rateLimitWait(h, now); got != tc.want {
				t.Errorf("wait = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHTTPClientRetries(t *testing.T) {
	const secret = "s3cr3t-key"
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch r.URL.Path {
		case "/throttled-then-ok":
			if calls == 1 {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Write([]byte(`{"ok":true}`))
		case "/opsgenie-throttled-then-ok":
			if calls == 1 {
				w.Header().Set("X-RateLimit-State", "THROTTLED")
				w.Header().Set("X-RateLimit-Period-In-Sec", "60")
				http.Error(w, `{"message":"You are making too many requests!","took":0.001,"requestId":"r"}`, http.StatusTooManyRequests)
				return
			}
			w.Write([]byte(`{"ok":true}`))
		case "/always-503":
			// A server that echoes the credential must not leak it through our errors.
			http.Error(w, "upstream down for "+r.Header.Get("Authorization"), http.StatusServiceUnavailable)
		case "/forbidden":
			http.Error(w, `{"message":"key has no read access"}`, http.StatusForbidden)
		}
	}))
	defer srv.Close()

	var slept []time.Duration
	c := NewHTTPClient(http.Header{"Authorization": {"GenieKey " + secret}}, secret)
	c.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	ctx := context.Background()

	body, err := c.Get(ctx, srv.URL+"/throttled-then-ok")
	if err != nil || string(body) != `{"ok":true}` {
		t.Fatalf("throttled-then-ok: body %q, err %v", body, err)
	}
	if len(slept) != 1 || slept[0] != 3*time.Second {
		t.Errorf("slept %v, want one wait of 3s (Retry-After)", slept)
	}

	calls, slept = 0, nil
	if _, err := c.Get(ctx, srv.URL+"/opsgenie-throttled-then-ok"); err != nil || calls != 2 {
		t.Fatalf("opsgenie-throttled-then-ok: %d calls, err %v", calls, err)
	}
	if len(slept) != 1 || slept[0] != time.Minute {
		t.Errorf("slept %v after an Opsgenie throttle, want one wait of the 60 s X-RateLimit-Period-In-Sec", slept)
	}

	calls, slept = 0, nil
	_, err = c.Get(ctx, srv.URL+"/always-503")
	if err == nil {
		t.Fatal("always-503: want an error")
	}
	if calls != c.MaxRetries+1 || len(slept) != c.MaxRetries {
		t.Errorf("always-503: %d calls and %d sleeps, want %d and %d", calls, len(slept), c.MaxRetries+1, c.MaxRetries)
	}
	for i, d := range slept {
		if limit := c.BaseDelay << i; d < limit/2 || d > limit {
			t.Errorf("backoff %d = %v, want within [%v, %v]", i+1, d, limit/2, limit)
		}
	}
	if msg := err.Error(); strings.Contains(msg, secret) || !strings.Contains(msg, "/always-503: 503") || !strings.Contains(msg, "after 6 attempts") {
		t.Errorf("always-503 error = %q: want the path, status and attempts, without the key", msg)
	}

	calls = 0
	_, err = c.Get(ctx, srv.URL+"/forbidden")
	if err == nil || calls != 1 || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "no read access") {
		t.Errorf("forbidden: %d calls, err %v: want one call and the status with the server's message", calls, err)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 3, 31, 10, 0, 0, 0, time.UTC)
	cases := map[string]time.Time{
		"90d":                       time.Date(2024, 12, 31, 10, 0, 0, 0, time.UTC),
		"36h":                       time.Date(2025, 3, 29, 22, 0, 0, 0, time.UTC),
		"2025-01-15":                time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC),
		"2025-01-15T08:00:00+02:00": time.Date(2025, 1, 15, 6, 0, 0, 0, time.UTC),
	}
	for in, want := range cases {
		got, err := ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-3d", "0d", "2025-13-01"} {
		// The library names its setting; the command says it as its flag.
		var oe *OptionError
		if _, err := ParseSince(bad, now); !errors.As(err, &oe) || oe.Option != "since" || strings.Contains(err.Error(), "--") {
			t.Errorf("ParseSince(%q): err %v, want a since error naming no flag", bad, err)
		}
	}
}
