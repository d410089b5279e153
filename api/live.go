package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/ingest/file"
	"github.com/alertlens/alertlens/ingest/live"
	"github.com/alertlens/alertlens/ingest/rules"
)

// Live is the serving process's one writer, for the endpoints through which the other
// commands work beside a running server; *live.Service satisfies it.
type Live interface {
	Status(ctx context.Context) (live.Status, error)
	Import(ctx context.Context, req live.ImportRequest, r io.Reader) (file.Result, error)
	ImportRules(ctx context.Context, paths []rules.Path) error
	Build(ctx context.Context) (models.BuildReport, error)
	SyncNow(ctx context.Context, name string) (live.SyncResult, error)
	Sources() map[string]string
	Query(ctx context.Context, query string) (analytics.QueryResult, error)
	Backup(ctx context.Context) (string, error)
}

var _ Live = (*live.Service)(nil)

// Body limits of the write endpoints. An import file is streamed and staged in the
// database, so it may be large; the others are small JSON documents.
const (
	MaxImportBytes = 2 << 30
	MaxRulesBytes  = 64 << 20
	MaxQueryBytes  = 1 << 20
)

// BuildAnswer is what POST /api/v1/build answers: the build's report, as `alertlens
// build` prints it.
type BuildAnswer struct {
	Models     []BuildModel `json:"models"`
	Incidents  int64        `json:"incidents"`
	Pages      int64        `json:"pages"`
	DurationMS float64      `json:"duration_ms"`
	// Full is true when every incident was recomputed, and FullReason says why; an
	// incremental build recomputed the Changed incidents (new, changed or gone since
	// the last build) and their alert rules' incidents of the 24 hours after them
	// (Recomputed in all), of which Touched had stored rows that changed.
	Full       bool   `json:"full"`
	FullReason string `json:"full_reason,omitempty"`
	Changed    int64  `json:"changed"`
	Recomputed int64  `json:"recomputed"`
	Touched    int64  `json:"touched"`
}

// BuildModel is one model of a build.
type BuildModel struct {
	Layer      string  `json:"layer"`
	Name       string  `json:"name"`
	Rows       int64   `json:"rows"` // -1 for a view
	DurationMS float64 `json:"duration_ms"`
	// Scope tells, in an incremental build, what the model recomputed ("1204
	// incidents", "month: 2026-11-01, 2026-12-01", "unchanged"); empty when in full.
	Scope string `json:"scope,omitempty"`
}

// NewBuildAnswer is the wire form of a build report.
func NewBuildAnswer(rep models.BuildReport) BuildAnswer {
	a := BuildAnswer{Models: []BuildModel{}, Incidents: rep.Incidents, Pages: rep.Pages, DurationMS: ms(rep.Duration),
		Full: rep.Full, FullReason: rep.FullReason, Changed: rep.Changed, Recomputed: rep.Recomputed, Touched: rep.Touched}
	for _, m := range rep.Models {
		a.Models = append(a.Models, BuildModel{Layer: m.Model.Layer, Name: m.Model.Name, Rows: m.Rows, DurationMS: ms(m.Duration), Scope: m.Scope})
	}
	return a
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// QueryBody is POST /api/v1/sql's body.
type QueryBody struct {
	Query string `json:"query"`
}

// RulesBody is POST /api/v1/rules/import's body: the paths as the command read them.
type RulesBody struct {
	Paths []rules.Path `json:"paths"`
}

func (s *Server) liveRoutes() []route {
	if s.live == nil {
		return nil
	}
	return []route{
		{method: "GET", path: "/api/v1/status", summary: "The server, each source's last sync, cursor and rows, the webhook's last delivery and the last build",
			access: read, response: live.Status{}, handler: s.status},
		{method: "POST", path: "/api/v1/import", summary: "Import one file in the import format (the body: JSON Lines or CSV), in one transaction, through the server's one writer",
			access: write, query: []string{"name", "source", "import_format", "skip_invalid"}, response: file.Result{}, noDeadline: true, handler: s.importFile},
		{method: "POST", path: "/api/v1/rules/import", summary: "Replace the rule definitions of each path (the body: the paths as `alertlens rules import` read them)",
			access: write, body: RulesBody{}, response: map[string]int{}, noDeadline: true, handler: s.importRules},
		{method: "POST", path: "/api/v1/build", summary: "Rebuild the models now and wait for the build",
			access: write, response: BuildAnswer{}, noDeadline: true, handler: s.build},
		{method: "POST", path: "/api/v1/sources/:name/sync", summary: "Sync a scheduled source now and wait for it",
			access: write, response: live.SyncResult{}, noDeadline: true, handler: s.syncSource},
		{method: "GET", path: "/api/v1/backup", summary: "A consistent copy of the database file, taken between two writes (needs a write token: it holds everything)",
			access: write, content: "application/octet-stream", noDeadline: true, handler: s.backup},
		{method: "POST", path: "/api/v1/sql", summary: "One read-only SQL query (needs a write token: a query can read every stored payload)",
			access: write, body: QueryBody{}, response: analytics.QueryResult{}, handler: s.query},
	}
}

func (s *Server) status(c *gin.Context) {
	st, err := s.live.Status(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// longWrite lifts the server's read and write deadlines for a request that rightly runs
// long: an import of a large file, a build, a sync.
func longWrite(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
}

func (s *Server) importFile(c *gin.Context) {
	longWrite(c)
	req := live.ImportRequest{Name: c.DefaultQuery("name", "<request body>"), Format: c.DefaultQuery("import_format", "jsonl"),
		Source: c.DefaultQuery("source", "file")}
	if v := c.Query("skip_invalid"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.fail(c, badParam("skip_invalid", "want true or false, got %q", v))
			return
		}
		req.SkipInvalid = b
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, MaxImportBytes)
	res, err := s.live.Import(c.Request.Context(), req, body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge,
				errorBody("body", fmt.Sprintf("the body is over the limit of %d bytes", tooBig.Limit)))
			return
		}
		var le *file.LineError
		if errors.As(err, &le) {
			c.AbortWithStatusJSON(http.StatusBadRequest, errorBody("body", err.Error()))
			return
		}
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) importRules(c *gin.Context) {
	longWrite(c)
	var body RulesBody
	if !s.readJSON(c, MaxRulesBytes, &body) {
		return
	}
	if len(body.Paths) == 0 {
		s.fail(c, badParam("paths", "want at least one path"))
		return
	}
	if err := s.live.ImportRules(c.Request.Context(), body.Paths); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, map[string]int{"paths": len(body.Paths)})
}

