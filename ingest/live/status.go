package live

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// Status is what `alertlens status` and GET /api/v1/status show.
type Status struct {
	// Server is the running server; nil when the status was read from the file alone.
	Server *ServerInfo `json:"server,omitempty"`
	// Build is the server's record of its builds; BuiltAt is when the build that is
	// served (the one in the file) committed, nil before the first.
	Build    *BuildStatus   `json:"build,omitempty"`
	BuiltAt  *time.Time     `json:"built_at"`
	DataUpTo *time.Time     `json:"data_up_to"` // the newest incident's creation time
	Sources  []SourceStatus `json:"sources"`
	Webhook  *WebhookStatus `json:"webhook,omitempty"`
}

// ServerInfo names the running server.
type ServerInfo struct {
	PID       int       `json:"pid"`
	URL       string    `json:"url"`
	DB        string    `json:"db"` // absolute path of the file it holds
	StartedAt time.Time `json:"started_at"`
}

// SourceStatus is one source: what the file holds of it and, for a scheduled source,
// how its syncs went.
type SourceStatus struct {
	Name      string           `json:"name"`
	Kind      string           `json:"kind,omitempty"` // for scheduled sources
	Scheduled bool             `json:"scheduled"`
	Rows      map[string]int64 `json:"rows"` // incidents, notifications, responders, services
	Cursors   []Cursor         `json:"cursors"`
	Run       *SourceRun       `json:"run,omitempty"`
}

// Cursor is where one stream of a source's sync stopped.
type Cursor struct {
	Stream    string    `json:"stream"`
	Value     string    `json:"value"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WebhookStatus is the Alertmanager receiver's last delivery.
type WebhookStatus struct {
	Source       string     `json:"source"`
	LastDelivery *time.Time `json:"last_delivery"` // since the server started
}

// rowTables are the tables whose rows per source the status counts.
var rowTables = []string{"incidents", "notifications", "responders", "services"}

// ReadStatus reads what the database file itself says: every source with its rows and
// cursors, the newest incident and the served build's time.
func ReadStatus(ctx context.Context, db *sql.DB) (Status, error) {
	st := Status{Sources: []SourceStatus{}}
	bySource := map[string]*SourceStatus{}
	get := func(name string) *SourceStatus {
		if s, ok := bySource[name]; ok {
			return s
		}
		s := &SourceStatus{Name: name, Rows: map[string]int64{}, Cursors: []Cursor{}}
		for _, t := range rowTables {
			s.Rows[t] = 0
		}
		bySource[name] = s
		return s
	}
	for _, t := range rowTables {
		rows, err := db.QueryContext(ctx, "select source, count(*) from "+t+" group by source")
		if err != nil {
			return st, fmt.Errorf("status: count %s: %w", t, err)
		}
		for rows.Next() {
			var name string
			var n int64
			if err := rows.Scan(&name, &n); err != nil {
				rows.Close()
				return st, err
			}
			get(name).Rows[t] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, err
		}
	}
	rows, err := db.QueryContext(ctx, "select source, stream, cursor, updated_at from sync_state order by source, stream")
	if err != nil {
		return st, fmt.Errorf("status: read cursors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var c Cursor
		if err := rows.Scan(&name, &c.Stream, &c.Value, &c.UpdatedAt); err != nil {
			return st, err
		}
		s := get(name)
		s.Cursors = append(s.Cursors, c)
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	var upTo sql.NullTime
	if err := db.QueryRowContext(ctx, "select max(created_at) from incidents").Scan(&upTo); err != nil {
		return st, fmt.Errorf("status: newest incident: %w", err)
	}
	if upTo.Valid {
		t := upTo.Time.UTC()
		st.DataUpTo = &t
	}
	// cfg_settings exists only after a first build
	var built int
	if err := db.QueryRowContext(ctx, `select count(*) from duckdb_tables() where table_name = 'cfg_settings'`).Scan(&built); err != nil {
		return st, fmt.Errorf("status: look for a build: %w", err)
	}
	if built > 0 {
		var at sql.NullTime
		if err := db.QueryRowContext(ctx, `select max(built_at) from cfg_settings`).Scan(&at); err != nil {
			return st, fmt.Errorf("status: read the build time: %w", err)
		}
		if at.Valid {
			t := at.Time.UTC()
			st.BuiltAt = &t
		}
	}
	for _, s := range bySource {
		st.Sources = append(st.Sources, *s)
	}
	sortSources(st.Sources)
	return st, nil
}

func sortSources(s []SourceStatus) {
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
}
