package sql

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
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
	// Materialized is view, table, temp or inline. A temp model is a step that only later
	// models read: a temporary table of the build's connection, dropped when the build
	// ends (or rolled back with it). Writing a million wide rows to the file costs three
	// times as much as keeping them in memory, and nothing reads these rows after the
	// build. An inline model is never written at all: each model that reads it computes
	// it as a CTE of its own query (Inlined), so that DuckDB joins its rows on the fly;
	// for a step of one row per incident that one later model reads, that saves writing
	// and reading back a million rows (its SQL stays a file of its own, with its golden
	// rows: --keep-intermediate stores it as it stores a temp model).
	Materialized string
	Query        string
	Deps         []string // models this one reads, by name (an inline model's own, in its place)
	// Inlined names the inline models this one's Query computes as CTEs.
	Inlined []string
	// Incremental marks a model whose rows are one incident's each and depend only on
	// that incident's inputs (and, for flapping, on the other incidents of its alert
	// rule): an incremental build computes it over the incidents it recomputes alone
	// (incremental.go). Header: -- incremental: incident.
	Incremental bool
	// Partition names a mart's columns (month, responder_id, rule_id) whose every
	// combination of values has rows that depend only on the incidents with those
	// values in their rows of incident_facts or interruptions: an incremental build
	// replaces only the rows whose values the changed incidents have, old or new.
	// MonthsAround widens the months by one either side, for a mart whose month's rows
	// also read the next month's or the last one's (rest breaches: the 11 hours after
	// a sleep interruption). Header: -- partition: COLUMN[, COLUMN...][, with a month
	// either side].
	Partition    []string
	MonthsAround bool
	// PartitionReads names the tables (stored models or marts) of which the mart's
	// rows of some values read only the rows with those values: an incremental build
	// shadows them with just those rows while it recomputes the mart, which DuckDB's
	// pushdown of the mart's filter does not always reach (through a join's other
	// side, or a window). ReadsMonthAfter widens the shadows' months by the month
	// after each, for a mart whose month's rows read into the next (rest breaches).
	// Header: -- partition reads: TABLE[, TABLE...][, with the month after].
	PartitionReads  []string
	ReadsMonthAfter bool
	// Context widens an incremental model's rows to depend on other incidents too:
	// those with the same value of Context.Column created up to Context.Within before
	// the incident or at the same instant (incident_signals' flapping: the same
	// rule_id, 24 hours). Header: -- context: COLUMN N hours.
	Context *Context
}

// Context is an incremental model's dependence on other incidents (Model.Context).
type Context struct {
	Column string
	Within string // a DuckDB interval: "24 hours"
}

