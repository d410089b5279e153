// Package api serves alertlens over HTTP: the versioned JSON/CSV API under /api/v1/, the
// dashboards, /healthz and /metrics. It is strictly HTTP: handlers parse the request, call
// the Analytics interface and render; the numbers come from package analytics.
package api

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/report"
	"github.com/alertlens/alertlens/dashboards"
	"github.com/alertlens/alertlens/ingest/review"
)

// Analytics is what the handlers need; *analytics.Service satisfies it.
type Analytics interface {
	Reports // the weekly review and the reports (api/review.go)
	OnCall  // the on-call endpoints and page (api/oncall.go)
	Overview(ctx context.Context) (report.Overview, error)
	CheckFilter(ctx context.Context, f report.Filter) error
	MonthlyGoal(ctx context.Context, f report.Filter) ([]report.GoalMonth, error)
	Pace(ctx context.Context, scopeType, scope string) (report.Pace, error)
	Rules(ctx context.Context, f report.Filter) ([]report.RuleStats, error)
	Rule(ctx context.Context, ruleID string, f report.Filter) (report.RuleStats, error)
	RuleHistory(ctx context.Context, ruleID string, f report.Filter) ([]report.RuleMonth, error)
	Incidents(ctx context.Context, f report.Filter, ruleID string) ([]report.Incident, error)
	Pages(ctx context.Context, f report.Filter) ([]report.Page, error)
	Windows(ctx context.Context, f report.Filter) ([]report.WindowCount, error)
	Coverage(ctx context.Context, f report.Filter) (report.Coverage, error)
	Responders(ctx context.Context, f report.Filter) ([]report.ResponderLoad, error)
	Fairness(ctx context.Context, f report.Filter) ([]report.Fairness, error)
	Heatmap(ctx context.Context, f report.Filter) ([]report.HeatCell, error)
	Response(ctx context.Context, f report.Filter) (report.Response, error)
	PathToGoal(ctx context.Context, f report.Filter) (report.PathToGoal, error)
	WhatIf(ctx context.Context, f report.Filter, changes []report.RuleChange) ([]report.WhatIfMonth, error)
	// The person and rule pages' drill-downs.
	Person(ctx context.Context, source, id string, f report.Filter) (report.Person, error)
	PersonPages(ctx context.Context, source, id string, f report.Filter) ([]report.Page, error)
	PersonHeatmap(ctx context.Context, source, id string, f report.Filter) ([]report.HeatCell, error)
	RulePages(ctx context.Context, ruleID string, f report.Filter) ([]report.Page, error)
}

var _ Analytics = (*analytics.Service)(nil)

// Options configure a Server.
type Options struct {
	Logger *slog.Logger // nil: discard
	Tokens Tokens       // from AuthConfig.Load; empty: auth off
	// QueryTimeout bounds each request: its queries are interrupted past it and the
	// request answers 503. 0: DefaultQueryTimeout; negative: no deadline.
	QueryTimeout time.Duration
	// MaxQueries caps the requests that query the database at once (0: twice the
	// cores). DuckDB runs each query on every core, so more at once only share the
	// cores and multiply the memory; past the cap a request waits its turn within its
	// deadline, and load slows answers down instead of taking the machine's memory.
	MaxQueries int
	// Generation changes whenever a build commits (the live server's build count):
	// read answers are kept until it changes (responseCache); nil: nothing is kept.
	Generation func() uint64
	// AlertmanagerIngest handles POST /api/v1/ingest/alertmanager; nil: not mounted.
	AlertmanagerIngest http.Handler
	// LastSync reports when any source last synced, for /metrics; nil: not reported.
	LastSync func(ctx context.Context) (time.Time, error)
	// Live is the serving process's one writer: with it the server mounts the status
	// and the endpoints the other commands use beside a running server; nil: not mounted.
	Live Live
	// Review stores the weekly review's tags and follow-ups, writing through the live
	// writer's gate; nil: the tag and follow-up endpoints are not mounted.
	Review *review.Store
	// UserHeader is the header an authenticating proxy sets to the signed-in user
	// (config api.user_header); "" trusts no such header.
	UserHeader string
}

// Server is the HTTP server's handler.
type Server struct {
	a       Analytics
	log     *slog.Logger
	tokens  Tokens
	timeout time.Duration  // <= 0: no deadline
	slots   chan struct{}  // one per query allowed at once
	cache   *responseCache // nil: answers are not kept
	live    Live
	review  *review.Store
	// userHeader is Options.UserHeader.
	userHeader string
	engine     *gin.Engine
	metrics    *metrics
	routes     []route
}

