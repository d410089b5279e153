// Package sql holds alertlens's SQL, embedded into the binary: the schema migrations
// under schema/, the macros the models share under macros/, the models under staging/,
// models/ and marts/ (one model per file; the file name is the table name), and the
// period queries under queries/ (one table macro per file, named after the file).
// Import it as sqlmodels: its name clashes with database/sql.
package sql

import "embed"

//go:embed schema/*.sql macros/*.sql staging/*.sql models/*.sql marts/*.sql queries/*.sql
var files embed.FS