var (
	lineComment    = regexp.MustCompile(`--[^\n]*`)
	identifier     = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	materialize    = regexp.MustCompile(`(?m)^--\s*materialized:\s*(view|table|temp|inline)\s*$`)
	incremental    = regexp.MustCompile(`(?m)^--\s*incremental:\s*(\S+)\s*$`)
	partition      = regexp.MustCompile(`(?m)^--\s*partition:\s*([a-z_][a-z0-9_]*(?:,\s*[a-z_][a-z0-9_]*)*)(,\s*with a month either side)?\s*$`)
	partitionReads = regexp.MustCompile(`(?m)^--\s*partition reads:\s*([a-z_][a-z0-9_]*(?:,\s*[a-z_][a-z0-9_]*)*)(,\s*with the month after)?\s*$`)
	contextLine    = regexp.MustCompile(`(?m)^--\s*context:\s*([a-z_][a-z0-9_]*)\s+([0-9]+ (?:minutes|hours|days))\s*$`)
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
				if m.Materialized == "inline" && l.dir != "models" {
					return nil, fmt.Errorf("%s: only a model of models/ is inline", name)
				}
			}
			if mm := incremental.FindStringSubmatch(m.Query); mm != nil {
				if mm[1] != "incident" {
					return nil, fmt.Errorf("%s: -- incremental: %s, want incident", name, mm[1])
				}
				m.Incremental = true
			}
			if mm := partition.FindStringSubmatch(m.Query); mm != nil {
				if l.dir != "marts" {
					return nil, fmt.Errorf("%s: only a mart has a partition", name)
				}
				for _, c := range strings.Split(mm[1], ",") {
					m.Partition = append(m.Partition, strings.TrimSpace(c))
				}
				m.MonthsAround = mm[2] != ""
			}
			if mm := partitionReads.FindStringSubmatch(m.Query); mm != nil {
				if len(m.Partition) == 0 {
					return nil, fmt.Errorf("%s: partition reads needs a partition", name)
				}
				for _, t := range strings.Split(mm[1], ",") {
					m.PartitionReads = append(m.PartitionReads, strings.TrimSpace(t))
				}
				m.ReadsMonthAfter = mm[2] != ""
			}
			if mm := contextLine.FindStringSubmatch(m.Query); mm != nil {
				if !m.Incremental {
					return nil, fmt.Errorf("%s: only an incremental model has a context", name)
				}
				if m.Materialized == "inline" {
					// its readers would hold the context, which an incremental build
					// reads from the model that has the line
					return nil, fmt.Errorf("%s: an inline model has no context: make it temp", name)
				}
				m.Context = &Context{Column: mm[1], Within: mm[2]}
			}
			if _, dup := layerOf[m.Name]; dup {
				return nil, fmt.Errorf("model %s is defined twice", m.Name)
			}
			layerOf[m.Name] = li
			all = append(all, m)
		}
	}
	temp := map[string]bool{}
	// holdsAll: the model holds every incident's rows in an incremental build too,
	// while it runs after it. Incident models of the models layer stored as tables are
	// replaced in place for the recomputed incidents; the other incident models (temp
	// steps and the staging views and tables, shadowed by temp tables of the recomputed
	// incidents) hold only those.
	holdsAll := map[string]bool{}
	for _, m := range all {
		temp[m.Name] = m.Materialized == "temp" || m.Materialized == "inline"
		holdsAll[m.Name] = !m.Incremental || (m.Layer == "models" && m.Materialized == "table")
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
			// A temp step may read a partial one: oncall_quarters reads scope_settings'
			// rows of people on call, which it always has in full.
			if !all[i].Incremental && all[i].Materialized != "temp" && !holdsAll[r] {
				return nil, fmt.Errorf("model %s reads %s, which an incremental build computes for the recomputed incidents only: read a stored model, or mark %s -- incremental: incident", all[i].Name, r, all[i].Name)
			}
			if layerOf[r] > layerOf[all[i].Name] {
				return nil, fmt.Errorf("model %s (%s) reads %s from a later layer", all[i].Name, all[i].Layer, r)
			}
			all[i].Deps = append(all[i].Deps, r)
		}
		sort.Strings(all[i].Deps)
	}
	sorted, err := topoSort(all, layerOf)
	if err != nil {
		return nil, err
	}
	return inline(sorted), nil
}

// inline writes each inline model into the queries of the models that read it, as a
// CTE of its name (which DuckDB resolves before any table of that name), and gives
// them its dependencies in its place. Models come in dependency order, so an inline
// model that reads another already holds it.
func inline(models []Model) []Model {
	byName := map[string]int{}
	for i, m := range models {
		byName[m.Name] = i
	}
	for i := range models {
		m := &models[i]
		var ctes []string
		deps := map[string]bool{}
		for _, d := range m.Deps {
			dm := models[byName[d]]
			if dm.Materialized != "inline" {
				deps[d] = true
				continue
			}
			ctes = append(ctes, fmt.Sprintf("%s as (\n%s\n)", d, withoutHeader(dm.Query)))
			m.Inlined = append(append(m.Inlined, dm.Inlined...), d)
			for _, dd := range dm.Deps {
				deps[dd] = true
			}
		}
		if len(ctes) == 0 {
			continue
		}
		m.Deps = m.Deps[:0]
		for d := range deps {
			m.Deps = append(m.Deps, d)
		}
		sort.Strings(m.Deps)
		m.Query = withCTEs(m.Query, strings.Join(ctes, ",\n"))
	}
	return models
}

// withoutHeader drops a model's leading comment lines (its headers, read already).
func withoutHeader(query string) string {
	lines := strings.Split(query, "\n")
	for len(lines) > 0 && (strings.HasPrefix(strings.TrimSpace(lines[0]), "--") || strings.TrimSpace(lines[0]) == "") {
		lines = lines[1:]
	}
	return strings.Join(lines, "\n")
}

var leadingWith = regexp.MustCompile(`(?i)^with(\s+recursive)?\s`)

