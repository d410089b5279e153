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
// and commits them through w as one transaction, like ImportJSONL.
func ImportCSV(ctx context.Context, w *ingest.Writer, name string, r io.Reader, opts Options) (Result, error) {
	res := Result{ByType: map[string]int{}}
	cr := csv.NewReader(r)
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
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				w.Discard(ctx)
				return res, fmt.Errorf("read %s: %w", name, err) // the reader failed, not the file
			}
			le := &LineError{File: name, Line: pe.Line, Msg: err.Error()}
			if !opts.SkipInvalid {
				w.Discard(ctx)
				return res, fmt.Errorf("%w (nothing from %s was imported)", le, name)
			}
			res.Invalid = append(res.Invalid, le)
			continue
		}
		// Only after a good read: a record that failed to parse may have no fields,
		// and FieldPos panics then.
		line, _ := cr.FieldPos(0)
		if err := stageCSVRow(w, header, index, row); err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				w.Discard(ctx)
				return res, err
			}
			le.File, le.Line = name, line
			if !opts.SkipInvalid {
				w.Discard(ctx)
				return res, fmt.Errorf("%w (nothing from %s was imported; --skip-invalid stores the good rows)", le, name)
			}
			res.Invalid = append(res.Invalid, le)
			continue
		}
		res.Records++
		res.ByType["incident"]++
	}
	return commit(ctx, w, res)
}

// headerErr is a problem in the header row: a *LineError like any other, so that a
// caller finds the line to fix the same way for every refused file.
func headerErr(name, format string, args ...any) *LineError {
	le := lineErr("", format, args...)
	le.File, le.Line = name, 1
	return le
}

func stageCSVRow(w *ingest.Writer, header []string, index map[string]int, row []string) error {
	if len(row) != len(header) {
		return lineErr("", "want %d columns as in the header, got %d", len(header), len(row))
	}
	// The store refuses text that is not UTF-8, at commit and without naming the row.
	for _, col := range csvColumns {
		if i, ok := index[col]; ok && !utf8.ValidString(row[i]) {
			return lineErr(col, "not valid UTF-8")
		}
	}
	get := func(col string) string {
		if i, ok := index[col]; ok {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	atoi := func(col string) (int, error) {
		v := get(col)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, lineErr(col, "want a whole number, got %q", v)
		}
		return n, nil
	}
	rec := IncidentRecord{
		Type: "incident", ID: get("id"), Service: get("service"), Title: get("title"), Urgency: get("urgency"),
		Priority: get("priority"), CreatedAt: get("created_at"), AcknowledgedAt: get("acknowledged_at"),
		ResolvedAt: get("resolved_at"), ResolvedBy: get("resolved_by"), Rule: get("rule"), RunbookURL: get("runbook_url"),
	}
	var err error
	if rec.Escalations, err = atoi("escalations"); err != nil {
		return err
	}
	if rec.ManualEscalations, err = atoi("manual_escalations"); err != nil {
		return err
	}
	if l := get("labels"); l != "" {
		rec.Labels = json.RawMessage(l)
	}
	inc, err := rec.Incident()
	if err != nil {
		return err
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := w.Raw(ingest.Raw{Kind: "incident", ID: rec.ID, Payload: payload}); err != nil {
		return err
	}
	return w.Incident(inc)
}
