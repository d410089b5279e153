package file

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alertlens/alertlens/ingest"
)

// recordTypes are the import format's record types, each with the table its records
// fill and the query under sql/import that reads and checks them.
var recordTypes = []struct{ name, table string }{
	{"responder", "responders"},
	{"service", "services"},
	{"incident", "incidents"},
	{"notification", "notifications"},
	{"review", "reviews"},
	{"oncall_shift", "oncall_shifts"},
}

// unroutable is where a line goes whose type cannot be told without reading it as
// JSON and finding no known type there: it is wrong as a whole (not an object, no
// type, an unknown one), and the incidents' query reports it as the others would.
const unroutable = "incident"

// spool is a file in the import format, copied for DuckDB: per record type, files
// holding each of its lines as the line's number, a NUL byte and the line. DuckDB's
// CSV reader then reads each type's lines on every core (a line number could otherwise
// only be counted in order, on one core), and each type's checks read only its own
// lines.
type spool struct {
	dir    string
	cut    chunker               // the chunks, in the file's order (one goroutine's)
	files  map[string]*spoolFile // by record type, for each type with lines
	lines  int                   // lines read, blank ones too
	bytes  int64
	sha256 string
	bad    []*LineError // lines refused before they reach SQL
}

// spoolFile is one record type's lines, written by each worker to files of its own,
// one per chunk of the file: pattern reads them all, chunks[i] the i-th chunk's.
type spoolFile struct {
	pattern string
	chunks  []string
	lines   int
}

// A chunk is the lines of a file that one statement per type checks and stores, so
// that an import's memory is bounded by a chunk's and not the file's: at ten million
// incidents, one statement per type ran out of DuckDB's 2 GB. The chunks follow the
// file's order, so the last record of a key still wins. A chunk holds at most
// bytesPerLine of DuckDB's memory limit a line (2.9 million lines at 1.5 GB, so a
// million incidents of 2.4 million lines are one chunk; a million at 512 MB) and at
// most a limitPerByte-th of the limit in bytes: a million incidents with 1 KB of labels
// each (1.3 GB of lines) ran out of memory at 1.5 GB as one chunk, and imported in
// chunks of 500 MB (1.5 GB) and of 170 MB (512 MB).
const (
	bytesPerLine = 512
	limitPerByte = 3
)

// chunkSize is the lines and bytes a chunk holds at most.
type chunkSize struct {
	lines int
	bytes int64
}

// fixedChunk, when set, is the size of a chunk whatever the limit (for tests); a zero
// field of it is no bound.
var fixedChunk *chunkSize

// chunkSizeFor is the size of a chunk under the memory limit of w's DuckDB.
func chunkSizeFor(ctx context.Context, w *ingest.Writer) (chunkSize, error) {
	if fixedChunk != nil {
		c := *fixedChunk
		if c.lines == 0 {
			c.lines = math.MaxInt
		}
		if c.bytes == 0 {
			c.bytes = math.MaxInt64
		}
		return c, nil
	}
	limit, err := memoryLimit(ctx, w)
	if err != nil {
		return chunkSize{}, err
	}
	b, ok := parseSize(limit)
	if !ok {
		return chunkSize{}, fmt.Errorf("import: DuckDB's memory limit %q is not a size", limit)
	}
	return chunkSize{lines: max(1<<16, int(b/bytesPerLine)), bytes: max(16<<20, int64(b/limitPerByte))}, nil
}

// memoryLimit is DuckDB's memory limit on w's connection, as DuckDB shows it ("488.2 MiB").
func memoryLimit(ctx context.Context, w *ingest.Writer) (string, error) {
	rows, err := w.Query(ctx, "select current_setting('memory_limit')")
	if err != nil {
		return "", fmt.Errorf("import: read the memory limit: %w", err)
	}
	defer rows.Close()
	var limit string
	if rows.Next() {
		if err := rows.Scan(&limit); err != nil {
			return "", fmt.Errorf("import: read the memory limit: %w", err)
		}
	}
	return limit, rows.Err()
}

// parseSize reads a size as DuckDB shows one ("1.8 GiB", "244.1 MiB", "512 bytes").
func parseSize(v string) (float64, bool) {
	num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	for i, u := range []string{"bytes", "KiB", "MiB", "GiB", "TiB"} {
		if unit == u {
			return n * math.Pow(1024, float64(i)), true
		}
	}
	return 0, false
}

