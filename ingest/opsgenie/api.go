package opsgenie

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Opsgenie's paging limits (docs.opsgenie.com, "Pagination" and "List Alerts").
const (
	pageLimit = 100   // the most items one page may hold
	offsetCap = 20000 // offset+limit may not exceed this when listing alerts
)

// page is the envelope of every Opsgenie list response. Items stay raw: they are stored
// as received, and decoded only for the fields the mapping reads.
type page struct {
	Data   []json.RawMessage `json:"data"`
	Paging struct {
		Next string `json:"next"`
	} `json:"paging"`
}

// alert holds the fields of an Opsgenie alert (GET /v2/alerts/{id}) that the mapping reads.
type alert struct {
	ID         string    `json:"id"`
	Alias      string    `json:"alias"`
	Message    string    `json:"message"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	Priority   string    `json:"priority"`
	Tags       []string  `json:"tags"`
	Responders []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"responders"`
	Integration struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"integration"`
	Report struct {
		AckTime        int64  `json:"ackTime"`   // ms after creation
		CloseTime      int64  `json:"closeTime"` // ms after creation
		AcknowledgedBy string `json:"acknowledgedBy"`
		ClosedBy       string `json:"closedBy"`
	} `json:"report"`
	Details map[string]string `json:"details"`
}

// alertLog is one entry of an alert's activity log (GET /v2/alerts/{id}/logs).
type alertLog struct {
	Log       string    `json:"log"`
	Type      string    `json:"type"`
	Owner     string    `json:"owner"`
	CreatedAt time.Time `json:"createdAt"`
	Offset    string    `json:"offset"` // the paging cursor, unique per entry
}

// recipient is one entry of GET /v2/alerts/{id}/recipients (the OAS's AlertRecipient):
// a user Opsgenie brought into the alert, the state that user reached and, with it, the
// method. The OAS enumerates neither: Opsgenie's documentation shows "notactive" with no
// method, "action" with the action taken ("Acknowledge"), and a contact method (the
// OAS's contact methods: email, sms, voice, mobile) for a user who was notified.
type recipient struct {
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"` // the user's e-mail address
	} `json:"user"`
	State     string    `json:"state"`
	Method    string    `json:"method"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"` // when the user reached State
}

type user struct {
	ID       string `json:"id"`
	Username string `json:"username"` // the user's e-mail address
	FullName string `json:"fullName"`
	TimeZone string `json:"timeZone"`
}

type team struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (c *Collector) getPage(ctx context.Context, path string, q url.Values) (page, error) {
	var p page
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	body, err := c.http.Get(ctx, u)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("GET %s: response is not an Opsgenie list: %w", path, err)
	}
	return p, nil
}

// listAlerts lists the alerts created in [from, to), oldest first, from offset.
func (c *Collector) listAlerts(ctx context.Context, from, to time.Time, offset int) (page, error) {
	q := url.Values{
		"query":  {fmt.Sprintf("createdAt >= %d AND createdAt < %d", from.UnixMilli(), to.UnixMilli())},
		"sort":   {"createdAt"},
		"order":  {"asc"},
		"limit":  {strconv.Itoa(pageLimit)},
		"offset": {strconv.Itoa(offset)},
	}
	return c.getPage(ctx, "/v2/alerts", q)
}

// getAlert fetches one alert in full: the list omits its details, where runbook links live.
func (c *Collector) getAlert(ctx context.Context, id string) (json.RawMessage, error) {
	path := "/v2/alerts/" + url.PathEscape(id)
	body, err := c.http.Get(ctx, c.base+path+"?identifierType=id")
	if err != nil {
		return nil, err
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Data) == 0 {
		return nil, fmt.Errorf("GET %s: response holds no alert (%v)", path, err)
	}
	return env.Data, nil
}

// alertRecipients lists who an alert was sent to. The endpoint does not page: the
// response's data holds every recipient.
func (c *Collector) alertRecipients(ctx context.Context, id string) ([]json.RawMessage, error) {
	p, err := c.getPage(ctx, "/v2/alerts/"+url.PathEscape(id)+"/recipients", url.Values{"identifierType": {"id"}})
	return p.Data, err
}

// alertLogs calls fn with each page of an alert's log, oldest first. Log pages are
// chained by the offset token that paging.next carries.
func (c *Collector) alertLogs(ctx context.Context, id string, fn func([]json.RawMessage) error) error {
	path := "/v2/alerts/" + url.PathEscape(id) + "/logs"
	q := url.Values{"identifierType": {"id"}, "order": {"asc"}, "direction": {"next"}, "limit": {strconv.Itoa(pageLimit)}}
	for {
		p, err := c.getPage(ctx, path, q)
		if err != nil {
			return err
		}
		if err := fn(p.Data); err != nil {
			return err
		}
		next, err := offsetOf(p.Paging.Next)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		if len(p.Data) == 0 || next == "" || next == q.Get("offset") {
			return nil
		}
		q.Set("offset", next)
	}
}

// offsetOf returns the offset parameter of a paging.next link, or "" when there is none.
func offsetOf(next string) (string, error) {
	if next == "" {
		return "", nil
	}
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("paging.next is not a URL: %q", next)
	}
	return u.Query().Get("offset"), nil
}

// eachUser calls fn with each page of users.
func (c *Collector) eachUser(ctx context.Context, fn func([]json.RawMessage) error) error {
	for offset := 0; ; {
		p, err := c.getPage(ctx, "/v2/users", url.Values{"limit": {strconv.Itoa(pageLimit)}, "offset": {strconv.Itoa(offset)}})
		if err != nil {
			return err
		}
		if err := fn(p.Data); err != nil {
			return err
		}
		if len(p.Data) < pageLimit || p.Paging.Next == "" {
			return nil
		}
		offset += len(p.Data)
	}
}

// teams lists every team; the Team API does not page.
func (c *Collector) teams(ctx context.Context) ([]json.RawMessage, error) {
	p, err := c.getPage(ctx, "/v2/teams", url.Values{})
	return p.Data, err
}
