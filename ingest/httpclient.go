package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// HTTPClient fetches pages from a paging tool's REST API. It waits out rate limits (429,
// honouring Retry-After or a reset header, else backing off with jitter) and retries
// server errors and timeouts a bounded number of times, and paces its requests under
// the API's documented rate (Limiter). Collectors share it so that every source treats
// the same failures the same way and none has a pacer of its own.
type HTTPClient struct {
	Client *http.Client
	// Header is sent with every request; it carries the credential, so the client
	// never prints it and scrubs Secret from every error it returns.
	Header http.Header
	Secret string
	// MaxRetries bounds the retries of one request after a server error or a timeout;
	// MaxWaits bounds the rate-limit waits of one request.
	MaxRetries int
	MaxWaits   int
	// BaseDelay is the first backoff; it doubles per attempt up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Sleep waits for d or until ctx ends; tests replace it so that they run fast.
	Sleep func(ctx context.Context, d time.Duration) error
	// Limiter paces every request, retries included (a retry costs the API what the
	// first try did); nil sends them as fast as they come. Now is its clock: a test
	// clock that Sleep moves paces the requests on the test's time.
	Limiter *rate.Limiter
	Now     func() time.Time
	// Requests counts the requests sent, retries included.
	Requests int
	// Waited sums the time spent in rate-limit waits and backoff; Paced the time spent
	// waiting for the limiter.
	Waited time.Duration
	Paced  time.Duration
}

// Pace is an API's documented request rate: Requests per Per, at most Burst of them at
// once (default 1).
type Pace struct {
	Requests int
	Per      time.Duration
	Burst    int
}

// Limiter returns a limiter that keeps any span of Per under Requests: the bucket
// refills at (Requests-Burst+1) per Per, since a full bucket's burst spends part of the
// allowance at once. A limit other than 0 replaces the documented rate (tests pace
// faster); rate.Inf, or a zero Pace, gives none.
func (p Pace) Limiter(limit rate.Limit) *rate.Limiter {
	if limit == rate.Inf {
		return nil
	}
	burst := max(p.Burst, 1)
	if limit <= 0 {
		if p.Requests <= 0 || p.Per <= 0 {
			return nil
		}
		limit = rate.Limit(float64(max(p.Requests-burst+1, 1)) / p.Per.Seconds())
	}
	return rate.NewLimiter(limit, burst)
}

