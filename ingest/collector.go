package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Collector is what every paging tool's collector offers the command and the server,
// the one shape all of them take (as Alertmanager's Notifier is for its integrations).
// Sync reads the cursors it stored through db, streams every fetched page into w and
// commits it with its cursor, so that a stopped sync resumes where it stopped. Retrying
// a failed sync is the caller's decision: the scheduler runs it again on its interval.
// The constructors that turn a config.Source into one live in cmd/alertlens, the one
// place that knows every kind.
type Collector interface {
	// Kind is the config's kind of source the collector reads (config.KindPagerDuty...).
	Kind() string
	Sync(ctx context.Context, db *sql.DB, w *Writer) (Report, error)
}

// StreamReport tells what one stream of a sync fetched.
type StreamReport struct {
	Stream   string // as stored in sync_state where it has a cursor: "log_entries"
	Records  int    // records fetched and stored (a record fetched twice counts twice)
	Requests int    // HTTP requests, retries included
	Windows  int    // time windows walked, for streams listed by time
	// SayWindows has the summary say the windows beside the records: for a collector
	// whose one time-listed stream is the history, not for one whose every list is.
	SayWindows bool
	Splits     int // windows split because they held more than the API pages through
	// Unmapped counts records stored raw only because alertlens could not map them (a
	// notify entry without a user...); UnmappedIDs holds the first few, with why.
	Unmapped    int
	UnmappedIDs []string
	// Skipped says why the stream was not read (or not to its end): the account or the
	// key may not read it ("402 Payment Required"); "" when it was read.
	Skipped string
}

// Count is a figure of a sync beyond its streams' records, with the words that say it
// ("incidents merged into another (they count with it)"). Key is what code and tests
// look it up by.
type Count struct {
	Key  string
	N    int
	What string
	// Of names the count this one is part of: the summary says it in brackets after
	// that one ("3 more fetched one by one (1 gone)").
	Of string
}

// Report tells what a sync did, the same for every collector, so that the command and
// the server's scheduled jobs print and record it alike.
type Report struct {
	Streams  []*StreamReport // in the order they were read
	Requests int
	// Stored and New count rows per table over all commits: New are rows the store did
	// not hold before, the rest replaced a stored row with the same key.
	Stored, New map[string]int64
	// Skipped names the streams the account or key may not read, as "teams: 402 Payment
	// Required": the sync went on without them.
	Skipped []string
	// SkippedSee follows the skipped streams in the summary: where to read about the
	// permissions they need.
	SkippedSee string
	// Work is what the fetch did beyond listing the streams (open groups read again),
	// said on the first line even when zero; Notes is what the records said that
	// changes how they count, said only when not zero. Both keep the order declared.
	Work, Notes []Count
}

// NewReport returns an empty report with its maps made and its counts declared, in
// the order its summary says them.
func NewReport(work, notes []Count) Report {
	return Report{Stored: map[string]int64{}, New: map[string]int64{},
		Work: append([]Count(nil), work...), Notes: append([]Count(nil), notes...)}
}

// Stream returns the report of stream, adding it when it has none yet.
func (r *Report) Stream(stream string) *StreamReport {
	for _, s := range r.Streams {
		if s.Stream == stream {
			return s
		}
	}
	s := &StreamReport{Stream: stream}
	r.Streams = append(r.Streams, s)
	return s
}

// Records is how many records stream fetched (0 when it was not read).
func (r Report) Records(stream string) int {
	for _, s := range r.Streams {
		if s.Stream == stream {
			return s.Records
		}
	}
	return 0
}

// Add adds n to the work or note count key; a key not declared becomes a note.
func (r *Report) Add(key string, n int) {
	for _, list := range []*[]Count{&r.Work, &r.Notes} {
		for i := range *list {
			if (*list)[i].Key == key {
				(*list)[i].N += n
				return
			}
		}
	}
	r.Notes = append(r.Notes, Count{Key: key, N: n, What: key})
}

