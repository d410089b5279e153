package ingest

import "sync"

// Gate is the one door through which a serving process writes its database. DuckDB
// lets one process hold the file; inside that process the Gate lets one commit through
// at a time (two transactions replacing the same keys would otherwise conflict), and
// tells the server after each commit that stored something, so that it can rebuild the
// models. A nil *Gate lets every write straight through: a command that holds the file
// alone needs no door.
type Gate struct {
	mu      sync.Mutex
	changed func()
}

// NewGate returns a gate that calls changed (which must not block) after each write
// that changed the data.
func NewGate(changed func()) *Gate {
	if changed == nil {
		changed = func() {}
	}
	return &Gate{changed: changed}
}

// Do runs write alone among the gate's writes. write reports whether it changed any
// data; when it did and returned no error, the gate reports the change.
func (g *Gate) Do(write func() (changed bool, err error)) error {
	if g == nil {
		_, err := write()
		return err
	}
	g.mu.Lock()
	changed, err := write()
	g.mu.Unlock()
	if err == nil && changed {
		g.changed()
	}
	return err
}
