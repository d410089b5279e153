package sql

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
)

// layers run in this order; within a layer a model runs after the models it reads.
var layers = []struct {
	dir          string
	materialized string
}{
	{"staging", "view"},
	{"models", "table"},
	{"marts", "table"},
}

// Model is one SQL file: a single SELECT whose result becomes a view or table named
// after the file.
type Model struct {
	Name  string
	Layer string
	// Materialized is view, table or temp. A temp model is a step that only later models
	// read: a temporary table of the build's connection, dropped when the build ends (or
	// rolled back with it). Writing a million wide rows to the file costs three times as
	// much as keeping them in memory, and nothing reads these rows after the build.
	Materialized string
	Query        string
	Deps         []string // models this one reads, by name
}

var (
	lineComment = regexp.MustCompile(`--[^\n]*`)
	identifier  = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	materialize = regexp.MustCompile(`(?m)^--\s*materialized:\s*(view|table|temp)\s*$`)
)

// Models returns every embedded model in an order that runs each after its
// dependencies (layer first, then references, then name).
func Models() ([]Model, error) {
	var all []Model
	layerOf := map[string]int{}
	for li, l := range layers {
		names, err := fs.Glob(files, l.dir+"/*.sql")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			body, err := files.ReadFile(name)
			if err != nil {
				return nil, err
			}
			m := Model{
				Name:         strings.TrimSuffix(path.Base(name), ".sql"),
				Layer:        l.dir,
				Materialized: l.materialized,
				Query:        strings.TrimRight(strings.TrimSpace(string(body)), ";"),
			}
			if mm := materialize.FindStringSubmatch(m.Query); mm != nil {
				m.Materialized = mm[1]
			}
			if _, dup := layerOf[m.Name]; dup {
				return nil, fmt.Errorf("model %s is defined twice", m.Name)
			}
			layerOf[m.Name] = li
			all = append(all, m)
		}
	}
	temp := map[string]bool{}
	for _, m := range all {
		temp[m.Name] = m.Materialized == "temp"
	}
	for i := range all {
		refs := map[string]bool{}
		for _, tok := range identifier.FindAllString(lineComment.ReplaceAllString(all[i].Query, ""), -1) {
			tok = strings.ToLower(tok)
			if _, ok := layerOf[tok]; ok && tok != all[i].Name {
				refs[tok] = true
			}
		}
		for r := range refs {
			if all[i].Materialized == "view" && temp[r] {
				return nil, fmt.Errorf("view %s reads %s, a temp model that is gone after the build", all[i].Name, r)
			}
			if layerOf[r] > layerOf[all[i].Name] {
				return nil, fmt.Errorf("model %s (%s) reads %s from a later layer", all[i].Name, all[i].Layer, r)
			}
			all[i].Deps = append(all[i].Deps, r)
		}
		sort.Strings(all[i].Deps)
	}
	return topoSort(all, layerOf)
}

func topoSort(all []Model, layerOf map[string]int) ([]Model, error) {
	sort.SliceStable(all, func(i, j int) bool {
		if li, lj := layerOf[all[i].Name], layerOf[all[j].Name]; li != lj {
			return li < lj
		}
		return all[i].Name < all[j].Name
	})
	byName := map[string]Model{}
	for _, m := range all {
		byName[m.Name] = m
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var out []Model
	var visit func(name string, chain []string) error
	visit = func(name string, chain []string) error {
		switch state[name] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("models depend on each other in a cycle: %s", strings.Join(append(chain, name), " -> "))
		}
		state[name] = visiting
		for _, d := range byName[name].Deps {
			if err := visit(d, append(chain, name)); err != nil {
				return err
			}
		}
		state[name] = done
		out = append(out, byName[name])
		return nil
	}
	for _, m := range all {
		if err := visit(m.Name, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ModelRun reports one model's build.
type ModelRun struct {
	Model    Model
	Rows     int64 // rows in the result (tables only; -1 for views)
	Duration time.Duration
}

// Run builds every model inside tx, in dependency order. The caller commits; an error
// leaves tx to be rolled back, so the previous results stay readable. With
// keepIntermediate, temp models are written to the file as tables too, to be read
// after the build (tests, and alertlens build --keep-intermediate for debugging).
func Run(ctx context.Context, tx *sql.Tx, keepIntermediate bool) ([]ModelRun, error) {
	models, err := Models()
	if err != nil {
		return nil, err
	}
	macros, err := fs.Glob(files, "macros/*.sql")
	if err != nil {
		return nil, err
	}
	for _, name := range macros {
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return nil, fmt.Errorf("create macro %s: %w", name, err)
		}
	}
	var (
		runs  []ModelRun
		temps []string
	)
	for _, m := range models {
		start := time.Now()
		kind := m.Materialized
		if kind == "temp" {
			// A stored table of this name, from an older build or from
			// --keep-intermediate, would go stale: nothing writes it any more.
			if _, err := tx.ExecContext(ctx, "drop table if exists main."+m.Name); err != nil {
				return runs, fmt.Errorf("drop the stored %s: %w", m.Name, err)
			}
			if keepIntermediate {
				kind = "table"
			} else {
				kind = "temp table"
				temps = append(temps, m.Name)
			}
		}
		stmt := fmt.Sprintf("create or replace %s %s as\n%s", kind, m.Name, m.Query)
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return runs, fmt.Errorf("build model %s (%s/%s.sql): %w", m.Name, m.Layer, m.Name, err)
		}
		run := ModelRun{Model: m, Rows: -1}
		if m.Materialized != "view" {
			if err := tx.QueryRowContext(ctx, "select count(*) from "+m.Name).Scan(&run.Rows); err != nil {
				return runs, fmt.Errorf("count rows of %s: %w", m.Name, err)
			}
		}
		run.Duration = time.Since(start)
		runs = append(runs, run)
	}
	// The connection goes back to the pool after the build: free what it holds.
	for _, name := range temps {
		if _, err := tx.ExecContext(ctx, "drop table temp."+name); err != nil {
			return runs, fmt.Errorf("drop temp model %s: %w", name, err)
		}
	}
	return runs, createQueries(ctx, tx)
}
