package ingest

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// The collectors of sources whose payloads are free-form (PagerDuty alert bodies, Grafana
// OnCall alert payloads) find runbook links the same way, here (METRICS.md, "Runbook
// coverage").

var urlPattern = regexp.MustCompile(`https?://[^\s"'<>\]\)]+`)

// RunbookInJSON finds a runbook link in a JSON payload: a URL under a field whose name
// says runbook (at any depth), else a URL in a text that mentions a runbook. Fields are
// visited in name order, so that the answer is stable. "" when there is none.
func RunbookInJSON(payload json.RawMessage) string {
	var v any
	if json.Unmarshal(payload, &v) != nil {
		return ""
	}
	if u := walkRunbook(v, false, true); u != "" {
		return u
	}
	return walkRunbook(v, false, false)
}

// RunbookLink is the link in s: its first URL that says runbook, else its first URL. A
// link still holding a template ("{{ $labels.instance }}") is no link: it leads nowhere
// until a templater fills it in.
func RunbookLink(s string) string {
	if strings.Contains(s, "{{") {
		return ""
	}
	urls := urlPattern.FindAllString(s, -1)
	for _, u := range urls {
		if strings.Contains(strings.ToLower(u), "runbook") {
			return strings.TrimRight(u, ".,;")
		}
	}
	if len(urls) > 0 {
		return strings.TrimRight(urls[0], ".,;")
	}
	return ""
}

// walkRunbook looks for a URL under a runbook-named field (byName) or in a string that
// mentions runbook (!byName); named tells that an enclosing field's name says runbook.
func walkRunbook(v any, named, byName bool) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if u := walkRunbook(x[k], named || strings.Contains(strings.ToLower(k), "runbook"), byName); u != "" {
				return u
			}
		}
	case []any:
		for _, e := range x {
			if u := walkRunbook(e, named, byName); u != "" {
				return u
			}
		}
	case string:
		if (byName && named) || (!byName && strings.Contains(strings.ToLower(x), "runbook")) {
			return RunbookLink(x)
		}
	}
	return ""
}
