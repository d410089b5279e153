package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) add(d time.Duration)     { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)} }
func runStopped(p *progress) (finish func()) { go p.run(time.Hour, time.Hour); return p.finish }

func TestProgressLines(t *testing.T) {
	clock := newFakeClock()
	var out bytes.Buffer
	p := newProgress(&out, "build", false, clock.now)
	p.total = 39
	finish := runStopped(p) // its timer never fires: the test ticks by hand

	p.set("stg_incidents", true, nil)
	clock.add(2 * time.Second)
	p.tick()
	if out.Len() != 0 {
		t.Fatalf("a line within the quiet time: %q", out.String())
	}
	p.set("title_templates", false, nil)
	p.set("incident_facts", true, nil)
	clock.add(62 * time.Second)
	p.tick()
	finish()
	if got, want := out.String(), "build: 1m4s, incident_facts (2 of 39 models)\n"; got != want {
		t.Fatalf("log line %q, want %q", got, want)
	}
}

func TestProgressOnATerminal(t *testing.T) {
	clock := newFakeClock()
	var out bytes.Buffer
	p := newProgress(&out, "import h.jsonl", true, clock.now)
	finish := runStopped(p)

	read := &bytesRead{r: strings.NewReader(strings.Repeat("x", 2_500_000)), total: 4_100_000_000}
	if _, err := read.Read(make([]byte, 1_200_000)); err != nil {
		t.Fatal(err)
	}
	p.set("reading", false, read.String)
	clock.add(4 * time.Second)
	p.tick()
	// once a line is drawn, each new step redraws it at once
	p.set("checking and storing incidents, chunk 2 of 5", false, nil)
	finish()
	want := "\r\x1b[Kimport h.jsonl: 4s, reading (1 MB of 4.1 GB read)" +
		"\r\x1b[Kimport h.jsonl: 4s, checking and storing incidents, chunk 2 of 5" +
		"\r\x1b[K" // cleared for what the command prints next
	if got := out.String(); got != want {
		t.Fatalf("terminal output %q, want %q", got, want)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{12: "12 bytes", 41_000: "41 kB", 411_327_966: "411 MB", 4_100_000_000: "4.1 GB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}

// A model is counted once, though a full build outside its transaction runs staging
// twice; state and config steps are not models.
func TestModelStepsCountEachModelOnce(t *testing.T) {
	p := newProgress(&bytes.Buffer{}, "build", false, newFakeClock().now)
	tell := modelSteps(p)
	for _, s := range [][2]string{{"staging", "stg_incidents"}, {"staging", "stg_notifications"},
		{"state", "fingerprint the config, dimensions and SQL"}, {"staging", "stg_incidents"},
		{"staging", "stg_notifications"}, {"config", "title_templates"}, {"models", "incident_owners"}, {"marts", "alert_rules"}} {
		tell(s[0], s[1])
	}
	if p.steps != 4 || p.step != "alert_rules" {
		t.Errorf("%d models begun, at %q; want 4, at alert_rules", p.steps, p.step)
	}
}