// withCTEs puts ctes first among query's own, after its header.
func withCTEs(query, ctes string) string {
	body := withoutHeader(query)
	header := strings.TrimSuffix(query, body)
	if w := leadingWith.FindString(body); w != "" {
		return header + w + ctes + ",\n" + body[len(w):]
	}
	return header + "with " + ctes + "\n" + body
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
	// Scope tells, in an incremental build, what the model recomputed: "1204
	// incidents", "month: 2026-11-01, 2026-12-01", or "unchanged". Empty when it was
	// computed in full.
	Scope string
}

// RunOptions change how Run stores its work and how much of it it redoes, never what
// it computes.
type RunOptions struct {
	// KeepIntermediate writes the temp models to the file as tables too, to be read
	// after the build (tests, and alertlens build --keep-intermediate for debugging).
	// It makes a full build.
	KeepIntermediate bool
	// Full recomputes every incident even where an incremental build could.
	Full bool
	// Prepare writes the tables the models read besides the history (the config, the
	// time-zone periods) through q, into the temp schema when temp is set, and reports
	// them as runs of layer "config". Its fingerprint names what they hold, with the
	// title templater: when it differs from the last build's, every incident is
	// recomputed.
	Prepare func(ctx context.Context, q Querier, temp bool) (runs []ModelRun, fingerprint ConfigFingerprint, err error)
	// Titles writes title_templates (incident_rules reads it) for the incidents whose
	// keys the table within holds, or for every incident when within is "". Run calls
	// it once it knows which incidents it recomputes.
	Titles func(ctx context.Context, q Querier, within string) error
	// Alone promises that nothing else writes to the database while Run runs (a
	// command holds the file; a server builds before it serves). A full build then
	// computes its models outside its transaction when they fit in memory, which reads
	// them faster (fullOutside): a write between two of them would otherwise give the
	// models two different histories.
	Alone bool
	// Progress, when set, is told as each step of the build starts: its layer ("models",
	// "marts", "state" for the build's own bookkeeping) and its name. A build of
	// millions of incidents takes minutes; the command shows where it is.
	Progress func(layer, name string)
}

// RunReport tells what Run did.
type RunReport struct {
	Runs []ModelRun
	// Full is true when every incident was recomputed; FullReason says why.
	Full       bool
	FullReason string
	// Changed counts the incidents whose inputs changed since the last build (new,
	// changed or gone), Recomputed those recomputed (the changed ones and their alert
	// rules' incidents of the 24 hours after them), Touched those whose stored rows
	// changed.
	Changed, Recomputed, Touched int64
}

// Querier is what a build reads and writes through: one of its transactions, or its
// connection outside one (*sql.Tx and *sql.Conn are both).
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Run builds every model on conn, in dependency order, and commits: an error leaves
// the previous results as they were, and readers see either the last build or this
// one, never a part of it.
//
// When the SQL, the config and the dimensions (services, people, schedules, rule
// definitions) are those of the last build, Run is incremental: it recomputes only the
// incidents whose inputs changed and their alert rules' incidents of the 24 hours
// after them, and replaces only their marts' rows (incremental.go), in one
// transaction. Otherwise, and with opts.Full or opts.KeepIntermediate, it recomputes
// everything: in that one transaction, or, with opts.Alone, in two steps
// (fullOutside): every model into the connection's temp schema outside any
// transaction, then one transaction that stores what readers read.
func Run(ctx context.Context, conn *sql.Conn, opts RunOptions) (rep RunReport, err error) {
	all, err := Models()
	if err != nil {
		return rep, err
	}
	models := Runnable(all, opts.KeepIntermediate)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return rep, err
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	b := &builder{ctx: ctx, q: tx, keep: opts.KeepIntermediate, all: all, titlesFn: opts.Titles, progress: opts.Progress}
	prepared, config, err := opts.Prepare(ctx, tx, false)
	if err != nil {
		return rep, err
	}
	b.runs = prepared
	if err := createMacros(ctx, tx, false); err != nil {
		return rep, err
	}
	// Staging always runs in full: views, and two small tables the incident inputs
	// are read through.
	rest := models
	for len(rest) > 0 && rest[0].Layer == "staging" {
		if err := b.full(rest[0]); err != nil {
			return rep, err
		}
		rest = rest[1:]
	}
	if !opts.KeepIntermediate {
		// A stored table of a temp model, from an older build or from
		// --keep-intermediate, would go stale: nothing writes it any more.
		if err := b.dropStoredTemps(all); err != nil {
			return rep, err
		}
	}
	b.starting("state", "fingerprint the config, dimensions and SQL")
	start := time.Now()
	st, err := newState(ctx, tx, models, config)
	if err != nil {
		return rep, err
	}
	b.step("fingerprint the config, dimensions and SQL", start, -1)
	reason := st.fullReason()
	switch {
	case opts.KeepIntermediate:
		reason = "--keep-intermediate stores every step"
	case opts.Full:
		reason = "asked for"
	}
	if reason == "" {
		inc, why, err := b.incremental(st, models, rest, &rep)
		if err != nil {
			return rep, err
		}
		if !inc {
			reason = why
		}
	}
	outside := reason != "" && opts.Alone
	// (--keep-intermediate stores every temp model in the file: no slices)
	if outside && !opts.KeepIntermediate {
		if b.need, err = b.fitsOutside(); err != nil {
			return rep, err
		}
	}
	if reason != "" && !outside {
		// Others may write meanwhile (the server's webhooks and syncs): every model
		// reads the history as this one transaction sees it.
		rep.Full, rep.FullReason = true, reason
		if err := b.titles(""); err != nil {
			return rep, err
		}
		lastRead := lastReads(rest)
		for i, m := range rest {
			if err := b.full(m); err != nil {
				return rep, err
			}
			if err := b.dropRead(lastRead, i); err != nil {
				return rep, err
			}
		}
		if err := b.dropTemps(); err != nil {
			return rep, err
		}
	}
	if outside {
		// What this transaction wrote is written again outside it: its config tables,
		// macros and staging, and whatever an incremental try left.
		if err := tx.Rollback(); err != nil {
			return rep, err
		}
		tx = nil
		rep.Full, rep.FullReason = true, reason
		// The report keeps what found the build to be full; staging runs again.
		var kept []ModelRun
		for _, r := range b.runs {
			if r.Model.Layer != "staging" {
				kept = append(kept, r)
			}
		}
		b.runs, b.temps = kept, nil
		if err := b.fullOutside(conn, models, st, opts); err != nil {
			return rep, err
		}
		rep.Runs = b.runs
		return rep, nil
	}
	if err := b.finish(st, rep.Full); err != nil {
		return rep, err
	}
	err = tx.Commit()
	tx = nil
	rep.Runs = b.runs
	return rep, err
}

