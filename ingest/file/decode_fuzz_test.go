package file

import (
	"bufio"
	"os"
	"reflect"
	"testing"
)

// FuzzDecodersAgree checks the fast decoder against encoding/json on arbitrary lines,
// into every record type: a line the fast one takes, encoding/json takes too, with the
// same values. (A line the fast one refuses goes to encoding/json anyway.)
func FuzzDecodersAgree(f *testing.F) {
	seeds, err := os.Open("../../analytics/testdata/golden.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(seeds)
	for sc.Scan() {
		f.Add(sc.Bytes())
	}
	seeds.Close()
	for _, s := range []string{
		`{"type":"incident","ID":"x","Service":"s","created_at":"2026-01-01T00:00:00Z"}`,
		`{"type":"incident","id":"x","escalations":1e2}`,
		`{"type":"incident","id":"x","escalations":99999999999999999999}`,
		`{"type":"incident","id":"x","labels":{"a":"b"}} trailing`,
		`{"type":"incident","id":"x","id":"y"}`,
		`{"type":"responder","id":"\u00e9\ud800"}`,
		`{"type":"review","incident":"i","tag":"no_action","note":null}`,
	} {
		f.Add([]byte(s))
	}
	kinds := []func() any{
		func() any { return new(responderRecord) }, func() any { return new(serviceRecord) },
		func() any { return new(IncidentRecord) }, func() any { return new(notificationRecord) },
		func() any { return new(reviewRecord) },
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, kind := range kinds {
			fast, slow := kind(), kind()
			if fastJSON.Unmarshal(line, fast) != nil {
				continue
			}
			if err := slowDecode(line, slow); err != nil {
				t.Fatalf("sonic took %q into %T, encoding/json refused it: %v", line, fast, err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%q into %T: sonic %+v, encoding/json %+v", line, fast, fast, slow)
			}
		}
	})
}
