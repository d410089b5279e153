package alertmanager

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseNotification feeds arbitrary bodies to the webhook parser, which sees whatever
// reaches the receiver's port. Seeds: the real Alertmanager payloads in testdata/ and a
// few of the shapes the handler tests refuse.
func FuzzParseNotification(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seed payloads in testdata/: %v", err)
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"version":"4","status":"firing","receiver":"r","alerts":[{"labels":{"alertname":"A"},"startsAt":"2026-03-29T00:30:00Z"}]}`,
		`{"version":"4","status":"resolved","receiver":"r","alerts":[{"status":"resolved","labels":{"a":"b"},"startsAt":"2026-03-29T00:30:00Z","endsAt":"2026-03-29T00:29:00Z"}]}`,
		`{"version":"4","status":"firing","receiver":"r","commonLabels":{"x":null},"alerts":[]}`,
		`{"version":"4","status":"firing","receiver":"r","alerts":[{"labels":{"a":"b"},"startsAt":"2026-03-29T00:30:00Z","fingerprint":""}]}`,
		`{"version":4}`, `[1,2]`, `{"version":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := parseNotification(body)
		if err != nil {
			// The handler answers 400 with this text: it must say where and what.
			pe, ok := err.(*payloadError)
			if !ok || pe.path == "" || pe.msg == "" {
				t.Fatalf("error %q (%T) does not name a path and a problem", err, err)
			}
			return
		}
		if n.receiver == "" {
			t.Error("parsed a notification without a receiver")
		}
		for i, a := range n.alerts {
			// The incident id is fingerprint@startsAt: both parts must be there, or
			// unrelated alerts would merge into one incident.
			if a.fingerprint == "" || a.startsAt.IsZero() {
				t.Errorf("alerts[%d]: id %q lacks a fingerprint or a start", i, a.incidentID())
			}
			if len(a.labels) == 0 {
				t.Errorf("alerts[%d]: no labels", i)
			}
			switch a.status {
			case statusFiring:
			case statusResolved:
				if a.endsAt.IsZero() || a.endsAt.Before(a.startsAt) {
					t.Errorf("alerts[%d]: resolved, but ends at %v (starts %v)", i, a.endsAt, a.startsAt)
				}
			default:
				t.Errorf("alerts[%d]: status %q", i, a.status)
			}
		}
	})
}
