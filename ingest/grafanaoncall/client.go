package grafanaoncall

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/alertlens/alertlens/ingest"
)

// Not grafana/amixr-api-go-client: it decodes every record into its own structs, while
// alertlens keeps each record's JSON exactly as received, and it leaves paging to the
// caller anyway. What OnCall needs on top of the shared ingest.HTTPClient (429 waits,
// 5xx retries, the token kept out of errors) is its page/next paging, in this file.

// client lists OnCall records. It is not safe for concurrent use.
type client struct {
	http *ingest.HTTPClient
	base *url.URL // the OnCall API URL, its path ending before /api/v1
}

func newClient(base *url.URL, o Options) *client {
	h := http.Header{"Authorization": {o.Token}}
	if o.GrafanaURL != "" {
		// Service account tokens name the stack they belong to in this header; OnCall's
		// own API keys do not need it, and it does no harm beside them.
		h.Set("X-Grafana-URL", o.GrafanaURL)
	}
	return &client{http: o.Transport.Client(h, o.Token, Pace), base: base}
}

func (c *client) requests() int { return c.http.Requests }

// endpoint is the URL of a public API path such as "alert_groups/", with query q.
func (c *client) endpoint(path string, q url.Values) *url.URL {
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v1/" + path
	u.RawQuery = q.Encode()
	return &u
}

// page is one page of a list endpoint.
type page struct {
	Results []json.RawMessage
	Next    *url.URL // nil on the last page
	Count   int
}

// list fetches the page at u. OnCall builds its next link from the engine's own base URL,
// which behind a proxy, or in a self-hosted install whose BASE_URL names another host,
// is not where this client reaches the API; so the next page is asked for at u's own
// address with the link's query (its page number), and the token never goes to a host
// the user did not name.
func (c *client) list(ctx context.Context, u *url.URL) (page, error) {
	body, err := c.http.Get(ctx, u.String())
	if err != nil {
		return page{}, err
	}
	var resp struct {
		Count   int               `json:"count"`
		Next    *string           `json:"next"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return page{}, fmt.Errorf("GET %s: want OnCall's {count, next, results} page: %w", u.Path, err)
	}
	if resp.Results == nil {
		return page{}, fmt.Errorf("GET %s: the answer has no results list", u.Path)
	}
	p := page{Results: resp.Results, Count: resp.Count}
	if resp.Next != nil && *resp.Next != "" {
		next, err := url.Parse(*resp.Next)
		if err != nil {
			return page{}, fmt.Errorf("GET %s: next: not a URL: %q", u.Path, *resp.Next)
		}
		n := *u
		n.RawQuery = next.RawQuery
		if n.String() == u.String() {
			return page{}, fmt.Errorf("GET %s: next points at the same page", u.Path)
		}
		p.Next = &n
	}
	return p, nil
}

// get fetches one record, such as alert_groups/<id>/.
func (c *client) get(ctx context.Context, path string) (json.RawMessage, error) {
	body, err := c.http.Get(ctx, c.endpoint(path, nil).String())
	if err != nil {
		return nil, err
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("GET %s: the answer is not JSON", path)
	}
	return body, nil
}
