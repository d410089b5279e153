// Package sql holds alertlens's SQL, embedded into the binary: the schema migrations
// under schema/, the macros the models share under macros/, the models under staging/,
// models/ and marts/ (one model per file; the file name is the table name), and the
// period queries under queries/ (one table macro per file, named after the file), and
// the import format's reader and checks under import/ (the macros, and one query per
// table it fills, named after the table).
// Import it as sqlmodels: its name clashes with database/sql.
package sql

import (
	"embed"
	"fmt"
)

//go:embed schema/*.sql macros/*.sql staging/*.sql models/*.sql marts/*.sql queries/*.sql import/*.sql
var files embed.FS

// ImportSQL is the import format's SQL: the macros (import/macros.sql) and, per table
// the format fills, the query that reads and checks its records (import/TABLE.sql).
func ImportSQL(name string) (string, error) {
	b, err := files.ReadFile("import/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("no import SQL %q: %w", name, err)
	}
	return string(b), nil
}
