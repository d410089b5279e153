// Package sql holds alertlens's SQL: the schema migrations under schema/ and the models
// under staging/, models/ and marts/ (one model per file, the file name is the table
// name), embedded into the binary. Import it as sqlmodels: its name clashes with
// database/sql.
package sql

import "embed"

//go:embed schema/*.sql staging/*.sql models/*.sql marts/*.sql
var files embed.FS
