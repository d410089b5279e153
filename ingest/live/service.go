package live

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/alertlens/alertlens/analytics"
	"github.com/alertlens/alertlens/analytics/models"
	"github.com/alertlens/alertlens/ingest"
	"github.com/alertlens/alertlens/ingest/file"
	"github.com/alertlens/alertlens/ingest/rules"
)

// Options configure a Service.
type Options struct {
	DB     *sql.DB
	DBPath string // absolute, for the status and the server file
	// SpoolDir is where imports are spooled for DuckDB to read (sql.LockDown allows it).
	SpoolDir string
	Build    BuildFunc
	Jobs     []JobSpec
	// Quiet and MaxWait debounce rebuilds (defaults 1 s and 10 s): a rebuild starts when
	// no write came for Quiet, or MaxWait after the first write it waits for.
	Quiet, MaxWait time.Duration
	Logger         *slog.Logger
}

// JobSpec is a scheduled source whose sync writes through the gate it is given.
type JobSpec struct {
	Name, Kind string
	Every      time.Duration
	Sync       func(ctx context.Context, gate *ingest.Gate) (SyncResult, error)
}

// Service is the serving process's one writer and what it reports.
type Service struct {
	db        *sql.DB
	dbPath    string
	spoolDir  string
	gate      *ingest.Gate
	builder   *Builder
	scheduler *Scheduler
	log       *slog.Logger
	started   time.Time

	mu      sync.Mutex
	url     string
	webhook *webhook
}

type webhook struct {
	source string
	last   func() time.Time
}

// New returns the service; Run starts its builder and scheduler.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Quiet <= 0 {
		opts.Quiet = time.Second
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 10 * time.Second
	}
	s := &Service{db: opts.DB, dbPath: opts.DBPath, spoolDir: opts.SpoolDir, log: opts.Logger, started: time.Now().UTC()}
	s.builder = NewBuilder(opts.Build, opts.Quiet, opts.MaxWait, opts.Logger)
	s.gate = ingest.NewGate(s.builder.Changed)
	var jobs []Job
	for _, spec := range opts.Jobs {
		jobs = append(jobs, Job{Name: spec.Name, Kind: spec.Kind, Every: spec.Every,
			Sync: func(ctx context.Context) (SyncResult, error) { return spec.Sync(ctx, s.gate) }})
	}
	s.scheduler = NewScheduler(jobs, opts.Logger)
	return s
}

// Gate is the door every write of the serving process goes through.
func (s *Service) Gate() *ingest.Gate { return s.gate }

// Scheduler is the service's scheduler, for tests that tune its waits before Run.
func (s *Service) Scheduler() *Scheduler { return s.scheduler }

// WatchWebhook adds the Alertmanager receiver's last delivery to the status.
func (s *Service) WatchWebhook(source string, last func() time.Time) {
	s.mu.Lock()
	s.webhook = &webhook{source: source, last: last}
	s.mu.Unlock()
}

// Serving records the URL the server answers on, for the status, and returns the
// server's record (written beside the database for the other commands).
func (s *Service) Serving(url string) ServerInfo {
	s.mu.Lock()
	s.url = url
	s.mu.Unlock()
	return ServerInfo{PID: os.Getpid(), URL: url, DB: s.dbPath, StartedAt: s.started}
}

// Run runs the builder and the scheduler until ctx ends: syncs stop at their next page
// boundary and a build in flight is abandoned (its transaction rolls back).
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.builder.Run(ctx) })
	wg.Go(func() { s.scheduler.Run(ctx) })
	wg.Wait()
}

// Generation counts the builds that committed since the server started: an answer
// computed at one generation holds until the next.
func (s *Service) Generation() uint64 { return uint64(s.builder.Status().Builds) }

// Build runs a build now and waits for it.
func (s *Service) Build(ctx context.Context) (models.BuildReport, error) {
	return s.builder.BuildNow(ctx)
}

// SyncNow syncs a scheduled source now and waits for it.
func (s *Service) SyncNow(ctx context.Context, name string) (SyncResult, error) {
	return s.scheduler.SyncNow(ctx, name)
}

// Sources lists the scheduled sources' names and kinds.
func (s *Service) Sources() map[string]string { return s.scheduler.Kinds() }

// ImportRequest says how to read one file sent to the server.
type ImportRequest struct {
	Name        string // the file's name, for messages
	Format      string // jsonl | csv
	Source      string // the source name records are stored under
	SkipInvalid bool
}

// Import reads one file in the import format and commits it through the gate, in one
// transaction, as `alertlens import` does.
func (s *Service) Import(ctx context.Context, req ImportRequest, r io.Reader) (file.Result, error) {
	w, err := ingest.NewWriter(ctx, s.db, req.Source)
	if err != nil {
		return file.Result{}, err
	}
	defer w.Close()
	w.Through(s.gate)
	opts := file.Options{SkipInvalid: req.SkipInvalid, SpoolDir: s.spoolDir}
	switch req.Format {
	case "jsonl", "json", "":
		return file.ImportJSONL(ctx, w, req.Name, r, opts)
	case "csv":
		return file.ImportCSV(ctx, w, req.Name, r, opts)
	}
	return file.Result{}, &analytics.Error{Code: analytics.EINVALID, Param: "format", Message: fmt.Sprintf("want jsonl or csv, got %q", req.Format)}
}

// ImportRules replaces the rule definitions of each path, through the gate.
func (s *Service) ImportRules(ctx context.Context, paths []rules.Path) error {
	return s.gate.Do(func() (bool, error) {
		return true, rules.Store(ctx, s.db, paths, time.Now())
	})
}

// Query runs an ad-hoc read-only query.
func (s *Service) Query(ctx context.Context, query string) (analytics.QueryResult, error) {
	return analytics.ReadOnlyQuery(ctx, s.db, query)
}

// Status is the file's status with the server's own records added.
func (s *Service) Status(ctx context.Context) (Status, error) {
	st, err := ReadStatus(ctx, s.db)
	if err != nil {
		return st, err
	}
	s.mu.Lock()
	st.Server = &ServerInfo{PID: os.Getpid(), URL: s.url, DB: s.dbPath, StartedAt: s.started}
	hook := s.webhook
	s.mu.Unlock()
	b := s.builder.Status()
	st.Build = &b
	if hook != nil {
		st.Webhook = &WebhookStatus{Source: hook.source}
		if t := hook.last(); !t.IsZero() {
			st.Webhook.LastDelivery = &t
		}
	}
	runs, kinds := s.scheduler.Runs(), s.scheduler.Kinds()
	have := map[string]bool{}
	for i := range st.Sources {
		src := &st.Sources[i]
		have[src.Name] = true
		if run, ok := runs[src.Name]; ok {
			src.Scheduled, src.Kind, src.Run = true, kinds[src.Name], &run
		}
	}
	for name, run := range runs {
		if !have[name] { // scheduled, nothing stored yet
			src := SourceStatus{Name: name, Kind: kinds[name], Scheduled: true, Rows: map[string]int64{}, Cursors: []Cursor{}, Run: &run}
			for _, t := range rowTables {
				src.Rows[t] = 0
			}
			st.Sources = append(st.Sources, src)
		}
	}
	sortSources(st.Sources)
	return st, nil
}