// New builds the server's routes.
func New(a Analytics, opts Options) *Server {
	gin.SetMode(gin.ReleaseMode)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{a: a, log: log, tokens: opts.Tokens, live: opts.Live, review: opts.Review, userHeader: opts.UserHeader}
	if s.timeout = opts.QueryTimeout; s.timeout == 0 {
		s.timeout = DefaultQueryTimeout
	}
	if opts.MaxQueries <= 0 {
		opts.MaxQueries = 2 * runtime.GOMAXPROCS(0)
	}
	s.slots = make(chan struct{}, opts.MaxQueries)
	if opts.Generation != nil {
		s.cache = newResponseCache(opts.Generation)
	}
	s.metrics = newMetrics(s, opts.LastSync)
	e := gin.New()
	e.UseRawPath = true // rule ids may hold an escaped "/"
	e.UnescapePathValues = true
	e.Use(gin.CustomRecovery(func(c *gin.Context, err any) {
		s.log.Error("panic", "route", c.FullPath(), "err", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, errorBody("", "internal error"))
	}), s.requestLog(), s.metrics.middleware())
	s.routes = append(append(s.routeTable(opts.AlertmanagerIngest), s.pageRoutes()...), s.liveRoutes()...)
	s.routes = append(s.routes, s.reviewRoutes()...)
	s.routes = append(s.routes, s.oncallRoutes()...)
	for _, r := range s.routes {
		e.Handle(r.method, r.path, s.authorize(r.access), s.cache.middleware(r), s.deadline(r), s.queue(r), r.handler)
	}
	e.NoRoute(s.noRoute)
	s.engine = e
	if s.cache != nil {
		s.cache.replay = func(r *http.Request) {
			e.ServeHTTP(discard{header: http.Header{}}, r.WithContext(context.WithValue(r.Context(), ownRequest{}, true)))
		}
		s.cache.start = startPaths(s.routes)
	}
	return s
}

// ownRequest marks the server's own requests (responseCache's refreshes and warm-ups)
// in their context, which no client can set: they pass auth, as the requests they
// repeat passed it, or as the answers they compute ahead are only served to requests
// that pass it.
type ownRequest struct{}

// startPaths are the routes the cache computes when the server starts: every cached
// read without path parameters, at its defaults, the dashboard pages first.
func startPaths(routes []route) []string {
	var pages, endpoints []string
	for _, r := range routes {
		if r.method != http.MethodGet || !cacheable(r) || strings.ContainsAny(r.path, ":*") {
			continue
		}
		if strings.HasPrefix(r.path, "/api/") {
			endpoints = append(endpoints, r.path)
		} else {
			pages = append(pages, r.path)
		}
	}
	return append(pages, endpoints...)
}

// Run keeps the cached answers warm until ctx ends: it computes the default answers of
// the pages and endpoints when it starts, and after each build the answers asked for
// before it (responseCache.warm). Without it the server works the same, and the first
// request of an answer computes it.
func (s *Server) Run(ctx context.Context) { s.cache.warm(ctx) }

// discard is the response writer of the server's own requests (refresh and warm-up):
// the answer goes to the cache, not to anyone.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// requestLog logs one line per request: method, route, status, bytes and time. It never
// logs headers or query strings, so no token can reach the log.
func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.log.Info("request", "method", c.Request.Method, "route", route, "status", c.Writer.Status(),
			"bytes", c.Writer.Size(), "ms", float64(time.Since(start).Microseconds())/1000, "client", c.ClientIP())
	}
}

// DefaultQueryTimeout is Options.QueryTimeout's default: far above what a dashboard's
// queries take on years of history, short enough that a runaway query cannot hold a
// connection and a core for good.
const DefaultQueryTimeout = 30 * time.Second

// deadline gives the request's context the server's timeout, so every query it runs is
// interrupted past it (fail answers 503), unless the route is exempt.
func (s *Server) deadline(r route) gin.HandlerFunc {
	if s.timeout <= 0 || r.noDeadline {
		return func(c *gin.Context) { c.Next() }
	}
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.timeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// queue lets at most MaxQueries requests that query the database run at once. Routes
// that do not query (the liveness probe, assets, the webhook, which has its own group
// commit) and the long writes (which pass the write gate) do not queue.
func (s *Server) queue(r route) gin.HandlerFunc {
	if r.access == open || r.noDeadline || strings.HasPrefix(r.path, "/assets/") || strings.HasPrefix(r.path, "/api/v1/ingest/") {
		return func(c *gin.Context) { c.Next() }
	}
	return func(c *gin.Context) {
		select {
		case s.slots <- struct{}{}: // a free slot is taken even past the deadline: the query then says so
		default:
			select {
			case s.slots <- struct{}{}:
			case <-c.Request.Context().Done():
				c.AbortWithStatusJSON(http.StatusServiceUnavailable, errorBody("",
					fmt.Sprintf("the server is busy: no query slot came free within the %s deadline; try again", s.timeout)))
				return
			}
		}
		defer func() { <-s.slots }()
		c.Next()
	}
}

func assetsFS() http.FileSystem {
	sub, err := fs.Sub(dashboards.Assets(), ".")
	if err != nil {
		panic(err)
	}
	return http.FS(sub)
}

// Route is one served method and path, in OpenAPI's form (/rules/{id}).
type Route struct{ Method, Path string }

// Routes lists what the server serves, as gin registered it.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: openAPIPath(r.Path)})
	}
	return out
}
