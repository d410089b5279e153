package analytics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// QueryResult is the answer to an ad-hoc query (`alertlens sql`), with every value in a
// form that survives JSON unchanged: nil, bool, json.Number, string, or a list or map of
// those. Times are rendered here once, so that the command prints the same whether it
// read the file itself or asked the server that holds it.
type QueryResult struct {
	Columns []string `json:"columns"`
	Types   []string `json:"types"` // DuckDB's type names
	Rows    [][]any  `json:"rows"`
}

// MaxQueryRows bounds an ad-hoc query's answer, which is held in memory whole.
const MaxQueryRows = 100000

// ReadOnlyQuery runs one query in a read-only transaction, so that nothing it does can
// change the database, and returns at most MaxQueryRows rows.
//
// Instants are stored in UTC and print as RFC 3339 with Z. Local wall-clock columns
// (named *local*, and reporting_at) hold a time with no zone of its own: they print
// without an offset, as ISO 8601 local time, so they are never mistaken for UTC.
func ReadOnlyQuery(ctx context.Context, db *sql.DB, query string) (QueryResult, error) {
	var res QueryResult
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "begin transaction read only"); err != nil {
		return res, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "rollback")
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return res, &Error{Code: EINVALID, Param: "query", Message: strings.TrimSpace(err.Error())}
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return res, err
	}
	res.Rows = [][]any{}
	for _, t := range types {
		res.Columns = append(res.Columns, t.Name())
		res.Types = append(res.Types, t.DatabaseTypeName())
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if len(res.Rows) == MaxQueryRows {
			return res, &Error{Code: EINVALID, Param: "query", Message: fmt.Sprintf("the answer has more than %d rows: add a limit or an aggregate", MaxQueryRows)}
		}
		if err := rows.Scan(ptrs...); err != nil {
			return res, err
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = queryValue(v, res.Types[i], localColumn(res.Columns[i]))
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return res, &Error{Code: EINVALID, Param: "query", Message: strings.TrimSpace(err.Error())}
	}
	return res, nil
}

func localColumn(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "local") || n == "reporting_at"
}

// queryValue turns a scanned value into its JSON-stable form.
func queryValue(v any, typ string, local bool) any {
	switch x := v.(type) {
	case nil, bool, string:
		return x
	case []byte:
		return string(x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return json.Number(fmt.Sprint(x))
	case *big.Int:
		return json.Number(x.String())
	case float32:
		return floatValue(float64(x))
	case float64:
		return floatValue(x)
	case duckdb.Decimal:
		return json.Number(decimalString(x))
	case duckdb.UUID:
		return x.String()
	case time.Time:
		switch {
		case typ == "DATE":
			return x.Format("2006-01-02")
		case typ == "TIME":
			return x.Format("15:04:05")
		case local && typ != "TIMESTAMPTZ":
			return x.Format("2006-01-02T15:04:05")
		}
		return x.UTC().Format(time.RFC3339Nano)
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d µs", x.Months, x.Days, x.Micros)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = queryValue(e, "", local)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = queryValue(e, "", local)
		}
		return out
	}
	return fmt.Sprint(v)
}

func floatValue(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64) // JSON has no NaN
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

func decimalString(d duckdb.Decimal) string {
	s := new(big.Rat).SetFrac(d.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)).FloatString(int(d.Scale))
	return s
}