// chunker assigns the lines of a file, in its order, to chunks of at most size's
// lines and bytes; a chunk holds one line at least.
type chunker struct {
	size  chunkSize
	chunk int // the chunk being filled
	lines int // in it
	bytes int64
	full  bool // the next line starts the next chunk
}

// line is the chunk of the next line, of n bytes.
func (c *chunker) line(n int) int {
	if c.lines > 0 && (c.full || c.lines >= c.size.lines || c.bytes+int64(n) > c.size.bytes) {
		c.chunk, c.lines, c.bytes, c.full = c.chunk+1, 0, 0, false
	}
	c.lines++
	c.bytes += int64(n)
	return c.chunk
}

// take is the chunk of a start of data, whole lines that come next in the file, and
// how long that start is: all of data, or up to where its chunk is full (the rest
// starts the next chunk, in the next block). The first line is always taken.
func (c *chunker) take(data []byte) (chunk, n int) {
	lines := bytes.Count(data, []byte("\n"))
	if !c.full && c.lines+lines <= c.size.lines && c.bytes+int64(len(data)) <= c.size.bytes {
		c.lines += lines
		c.bytes += int64(len(data))
		return c.chunk, len(data)
	}
	chunk = -1
	for n < len(data) {
		end := len(data)
		if i := bytes.IndexByte(data[n:], '\n'); i >= 0 {
			end = n + i + 1
		}
		k := c.line(end - n)
		if chunk < 0 {
			chunk = k
		} else if k != chunk {
			// this line starts the next chunk: give it back, for the next block
			c.chunk, c.lines, c.bytes, c.full = chunk, 1, 0, true
			return chunk, n
		}
		n = end
	}
	return chunk, len(data)
}

// maxLine bounds one line; an incident with large labels stays far below it.
const maxLine = 16 << 20

var tooLong = fmt.Sprintf("line longer than %d MiB", maxLine>>20)

// blockSize is how much of a file one worker takes at a time.
const blockSize = 4 << 20

// block is whole lines of the file, all in one chunk; first is the number of its first
// line.
type block struct {
	first int
	chunk int
	data  []byte
	long  bool // one line over maxLine, left out
}