// fullOutside recomputes every model. Tables a transaction has written are slow to
// read inside it: DuckDB counts none of their rows, so it plans their joins blind and
// scans them on one thread (local_times at a million incidents: 2.0 s inside, 1.98 s
// of it CPU; 1.14 s outside, 2.14 s CPU on two cores). So every model is computed
// outside any transaction, committed as it goes, under a name no reader reads: a
// stored model (and a staging table) into main.build_next_NAME, with a temp view of
// its own name over it for the later models, and a temp model into a temp table of
// the connection, which shadows any stored one of its name. One transaction then
// drops the stored models and renames the new tables into their places, and stores
// the config tables and the build's state: readers see the last build or this one.
// Whatever fails, the temp objects and the new tables are dropped and nothing stored
// has changed.
//
// DuckDB holds temp tables uncompressed in memory. When the temp models would not fit
// (fitsOutside), the incident models are computed a slice of the incidents at a time
// (sliced), each slice's temp models in memory. In memory, if they outgrow it all the
// same, the rest runs on one thread (outgrown).
func (b *builder) fullOutside(conn *sql.Conn, models []Model, st *state, opts RunOptions) (err error) {
	defer func() {
		if derr := dropTempObjects(b.ctx, conn); err == nil {
			err = derr
		}
		if derr := dropNextTables(b.ctx, conn); err == nil {
			err = derr
		}
	}()
	if err := dropNextTables(b.ctx, conn); err != nil { // a crashed build's
		return err
	}
	b.q, b.temp = conn, true
	// The models' row order is read by nothing (a model that needs an order has its
	// own ORDER BY); not keeping it lets DuckDB's parallel inserts hold less.
	// outgrown may set threads too. Both are the database's settings, not the
	// connection's: they are reset before the store, and on any error.
	const resetSettings = "reset preserve_insertion_order; reset threads"
	if _, err := conn.ExecContext(b.ctx, "set preserve_insertion_order = false"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(b.ctx), resetSettings)
	if limit, chosen := memoryLimit(DefaultMemoryLimit); b.need > 0 && !chosen {
		// What DuckDB's buffer manager does not count (operators' own allocations)
		// comes on top of its limit, and grows with what the limit lets it hold: at ten
		// million incidents a --full (its temp models in the file, before the slices)
		// peaked at 2.43 GB in a 1.5 GB limit and 1.94 GB in 1.1 GB (high-water marks),
		// 203 s against 207 s. A limit the user set is kept as it is.
		step := "in slices: DuckDB's memory limit " + SlicedBuildMemoryLimit + " for this build"
		b.starting("state", step)
		if _, err := conn.ExecContext(b.ctx, "set memory_limit = '"+SlicedBuildMemoryLimit+"'"); err != nil {
			return err
		}
		b.step(step, time.Now(), -1)
		defer conn.ExecContext(context.WithoutCancel(b.ctx), "set memory_limit = '"+limit+"'")
	}
	if _, _, err := opts.Prepare(b.ctx, conn, true); err != nil {
		return err
	}
	if err := createMacros(b.ctx, conn, true); err != nil {
		return err
	}
	rest := models
	for len(rest) > 0 && rest[0].Layer == "staging" {
		if err := b.full(rest[0]); err != nil {
			return err
		}
		rest = rest[1:]
	}
	if err := b.titles(""); err != nil {
		return err
	}
	lastRead := lastReads(rest)
	first := 0
	if b.need > 0 {
		if first, err = b.sliced(models, rest); err != nil {
			return err
		}
		if err := b.dropRead(lastRead, first-1); err != nil {
			return err
		}
	}
	oneThread := false
	for i := first; i < len(rest); i++ {
		m := rest[i]
		if err := b.full(m); err != nil {
			return err
		}
		if err := b.dropRead(lastRead, i); err != nil {
			return err
		}
		if b.need == 0 && !oneThread && i < len(rest)-1 {
			if oneThread, err = b.outgrown(); err != nil {
				return err
			}
		}
	}
	// (The stored models were written with the rest, in the order of their queries'
	// own ORDER BY where they have one: the order of joins and groups is DuckDB's.)
	if _, err := conn.ExecContext(b.ctx, resetSettings); err != nil {
		return err
	}
	tx, err := conn.BeginTx(b.ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	b.q, b.temp = tx, false
	b.starting("state", "store the models")
	start := time.Now()
	if err := b.publish(models); err != nil {
		return err
	}
	b.step("store the models", start, -1)
	if err := b.finish(st, true); err != nil {
		return err
	}
	err = tx.Commit()
	tx = nil
	return err
}

// OutsideBytesPerRow is about what a full build's temp models held, at their largest,
// per incident and notification of the history: 819 MB for a million incidents and
// their 1.38 million notifications (before incident_pages). DuckDB holds temp tables
// uncompressed in memory. A variable so that a test can make a small history "too
// large" without a memory limit too small to build it in.
var OutsideBytesPerRow float64 = 350

// fitsOutside estimates what an alone full build's temp models would hold in memory
// and tells, as a step, whether that fits in 60 % of DuckDB's memory limit. It returns
// the estimate when it does not (0 when it does): the incident models are then
// computed a slice of the incidents at a time (sliced). Temp tables past the limit
// spill whole to disk, uncompressed: ten million incidents' took 6.4 GB, 4.9 GB of it
// on disk, and a build in one transaction instead, read on one thread, took 458 s. A
// larger ALERTLENS_MEMORY_LIMIT moves the line.
func (b *builder) fitsOutside() (float64, error) {
	var rows int64
	if err := b.q.QueryRowContext(b.ctx, `select (select count(*) from incidents) + (select count(*) from notifications)`).Scan(&rows); err != nil {
		return 0, err
	}
	limit, bytes, err := b.memoryLimit()
	if err != nil {
		return 0, err
	}
	need := float64(rows) * OutsideBytesPerRow
	fits := need <= 0.6*bytes
	step := "outside the transaction, in slices of the incidents: in memory the temp models would take about %s of a %s memory limit"
	if fits {
		step = "outside the transaction: the temp models take about %s of a %s memory limit"
	}
	step = fmt.Sprintf(step, humanSize(need), limit)
	b.starting("state", step)
	b.step(step, time.Now(), -1)
	if fits {
		return 0, nil
	}
	return need, nil
}

// memoryLimit reads DuckDB's memory limit, as it shows it and in bytes.
func (b *builder) memoryLimit() (string, float64, error) {
	var limit string
	if err := b.q.QueryRowContext(b.ctx, "select current_setting('memory_limit')").Scan(&limit); err != nil {
		return "", 0, err
	}
	bytes, err := parseSize(limit)
	if err != nil {
		return "", 0, fmt.Errorf("DuckDB's memory limit: %w", err)
	}
	return limit, bytes, nil
}

// parseSize reads a size as DuckDB shows it (current_setting('memory_limit')), such
// as "1.3 GiB" or "244.1 MiB".
func parseSize(s string) (float64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number and a unit", s)
	}
	units := map[string]float64{"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
		"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
	m, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q", s, unit)
	}
	return n * m, nil
}

