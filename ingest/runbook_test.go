package ingest

import "testing"

func TestRunbookInJSON(t *testing.T) {
	cases := []struct{ payload, want string }{
		// a runbook-named field wins over a text that mentions one, at any depth
		{`{"details":{"note":"see the runbook at https://wiki.example.com/a","links":{"runbook_url":"https://runbooks.example.com/db"}}}`, "https://runbooks.example.com/db"},
		{`{"description":"Runbook: https://wiki.example.com/disk-full."}`, "https://wiki.example.com/disk-full"},
		{`{"text":"two links https://a.example.com/x and https://b.example.com/y"}`, ""},
		{`{"text":"runbook: https://a.example.com/x or https://b.example.com/runbooks/y"}`, "https://b.example.com/runbooks/y"},
		{`{"runbook":"https://runbooks.example.com/{{ $labels.instance }}"}`, ""},
		{`{"title":"CPU high"}`, ""},
		{`not json`, ""},
	}
	for _, c := range cases {
		if got := RunbookInJSON([]byte(c.payload)); got != c.want {
			t.Errorf("RunbookInJSON(%s) = %q, want %q", c.payload, got, c.want)
		}
	}
}