// pace waits for the limiter's next token on the client's clock.
func (c *HTTPClient) pace(ctx context.Context) error {
	if c.Limiter == nil {
		return nil
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	t := now()
	d := c.Limiter.ReserveN(t, 1).DelayFrom(t)
	if d <= 0 {
		return nil
	}
	c.Paced += d
	return c.Sleep(ctx, d)
}

// NewHTTPClient returns a client with the defaults every collector uses.
func NewHTTPClient(header http.Header, secret string) *HTTPClient {
	return &HTTPClient{
		Client:     &http.Client{Timeout: 60 * time.Second},
		Header:     header,
		Secret:     secret,
		MaxRetries: 5,
		MaxWaits:   30,
		BaseDelay:  time.Second,
		MaxDelay:   time.Minute,
		Sleep:      SleepContext,
	}
}

// DefaultTimeout bounds one request, its answer's body included, when a Transport has no
// HTTPClient. A variable so that the server's fault tests, which reach the collectors
// only through the config's sources, can make a hung API fail within a second.
var DefaultTimeout = time.Minute

// Transport is what every collector's options hold for reaching its API. Each part is
// there for tests to replace; a zero part means the real thing (WithDefaults).
type Transport struct {
	HTTPClient *http.Client                                     // nil: one whose requests time out after DefaultTimeout
	Now        func() time.Time                                 // nil: the real clock
	Sleep      func(ctx context.Context, d time.Duration) error // nil: SleepContext
	Limit      rate.Limit                                       // 0: the API's documented Pace; rate.Inf: none
	Retries    int                                              // retries of a request after a server error or timeout; 0: the collector's default
}

// WithDefaults returns t with its unset parts filled in, retries being the collector's
// default.
func (t Transport) WithDefaults(retries int) Transport {
	if t.HTTPClient == nil {
		t.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	if t.Now == nil {
		t.Now = time.Now
	}
	if t.Sleep == nil {
		t.Sleep = SleepContext
	}
	if t.Retries <= 0 {
		t.Retries = retries
	}
	return t
}

// Client returns the HTTPClient that sends header (which carries secret) through t,
// paced by the API's pace. Call it on a Transport with its defaults.
func (t Transport) Client(header http.Header, secret string, pace Pace) *HTTPClient {
	c := NewHTTPClient(header, secret)
	c.Client, c.Sleep, c.MaxRetries = t.HTTPClient, t.Sleep, t.Retries
	c.Limiter, c.Now = pace.Limiter(t.Limit), t.Now
	return c
}

// SleepContext waits for d, or returns ctx's error as soon as ctx ends.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// StatusError is a response the client gave up on.
type StatusError struct {
	URL      string // without the host
	Status   int
	Message  string // the start of the response body
	Attempts int
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

// Get fetches url and returns its body when the status is 2xx.
func (c *HTTPClient) Get(ctx context.Context, url string) ([]byte, error) {
	body, err := c.get(ctx, url)
	if err != nil && c.Secret != "" && strings.Contains(err.Error(), c.Secret) {
		err = errors.New(strings.ReplaceAll(err.Error(), c.Secret, "[redacted]"))
	}
	return body, err
}

func (c *HTTPClient) get(ctx context.Context, url string) ([]byte, error) {
	retries, waits := 0, 0
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range c.Header {
			req.Header[k] = v
		}
		req.Header.Set("Accept", "application/json")
		if err := c.pace(ctx); err != nil {
			return nil, err
		}
		c.Requests++
		resp, err := c.Client.Do(req)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		var wait time.Duration
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case err != nil: // network error or timeout
			if retries >= c.MaxRetries {
				return nil, fmt.Errorf("GET %s: %w (after %d attempts)", pathOf(url), err, attempt)
			}
			retries++
			wait = c.backoff(retries)
		case resp.StatusCode == http.StatusTooManyRequests:
			if waits >= c.MaxWaits {
				return nil, &StatusError{URL: pathOf(url), Status: resp.StatusCode, Message: "still rate limited", Attempts: attempt}
			}
			waits++
			wait = rateLimitWait(resp.Header, time.Now())
			if wait <= 0 {
				wait = c.backoff(waits)
			}
		case resp.StatusCode >= 500:
			if retries >= c.MaxRetries {
				return nil, &StatusError{URL: pathOf(url), Status: resp.StatusCode, Message: snippet(body), Attempts: attempt}
			}
			retries++
			wait = c.backoff(retries)
		case resp.StatusCode >= 300:
			return nil, &StatusError{URL: pathOf(url), Status: resp.StatusCode, Message: snippet(body), Attempts: attempt}
		default:
			return body, nil
		}
		c.Waited += wait
		if err := c.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// backoff is exponential with full jitter, so that many clients throttled together do
// not come back together.
func (c *HTTPClient) backoff(attempt int) time.Duration {
	d := c.BaseDelay << min(attempt-1, 20)
	if d > c.MaxDelay || d <= 0 {
		d = c.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// rateLimitWait reads how long a throttled response asks us to wait: Retry-After
// (seconds or an HTTP date), else a reset header in seconds from now or as a Unix time
// (PagerDuty's ratelimit-reset among them), else Opsgenie's X-RateLimit-Period-In-Sec.
// It returns 0 when the response says nothing usable.
func rateLimitWait(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	for _, name := range []string{"X-RateLimit-Reset", "RateLimit-Reset", "X-Rate-Limit-Reset"} {
		v, err := strconv.ParseFloat(h.Get(name), 64)
		if err != nil || v < 0 {
			continue
		}
		if v > 1e9 { // a Unix time, not a number of seconds
			return max(time.Unix(int64(v), 0).Sub(now), 0)
		}
		return time.Duration(v * float64(time.Second))
	}
	// Opsgenie sends no Retry-After: a throttled answer carries X-RateLimit-State:
	// THROTTLED and the length of the throttle in X-RateLimit-Period-In-Sec (its OAS,
	// responses of every endpoint). Coming back sooner only earns another 429.
	if !strings.EqualFold(h.Get("X-RateLimit-State"), "OK") {
		if v, err := strconv.ParseFloat(h.Get("X-RateLimit-Period-In-Sec"), 64); err == nil && v > 0 {
			return time.Duration(v * float64(time.Second))
		}
	}
	return 0
}

// pathOf drops the scheme and host, which errors do not need.
func pathOf(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		if j := strings.IndexByte(url[i+3:], '/'); j >= 0 {
			return url[i+3+j:]
		}
	}
	return url
}

func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