// humanSize shows a size in bytes in MB or GB.
func humanSize(b float64) string {
	if b >= 1e9 {
		return fmt.Sprintf("%.1f GB", b/1e9)
	}
	return fmt.Sprintf("%.0f MB", b/1e6)
}

// outgrown tells whether the temp models have outgrown DuckDB's memory (some of them
// are on disk) and, if so, runs the rest of the models on one thread, reported as a
// step. Temp tables are held uncompressed: ten million incidents' took 6.4 GB, 4.9 GB
// of it on disk, when incident_pages ran out of memory on two threads. A build in one
// transaction reads the tables it wrote on one thread (DuckDB counts no rows in them),
// and fitted.
func (b *builder) outgrown() (bool, error) {
	var spilled bool
	if err := b.q.QueryRowContext(b.ctx, `select coalesce(sum(temporary_storage_bytes), 0) > 0
		from duckdb_memory() where tag = 'IN_MEMORY_TABLE'`).Scan(&spilled); err != nil || !spilled {
		return false, err
	}
	const step = "the temp models outgrew memory: one thread from here"
	b.starting("state", step)
	start := time.Now()
	if err := b.exec("set threads = 1"); err != nil {
		return false, err
	}
	b.step(step, start, -1)
	return true, nil
}

// publish stores, inside the build's transaction, what fullOutside computed: the
// config tables and macros from the temp schema, the staging views, and each model a
// reader reads (the staging tables, the stored models and marts; the temp models too
// with --keep-intermediate) renamed from its new table into its place.
func (b *builder) publish(models []Model) error {
	config, err := queryStrings(b.ctx, b.q, `select table_name from duckdb_tables()
		where database_name = 'temp' and (table_name like 'cfg\_%' escape '\' or table_name = 'tz_periods') order by 1`)
	if err != nil {
		return err
	}
	stmts := make([]string, 0, len(config)+len(models))
	for _, t := range config {
		stmts = append(stmts, fmt.Sprintf("create or replace table main.%[1]s as select * from temp.%[1]s", t))
	}
	for _, m := range models {
		switch {
		case m.Materialized == "view":
			stmts = append(stmts, fmt.Sprintf("create or replace view main.%s as\n%s", m.Name, m.Query))
		case m.Materialized != "temp" || b.keep:
			// (the temp view goes first: the build's state reads the staging tables)
			stmts = append(stmts, fmt.Sprintf("drop view temp.%[1]s; drop table if exists main.%[1]s; alter table main.%[2]s%[1]s rename to %[1]s",
				m.Name, nextPrefix))
		}
	}
	for _, s := range stmts {
		if err := b.exec(s); err != nil {
			return fmt.Errorf("store the build: %w", err)
		}
	}
	return createMacros(b.ctx, b.q, false)
}