func (s *Server) build(c *gin.Context) {
	longWrite(c)
	rep, err := s.live.Build(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, NewBuildAnswer(rep))
}

func (s *Server) syncSource(c *gin.Context) {
	longWrite(c)
	name := c.Param("name")
	if _, ok := s.live.Sources()[name]; !ok {
		c.AbortWithStatusJSON(http.StatusNotFound, errorBody("name",
			fmt.Sprintf("the server has no scheduled source %q: add it under sources: in the server's config (see docs/operations.md)", name)))
		return
	}
	res, err := s.live.SyncNow(c.Request.Context(), name)
	if err != nil {
		s.log.Error("sync through the API failed", "source", name, "error", err.Error())
		c.AbortWithStatusJSON(http.StatusBadGateway, errorBody("", "sync of "+name+" failed: "+err.Error()))
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) query(c *gin.Context) {
	var body QueryBody
	if !s.readJSON(c, MaxQueryBytes, &body) {
		return
	}
	if body.Query == "" {
		s.fail(c, badParam("query", "required"))
		return
	}
	res, err := s.live.Query(c.Request.Context(), body.Query)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *Server) backup(c *gin.Context) {
	longWrite(c)
	path, err := s.live.Backup(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	defer os.Remove(path)
	f, err := os.Open(path)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.DataFromReader(http.StatusOK, info.Size(), "application/octet-stream", f,
		map[string]string{"Content-Disposition": `attachment; filename="alertlens.duckdb"`})
}

// readJSON decodes a JSON body of at most limit bytes; on failure it answers (413 for a
// body over the limit, 400 otherwise) and reports false.
func (s *Server) readJSON(c *gin.Context, limit int64, v any) bool {
	raw, ok := s.readBody(c, limit)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.fail(c, badParam("body", "want a JSON document: %v", err))
		return false
	}
	return true
}

// liveCollector reads the live status once per scrape: how fresh the data and the
// build are, and how each scheduled source is doing.
type liveCollector struct{ live Live }

var (
	descDataUpTo  = prometheus.NewDesc("alertlens_data_newest_incident_timestamp_seconds", "Creation time of the newest stored incident (Unix time; 0 when none).", nil, nil)
	descBuiltAt   = prometheus.NewDesc("alertlens_served_build_timestamp_seconds", "When the build that is served started (Unix time; 0 when never built).", nil, nil)
	descBuildDur  = prometheus.NewDesc("alertlens_build_duration_seconds", "How long the last good build took.", nil, nil)
	descBuilds    = prometheus.NewDesc("alertlens_builds_total", "Good builds since the server started.", nil, nil)
	descPending   = prometheus.NewDesc("alertlens_build_pending_seconds", "How long the oldest write not yet in a build has waited (0 when the models are current).", nil, nil)
	descBuildFail = prometheus.NewDesc("alertlens_build_failing", "1 when the last build failed (the one before it is served).", nil, nil)
	descSrcOK     = prometheus.NewDesc("alertlens_source_last_success_timestamp_seconds", "When a scheduled source last synced without error (Unix time; 0 when never).", []string{"source", "kind"}, nil)
	descSrcFail   = prometheus.NewDesc("alertlens_source_consecutive_failures", "Failed syncs of a scheduled source in a row.", []string{"source", "kind"}, nil)
	descWebhook   = prometheus.NewDesc("alertlens_webhook_last_delivery_timestamp_seconds", "When the Alertmanager receiver last stored a notification (Unix time; 0 since start).", nil, nil)
)

func (l liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDataUpTo, descBuiltAt, descBuildDur, descBuilds, descPending, descBuildFail, descSrcOK, descSrcFail, descWebhook} {
		ch <- d
	}
}

func unix(t *time.Time) float64 {
	if t == nil || t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

func (l liveCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := l.live.Status(ctx)
	if err != nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descDataUpTo, unix(st.DataUpTo))
	gauge(descBuiltAt, unix(st.BuiltAt))
	if b := st.Build; b != nil {
		gauge(descBuildDur, b.Duration.Seconds())
		ch <- prometheus.MustNewConstMetric(descBuilds, prometheus.CounterValue, float64(b.Builds))
		pending := 0.0
		if !b.Pending.IsZero() {
			pending = time.Since(b.Pending).Seconds()
		}
		gauge(descPending, pending)
		failing := 0.0
		if b.LastError != "" {
			failing = 1
		}
		gauge(descBuildFail, failing)
	}
	for _, src := range st.Sources {
		if src.Run == nil {
			continue
		}
		gauge(descSrcOK, unix(&src.Run.LastSuccess), src.Name, src.Kind)
		gauge(descSrcFail, float64(src.Run.Failures), src.Name, src.Kind)
	}
	if st.Webhook != nil {
		gauge(descWebhook, unix(st.Webhook.LastDelivery))
	}
}