// spoolJSONL reads JSON Lines from r into a new spool. Blank lines are dropped; a
// line that is not UTF-8, holds a NUL byte or a carriage return before its end, or is
// longer than maxLine, is refused here (in bad), since DuckDB's reader would stop at
// it without naming the line. Everything else about a line is for SQL to check.
//
// One goroutine reads the file in blocks of whole lines, counting lines and hashing;
// a worker per core splits, checks and routes the lines of each block.
func spoolJSONL(ctx context.Context, name string, r io.Reader, dir string, size chunkSize) (*spool, error) {
	s, err := newSpool(dir, size)
	if err != nil {
		return nil, err
	}
	blocks := make(chan block, 4)
	free := make(chan []byte, 8)
	workers := make([]*spoolWorker, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range workers {
		workers[i] = &spoolWorker{s: s, id: i, name: name}
		wg.Go(func() {
			for b := range blocks {
				if workers[i].err == nil {
					workers[i].block(b)
				}
				if cap(b.data) > 0 {
					select {
					case free <- b.data[:0]: // for the reader to fill again
					default:
					}
				}
			}
		})
	}
	d := newDigest()
	readErr := readBlocks(ctx, io.TeeReader(r, d), blocks, free, &s.lines, &s.cut)
	close(blocks)
	wg.Wait()
	if err := s.collect(workers); readErr == nil {
		readErr = err
	}
	if readErr != nil {
		s.remove()
		if errors.Is(readErr, context.Canceled) || errors.Is(readErr, context.DeadlineExceeded) {
			return nil, readErr
		}
		return nil, fmt.Errorf("read %s: %w", name, readErr)
	}
	d.sum(s)
	return s, nil
}

// collect closes the workers' files and gathers what they found: the lines per type,
// and the refused lines in the file's order.
func (s *spool) collect(workers []*spoolWorker) error {
	var first error
	for _, w := range workers {
		err := w.close()
		if w.err != nil {
			err = w.err
		}
		if first == nil {
			first = err
		}
		s.bad = append(s.bad, w.bad...)
		for typ, n := range w.lines {
			sf := s.files[typ]
			if sf == nil {
				sf = &spoolFile{pattern: filepath.Join(s.dir, typ+"-*.txt")}
				s.files[typ] = sf
			}
			sf.lines += n
			for c := range w.seen[typ] {
				if p := filepath.Join(s.dir, fmt.Sprintf("%s-%06d-*.txt", typ, c)); !slices.Contains(sf.chunks, p) {
					sf.chunks = append(sf.chunks, p)
				}
			}
		}
	}
	for _, sf := range s.files {
		slices.Sort(sf.chunks) // the file's order: the chunk number is zero-padded
	}
	slices.SortFunc(s.bad, func(a, b *LineError) int { return a.Line - b.Line })
	return first
}

// readBlocks reads r into blocks of whole lines, each in one chunk of cut, and counts
// the lines in *lines.
func readBlocks(ctx context.Context, r io.Reader, out chan<- block, free chan []byte, lines *int, cut *chunker) error {
	var carry []byte // the start of a line the last block cut, or lines of the next chunk
	for {
		var buf []byte
		select {
		case buf = <-free:
		default:
			buf = make([]byte, 0, blockSize+64<<10)
		}
		buf = append(buf[:0], carry...)
		for {
			n, err := io.ReadFull(r, buf[len(buf):cap(buf)][:min(blockSize, cap(buf)-len(buf))])
			buf = buf[:len(buf)+n]
			eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
			if err != nil && !eof {
				return err
			}
			if eof && len(buf) == 0 {
				return nil
			}
			end := bytes.LastIndexByte(buf, '\n') + 1
			if eof {
				end = len(buf)
			}
			switch {
			case end > 0:
				var chunk int
				chunk, end = cut.take(buf[:end])
				carry = append(carry[:0], buf[end:]...)
				b := block{first: *lines + 1, chunk: chunk, data: buf[:end]}
				*lines += bytes.Count(b.data, []byte("\n"))
				last := eof && len(carry) == 0
				if last && len(b.data) > 0 && b.data[len(b.data)-1] != '\n' {
					*lines++
				}
				select {
				case out <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
				if last {
					return nil
				}
			case len(buf) > maxLine:
				// one line over the limit: leave it out, and read on from its end
				*lines++
				select {
				case out <- block{first: *lines, long: true}:
				case <-ctx.Done():
					return ctx.Err()
				}
				rest, err := skipLine(r, buf[:cap(buf)])
				if err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
				carry = append(carry[:0], rest...)
			default:
				// no newline yet: a long line, read on into a larger buffer
				if cap(buf)-len(buf) < blockSize {
					buf = slices.Grow(buf, blockSize)
				}
				continue
			}
			break
		}
	}
}

// skipLine reads r up to and including the next newline, through scratch, and
// returns what it read after that newline.
func skipLine(r io.Reader, scratch []byte) ([]byte, error) {
	for {
		n, err := r.Read(scratch)
		if i := bytes.IndexByte(scratch[:n], '\n'); i >= 0 {
			return scratch[i+1 : n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func newSpool(parent string, size chunkSize) (*spool, error) {
	dir, err := os.MkdirTemp(parent, "alertlens-import-")
	if err != nil {
		return nil, fmt.Errorf("import: a folder for the spooled file: %w", err)
	}
	return &spool{dir: dir, cut: chunker{size: size}, files: map[string]*spoolFile{}}, nil
}

// spoolWorker checks and routes lines into spool files of its own.
type spoolWorker struct {
	s     *spool
	id    int
	name  string
	files map[string]*workerFile // by record type, for the chunk being written
	chunk int                    // the chunk being written
	lines map[string]int
	seen  map[string]map[int]bool // the chunks written, per type
	bad   []*LineError
	err   error
}

type workerFile struct {
	f *os.File
	w *bufio.Writer
}

func (w *spoolWorker) block(b block) {
	if b.long {
		w.bad = append(w.bad, &LineError{File: w.name, Line: b.first, Msg: tooLong})
		return
	}
	n := b.first
	for data := b.data; len(data) > 0 && w.err == nil; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		w.add(n, b.chunk, line)
	}
}

// add spools line n, of chunk c.
func (w *spoolWorker) add(n, c int, line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	refuse := func(msg string) {
		w.bad = append(w.bad, &LineError{File: w.name, Line: n, Msg: msg})
	}
	switch {
	case len(line) > maxLine:
		refuse(tooLong)
	case !utf8.Valid(line):
		refuse("not valid UTF-8")
	case bytes.IndexByte(line, 0) >= 0:
		refuse("a NUL byte in the line (not JSON)")
	case bytes.IndexByte(line, '\r') >= 0:
		refuse(`a carriage return inside the line (a line ends with \n or \r\n)`)
	default:
		w.write(routeOf(line), n, c, line)
	}
}

// write appends line n to the worker's spool file of a record type, in the file of
// its chunk c. A worker's lines come in the file's order, so a line of a later chunk
// means the chunk before is done.
func (w *spoolWorker) write(typ string, n, c int, line []byte) {
	if c != w.chunk || w.files == nil {
		if err := w.close(); err != nil {
			w.err = err
			return
		}
		w.files, w.chunk = map[string]*workerFile{}, c
	}
	wf := w.files[typ]
	if wf == nil {
		f, err := os.Create(filepath.Join(w.s.dir, fmt.Sprintf("%s-%06d-%d.txt", typ, w.chunk, w.id)))
		if err != nil {
			w.err = fmt.Errorf("import: spool %s lines: %w", typ, err)
			return
		}
		wf = &workerFile{f: f, w: bufio.NewWriterSize(f, 1<<20)}
		w.files[typ] = wf
		if w.lines == nil {
			w.lines, w.seen = map[string]int{}, map[string]map[int]bool{}
		}
		if w.seen[typ] == nil {
			w.seen[typ] = map[int]bool{}
		}
		w.seen[typ][w.chunk] = true
	}
	w.lines[typ]++
	var num [20]byte
	wf.w.Write(strconv.AppendInt(num[:0], int64(n), 10))
	wf.w.WriteByte(0)
	wf.w.Write(line)
	if err := wf.w.WriteByte('\n'); err != nil {
		w.err = fmt.Errorf("import: spool %s lines: %w", typ, err)
	}
}

// close closes the files of the chunk being written.
func (w *spoolWorker) close() error {
	var first error
	for typ, wf := range w.files {
		err := wf.w.Flush()
		if cerr := wf.f.Close(); err == nil {
			err = cerr
		}
		if err != nil && first == nil {
			first = fmt.Errorf("import: spool %s lines: %w", typ, err)
		}
	}
	return first
}

// remove deletes the spool's files.
func (s *spool) remove() { os.RemoveAll(s.dir) }

// routeOf tells a line's record type, to pick its spool. Most lines say it plainly:
// "type" once, as a key, with a known type for its value. Such a line is routed by
// looking at those bytes alone (a quote inside a JSON string is escaped, so "type"
// with both its quotes is a key; were it a nested object's key, the record itself
// would have no type, and its check says so). Any other line is read as JSON for its
// type; one without a known type goes with the incidents, whose check reports it.
func routeOf(line []byte) string {
	key := []byte(`"type"`)
	if i := bytes.Index(line, key); i >= 0 && bytes.Index(line[i+len(key):], key) < 0 {
		if typ, ok := quotedValue(line[i+len(key):]); ok && knownType(typ) {
			return typ
		}
	}
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(line, &head) == nil && knownType(head.Type) {
		return head.Type
	}
	return unroutable
}

// quotedValue reads `: "value"` (with any spaces) from the start of b, for a value
// without escapes.
func quotedValue(b []byte) (string, bool) {
	i := skipBlanks(b, 0)
	if i >= len(b) || b[i] != ':' {
		return "", false
	}
	i = skipBlanks(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return "", false
	}
	end := bytes.IndexByte(b[i+1:], '"')
	if end < 0 || bytes.IndexByte(b[i+1:i+1+end], '\\') >= 0 {
		return "", false
	}
	return string(b[i+1 : i+1+end]), true
}

func skipBlanks(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

func knownType(typ string) bool {
	for _, t := range recordTypes {
		if t.name == typ {
			return true
		}
	}
	return false
}

// digest counts and hashes what a reader reads, for the file's raw record.
type digest struct {
	h hash.Hash
	n int64
}

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) Write(b []byte) (int, error) {
	d.n += int64(len(b))
	return d.h.Write(b)
}

func (d *digest) sum(s *spool) {
	s.bytes, s.sha256 = d.n, hex.EncodeToString(d.h.Sum(nil))
}
