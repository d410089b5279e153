package models

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/alertlens/alertlens/config"
)

// Title templates are written in chunks and kept between builds: a rebuild templates
// only the titles it has not seen, a changed rewrite templates them all again, and no
// title is stored twice (incident_rules joins on it).
func TestTitleTemplatesAreKeptAndChunked(t *testing.T) {
	prev := templateChunk
	templateChunk = 3
	t.Cleanup(func() { templateChunk = prev })
	db := memoryDB(t)
	ctx := context.Background()
	if _, err := db.Exec(`create table incidents (title varchar, rule varchar)`); err != nil {
		t.Fatal(err)
	}
	addTitles := func(from, to int) {
		for i := from; i < to; i++ {
			if _, err := db.Exec(`insert into incidents values (?, '')`, fmt.Sprintf("[PROD] Disk %d%% full on db-%d", 50+i, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	write := func(cfg *config.Config, commit bool) {
		t.Helper()
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeTitleTemplates(ctx, conn, tx, cfg, ""); err != nil {
			tx.Rollback() // else closing the connection waits for the transaction
			t.Fatal(err)
		}
		if !commit {
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	build := func(cfg *config.Config) { t.Helper(); write(cfg, true) }
	check := func(cfg *config.Config, wantRows int, wantTemplate string) {
		t.Helper()
		var rows, titles, templates int
		var template, fp string
		if err := db.QueryRow(`select count(*), count(distinct title), count(distinct template), any_value(template), any_value(templater)
			from title_templates`).Scan(&rows, &titles, &templates, &template, &fp); err != nil {
			t.Fatal(err)
		}
		if rows != wantRows || titles != wantRows || templates != 1 || template != wantTemplate || fp != NewTemplater(cfg).Fingerprint() {
			t.Errorf("title_templates: %d rows, %d titles, %d templates (%q, templater %s); want %d, %d, 1 (%q, %s)",
				rows, titles, templates, template, fp, wantRows, wantRows, wantTemplate, NewTemplater(cfg).Fingerprint())
		}
	}
	// a database built before templates were kept has the table without templater
	if _, err := db.Exec(`create table title_templates (title varchar, template varchar);
		insert into title_templates values ('[PROD] Disk 50% full on db-0', 'stale')`); err != nil {
		t.Fatal(err)
	}
	plain := &config.Config{}
	addTitles(0, 10)
	build(plain) // four chunks
	check(plain, 10, "[prod] disk <n>% full on <host>")
	addTitles(10, 12)
	write(plain, false) // a build that fails after templating: the rows appended go with it
	check(plain, 10, "[prod] disk <n>% full on <host>")
	build(plain)
	check(plain, 12, "[prod] disk <n>% full on <host>")
	rewritten, err := config.Parse([]byte("rules:\n  rewrites:\n    - {pattern: '^\\[PROD\\] ', replace: ''}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	build(rewritten)
	check(rewritten, 12, "disk <n>% full on <host>")
}

// runbook_pattern_match gives what the first pattern by text that matches a value
// matches, with the patterns as SQL string constants (a quote in one included).
func TestRunbookPatternMatch(t *testing.T) {
	db := memoryDB(t)
	ctx := context.Background()
	for _, c := range []struct {
		yaml  string
		value string
		want  sql.NullString
	}{
		{"runbook_patterns: []", "https://r.example/x", sql.NullString{}},
		{`runbook_patterns: ['https://r\.example/\S+', 'https://r\.example/[a-z]']`, "see https://r.example/xy now", sql.NullString{String: "https://r.example/x", Valid: true}},
		{`runbook_patterns: ['https://r\.example/\S+']`, "see https://r.example/xy now", sql.NullString{String: "https://r.example/xy", Valid: true}},
		{`runbook_patterns: ["https://o'brien\\.example/\\S+"]`, "https://o'brien.example/run", sql.NullString{String: "https://o'brien.example/run", Valid: true}},
		{`runbook_patterns: ['https://r\.example/\S+']`, "no link here", sql.NullString{}},
	} {
		cfg, err := config.Parse([]byte(c.yaml), "test.yaml")
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeRunbookPatterns(ctx, cfgWriter{Querier: tx}, cfg, 0, 0); err != nil {
			t.Fatal(err)
		}
		var got sql.NullString
		if err := tx.QueryRow(`select runbook_pattern_match(?)`, c.value).Scan(&got); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		if got != c.want {
			t.Errorf("%s: runbook_pattern_match(%q) = %v, want %v", c.yaml, c.value, got, c.want)
		}
	}
}

// memoryDB is an in-memory DuckDB on one connection (its temp tables and macros live on
// it), closed when the test ends.
func memoryDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	return db
}
