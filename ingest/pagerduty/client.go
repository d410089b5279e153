package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alertlens/alertlens/ingest"
)

// Not github.com/PagerDuty/go-pagerduty: that library neither retries nor pages for us
// and decodes every record into its own structs, while alertlens must keep each
// record's JSON exactly as received. What PagerDuty needs on top of the shared
// ingest.HTTPClient (pacing, 429 waits, 5xx retries, the token kept out of errors) is
// its versioning header and its limit/offset paging, which is what this file holds.

const (
	// pageLimit is the most records PagerDuty returns in one page.
	pageLimit = 100
	// offsetCap is the API's paging horizon: a request with offset+limit above it is
	// refused with a 400, so a time window holding more records must be split.
	offsetCap = 10000
	// acceptVersion2 pins the API version: without it the API answers in the version
	// the token was created with (the Versioning page), and the schema marks the header
	// required on every operation.
	acceptVersion2 = "application/vnd.pagerduty+json;version=2"
)

// client lists PagerDuty records, its HTTP client paced to stay under the per-token
// rate limit. It is not safe for concurrent use.
type client struct {
	http *ingest.HTTPClient
	base *url.URL
}

func newClient(base *url.URL, token string, o Options) *client {
	h := o.Transport.Client(http.Header{"Authorization": {"Token token=" + token}}, token, Pace)
	// ingest.HTTPClient sets Accept: application/json on every request after its own
	// headers, so the versioning header is set on the way out instead, on a copy of the
	// caller's client. Content-Type too: the schema marks it required on GETs as well.
	hc := *h.Client
	hc.Transport = versioned{next: hc.Transport}
	h.Client = &hc
	return &client{http: h, base: base}
}

// requests is how many HTTP requests the client has sent, retries included.
func (c *client) requests() int { return c.http.Requests }

// versioned sends the headers every request of PagerDuty's REST API carries.
type versioned struct{ next http.RoundTripper }

func (v versioned) RoundTrip(req *http.Request) (*http.Response, error) {
	next := v.next
	if next == nil {
		next = http.DefaultTransport
	}
	req = req.Clone(req.Context())
	req.Header.Set("Accept", acceptVersion2)
	req.Header.Set("Content-Type", "application/json")
	return next.RoundTrip(req)
}

// object fetches one record, such as GET /incidents/{id}, which sits under key.
func (c *client) object(ctx context.Context, path, key string) (json.RawMessage, error) {
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	body, err := c.http.Get(ctx, u.String())
	if err != nil {
		return nil, err
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("GET %s: response is not a JSON object: %w", path, err)
	}
	rec, ok := resp[key]
	if !ok || string(rec) == "null" {
		return nil, fmt.Errorf("GET %s: response has no %q", path, key)
	}
	return rec, nil
}

// page is one page of a list endpoint: the records under the list's key, and the paging
// fields PagerDuty adds to every list response.
type page struct {
	Records []json.RawMessage
	More    bool
	Total   int // -1 unless total=true was asked for
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
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = q.Encode()
	body, err := c.http.Get(ctx, u.String())
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
	// Every list answer says whether another page follows. One that does not cannot be
	// taken as the last page: its window would count as walked, and the cursor would
	// move past the records not fetched for good.
	m, ok := resp["more"]
	if !ok || string(m) == "null" {
		return page{}, fmt.Errorf("GET %s: response has no \"more\": cannot tell whether another page follows", path)
	}
	if err := json.Unmarshal(m, &p.More); err != nil {
		return page{}, fmt.Errorf("GET %s: more: want true or false, got %s", path, m)
	}
	if t, ok := resp["total"]; ok && withTotal && string(t) != "null" {
		if err := json.Unmarshal(t, &p.Total); err != nil {
			return page{}, fmt.Errorf("GET %s: total: want a number, got %s", path, t)
		}
	}
	return p, nil
}
