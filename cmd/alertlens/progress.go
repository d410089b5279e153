package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress tells, on stderr, where a long import or build is. It stays quiet for the
// first few seconds, which most runs finish within; then on a terminal it redraws one
// line in place every second, and elsewhere (a log, CI) prints a line every ten
// seconds. A build of ten million incidents takes minutes: without it the command
// sat silent that long.
type progress struct {
	w     io.Writer
	what  string // "build", "import h.jsonl"
	tty   bool
	quiet time.Duration // nothing is shown before this much time has passed
	every time.Duration // between two lines (or redraws)
	now   func() time.Time

	mu     sync.Mutex
	start  time.Time
	step   string
	detail func() string // more on the step, read at each line: bytes read so far
	steps  int           // counted steps begun (models, for a build)
	total  int           // counted steps in all; 0 when unknown
	drawn  bool          // a line is on the terminal, to be cleared
	stop   chan struct{}
	ended  chan struct{}
}

// startProgress shows the progress of what on w until finish is called; total counts
// the steps that set counts (0: no count is shown).
func startProgress(w io.Writer, what string, total int) *progress {
	p := newProgress(w, what, isTerminal(w), time.Now)
	p.total = total
	first := p.every // a terminal redraws each second from the start: tick waits out the quiet time
	if !p.tty {
		first = p.quiet
	}
	go p.run(first, p.every)
	return p
}

func newProgress(w io.Writer, what string, tty bool, now func() time.Time) *progress {
	p := &progress{w: w, what: what, tty: tty, quiet: 3 * time.Second, every: 10 * time.Second, now: now,
		start: now(), stop: make(chan struct{}), ended: make(chan struct{})}
	if tty {
		p.every = time.Second
	}
	return p
}

// isTerminal tells whether w is a terminal, where a line can be redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// set names the step that runs now; counted steps advance the "n of total" count.
func (p *progress) set(step string, counted bool, detail func() string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.step, p.detail = step, detail
	if counted {
		p.steps++
	}
	if p.tty && p.drawn {
		p.showLocked() // a terminal sees each step as it starts
	}
}

// run shows the line after first, then every every, until finish.
func (p *progress) run(first, every time.Duration) {
	defer close(p.ended)
	tick := time.NewTimer(first)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			p.tick()
			tick.Reset(every)
		}
	}
}

// tick shows the line if the quiet time is over.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.now().Sub(p.start) >= p.quiet {
		p.showLocked()
	}
}

func (p *progress) showLocked() {
	line := p.lineLocked()
	if p.tty {
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.drawn = true
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// lineLocked is the progress line: "build: 1m04s, incident_facts (18 of 38 models)".
func (p *progress) lineLocked() string {
	line := fmt.Sprintf("%s: %s", p.what, p.now().Sub(p.start).Round(time.Second))
	if p.step != "" {
		line += ", " + p.step
	}
	var more []string
	if p.detail != nil {
		if d := p.detail(); d != "" {
			more = append(more, d)
		}
	}
	if p.total > 0 {
		more = append(more, fmt.Sprintf("%d of %d models", p.steps, p.total))
	}
	if len(more) > 0 {
		line += " (" + strings.Join(more, ", ") + ")"
	}
	return line
}

// finish stops the line; on a terminal it is cleared, so the command's own output
// follows on a clean line.
func (p *progress) finish() {
	close(p.stop)
	<-p.ended
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// bytesRead counts what a reader has given, for the import's "1.2 of 4.1 GB read".
type bytesRead struct {
	r     io.Reader
	n     atomic.Int64 // read by the progress line while the import reads
	total int64        // the file's size; 0 when unknown (stdin)
}

func (b *bytesRead) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *bytesRead) String() string {
	n := b.n.Load()
	if b.total > 0 {
		return fmt.Sprintf("%s of %s read", size(n), size(b.total))
	}
	return size(n) + " read"
}

// size prints a byte count the way people read one: 412 MB, 4.1 GB.
func size(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}
