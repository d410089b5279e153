package pagerdutytest

import (
	"embed"
	"encoding/json"
	"path"
	"testing"
)

// The samples are embedded rather than read from shared/formats beside the repository,
// so that the tests of every package using the fake (cmd/alertlens runs in its own
// folder) run in a fresh clone. testdata/SOURCES.md says where each file comes from.
//
//go:embed testdata/*.json
var samples embed.FS

// Sample reads the first record of a sample file, which is a bare JSON list.
func Sample(tb testing.TB, name string) map[string]any {
	tb.Helper()
	return Samples(tb, name)[0]
}

// Samples reads every record of a sample file.
func Samples(tb testing.TB, name string) []map[string]any {
	tb.Helper()
	b, err := samples.ReadFile(path.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(b, &recs); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if len(recs) == 0 {
		tb.Fatalf("%s: no records", name)
	}
	return recs
}
