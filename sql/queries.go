package sql

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// Query is one period query: a table macro in queries/, named after its file.
type Query struct {
	Name string
	Body string
}

var macroName = regexp.MustCompile(`(?mi)^create or replace macro ([a-z_][a-z0-9_]*)\(`)

// Queries returns the embedded period queries, checking that each file defines exactly
// the one macro it is named after.
func Queries() ([]Query, error) {
	names, err := fs.Glob(files, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Query
	for _, name := range names {
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		q := Query{Name: strings.TrimSuffix(path.Base(name), ".sql"), Body: string(body)}
		defined := macroName.FindAllStringSubmatch(lineComment.ReplaceAllString(q.Body, ""), -1)
		if len(defined) != 1 || defined[0][1] != q.Name {
			return nil, fmt.Errorf("%s: want one 'create or replace macro %s(...)', found %v", name, q.Name, defined)
		}
		out = append(out, q)
	}
	return callsFirst(out)
}

// callsFirst orders queries so that each comes after the queries it calls: DuckDB binds
// a table macro's body, and the macros it calls, when the macro is created.
func callsFirst(qs []Query) ([]Query, error) {
	calls := map[string][]string{}
	for _, q := range qs {
		body := lineComment.ReplaceAllString(q.Body, "")
		for _, other := range qs {
			if other.Name != q.Name && regexp.MustCompile(`\b`+other.Name+`\s*\(`).MatchString(body) {
				calls[q.Name] = append(calls[q.Name], other.Name)
			}
		}
	}
	done := map[string]bool{}
	var out []Query
	for len(out) < len(qs) {
		progress := false
		for _, q := range qs {
			if done[q.Name] {
				continue
			}
			ready := true
			for _, c := range calls[q.Name] {
				ready = ready && done[c]
			}
			if ready {
				done[q.Name], progress = true, true
				out = append(out, q)
			}
		}
		if !progress {
			return nil, fmt.Errorf("period queries call each other in a cycle: %v", calls)
		}
	}
	return out, nil
}

// createQueries defines the period queries in the build's transaction, after the models
// they read, so that a build's marts and the queries over them always come together.
func createQueries(ctx context.Context, tx Querier) error {
	qs, err := Queries()
	if err != nil {
		return err
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q.Body); err != nil {
			return fmt.Errorf("create query macro %s (queries/%s.sql): %w", q.Name, q.Name, err)
		}
	}
	return nil
}
