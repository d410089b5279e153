package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/alertlens/alertlens/analytics/report"
)

// BenchmarkPages loads each dashboard and the API call behind it from a real server on the
// demo history (a year, ~14,500 incidents). The goal is under 300 ms a page.
func BenchmarkPages(b *testing.B) {
	srv, svc := demoServer(b)
	top, err := svc.Rules(context.Background(), report.Filter{Limit: 1})
	if err != nil || len(top) == 0 {
		b.Fatal(err)
	}
	rule := url.PathEscape(top[0].RuleID)
	for _, p := range []struct{ name, path string }{
		{"goal", "/"}, {"goal-api", "/api/v1/goal"},
		{"path", "/path"}, {"path-api", "/api/v1/path"},
		{"team", "/team/Data"}, {"team-api", "/api/v1/rules?team=Data&limit=15"},
		{"responders", "/responders"}, {"responders-api", "/api/v1/responders"},
		{"rule", "/rule/" + rule}, {"rule-api", "/api/v1/rules/" + rule},
	} {
		b.Run(p.name, func(b *testing.B) {
			for b.Loop() {
				res, err := http.Get(srv.URL + p.path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("%s: %d", p.path, res.StatusCode)
				}
			}
		})
	}
}