// finish stores the build's state for the next one, and the period queries.
func (b *builder) finish(st *state, full bool) error {
	b.starting("state", "store the inputs for the next build")
	start := time.Now()
	if err := st.save(b.ctx, b.q, full); err != nil {
		return err
	}
	b.step("store the inputs for the next build", start, -1)
	// The period queries are stored macros: made again when they or the models changed.
	if full || st.stored["queries"] != st.now["queries"] {
		b.starting("state", "create the period queries")
		start = time.Now()
		if err := createQueries(b.ctx, b.q); err != nil {
			return err
		}
		b.step("create the period queries", start, -1)
	}
	return nil
}

// createMacros creates the models' macros (macros/*.sql): in the temp schema, for
// the models computed outside the build's transaction, or stored.
func createMacros(ctx context.Context, q Querier, temp bool) error {
	macros, err := fs.Glob(files, "macros/*.sql")
	if err != nil {
		return err
	}
	for _, name := range macros {
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		text := string(body)
		if temp {
			text = strings.ReplaceAll(text, "create or replace macro ", "create or replace temp macro ")
		}
		if _, err := q.ExecContext(ctx, text); err != nil {
			return fmt.Errorf("create macro %s: %w", name, err)
		}
	}
	return nil
}

// dropStoredTemps drops the stored tables of temp and inline models.
func (b *builder) dropStoredTemps(models []Model) error {
	for _, m := range models {
		if m.Materialized == "temp" || m.Materialized == "inline" {
			if err := b.exec("drop table if exists main." + m.Name); err != nil {
				return fmt.Errorf("drop the stored %s: %w", m.Name, err)
			}
		}
	}
	return nil
}

