package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// A hand-written client rather than github.com/PagerDuty/go-pagerduty: that library
// neither retries nor pages for us and decodes every record into its own structs, while
// alertlens must keep each record's JSON exactly as received. What we need is one GET
// with pacing, retries and offset paging, which is smaller than adapting the library.

const (
	// pageLimit is the most records PagerDuty returns in one page.
	pageLimit = 100
	// offsetCap is the API's paging horizon: a request with offset+limit above it is
	// refused with a 400, so a time window holding more records must be split.
	offsetCap = 10000
	// requestsPerMinute is the REST API's limit per token.
	requestsPerMinute = 960
)

// client makes paced, retried GET requests to the PagerDuty REST API. It is not safe for
// concurrent use.
type client struct {
	base     *url.URL
	token    string
	http     *http.Client
	sleep    func(context.Context, time.Duration) error
	now      func() time.Time
	interval time.Duration // the least time between two requests
	tries    int           // attempts for a request failing with 5xx or a network error
	last     time.Time     // when the last request was sent
	requests int           // HTTP requests sent, retries included
}

// page is one page of a list endpoint: the records under the list's key, and the paging
// fields PagerDuty adds to every list response.
type page struct {
	Records []json.RawMessage
	More    bool
	Total   int // -1 unless total=true was asked for
}

// apiError is a response PagerDuty refused; Status is its HTTP status.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("http %d: %s", e.Status, e.Message)
}

// list fetches one page of a list endpoint such as /incidents, whose records sit under
// key. withTotal asks PagerDuty to count the records that match (total=true).
func (c *client) list(ctx context.Context, path, key string, q url.Values, offset int, withTotal bool) (page, error) {
	q.Set("limit", strconv.Itoa(pageLimit))
	q.Set("offset", strconv.Itoa(offset))
	if withTotal {
		q.Set("total", "true")
	} else {
		q.Del("total")
	}
	body, err := c.get(ctx, path, q)
	if err != nil {
		return page{}, err
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		return page{}, fmt.Errorf("GET %s: response is not a JSON object: %w", path, err)
	}
	p := page{Total: -1}
	recs, ok := resp[key]
	if !ok {
		return page{}, fmt.Errorf("GET %s: response has no %q list", path, key)
	}
	if err := json.Unmarshal(recs, &p.Records); err != nil {
		return page{}, fmt.Errorf("GET %s: %q: want a list of objects: %w", path, key, err)
	}
	if m, ok := resp["more"]; ok {
		if err := json.Unmarshal(m, &p.More); err != nil {
			return page{}, fmt.Errorf("GET %s: more: want true or false, got %s", path, m)
		}
	}
	if t, ok := resp["total"]; ok && withTotal && string(t) != "null" {
		if err := json.Unmarshal(t, &p.Total); err != nil {
			return page{}, fmt.Errorf("GET %s: total: want a number, got %s", path, t)
		}
	}
	return p, nil
}

// get sends one GET, paced to stay under the rate limit. It waits out a 429 for as long
// as the ratelimit-reset header says, and retries 5xx answers and network errors with
// backoff; anything else the API refuses is returned at once.
func (c *client) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = q.Encode()
	// What a failure names: the path and query, never the headers that carry the token.
	what := "GET " + path + "?" + u.RawQuery

	failures, limited := 0, 0
	for {
		if err := c.pace(ctx); err != nil {
			return nil, err
		}
		status, header, body, err := c.do(ctx, u.String())
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			failures++
			if failures >= c.tries {
				return nil, fmt.Errorf("%s: gave up after %d tries: %s", what, failures, c.redact(err.Error()))
			}
			wait = backoff(failures)
		case status == http.StatusTooManyRequests:
			limited++
			if limited > 10*c.tries {
				return nil, fmt.Errorf("%s: still rate limited after %d waits", what, limited-1)
			}
			wait = resetWait(header, limited)
		case status >= 500:
			failures++
			if failures >= c.tries {
				return nil, fmt.Errorf("%s: gave up after %d tries: %s", what, failures, c.redact(errorMessage(status, body).Error()))
			}
			wait = backoff(failures)
		case status != http.StatusOK:
			return nil, fmt.Errorf("%s: %s", what, c.redact(errorMessage(status, body).Error()))
		default:
			return body, nil
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// do sends the request and reads the whole body: a page is at most 100 records.
func (c *client) do(ctx context.Context, u string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Token token="+c.token)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	c.requests++
	c.last = c.now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, body, nil
}

// pace waits until at least c.interval has passed since the last request, so a long
// backfill stays under the per-token limit instead of running into 429s.
func (c *client) pace(ctx context.Context) error {
	if c.last.IsZero() {
		return nil
	}
	if gap := c.interval - c.now().Sub(c.last); gap > 0 {
		return c.sleep(ctx, gap)
	}
	return nil
}

// redact removes the token from text that is about to leave the client, in case some
// layer below echoed it.
func (c *client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[redacted]")
}

// backoff is the wait before retry n (1, 2, ...): 1 s, 2 s, 4 s ... capped at 30 s,
// with up to half of it again added at random so that clients do not retry in step.
func backoff(n int) time.Duration {
	d := time.Second << min(n-1, 5)
	d = min(d, 30*time.Second)
	return d + rand.N(d/2+1)
}

// resetWait reads ratelimit-reset, the seconds until the limit resets; without it, it
// backs off as for a server error.
func resetWait(h http.Header, n int) time.Duration {
	if s, err := strconv.ParseFloat(strings.TrimSpace(h.Get("Ratelimit-Reset")), 64); err == nil && s >= 0 {
		return time.Duration(s*float64(time.Second)) + rand.N(250*time.Millisecond)
	}
	return backoff(n)
}

// errorMessage turns PagerDuty's error body, {"error":{"message":..,"errors":[..]}},
// into an error; a body of another shape is quoted, cut short.
func errorMessage(status int, body []byte) error {
	var e struct {
		Error struct {
			Message string   `json:"message"`
			Errors  []string `json:"errors"`
		} `json:"error"`
	}
	msg := ""
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		msg = e.Error.Message
		if len(e.Error.Errors) > 0 {
			msg += ": " + strings.Join(e.Error.Errors, "; ")
		}
	} else {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
	}
	return &apiError{Status: status, Message: msg}
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
