// Package review stores the weekly alert review's verdicts: a tag per incident
// (action_taken or no_action, with a reason, note, owner and follow-up link), every
// change of it with who made it, and follow-ups of a rule with the date they shipped.
// Tags live in their own tables (sql/schema/004_review_tags.sql): no sync, import or
// build touches them. Writes go through the serving process's gate like every other
// write, so the next build counts them.
package review

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// Tags a reviewer may give (METRICS.md: no_action makes an incident noisy,
// action_taken overrides the automatic noise signals).
var Tags = []string{ingest.TagActionTaken, ingest.TagNoAction}

// Reasons a tag may give, the review meeting's fixed list.
var Reasons = []string{
	"threshold_too_sensitive", "flapping", "duplicate", "maintenance_or_deploy", "no_runbook",
	"could_wait_for_business_hours", "real_problem_fixed", "other",
}

// ReasonLabels are the reasons in words, for pages and reports.
var ReasonLabels = map[string]string{
	"threshold_too_sensitive":       "threshold too sensitive",
	"flapping":                      "flapping",
	"duplicate":                     "duplicate",
	"maintenance_or_deploy":         "maintenance or deploy",
	"no_runbook":                    "no runbook",
	"could_wait_for_business_hours": "could wait until business hours",
	"real_problem_fixed":            "real problem fixed",
	"other":                         "other",
}

// Verdict is what a reviewer says of an incident.
type Verdict struct {
	Tag         string `json:"tag"`
	Reason      string `json:"reason"`
	Note        string `json:"note"`
	Owner       string `json:"owner"`
	FollowUpURL string `json:"follow_up_url"`
}

