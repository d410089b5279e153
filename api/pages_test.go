package api_test

import (
	"strings"
	"testing"

	"github.com/alertlens/alertlens/api"
)

// Every dashboard of a built database without history says how to load some, instead of a
// 500 (/path scanned a NULL month) or a JSON 404 (/).
func TestEmptyDatabasePagesSayHowToLoadHistory(t *testing.T) {
	f := newServer(t, "", "", api.Options{})
	for _, path := range []string{"/", "/path", "/team", "/responders", "/review", "/pages"} {
		code, body, h := f.do(t, "GET", path, "", "", "")
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want a 200 HTML page", path, code, h.Get("Content-Type"))
		}
		for _, want := range []string{"No incident history yet", "<code>alertlens demo</code>", "<code>alertlens import history.jsonl</code>", `<a href="/path"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
}

// A page's error is an HTML page in the shell with its status and the API's message; the
// API keeps answering JSON.
func TestPageErrorsAreHTMLPages(t *testing.T) {
	f := newServer(t, smallHistory, "", api.Options{})
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/?from=2026-05&to=2026-01", 400, "from: 2026-05 is after to 2026-01"},
		{"/team/Nope", 400, `team: no team named &#34;Nope&#34; in the history`},
		{"/team?team=Gamma", 400, `team: no team named &#34;Gamma&#34; in the history`},
		{"/rule/no-such-rule", 404, "Not found"},
		{"/person/file/nobody", 404, `no responder &#34;nobody&#34; in source &#34;file&#34;`},
		{"/rule/x?page=0", 400, "page: want a page number from 1 to 200"},
		{"/review?week=2026-W60", 400, "week: want an ISO week as YYYY-Www"},
		{"/no/such/page", 404, "no page at /no/such/page"},
	} {
		code, body, h := f.do(t, "GET", c.path, "", "", "")
		if code != c.code || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d HTML saying %q; got %.300s", c.path, code, h.Get("Content-Type"), c.code, c.want, body)
		}
		if !strings.Contains(body, `<a href="/responders">Responders</a>`) {
			t.Errorf("%s: the error page has no navigation", c.path)
		}
	}
	if code, body, _ := f.do(t, "GET", "/api/v1/nope", "", "", ""); code != 404 || !strings.Contains(body, `"no such path"`) {
		t.Errorf("/api/v1/nope: %d %s, want the JSON 404", code, body)
	}
	// The team filter every page's form offers works on /responders too.
	if code, body, _ := f.do(t, "GET", "/responders?team=Alpha", "", "", ""); code != 200 || !strings.Contains(body, "Responders paged for team Alpha") {
		t.Errorf("/responders?team=Alpha: %d %.200s", code, body)
	}
}
