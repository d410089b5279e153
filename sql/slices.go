package sql

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// A full build in slices.
//
// A full build outside its transaction holds its temp models in memory, uncompressed
// (fullOutside). When they would not fit (fitsOutside), the incident models (every
// model up to the last one marked incremental) are computed a slice of the incidents
// at a time instead: the incidents created in one span of time, with, for a model's
// context (flapping: a rule's incidents of the 24 hours before), those created up to
// the context's span before it. Each slice shadows the incident staging models with
// temp tables of those incidents' rows, as an incremental build does (incremental.go),
// so the models' SQL is the same; the stored incident models get the slice's own
// incidents' rows appended. The marts then run once, over all of them.
//
// Each slice's joins fit in memory, where at ten million incidents the joins of
// whole-history tables were partitioned to disk and read back, and took 14 to 21 times
// their time at a million (10M --full: 115 s in 13 slices against 179 s with the temp
// models in the file, docs/benchmarks.md, "Full builds in slices").

// maxSlices bounds the slices: each reads every notification once to find its own.
const maxSlices = 64

// sliceCount is how many slices keep each one's temp models within 60 % of DuckDB's
// memory limit as it is now, by fitsOutside's estimate (b.need).
func (b *builder) sliceCount() (int, error) {
	_, bytes, err := b.memoryLimit()
	if err != nil {
		return 0, err
	}
	n := int(math.Ceil(b.need / (0.6 * bytes)))
	return min(max(n, 2), maxSlices), nil
}

// sliced computes rest's incident models in slices of the incidents (see above) into
// main.build_next_NAME for the stored ones, and returns the index in rest of the first
// model after them. The models among them that are not incident models run once,
// first; they may read none of the incident models.
func (b *builder) sliced(models, rest []Model) (int, error) {
	slices, err := b.sliceCount()
	if err != nil {
		return 0, err
	}
	last, within := -1, ""
	for i, m := range rest {
		if m.Incremental {
			last = i
		}
		if m.Context != nil {
			if within != "" && within != m.Context.Within {
				return 0, fmt.Errorf("model %s: -- context: %s %s; a build in slices knows one context span", m.Name, m.Context.Column, m.Context.Within)
			}
			within = m.Context.Within
		}
	}
	if last < 0 {
		return 0, nil
	}
	incidentModels := rest[:last+1]
	isIncident, readInSlice := map[string]bool{}, map[string]bool{}
	for _, m := range incidentModels {
		if m.Incremental {
			isIncident[m.Name] = true
		}
		for _, d := range m.Deps {
			readInSlice[d] = true
		}
	}
	for _, m := range incidentModels {
		if m.Incremental {
			continue
		}
		for _, d := range m.Deps {
			if isIncident[d] {
				return 0, fmt.Errorf("model %s runs among the incident models and reads %s, of which a build in slices holds one slice", m.Name, d)
			}
		}
		if err := b.full(m); err != nil {
			return 0, err
		}
	}
	// A temp incident model that a later model reads is left as the last slice made it,
	// as an incremental build leaves it made of the incidents it recomputed: what the
	// later models read of it, every slice holds (scope_settings: the people on call).
	readAfter := map[string]bool{}
	for _, m := range rest[last+1:] {
		for _, d := range m.Deps {
			if isIncident[d] {
				readAfter[d] = true
			}
		}
	}
	var staging []Model
	for _, m := range models {
		if m.Layer == "staging" && m.Incremental {
			staging = append(staging, m)
		}
	}
	cuts, err := queryStrings(b.ctx, b.q, fmt.Sprintf(`select distinct cast(c as varchar) from (
		select unnest(quantile_disc(created_at, [%s])) as c from incidents) order by 1`, fractions(slices)))
	if err != nil {
		return 0, fmt.Errorf("divide the incidents into slices: %w", err)
	}
	n := len(cuts) + 1
	runs := make([]ModelRun, len(incidentModels))
	for k := range n {
		// the slice's incidents, those before it that its context reads, and both
		var sel, before, ctx []string
		if k > 0 {
			from := quote(cuts[k-1]) + "::timestamp"
			sel = append(sel, "created_at >= "+from)
			if within != "" {
				before = []string{fmt.Sprintf("created_at >= %s - interval '%s'", from, within), "created_at < " + from}
				from += " - interval '" + within + "'"
			}
			ctx = append(ctx, "created_at >= "+from)
		}
		if k < n-1 {
			below := fmt.Sprintf("created_at < %s::timestamp", quote(cuts[k]))
			sel, ctx = append(sel, below), append(ctx, below)
		}
		if err := b.slice(k, n, sel, before, ctx, staging); err != nil {
			return 0, err
		}
		for i, m := range incidentModels {
			if !m.Incremental {
				continue
			}
			start := time.Now()
			rows, err := b.sliceModel(m, k == 0, len(before) > 0, readInSlice[m.Name])
			if err != nil {
				return 0, err
			}
			runs[i].Model, runs[i].Rows, runs[i].Duration = m, runs[i].Rows+rows, runs[i].Duration+time.Since(start)
		}
		keep := map[string]bool{}
		if k == n-1 {
			keep = readAfter
		}
		if err := b.unslice(staging, incidentModels, readInSlice, keep); err != nil {
			return 0, err
		}
	}
	for i, m := range incidentModels {
		if !m.Incremental {
			continue
		}
		if m.Materialized != "temp" {
			start := time.Now()
			if err := b.exec(fmt.Sprintf("create or replace temp view %[1]s as select * from main.%[2]s%[1]s", m.Name, nextPrefix)); err != nil {
				return 0, err
			}
			if runs[i].Rows, err = b.count("select count(*) from " + m.Name); err != nil {
				return 0, err
			}
			runs[i].Duration += time.Since(start)
		}
		runs[i].Scope = fmt.Sprintf("in %d slices", n)
		if m.Materialized == "temp" {
			// each slice's rows, with those of the incidents it read from before it
			runs[i].Scope += ", rows summed"
		}
		b.runs = append(b.runs, runs[i])
	}
	return last + 1, nil
}

