package file

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alertlens/alertlens/ingest"
)

// csvColumns are the columns the CSV form of incidents may have, named as the JSON fields.
var csvColumns = []string{"id", "service", "title", "urgency", "priority", "created_at", "acknowledged_at",
	"resolved_at", "resolved_by", "rule", "runbook_url", "escalations", "manual_escalations", "labels"}

// ImportCSV reads incidents from a CSV file with a header row (docs/import-format.md)
// and commits them through w as one transaction, like ImportJSONL. Go reads the CSV
// (quotes, the header, the number of columns); each row then becomes an incident line
// of the JSON form, checked by the same SQL.
func ImportCSV(ctx context.Context, w *ingest.Writer, name string, r io.Reader, opts Options) (Result, error) {
	res := Result{ByType: map[string]int{}}
	d := newDigest()
	cr := csv.NewReader(io.TeeReader(r, d))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return res, headerErr(name, "want a header row naming the columns: %v", err)
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(csvColumns, h) {
			return res, headerErr(name, "unknown column %q; the columns are %s", h, strings.Join(csvColumns, ", "))
		}
		index[h] = i
	}
	for _, need := range []string{"id", "service", "created_at"} {
		if _, ok := index[need]; !ok {
			return res, headerErr(name, "the header has no %q column, which is required", need)
		}
	}
	size, err := chunkSizeFor(ctx, w)
	if err != nil {
		return res, err
	}
	s, err := newSpool(opts.SpoolDir, size)
	if err != nil {
		return res, err
	}
	defer s.remove()
	sw := &spoolWorker{s: s, name: name}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return res, fmt.Errorf("read %s: %w", name, err) // the reader failed, not the file
			}
			sw.bad = append(sw.bad, &LineError{File: name, Line: pe.Line, Msg: err.Error()})
			continue
		}
		// Only after a good read: a record that failed to parse may have no fields,
		// and FieldPos panics then.
		line, _ := cr.FieldPos(0)
		s.lines = line
		rec, msg, field := csvRecord(header, index, row)
		if msg != "" {
			sw.bad = append(sw.bad, &LineError{File: name, Line: line, Field: field, Msg: msg})
			continue
		}
		if sw.write("incident", line, s.cut.line(len(rec)+1), rec); sw.err != nil {
			break
		}
	}
	d.sum(s)
	if err := s.collect([]*spoolWorker{sw}); err != nil {
		return res, err
	}
	return importSpool(ctx, w, name, s, opts, "nothing from %s was imported; --skip-invalid stores the good rows")
}

// headerErr is a problem in the header row: a *LineError like any other, so that a
// caller finds the line to fix the same way for every refused file.
func headerErr(name, format string, args ...any) *LineError {
	return &LineError{File: name, Line: 1, Msg: fmt.Sprintf(format, args...)}
}

// csvRecord is a row as an incident line of the JSON form. Only what the CSV itself
// gets wrong is refused here (a row of the wrong width, text that is not UTF-8); a
// cell is passed on as text, or as a number or a JSON object where the column holds
// one and the cell reads as one, for SQL to check like any incident.
func csvRecord(header []string, index map[string]int, row []string) (rec []byte, msg, field string) {
	if len(row) != len(header) {
		return nil, fmt.Sprintf("want %d columns as in the header, got %d", len(header), len(row)), ""
	}
	obj := map[string]any{"type": "incident"}
	for _, col := range csvColumns {
		i, ok := index[col]
		if !ok {
			continue
		}
		v := strings.TrimSpace(row[i])
		if !utf8.ValidString(v) {
			return nil, "not valid UTF-8", col
		}
		switch {
		case v == "" && col != "id" && col != "service" && col != "created_at":
			continue
		case col == "escalations" || col == "manual_escalations":
			if n, err := strconv.Atoi(v); err == nil {
				obj[col] = n
				continue
			}
		case col == "labels":
			if json.Valid([]byte(v)) {
				obj[col] = json.RawMessage(v)
				continue
			}
		}
		obj[col] = v
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err.Error(), ""
	}
	return b, "", ""
}
