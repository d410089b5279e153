package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVWriter writes exports by METRICS.md's rules: a plain header row, RFC 4180 quoting,
// RFC 3339 timestamps, and text cells that a spreadsheet would run as a formula
// neutralised with a leading quote. Numbers are written as numbers: a negative number is
// data, not a formula.
type CSVWriter struct {
	w *csv.Writer
}

// NewCSVWriter writes CSV to w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 line breaks
	return &CSVWriter{w: cw}
}

// Header writes the header row.
func (c *CSVWriter) Header(names ...string) error {
	return c.w.Write(names)
}

// Row writes one row of values.
func (c *CSVWriter) Row(vals ...any) error {
	cells := make([]string, len(vals))
	for i, v := range vals {
		cells[i] = CSVCell(v)
	}
	return c.w.Write(cells)
}

// Flush writes out buffered rows and reports any error.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// CSVCell formats one value for a CSV export.
func CSVCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return neutralise(x)
	case []byte:
		return neutralise(string(x))
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	case *time.Time:
		if x == nil {
			return ""
		}
		return CSVCell(*x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case *float64:
		if x == nil {
			return ""
		}
		return CSVCell(*x)
	case interface{ String() string }:
		return neutralise(x.String())
	default:
		return neutralise(fmt.Sprint(x))
	}
}

// neutralise stops a spreadsheet from running a text cell as a formula.
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