// fractions lists the n-1 quantiles that cut the incidents into n slices: "0.25, 0.5, 0.75".
func fractions(n int) string {
	var f []string
	for k := 1; k < n; k++ {
		f = append(f, fmt.Sprint(float64(k)/float64(n)))
	}
	return strings.Join(f, ", ")
}

// slice selects slice k of n: build_context, the incidents whose creation meets every
// condition of ctx, which are the slice's own (those of sel) and those before it that
// its context reads (build_before, of before). It reads them from the incidents table,
// of which stg_incidents is a filtered view with the same creation times. It shadows
// each incident staging model with a temp table of build_context's rows, and reports
// the step with the slice's own incidents.
func (b *builder) slice(k, n int, sel, before, ctx []string, staging []Model) error {
	where := func(conds []string) string {
		if len(conds) == 0 {
			return ""
		}
		return " where " + strings.Join(conds, " and ")
	}
	start := time.Now()
	b.starting("state", fmt.Sprintf("slice %d of %d", k+1, n))
	stmts := []string{
		"create or replace temp table build_context as select source, incident_id from incidents" + where(ctx),
	}
	if len(before) > 0 {
		stmts = append(stmts, "create or replace temp table build_before as select source, incident_id from incidents"+where(before))
	}
	for _, s := range staging {
		// a staging table is main.build_next_NAME; a view reads the shadows before it
		from := "(\n" + s.Query + "\n)"
		if s.Materialized == "table" {
			from = "main." + nextPrefix + s.Name
		}
		stmts = append(stmts, fmt.Sprintf("drop view temp.%[1]s; create temp table %[1]s as select * from %[2]s t semi join build_context using (source, incident_id)", s.Name, from))
	}
	for _, s := range stmts {
		if err := b.exec(s); err != nil {
			return fmt.Errorf("select slice %d of %d of the incidents: %w", k+1, n, err)
		}
	}
	selected, err := b.count("select count(*) from temp.stg_incidents" + where(sel))
	if err != nil {
		return err
	}
	b.step(fmt.Sprintf("slice %d of %d", k+1, n), start, selected)
	return nil
}

// sliceModel computes an incident model over the slice's context and returns its rows:
// a temp model's in a temp table; a stored model's rows of the slice's own incidents
// appended to main.build_next_NAME (created when first), through a temp table of its
// own name when a later incident model reads it. Those rows are the context's less
// build_before's (when before): a few hours' incidents, a small hash table where the
// slice's own would be most of the slice.
func (b *builder) sliceModel(m Model, first, before, readInSlice bool) (int64, error) {
	b.starting(m.Layer, m.Name)
	var stmts []string
	from := "(\n" + m.Query + "\n)"
	if m.Materialized == "temp" || readInSlice {
		stmts = append(stmts, fmt.Sprintf("create or replace temp table %s as\n%s", m.Name, m.Query))
		from = "temp." + m.Name
	}
	counted := "temp." + m.Name
	if m.Materialized != "temp" {
		into := fmt.Sprintf("insert into main.%s%s", nextPrefix, m.Name)
		if first {
			into = fmt.Sprintf("create table main.%s%s as", nextPrefix, m.Name)
		}
		own := fmt.Sprintf("%s select * from %s t", into, from)
		if before {
			own += " anti join build_before using (source, incident_id)"
		}
		stmts = append(stmts, own)
		counted = ""
	}
	for _, s := range stmts {
		if err := b.exec(s); err != nil {
			return 0, fmt.Errorf("build model %s (%s) for a slice of the incidents: %w", m.Name, m.files(), err)
		}
	}
	if counted == "" {
		return 0, nil // counted once, after the last slice
	}
	return b.count("select count(*) from " + counted)
}

// unslice drops a slice's temp tables, but for the temp models in keep, and puts back
// the staging models' temp views.
func (b *builder) unslice(staging, incidentModels []Model, readInSlice, keep map[string]bool) error {
	var stmts []string
	for _, m := range incidentModels {
		switch {
		case !m.Incremental:
		case m.Materialized == "temp" && keep[m.Name]:
			b.temps = append(b.temps, m.Name)
		case m.Materialized == "temp" || readInSlice[m.Name]:
			stmts = append(stmts, "drop table temp."+m.Name)
		}
	}
	for _, s := range staging {
		view := s.Query
		if s.Materialized == "table" {
			view = "select * from main." + nextPrefix + s.Name
		}
		stmts = append(stmts, fmt.Sprintf("drop table temp.%s; create temp view %s as\n%s", s.Name, s.Name, view))
	}
	for _, s := range stmts {
		if err := b.exec(s); err != nil {
			return fmt.Errorf("end a slice of the incidents: %w", err)
		}
	}
	return nil
}