// queryStrings runs a query of one text column and returns its values.
func queryStrings(ctx context.Context, q Querier, query string) ([]string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// dropTempObjects drops every temp table, view and macro of conn: a full build's, so
// that the connection goes back to the pool as it came.
func dropTempObjects(ctx context.Context, conn *sql.Conn) error {
	return execListed(ctx, conn, "drop the build's temp tables", `
		select 'drop view if exists temp.main.' || view_name from duckdb_views() where database_name = 'temp' and not internal
		union all
		select 'drop table if exists temp.main.' || table_name from duckdb_tables() where database_name = 'temp'
		union all
		select distinct 'drop macro ' || case when function_type = 'table_macro' then 'table ' else '' end || 'if exists temp.main.' || function_name
		from duckdb_functions() where database_name = 'temp' and function_type in ('macro', 'table_macro')`)
}

// dropNextTables drops the new tables of a build outside its transaction that did not
// finish (fullNext): after an error, or left in the file by a process that died.
func dropNextTables(ctx context.Context, conn *sql.Conn) error {
	return execListed(ctx, conn, "drop an unfinished build's tables", `select 'drop table if exists main.' || table_name
		from duckdb_tables() where database_name = current_database() and schema_name = 'main'
		and starts_with(table_name, '`+nextPrefix+`')`)
}

// execListed runs each statement that query lists; what names the work in errors.
func execListed(ctx context.Context, conn *sql.Conn, what, query string) error {
	stmts, err := queryStrings(ctx, conn, query)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %s: %w", what, s, err)
		}
	}
	return nil
}

// titles runs RunOptions.Titles, as a step of layer "config".
func (b *builder) titles(within string) error {
	if b.titlesFn == nil {
		return nil
	}
	b.starting("config", "title_templates")
	start := time.Now()
	if err := b.titlesFn(b.ctx, b.q, within); err != nil {
		return err
	}
	b.runs = append(b.runs, ModelRun{Model: Model{Name: "title_templates", Layer: "config"}, Rows: -1, Duration: time.Since(start)})
	return nil
}

// builder runs models inside one build's transaction.
type builder struct {
	ctx      context.Context
	q        Querier // the build's transaction, or its connection (temp)
	temp     bool    // outside the build's transaction (fullOutside)
	need     float64 // the temp models' estimated memory when it would not fit: a build in slices
	keep     bool
	all      []Model // every model, the inline ones too (Models)
	runs     []ModelRun
	temps    []string // temp models to drop when the build ends
	titlesFn func(context.Context, Querier, string) error
	progress func(layer, name string)
}

// starting tells RunOptions.Progress that a step starts.
func (b *builder) starting(layer, name string) {
	if b.progress != nil {
		b.progress(layer, name)
	}
}

func (b *builder) exec(query string, args ...any) error {
	_, err := b.q.ExecContext(b.ctx, query, args...)
	return err
}

func (b *builder) count(query string, args ...any) (int64, error) {
	var n int64
	err := b.q.QueryRowContext(b.ctx, query, args...).Scan(&n)
	return n, err
}

// full builds one model from all of the history.
func (b *builder) full(m Model) error {
	b.starting(m.Layer, m.Name)
	start := time.Now()
	if b.temp && m.Materialized != "view" && (m.Materialized != "temp" || b.keep) {
		return b.fullNext(m, start)
	}
	kind := m.Materialized
	switch {
	case kind == "temp" && !b.keep:
		kind = "temp table"
		b.temps = append(b.temps, m.Name)
	case kind == "temp":
		kind = "table"
	case b.temp:
		kind = "temp view" // a staging view, which publish creates in main
	}
	if err := b.exec(fmt.Sprintf("create or replace %s %s as\n%s", kind, m.Name, m.Query)); err != nil {
		return fmt.Errorf("build model %s (%s): %w", m.Name, m.files(), err)
	}
	return b.done(m, start, "")
}

