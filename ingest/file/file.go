// Package file reads alertlens's import format: JSON Lines with one typed record a line
// (docs/import-format.md), or a CSV file of incidents. It is the collector for any
// paging tool without one of its own.
//
// The records are read and checked by DuckDB (sql/import): this package spools the
// file, so that DuckDB reads it on every core with the file's line numbers, hands each
// record type's query to the writer, and turns what the queries find wrong into
// errors that name the file, the line and the field.
package file

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/alertlens/alertlens/ingest"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// LineError is a record that could not be read: where it is and what was wrong.
type LineError struct {
	File  string
	Line  int
	Field string // "" when the line as a whole is wrong
	Msg   string
	typ   string // the record type whose check found it; "" for the Go reader's
}

func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: field %q: %s", e.File, e.Line, e.Field, e.Msg)
}

// Options change how a file is imported.
type Options struct {
	// SkipInvalid stores the good records and reports each bad one, instead of
	// refusing the whole file at its first bad record.
	SkipInvalid bool
	// SpoolDir is where the file is copied for DuckDB to read, in a folder of its own
	// removed after ("": the system's temporary folder).
	SpoolDir string
	// Progress is told as each step after reading the file starts ("checking and
	// storing incidents, chunk 2 of 5"); nil for none.
	Progress func(step string)
	// MemoryLimit is, for an import that nothing else shares the database with (the
	// command, with no server), DuckDB's memory limit as the database was opened with it
	// (such as 512MB): the import may then change the limit, which is the database's and
	// not the connection's, to keep its own memory from growing with the file
	// (memoryBound), and sets it back to this. "" leaves the limit alone.
	MemoryLimit string
}

