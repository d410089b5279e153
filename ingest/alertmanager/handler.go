// Package alertmanager receives Alertmanager's webhook notifications (payload version 4)
// and stores each alert as an incident. Alertmanager does not say who was paged, so no
// notifications are stored: the models infer pages from urgency.
package alertmanager

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alertlens/alertlens/ingest"
)

// MaxBodyBytes bounds a request body. Alertmanager's largest notifications (hundreds of
// alerts with long annotations) stay well below it.
const MaxBodyBytes = 5 << 20

// Handler is the webhook receiver, an http.Handler for POST requests.
type Handler struct {
	db       *sql.DB
	cfg      Config
	high     map[string]bool
	tokenSum *[sha256.Size]byte // nil when no token is required
	logger   *slog.Logger
	gate     *ingest.Gate // the serving process's one writer; nil: write directly

	lastDelivery atomic.Int64 // unix nanoseconds of the last stored notification

	// mu guards the queue of deliveries waiting for a commit. One batch is stored at a
	// time, from the read of already-resolved incidents to the commit: two deliveries
	// for the same alert (a resend racing its resolve) must not interleave, and DuckDB
	// would refuse two transactions replacing one row.
	mu      sync.Mutex
	queue   []*delivery
	storing bool // a request is storing a batch
}

// NewHandler builds the receiver. When cfg.TokenEnv is set, that environment variable
// must hold the token, or NewHandler fails rather than accept anyone.
func NewHandler(db *sql.DB, cfg Config, logger *slog.Logger) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	h := &Handler{db: db, cfg: cfg, high: map[string]bool{}, logger: logger}
	for _, s := range cfg.HighSeverities {
		h.high[strings.ToLower(strings.TrimSpace(s))] = true
	}
	if cfg.TokenEnv != "" {
		token := os.Getenv(cfg.TokenEnv)
		if token == "" {
			return nil, fmt.Errorf("alertmanager.token_env: environment variable %s is empty or not set", cfg.TokenEnv)
		}
		sum := sha256.Sum256([]byte(token))
		h.tokenSum = &sum
	}
	return h, nil
}

// Through sends the handler's commits through g, the serving process's one writer.
func (h *Handler) Through(g *ingest.Gate) *Handler {
	h.gate = g
	return h
}

// LastDelivery is when the last notification was stored; zero before the first.
func (h *Handler) LastDelivery() time.Time {
	if n := h.lastDelivery.Load(); n != 0 {
		return time.Unix(0, n).UTC()
	}
	return time.Time{}
}

// ServeHTTP stores one notification: 200 with what was stored, 400 for a malformed
// body (nothing stored), 401 without the token, 413 for a body over MaxBodyBytes.
// Store failures answer 500, which Alertmanager retries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "want a POST of an Alertmanager webhook notification"})
		return
	}
	if !h.authorized(r) {
		h.logger.Warn("alertmanager: rejected a request without the right bearer token", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="alertlens"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token (Authorization: Bearer <token>)"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("body: want at most %d MiB", MaxBodyBytes>>20)})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body: could not be read: " + err.Error()})
		return
	}
	n, err := parseNotification(body)
	if err != nil {
		h.logger.Warn("alertmanager: rejected a malformed notification", "error", err.Error(), "remote", r.RemoteAddr)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	res, err := h.store(r.Context(), n)
	if err != nil {
		h.logger.Error("alertmanager: could not store a notification", "receiver", n.receiver, "alerts", len(n.alerts), "error", err.Error())
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "the notification could not be stored; see the server log"})
		return
	}
	h.lastDelivery.Store(time.Now().UnixNano())
	h.logger.Info("alertmanager: stored a notification", "receiver", n.receiver, "alerts", len(n.alerts),
		"new", res.New, "updated", res.Updated, "kept_resolved", res.KeptResolved)
	writeJSON(w, http.StatusOK, res)
}

