package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so that several
// servers (tests) do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(s *Server, lastSync func(context.Context) (time.Time, error)) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertlens_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "alertlens_http_request_duration_seconds", Help: "HTTP request latency by route, method and status.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})
	// Timestamps are read when Prometheus scrapes, so they are never stale.
	lastBuild := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "alertlens_last_build_timestamp_seconds", Help: "When the models were last built (Unix time; 0 when never).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ov, err := s.a.Overview(ctx)
		if err != nil || ov.BuiltAt.IsZero() {
			return 0
		}
		return float64(ov.BuiltAt.Unix())
	})
	m.reg.MustRegister(m.requests, m.latency, lastBuild,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s.live != nil {
		m.reg.MustRegister(liveCollector{s.live})
	}
	if lastSync != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "alertlens_last_sync_timestamp_seconds", Help: "When any source last synced (Unix time; 0 when never).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			t, err := lastSync(ctx)
			if err != nil || t.IsZero() {
				return 0
			}
			return float64(t.Unix())
		}))
	}
	return m
}

// middleware counts and times every request by its route template (never the raw path,
// so rule ids do not make unbounded label values).
func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		labels := prometheus.Labels{"route": route, "method": c.Request.Method, "status": strconv.Itoa(c.Writer.Status())}
		m.requests.With(labels).Inc()
		m.latency.With(labels).Observe(time.Since(start).Seconds())
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
