package api_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/api"
	"github.com/alertlens/alertlens/config"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/demo"
	"github.com/alertlens/alertlens/ingest/review"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// The demo history (a year of Northwind) is built once per test binary and shared by
// the browser test and the benchmarks; it takes about 15 s.
var (
	demoOnce sync.Once
	demoDir  string
	demoErr  error
	demoDBh  *sql.DB
)

func TestMain(m *testing.M) {
	code := m.Run()
	if demoDBh != nil {
		demoDBh.Close()
	}
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

func demoDB(tb testing.TB) *sql.DB {
	tb.Helper()
	demoOnce.Do(func() {
		ctx := context.Background()
		if demoDir, demoErr = os.MkdirTemp("", "alertlens-demo-"); demoErr != nil {
			return
		}
		var db *sql.DB
		if db, demoErr = sqlmodels.Open(ctx, filepath.Join(demoDir, "demo.duckdb")); demoErr != nil {
			return
		}
		demoDBh = db
		var cfg *config.Config
		if cfg, demoErr = config.Parse(demo.Config, "demo alertlens.yaml"); demoErr != nil {
			return
		}
		if _, demoErr = demo.Generate(ctx, db, demo.Options{Seed: demo.DefaultSeed, Progress: io.Discard}); demoErr != nil {
			return
		}
		_, demoErr = models.Build(ctx, db, cfg)
	})
	if demoErr != nil {
		tb.Fatalf("demo history: %v", demoErr)
	}
	return demoDBh
}

// demoServer serves the demo history on a real listener, with the review's tag store
// (the review page writes through it).
func demoServer(tb testing.TB) (*httptest.Server, *analytics.Service) {
	tb.Helper()
	db := demoDB(tb)
	svc := analytics.New(db)
	srv := httptest.NewServer(api.New(svc, api.Options{Review: review.New(db, ingest.NewGate(nil)), Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}))
	tb.Cleanup(srv.Close)
	return srv, svc
}