// Tag is an incident's current verdict.
type Tag struct {
	Source     string `json:"source"`
	IncidentID string `json:"incident_id"`
	Verdict
	Reviewer  string    `json:"reviewer"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// Change is one entry of a tag's history.
type Change struct {
	Version   int       `json:"version"`
	ChangedAt time.Time `json:"changed_at"`
	ChangedBy string    `json:"changed_by"`
	Old       *Verdict  `json:"old"` // nil for the first tag
	New       Verdict   `json:"new"`
}

// Error is a verdict or request a reviewer must fix (Field names the part), or, with
// Conflict set, a write based on a version that is no longer current.
type Error struct {
	Field   string
	Message string
	// Conflict: the tag was changed since the version the reviewer saw; Current is it.
	Conflict bool
	Current  *Tag
	// NotFound: no such incident.
	NotFound bool
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func invalid(field, format string, args ...any) error {
	return &Error{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks a verdict: one place for every writer (the API, the CLI).
func (v *Verdict) Validate() error {
	v.Tag, v.Reason = strings.TrimSpace(v.Tag), strings.TrimSpace(v.Reason)
	if !slices.Contains(Tags, v.Tag) {
		return invalid("tag", "want %s, got %q", strings.Join(Tags, " or "), v.Tag)
	}
	if v.Reason != "" && !slices.Contains(Reasons, v.Reason) {
		return invalid("reason", "want one of %s, got %q", strings.Join(Reasons, ", "), v.Reason)
	}
	if len(v.Note) > 4000 {
		return invalid("note", "want at most 4000 characters, got %d", len(v.Note))
	}
	if len(v.Owner) > 200 {
		return invalid("owner", "want at most 200 characters, got %d", len(v.Owner))
	}
	if v.FollowUpURL != "" {
		u, err := url.Parse(v.FollowUpURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("follow_up_url", "want an http(s) link to the ticket, got %q", v.FollowUpURL)
		}
	}
	return nil
}

// Request is one tag write: the incident, the verdict, who, and (optionally) the
// version the reviewer saw.
type Request struct {
	Source, IncidentID string
	Verdict
	Reviewer string
	// Seen is the version the reviewer's page showed (0: none). When the stored tag
	// has moved on, the write is refused with a Conflict naming the current tag.
	Seen *int
}

// Store writes and reads tags.
type Store struct {
	db   *sql.DB
	gate *ingest.Gate
	now  func() time.Time
	// mu runs one tag write at a time: the version check and the write must not
	// interleave with another reviewer's, gate or no gate.
	mu sync.Mutex
}

// New returns a store whose writes pass gate (nil: the caller holds the file alone).
func New(db *sql.DB, gate *ingest.Gate) *Store {
	return &Store{db: db, gate: gate, now: time.Now}
}

// Tag sets the verdicts of the requests in one transaction: all or none.
func (s *Store) Tag(ctx context.Context, reqs []Request) ([]Tag, error) {
	for i := range reqs {
		if err := reqs[i].Verdict.Validate(); err != nil {
			return nil, err
		}
		if strings.TrimSpace(reqs[i].Reviewer) == "" {
			return nil, invalid("reviewer", "required: the write token's name, the proxy's user header, or a name typed in the page")
		}
	}
	var out []Tag
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.gate.Do(func() (bool, error) {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return false, err
		}
		defer tx.Rollback()
		now := s.now().UTC()
		out = nil
		for _, r := range reqs {
			t, err := tagOne(ctx, tx, r, now)
			if err != nil {
				return false, err
			}
			out = append(out, t)
		}
		return len(out) > 0, tx.Commit()
	})
	return out, err
}

func tagOne(ctx context.Context, tx *sql.Tx, r Request, now time.Time) (Tag, error) {
	var exists int
	if err := tx.QueryRowContext(ctx, `select count(*) from incidents where source = ? and incident_id = ?`, r.Source, r.IncidentID).Scan(&exists); err != nil {
		return Tag{}, err
	}
	if exists == 0 {
		return Tag{}, &Error{NotFound: true, Field: "incident", Message: fmt.Sprintf("no incident %q of source %q", r.IncidentID, r.Source)}
	}
	cur, err := current(ctx, tx, r.Source, r.IncidentID)
	if err != nil {
		return Tag{}, err
	}
	version := 0
	var old *Verdict
	if cur != nil {
		version, old = cur.Version, &cur.Verdict
	}
	if r.Seen != nil && *r.Seen != version {
		return Tag{}, &Error{Conflict: true, Current: cur,
			Message: fmt.Sprintf("incident %s was tagged again since you loaded it (version %d, you saw %d): reload to see the change", r.IncidentID, version, *r.Seen)}
	}
	t := Tag{Source: r.Source, IncidentID: r.IncidentID, Verdict: r.Verdict, Reviewer: r.Reviewer, UpdatedAt: now, Version: version + 1}
	if cur != nil && cur.Verdict == r.Verdict {
		return *cur, nil // the same verdict again changes nothing, and keeps no history line
	}
	if _, err := tx.ExecContext(ctx, `delete from review_tags where source = ? and incident_id = ?`, r.Source, r.IncidentID); err != nil {
		return Tag{}, err
	}
	if _, err := tx.ExecContext(ctx, `insert into review_tags values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Source, t.IncidentID, t.Tag, t.Reason, t.Note, t.Owner, t.FollowUpURL, t.Reviewer, now, t.Version); err != nil {
		return Tag{}, err
	}
	newJSON, _ := json.Marshal(t.Verdict)
	var oldJSON any
	if old != nil {
		b, _ := json.Marshal(old)
		oldJSON = string(b)
	}
	if _, err := tx.ExecContext(ctx, `insert into review_tag_history values (?, ?, ?, ?, ?, ?, ?)`,
		t.Source, t.IncidentID, t.Version, now, t.Reviewer, oldJSON, string(newJSON)); err != nil {
		return Tag{}, err
	}
	return t, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func current(ctx context.Context, q queryer, source, incident string) (*Tag, error) {
	t := Tag{Source: source, IncidentID: incident}
	err := q.QueryRowContext(ctx, `select tag, reason, note, owner, follow_up_url, reviewer, updated_at, version
		from review_tags where source = ? and incident_id = ?`, source, incident).
		Scan(&t.Tag, &t.Reason, &t.Note, &t.Owner, &t.FollowUpURL, &t.Reviewer, &t.UpdatedAt, &t.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Current is an incident's tag, nil when it has none.
func (s *Store) Current(ctx context.Context, source, incident string) (*Tag, error) {
	return current(ctx, s.db, source, incident)
}

// History lists every change of an incident's tag, oldest first.
func (s *Store) History(ctx context.Context, source, incident string) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `select version, changed_at, changed_by, old_value::varchar, new_value::varchar
		from review_tag_history where source = ? and incident_id = ? order by version`, source, incident)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var oldJSON sql.NullString
		var newJSON string
		if err := rows.Scan(&c.Version, &c.ChangedAt, &c.ChangedBy, &oldJSON, &newJSON); err != nil {
			return nil, err
		}
		if oldJSON.Valid {
			c.Old = &Verdict{}
			if err := json.Unmarshal([]byte(oldJSON.String), c.Old); err != nil {
				return nil, err
			}
		}
		if err := json.Unmarshal([]byte(newJSON), &c.New); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FollowUp is a change made to a rule so that it pages less.
type FollowUp struct {
	ID        string     `json:"id"`
	RuleID    string     `json:"rule_id"`
	TicketURL string     `json:"ticket_url"`
	Change    string     `json:"change"`
	ShippedOn *time.Time `json:"shipped_on"` // the date it shipped; nil while not shipped
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// Validate checks a follow-up before it is stored.
func (f *FollowUp) Validate() error {
	if strings.TrimSpace(f.RuleID) == "" {
		return invalid("rule_id", "required")
	}
	if strings.TrimSpace(f.Change) == "" {
		return invalid("change", "required: what was changed, such as \"raised the threshold to 95 %% for 10 minutes\"")
	}
	if f.TicketURL != "" {
		u, err := url.Parse(f.TicketURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("ticket_url", "want an http(s) link to the ticket, got %q", f.TicketURL)
		}
	}
	if strings.TrimSpace(f.CreatedBy) == "" {
		return invalid("created_by", "required")
	}
	return nil
}

// AddFollowUp stores a follow-up of a rule and returns it with its id.
func (s *Store) AddFollowUp(ctx context.Context, f FollowUp) (FollowUp, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	f.CreatedAt = s.now().UTC()
	f.ID = fmt.Sprintf("fu-%d", f.CreatedAt.UnixNano())
	var shipped any
	if f.ShippedOn != nil {
		shipped = f.ShippedOn.Format("2006-01-02")
	}
	err := s.gate.Do(func() (bool, error) {
		_, err := s.db.ExecContext(ctx, `insert into rule_follow_ups values (?, ?, ?, ?, ?::date, ?, ?)`,
			f.ID, f.RuleID, f.TicketURL, f.Change, shipped, f.CreatedBy, f.CreatedAt)
		return err == nil, err
	})
	return f, err
}

// FollowUps lists a rule's follow-ups ("" for every rule's), newest shipped first.
func (s *Store) FollowUps(ctx context.Context, ruleID string) ([]FollowUp, error) {
	rows, err := s.db.QueryContext(ctx, `select follow_up_id, rule_id, ticket_url, change, shipped_on, created_by, created_at
		from rule_follow_ups where ? = '' or rule_id = ? order by shipped_on desc nulls first, created_at desc`, ruleID, ruleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []FollowUp{}
	for rows.Next() {
		var f FollowUp
		var shipped sql.NullTime
		if err := rows.Scan(&f.ID, &f.RuleID, &f.TicketURL, &f.Change, &shipped, &f.CreatedBy, &f.CreatedAt); err != nil {
			return nil, err
		}
		if shipped.Valid {
			t := shipped.Time
			f.ShippedOn = &t
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