// files names the SQL files of a model's query: its own, and those it computes inline.
func (m Model) files() string {
	own := m.Layer + "/" + m.Name + ".sql"
	if len(m.Inlined) == 0 {
		return own
	}
	inlined := make([]string, len(m.Inlined))
	for i, name := range m.Inlined {
		inlined[i] = "models/" + name + ".sql" // only a model of models/ is inline
	}
	return own + ", with " + strings.Join(inlined, ", ") + " inline"
}

// Runnable is the models a build runs: every model but the inline ones, which the
// models reading them compute; with keep (--keep-intermediate) the inline models too,
// as temp models, stored for reading.
func Runnable(models []Model, keep bool) []Model {
	out := make([]Model, 0, len(models))
	for _, m := range models {
		if m.Materialized == "inline" {
			if !keep {
				continue
			}
			m.Materialized = "temp"
		}
		out = append(out, m)
	}
	return out
}

// nextPrefix names the tables a build outside its transaction computes its stored
// models into (fullOutside) before publish renames them into their places.
const nextPrefix = "build_next_"

// fullNext builds one model from all of the history into main.build_next_NAME, a
// committed table that no reader reads, with a temp view of the model's name over it
// for the models after it (fullOutside).
//
// In a build in slices (b.need), a model that runs out of memory on every core runs
// again on one, which holds less (DuckDB builds the hash tables of a pipeline's joins
// side by side), and says so as a step.
func (b *builder) fullNext(m Model, start time.Time) error {
	create := fmt.Sprintf("create or replace table main.%s%s as\n%s", nextPrefix, m.Name, m.Query)
	err := b.exec(create)
	if err != nil && b.need > 0 && strings.Contains(err.Error(), "Out of Memory Error") {
		step := fmt.Sprintf("%s ran out of memory: again on one thread", m.Name)
		b.starting("state", step)
		again := time.Now()
		err = b.exec("set threads = 1; " + create)
		if rerr := b.exec("reset threads"); err == nil {
			err = rerr
		}
		b.step(step, again, -1)
	}
	if err == nil {
		err = b.exec(fmt.Sprintf("create or replace temp view %[1]s as select * from main.%[2]s%[1]s", m.Name, nextPrefix))
	}
	if err != nil {
		return fmt.Errorf("build model %s (%s): %w", m.Name, m.files(), err)
	}
	return b.done(m, start, "")
}

// dropTemp drops a temp model's temp table.
func (b *builder) dropTemp(name string) error {
	if err := b.exec("drop table if exists temp." + name); err != nil {
		return fmt.Errorf("drop temp model %s: %w", name, err)
	}
	return nil
}

// done records a model's run, with its rows.
func (b *builder) done(m Model, start time.Time, scope string) error {
	run := ModelRun{Model: m, Rows: -1, Scope: scope}
	if m.Materialized != "view" {
		n, err := b.count("select count(*) from " + m.Name)
		if err != nil {
			return fmt.Errorf("count rows of %s: %w", m.Name, err)
		}
		run.Rows = n
	}
	run.Duration = time.Since(start)
	b.runs = append(b.runs, run)
	return nil
}

// step records a step of the build's own (layer "state"): its bookkeeping for the next
// incremental build.
func (b *builder) step(name string, start time.Time, rows int64) {
	b.runs = append(b.runs, ModelRun{Model: Model{Name: name, Layer: "state"}, Rows: rows, Duration: time.Since(start)})
}

// lastReads gives, for each model of models, the index of the last model that reads
// it; a model a view reads is read to the end (a view reads it whenever it is read).
func lastReads(models []Model) map[string]int {
	last := map[string]int{}
	for i, m := range models {
		for _, d := range m.Deps {
			last[d] = i
			if m.Materialized == "view" {
				last[d] = len(models)
			}
		}
	}
	return last
}

// dropRead drops the temp models that no model after models[i] reads, so that DuckDB
// holds only those still to be read (a full build's peak at a million incidents went
// from 1.96 to 1.84 GB).
func (b *builder) dropRead(lastRead map[string]int, i int) error {
	if b.keep {
		return nil
	}
	kept := b.temps[:0]
	for _, name := range b.temps {
		if last, read := lastRead[name]; read && last > i {
			kept = append(kept, name)
			continue
		}
		if err := b.dropTemp(name); err != nil {
			return err
		}
	}
	b.temps = kept
	return nil
}

// dropTemps frees what the temp models hold: the connection goes back to the pool
// after the build.
func (b *builder) dropTemps() error {
	for _, name := range b.temps {
		if err := b.dropTemp(name); err != nil {
			return err
		}
	}
	b.temps = nil
	return nil
}