// Count is the work or note count key.
func (r Report) Count(key string) int {
	for _, c := range append(append([]Count(nil), r.Work...), r.Notes...) {
		if c.Key == key {
			return c.N
		}
	}
	return 0
}

// Commit adds one commit's row counts.
func (r *Report) Commit(res Counts) {
	for t, v := range res.Stored {
		r.Stored[t] += v
	}
	for t, v := range res.New {
		r.New[t] += v
	}
}

// Summary words the report as the sync command prints it, a line each: what was
// fetched and at what cost; what was stored per table; what was skipped; what could
// not be mapped; what changes how records count. Lines with nothing to say are left out
// but the first.
func (r Report) Summary(source string, took time.Duration) string {
	var b strings.Builder
	var fetched []string
	for _, s := range r.Streams {
		f := fmt.Sprintf("%d %s", s.Records, words(s.Stream))
		if s.SayWindows {
			f += fmt.Sprintf(" in %d windows", s.Windows)
		}
		fetched = append(fetched, f)
	}
	line := source + ": fetched " + strings.Join(fetched, ", ")
	if work := said(r.Work, true); len(work) > 0 {
		line += "; " + strings.Join(work, ", ")
	}
	fmt.Fprintf(&b, "%s; %d requests, %.1f s\n", line, r.Requests, took.Seconds())
	var tables []string
	for t := range r.Stored {
		if t != "raw_records" {
			tables = append(tables, t)
		}
	}
	sort.Strings(tables)
	for i, t := range tables {
		tables[i] = fmt.Sprintf("%s %d (%d new)", t, r.Stored[t], r.New[t])
	}
	if len(tables) > 0 {
		fmt.Fprintf(&b, "%s: stored %s\n", source, strings.Join(tables, ", "))
	}
	if len(r.Skipped) > 0 {
		see := ""
		if r.SkippedSee != "" {
			see = "; see " + r.SkippedSee
		}
		fmt.Fprintf(&b, "%s: skipped what the account or key may not read: %s%s\n", source, strings.Join(r.Skipped, "; "), see)
	}
	var unmapped []string
	for _, s := range r.Streams {
		if s.Unmapped > 0 {
			unmapped = append(unmapped, fmt.Sprintf("%d %s (%s)", s.Unmapped, words(s.Stream), strings.Join(s.UnmappedIDs, "; ")))
		}
	}
	if len(unmapped) > 0 {
		fmt.Fprintf(&b, "%s: kept raw only, could not be mapped: %s\n", source, strings.Join(unmapped, ", "))
	}
	if notes := said(r.Notes, false); len(notes) > 0 {
		fmt.Fprintf(&b, "%s: %s\n", source, strings.Join(notes, ", "))
	}
	return b.String()
}

func said(counts []Count, zeros bool) []string {
	var out []string
	for _, c := range counts {
		if c.Of != "" || (c.N == 0 && !zeros) {
			continue
		}
		s := fmt.Sprintf("%d %s", c.N, c.What)
		var parts []string
		for _, p := range counts {
			if p.Of == c.Key && (p.N > 0 || zeros) {
				parts = append(parts, fmt.Sprintf("%d %s", p.N, p.What))
			}
		}
		if len(parts) > 0 {
			s += " (" + strings.Join(parts, ", ") + ")"
		}
		out = append(out, s)
	}
	return out
}

func words(stream string) string { return strings.ReplaceAll(stream, "_", " ") }

// OptionError is an option a collector refuses. It names the option as the collector
// knows it ("api URL", "window"), not a command-line flag or a config key: the command
// and the config each say theirs (see cmd/alertlens's registry).
type OptionError struct {
	Kind    string // the collector: "opsgenie"; "" for a setting every kind has
	Option  string // "api URL"
	Problem string // "want an http(s) URL such as https://api.opsgenie.com, got \"x\""
}

func (e *OptionError) Error() string {
	if e.Kind == "" {
		return e.Option + ": " + e.Problem
	}
	return e.Kind + ": " + e.Option + ": " + e.Problem
}