func (o Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

// Result tells what one file held.
type Result struct {
	Records int            // records stored
	Invalid []*LineError   // records skipped (SkipInvalid only)
	ByType  map[string]int // records stored, per type
	Counts  ingest.Counts  // what the store made of them
}

// ImportJSONL reads JSON Lines from r (named name in errors) and commits them through w as
// one transaction: on the first bad line nothing of the file is stored, unless
// opts.SkipInvalid is set.
func ImportJSONL(ctx context.Context, w *ingest.Writer, name string, r io.Reader, opts Options) (Result, error) {
	size, err := chunkSizeFor(ctx, w)
	if err != nil {
		return Result{ByType: map[string]int{}}, err
	}
	s, err := spoolJSONL(ctx, name, r, opts.SpoolDir, size)
	if err != nil {
		return Result{ByType: map[string]int{}}, err
	}
	defer s.remove()
	return importSpool(ctx, w, name, s, opts, "nothing from %s was imported; --skip-invalid stores the good lines")
}

// refused marks the error a record type's query raises at its first bad record, so
// that a clean file (the usual case) is checked and stored in one pass.
const refused = "alertlens: import refused a record"

// importSpool stores a spooled file through w, in one transaction.
func importSpool(ctx context.Context, w *ingest.Writer, name string, s *spool, opts Options, nothing string) (Result, error) {
	res, err := storeSpool(ctx, w, name, s, opts, nothing)
	if err != nil && strings.Contains(err.Error(), "Out of Memory Error") {
		err = outOfMemory(ctx, w, name, err)
	}
	return res, err
}

// storeSpool is importSpool but for what an import that ran out of memory says: every
// error it returns leaves nothing of the file stored.
func storeSpool(ctx context.Context, w *ingest.Writer, name string, s *spool, opts Options, nothing string) (Result, error) {
	// The spool's read buffers are garbage now: give their memory back before DuckDB
	// reads the spool, rather than carry it through the import's peak (80 MB less at a
	// million incidents).
	debug.FreeOSMemory()
	res := Result{ByType: map[string]int{}}
	if err := prepare(ctx, w); err != nil {
		return res, err
	}
	queries := map[string]string{}
	for _, rt := range recordTypes {
		if s.files[rt.name] == nil {
			continue
		}
		q, err := sqlmodels.ImportSQL(rt.table)
		if err != nil {
			return res, err
		}
		queries[rt.name] = q
	}
	refuse := func(le *LineError) (Result, error) {
		return res, fmt.Errorf("%w ("+nothing+")", le, name)
	}
	if opts.SkipInvalid {
		opts.progress("looking for bad lines")
		bad, err := lineErrors(ctx, w, name, s, queries, false)
		if err != nil {
			return res, err
		}
		res.Invalid = bad
	} else if len(s.bad) > 0 {
		// the first bad line of the file: the Go reader's first, or an earlier one SQL finds
		bad, err := lineErrors(ctx, w, name, s, queries, true)
		if err != nil {
			return res, err
		}
		return refuse(bad[0])
	}
	var bound *memoryBound
	if opts.MemoryLimit != "" {
		var err error
		if bound, err = boundMemory(ctx, w, opts.MemoryLimit); err != nil {
			return res, err
		}
		defer bound.restore(ctx)
	}
	if err := w.Begin(ctx); err != nil {
		return res, err
	}
	for _, rt := range recordTypes {
		q, ok := queries[rt.name]
		if !ok {
			continue
		}
		keep := "err_msg is null"
		if !opts.SkipInvalid {
			keep = fmt.Sprintf("(err_msg is null or error('%s'))", refused)
		}
		stmt := fmt.Sprintf("select * exclude (err_field, err_msg) from (%s) where %s", q, keep)
		if err := stageChunks(ctx, w, rt.table, stmt, s.files[rt.name].chunks, opts, bound); err != nil {
			w.Discard(ctx)
			if !strings.Contains(err.Error(), refused) {
				return res, err
			}
			opts.progress("finding the bad line")
			bad, lerr := lineErrors(ctx, w, name, s, queries, true)
			if lerr != nil {
				return res, lerr
			}
			if len(bad) == 0 {
				return res, fmt.Errorf("import %s: a record was refused, but no line says why: %w", name, err)
			}
			return refuse(bad[0])
		}
	}
	// A file's records are stored in full in their tables (the format maps one to one
	// onto them), so the raw layer keeps where they came from: the file itself.
	if err := w.Raw(ingest.Raw{Kind: "file", ID: s.sha256, Payload: s.pointer(name)}); err != nil {
		w.Discard(ctx)
		return res, err
	}
	invalid := map[string]int{}
	for _, le := range res.Invalid {
		invalid[le.typ]++
	}
	for _, rt := range recordTypes {
		if sf := s.files[rt.name]; sf != nil {
			if n := sf.lines - invalid[rt.name]; n > 0 {
				res.ByType[rt.name] = n
				res.Records += n
			}
		}
	}
	if err := bound.lower(ctx); err != nil {
		w.Discard(ctx)
		return res, err
	}
	opts.progress("committing")
	counts, err := w.Commit(ctx)
	res.Counts = counts
	if err != nil {
		w.Discard(ctx)
		return res, err
	}
	bound.checkpoint(ctx)
	return res, nil
}

// outOfMemory is the error of an import that ran DuckDB out of its memory limit: a
// chunk is bounded by a third of the limit in bytes, but DuckDB does not count all of
// what wide lines hold (a million incidents with 1 KB of labels each ran out at 256MB
// and imported at 512MB, docs/operations.md, "Memory"). The user's way out is a larger
// limit, so the error names the limit and the variable that sets it.
func outOfMemory(ctx context.Context, w *ingest.Writer, name string, err error) error {
	limit, lerr := memoryLimit(ctx, w)
	if lerr != nil || limit == "" {
		limit = "its limit"
	}
	return fmt.Errorf("import %s: DuckDB ran out of memory (%s) and nothing of the file was stored: "+
		"set ALERTLENS_MEMORY_LIMIT higher (such as 1GB; for an import sent to a server, the server's) and import again: %w", name, limit, err)
}

// stageChunks stages a record type's chunks in the file's order, each by one statement.
func stageChunks(ctx context.Context, w *ingest.Writer, table, stmt string, chunks []string, opts Options, bound *memoryBound) error {
	for i, c := range chunks {
		if len(chunks) > 1 {
			opts.progress("checking and storing %s, chunk %d of %d", table, i+1, len(chunks))
		} else {
			opts.progress("checking and storing %s", table)
		}
		if err := w.StageSelect(ctx, table, stmt, "line", c); err != nil {
			return err
		}
		if err := bound.dropCache(ctx); err != nil {
			return err
		}
	}
	return nil
}

// memoryBound keeps an import's memory from growing with its file, where it holds the
// database alone (Options.MemoryLimit). DuckDB keeps every block it has read or written in
// its buffer pool until its memory limit is reached: at ten million incidents the
// import's memory grew chunk by chunk from 330 to 655 MiB with a 512MB limit, the
// blocks of chunks written out long before. Lowering the limit for a moment has DuckDB
// drop them (those on disk; the rest it spills), so each chunk starts from the same
// memory; and the end, which reads every key of the file (dropRepeatedKeys), commits and
// checkpoints, runs under half the limit. The limit is the database's, so this is only for an import
// that nothing else shares the database with.
type memoryBound struct {
	w     *ingest.Writer
	limit string  // DuckDB's limit, set back after each step
	bytes float64 // the same, in bytes
}

// dropTo is the limit set for a moment to drop DuckDB's cached blocks, and endShare
// the share of its limit the end of an import runs under.
const (
	dropTo   = "64MB"
	endShare = 0.5
)

// boundMemory reads the limit, which DuckDB shows rounded (488.2 MiB for 512MB): the
// limit as given is what is set back.
func boundMemory(ctx context.Context, w *ingest.Writer, limit string) (*memoryBound, error) {
	shown, err := memoryLimit(ctx, w)
	if err != nil {
		return nil, err
	}
	b, ok := parseSize(shown)
	if !ok {
		return nil, fmt.Errorf("import: DuckDB's memory limit %q is not a size", shown)
	}
	return &memoryBound{w: w, limit: limit, bytes: b}, nil
}

func (m *memoryBound) set(ctx context.Context, limit string) error {
	if err := m.w.Exec(ctx, "set memory_limit = '"+limit+"'"); err != nil {
		return fmt.Errorf("import: set DuckDB's memory limit to %s: %w", limit, err)
	}
	return nil
}

// dropCache has DuckDB drop the blocks it holds of what it has written: nil does nothing.
func (m *memoryBound) dropCache(ctx context.Context) error {
	if m == nil {
		return nil
	}
	// Best effort: DuckDB refuses a limit below what it cannot let go of, and then
	// keeps the limit it had.
	_ = m.w.Exec(ctx, "set memory_limit = '"+dropTo+"'")
	return m.set(ctx, m.limit)
}

// lower sets the end's limit (the last chunk dropped the cache): nil does nothing.
func (m *memoryBound) lower(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.set(ctx, fmt.Sprintf("%d bytes", int64(m.bytes*endShare)))
}

// checkpoint writes the committed import into the file under the end's limit, which
// the checkpoint at the database's close would do under the whole one: a
// ten-million-incident import whose limit was set back before the close peaked at 572
// MiB, one whose limit stayed low through it at 372 MiB.
// Best effort: the import is committed, and the close checkpoints what this did not.
// nil does nothing.
func (m *memoryBound) checkpoint(ctx context.Context) {
	if m != nil {
		_ = m.w.Exec(ctx, "checkpoint")
	}
}

// restore sets DuckDB's limit back: nil does nothing.
func (m *memoryBound) restore(ctx context.Context) {
	if m != nil {
		m.set(ctx, m.limit)
	}
}

// prepare creates the import's macros on the writer's connection.
func prepare(ctx context.Context, w *ingest.Writer) error {
	macros, err := sqlmodels.ImportSQL("macros")
	if err != nil {
		return err
	}
	if err := w.Exec(ctx, macros); err != nil {
		return fmt.Errorf("import: create macros: %w", err)
	}
	return nil
}

// lineErrors runs each record type's query for its bad records and returns them with
// the Go reader's, in the file's order: all of them, or only the first.
func lineErrors(ctx context.Context, w *ingest.Writer, name string, s *spool, queries map[string]string, first bool) ([]*LineError, error) {
	out := slices.Clone(s.bad)
	limit := ""
	if first {
		limit = " limit 1"
	}
	for _, rt := range recordTypes {
		q, ok := queries[rt.name]
		if !ok {
			continue
		}
		rows, err := w.Query(ctx, fmt.Sprintf("select line, err_field, err_msg from (%s) where err_msg is not null order by line%s", q, limit),
			s.files[rt.name].pattern)
		if err != nil {
			return nil, fmt.Errorf("import %s: look for bad records: %w", name, err)
		}
		for rows.Next() {
			le := &LineError{File: name, typ: rt.name}
			if err := rows.Scan(&le.Line, &le.Field, &le.Msg); err != nil {
				rows.Close()
				return nil, fmt.Errorf("import %s: read bad records: %w", name, err)
			}
			out = append(out, le)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("import %s: read bad records: %w", name, err)
		}
	}
	slices.SortFunc(out, func(a, b *LineError) int { return a.Line - b.Line })
	if first && len(out) > 1 {
		out = out[:1]
	}
	return out, nil
}

// pointer is the raw record of a file: its name, size, lines and digest.
func (s *spool) pointer(name string) []byte {
	b, _ := json.Marshal(struct {
		Name   string `json:"name"`
		Bytes  int64  `json:"bytes"`
		Lines  int    `json:"lines"`
		SHA256 string `json:"sha256"`
	}{name, s.bytes, s.lines, s.sha256})
	return b
}
