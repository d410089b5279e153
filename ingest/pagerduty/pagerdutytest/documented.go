package pagerdutytest

import (
	"encoding/json"
	"sort"
	"testing"
	"time"
)

// Documented is a small account written to PagerDuty's REST API description (see
// testdata/SOURCES.md for the schema definitions each record follows), holding the
// variants the API documents and a collector must take as they come: a merged incident
// (resolve_reason merge_resolve_reason), an incident without a service, a user without a
// time zone, notify entries with a failed delivery, without a notification object and
// without a user, and the log entry types that change nothing alertlens counts (snooze,
// unacknowledge, assign, delegate, reach_trigger_limit). Every call returns a fresh copy
// that a test may change.
func Documented(tb testing.TB) *Data {
	tb.Helper()
	b, err := samples.ReadFile("testdata/documented_account.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatalf("documented_account.json: %v", err)
	}
	d := &Data{}
	lists := map[string]*[][]byte{"users": &d.Users, "teams": &d.Teams, "escalation_policies": &d.Policies, "services": &d.Services}
	for key, dst := range lists {
		for _, rec := range doc[key] {
			*dst = append(*dst, MustJSON(rec))
		}
	}
	timed := func(key string) []Record {
		var out []Record
		for _, rec := range doc[key] {
			at, err := time.Parse(time.RFC3339, rec["created_at"].(string))
			if err != nil {
				tb.Fatalf("documented_account.json: %s %v: %v", key, rec["id"], err)
			}
			out = append(out, Record{At: at, Body: MustJSON(rec)})
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
		return out
	}
	d.Incidents, d.LogEntries = timed("incidents"), timed("log_entries")
	return d
}

// Record decodes one record of the account, for a test to change and put back with
// MustJSON.
func (r Record) Decode(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}
