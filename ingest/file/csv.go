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
		return res, fmt.Errorf("%s:1: want a header row naming the columns: %v", name, err)
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(csvColumns, h) {
			return res, fmt.Errorf("%s:1: unknown column %q; the columns are %s", name, h, strings.Join(csvColumns, ", "))
		}
		index[h] = i
	}
	for _, need := range []string{"id", "service", "created_at"} {
		if _, ok := index[need]; !ok {
			return res, fmt.Errorf("%s:1: the header has no %q column, which is required", name, need)
		}
	}
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			le := &LineError{File: name, Line: line, Msg: err.Error()}
			if !opts.SkipInvalid {
				w.Discard(ctx)
				return res, fmt.Errorf("%w (nothing from %s was imported)", le, name)
			}
			res.Invalid = append(res.Invalid, le)
			continue
		}
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
	counts, err := w.Commit(ctx)
	res.Counts = counts
	return res, err
}

func stageCSVRow(w *ingest.Writer, header []string, index map[string]int, row []string) error {
	if len(row) != len(header) {
		return lineErr("", "want %d columns as in the header, got %d", len(header), len(row))
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
	if err := raw(w, "incident", rec.ID, payload); err != nil {
		return err
	}
	return w.Incident(inc)
}