// authorized compares the bearer token in constant time. Both sides are hashed first,
// so that neither the token's content nor its length leaks through timing.
func (h *Handler) authorized(r *http.Request) bool {
	if h.tokenSum == nil {
		return true
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(sum[:], h.tokenSum[:]) == 1
}

// Result tells what one notification changed.
type Result struct {
	Alerts  int `json:"alerts"`
	New     int `json:"new"`     // incidents not seen before
	Updated int `json:"updated"` // incidents replaced in place (a resend or a resolve)
	// KeptResolved counts firing alerts for an incident already stored as resolved:
	// a late resend of the firing notification, ignored so it cannot reopen it.
	KeptResolved int `json:"kept_resolved"`
}

// delivery is one notification waiting to be stored.
type delivery struct {
	n    notification
	res  Result
	err  error
	done chan struct{} // closed once stored (or failed)
	lead chan struct{} // closed when this delivery's request is to store the queue
}

// store writes the notification and returns once it is committed. Deliveries that
// arrive while another commit runs queue up and are stored together in the next one
// (group commit): under a burst, a commit's cost is paid once per batch instead of once
// per delivery, and each delivery is still answered only after its own data is in the
// store. The request whose delivery found no commit running stores the queue, then
// hands the role to the first delivery that queued meanwhile, so no request waits for
// more than two commits.
func (h *Handler) store(ctx context.Context, n notification) (Result, error) {
	d := &delivery{n: n, res: Result{Alerts: len(n.alerts)}, done: make(chan struct{}), lead: make(chan struct{})}
	h.mu.Lock()
	h.queue = append(h.queue, d)
	if !h.storing {
		h.storing = true
		close(d.lead)
	}
	h.mu.Unlock()
	select {
	case <-d.done:
	case <-d.lead:
		h.mu.Lock()
		batch := h.queue
		h.queue = nil
		h.mu.Unlock()
		// The batch holds other requests' deliveries: it is stored even if this
		// request goes away, within a deadline of its own.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		err := h.storeBatch(bctx, batch)
		cancel()
		for _, b := range batch {
			if err != nil {
				b.err = err
			}
			close(b.done)
		}
		h.mu.Lock()
		if len(h.queue) > 0 {
			close(h.queue[0].lead)
		} else {
			h.storing = false
		}
		h.mu.Unlock()
	}
	return d.res, d.err
}

// storeBatch writes the deliveries in one commit, in their order of arrival: a resolve
// after a firing copy of the same alert wins, and a firing copy after a resolve (a late
// resend) is kept out, as if each had been committed on its own. It uses a Writer of
// its own: a Writer holds a connection with staging tables, and one per batch keeps no
// connection pinned between bursts, needs no shutdown, and starts with empty staging
// tables whatever the last batch did.
func (h *Handler) storeBatch(ctx context.Context, batch []*delivery) error {
	var firing, all []string
	for _, d := range batch {
		for _, a := range d.n.alerts {
			all = append(all, a.incidentID())
			if a.status == statusFiring {
				firing = append(firing, a.incidentID())
			}
		}
	}
	resolved, err := h.storedIncidents(ctx, firing, true)
	if err != nil {
		return err
	}
	known, err := h.storedIncidents(ctx, all, false)
	if err != nil {
		return err
	}
	w, err := ingest.NewWriter(ctx, h.db, h.cfg.Source)
	if err != nil {
		return err
	}
	defer w.Close()
	w.Through(h.gate)
	staged := 0
	for _, d := range batch {
		counted := map[string]bool{}
		for _, a := range d.n.alerts {
			id := a.incidentID()
			if a.status == statusFiring && resolved[id] {
				// Alertmanager resends the last firing notification until the resolved
				// one goes out, and deliveries can overtake each other: once an episode
				// (fingerprint and startsAt) is resolved, a firing copy of it is stale.
				d.res.KeptResolved++
				continue
			}
			if a.status == statusResolved {
				resolved[id] = true
			}
			inc, svc := h.incident(d.n, a)
			if err := w.Raw(ingest.Raw{Kind: "alert", ID: id, Payload: a.raw}); err != nil {
				return err
			}
			if err := w.Service(svc); err != nil {
				return err
			}
			if err := w.Incident(inc); err != nil {
				return err
			}
			staged++
			if !counted[id] {
				counted[id] = true
				if known[id] {
					d.res.Updated++
				} else {
					d.res.New++
				}
			}
			known[id] = true
		}
	}
	if staged == 0 {
		return nil
	}
	_, err = w.Commit(ctx)
	return err
}

// storedIncidents returns which of the ids are stored already (only those stored as
// resolved, with onlyResolved).
func (h *Handler) storedIncidents(ctx context.Context, ids []string, onlyResolved bool) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	query := `select incident_id from incidents where source = ? and incident_id in (select unnest(?::varchar[]))`
	if onlyResolved {
		query += ` and resolved_at is not null`
	}
	rows, err := h.db.QueryContext(ctx, query, h.cfg.Source, ids)
	if err != nil {
		return nil, fmt.Errorf("alertmanager: read stored incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// incident maps one alert to its incident and service. The payload's common labels
// and annotations fill in what an alert does not carry itself (Alertmanager's are
// shared by every alert, but some senders put them only there).
func (h *Handler) incident(n notification, a alert) (ingest.Incident, ingest.Service) {
	labels := merged(n.commonLabels, a.labels)
	annotations := merged(n.commonAnnotations, a.annotations)

	urgency := "low"
	if h.high[strings.ToLower(labels["severity"])] {
		urgency = "high"
	}
	// Kept for the models: the labels match rule definitions and runbook patterns; the
	// fingerprint and stale_after let them close an episode whose resolve never came
	// (docs/sources.md). Marshalling maps sorts the keys, so a resend stores
	// byte-identical JSON.
	kept, _ := json.Marshal(map[string]map[string]string{
		"labels":      labels,
		"annotations": annotations,
		"alertmanager": {
			"fingerprint":         a.fingerprint,
			"stale_after_seconds": strconv.Itoa(int(h.cfg.staleAfter() / time.Second)),
		},
	})
	svc := h.service(n, labels)
	inc := ingest.Incident{
		ID:         a.incidentID(),
		ServiceID:  svc.ID,
		Title:      firstOf(annotations["summary"], annotations["description"], labels["alertname"], toLabelSet(labels).String()),
		Urgency:    urgency,
		CreatedAt:  a.startsAt,
		Rule:       labels["alertname"],
		RunbookURL: runbook(annotations, labels),
		Labels:     kept,
	}
	if a.status == statusResolved {
		// Alertmanager resolves an alert by itself when its condition clears.
		inc.ResolvedAt, inc.ResolvedBy = a.endsAt, ingest.ResolvedByAuto
	}
	return inc, svc
}

// service is the alert's service: its service label, else the receiver's name, and
// apart for each value of the team label. METRICS.md keys an Alertmanager rule by
// alertname plus the service and team labels, and the models key a rule by service
// and name and take its team from the service: so alerts of two teams through one
// receiver (or one shared service) are two services, "checkout/payments" and
// "checkout/infra", each with its own team, and no alert overwrites another's team.
func (h *Handler) service(n notification, labels map[string]string) ingest.Service {
	name := labels[h.cfg.ServiceLabel]
	if name == "" {
		name = n.receiver
	}
	team := labels[h.cfg.TeamLabel]
	id := name
	if team != "" {
		id = name + "/" + team
	}
	return ingest.Service{ID: id, Name: name, Team: team, Rotation: n.receiver}
}

// labelRef is a reference to one label in an annotation template, in the forms rule
// files use: {{ $labels.instance }}, {{ .Labels.instance }}, {{ index $labels "instance" }}.
var labelRef = regexp.MustCompile(`\{\{-?\s*(?:(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)|index\s+(?:\$labels|\.Labels)\s+"([^"]*)")\s*-?\}\}`)

// runbook is the alert's runbook link: annotation runbook_url, else runbook, with
// label references expanded from the alert's labels. Prometheus expands them before
// it sends an alert, but other senders and hand-written annotations pass them on as
// written; a link that still holds {{ (an unknown label, a template function) leads
// nowhere and counts as no runbook.
func runbook(annotations, labels map[string]string) string {
	for _, key := range []string{"runbook_url", "runbook"} {
		link := strings.TrimSpace(annotations[key])
		link = labelRef.ReplaceAllStringFunc(link, func(ref string) string {
			m := labelRef.FindStringSubmatch(ref)
			if v, ok := labels[m[1]+m[2]]; ok && v != "" {
				return v
			}
			return ref
		})
		if link != "" && !strings.Contains(link, "{{") {
			return link
		}
	}
	return ""
}

func merged(common, own map[string]string) map[string]string {
	out := maps.Clone(common)
	maps.Copy(out, own)
	return out
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
