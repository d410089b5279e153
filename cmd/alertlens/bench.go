package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/alertlens/alertlens/ingest/synthetic"
	sqlmodels "github.com/alertlens/alertlens/sql"
)

// benchOptions are bench's flags.
type benchOptions struct {
	sizes    []int
	runs     int
	dir      string
	clients  int
	duration time.Duration
	paths    []string
	binary   string // the alertlens measured; "" for this one
}

func newBenchCmd(g *globals) *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure import, build and serve on seeded histories, beside DuckDB's own reader",
		Long: `bench generates a seeded history per size (about 500 rules, 200 people in six time
zones, 2.4 records per incident, in the import format) and measures, each as its own
process and --runs times (min and median printed):

  import    alertlens import of the file into a new database
  read_json DuckDB's own read_json of the same file into a new database file, run
            beside each import so that the two see the same machine (the ratio is
            paired run by run)
  build     alertlens build of the imported history: the first after each import
            (it templates every title), then rebuilds: --full (every incident again,
            only new titles templated), with nothing changed, and after importing
            100 new incidents (incremental: what the live server does after a
            webhook burst)
  serve     --clients concurrent clients on loopback for --duration per path:
            p50/p99 and requests/s, /healthz of the same server as the floor, and the
            server's peak memory; then the server's own build after each of --runs
            imports of 100 new incidents through it (the live rebuild after a webhook
            burst, without the command's start and the file's close)

Peak memory is each process's own high-water mark (VmHWM, read while it runs). The
output is a markdown table for docs/benchmarks.md. Nothing of it runs in 'go test': a
history of a million incidents takes minutes.`,
		Example: `  alertlens bench --sizes 100000 --runs 3
  alertlens bench --sizes 100000,1000000 --dir /var/tmp/alertlens-bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench(cmd, o)
		},
	}
	f := cmd.Flags()
	f.IntSliceVar(&o.sizes, "sizes", []int{100_000, 1_000_000}, "history sizes in incidents (add 10000000 for ten million)")
	f.IntVar(&o.runs, "runs", 3, "runs of each figure")
	f.StringVar(&o.dir, "dir", "", "where histories and databases go (default: a new temporary folder, removed after)")
	f.IntVar(&o.clients, "clients", 32, "concurrent clients for serve")
	f.DurationVar(&o.duration, "duration", 5*time.Second, "how long the clients run on each path")
	f.StringVar(&o.binary, "alertlens", "", "measure this alertlens binary instead of this one (an older build, for before and after); DuckDB's baseline always runs here")
	f.StringSliceVar(&o.paths, "paths", []string{"/api/v1/overview", "/api/v1/goal", "/api/v1/rules", "/api/v1/incidents?limit=100",
		"/api/v1/responders", "/api/v1/path", "/", "/path", "/team", "/responders"}, "paths to load (besides /healthz)")
	cmd.AddCommand(&cobra.Command{
		Use:    "read-json FILE DB",
		Short:  "DuckDB's own read_json of FILE into a new database DB (bench's baseline)",
		Hidden: true,
		Args:   cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			// into a file of the storage format alertlens writes, so that the two
			// write the same way (DuckDB's default format is slower to write)
			db, err := sql.Open("duckdb", "")
			if err != nil {
				return err
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			attach := fmt.Sprintf("attach %s as baseline (storage_version '%s')", quoteLiteral(args[1]), sqlmodels.StorageVersion)
			if _, err := db.ExecContext(cmd.Context(), attach); err != nil {
				return err
			}
			_, err = db.ExecContext(cmd.Context(), `create table baseline.records as select * from read_json(?, format = 'newline_delimited')`, args[0])
			return err
		},
	})
	return cmd
}

// figure is one measured quantity over runs.
type figure []float64

func (f figure) minMedian() (float64, float64) {
	s := slices.Clone(f)
	slices.Sort(s)
	return s[0], s[len(s)/2]
}

func (f figure) String() string {
	lo, mid := f.minMedian()
	return fmt.Sprintf("%s / %s", short(lo), short(mid))
}

func short(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// measured is one finished process: wall seconds and peak memory in MB.
type measured struct{ wall, peakMB float64 }

// selfCommand is how bench starts this binary again as a process of its own; the
// tests start the test binary in its CLI mode instead (main_test.go).
var selfCommand = func(ctx context.Context, args ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.CommandContext(ctx, self, args...), nil
}

// runSelf runs this binary with args as a process of its own.
func runSelf(ctx context.Context, args ...string) (measured, error) {
	c, err := selfCommand(ctx, args...)
	if err != nil {
		return measured{}, err
	}
	return run(c, args)
}

// runBinary runs the measured alertlens: binary, or this one when binary is "".
func runBinary(ctx context.Context, binary string, args ...string) (measured, error) {
	if binary == "" {
		return runSelf(ctx, args...)
	}
	return run(exec.CommandContext(ctx, binary, args...), args)
}

// run runs a command and measures its wall time and peak memory. The peak is the
// process's own high-water mark (VmHWM), read every 20 ms while it runs: the maxrss of
// its rusage starts from this process's own resident size, as Go starts a child by
// vfork, so a small child of a big bench read as big as the bench.
func run(c *exec.Cmd, args []string) (measured, error) {
	var errOut strings.Builder
	c.Stderr = &errOut
	start := time.Now()
	if err := c.Start(); err != nil {
		return measured{}, fmt.Errorf("alertlens %s: %w", strings.Join(args, " "), err)
	}
	done := make(chan struct{})
	peak := make(chan float64, 1)
	go func() {
		hwm := 0.0
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			hwm = max(hwm, serverPeakMB(c.Process.Pid))
			select {
			case <-done:
				peak <- hwm
				return
			case <-tick.C:
			}
		}
	}()
	err := c.Wait()
	close(done)
	m := measured{wall: time.Since(start).Seconds(), peakMB: <-peak}
	if err != nil {
		return measured{}, fmt.Errorf("alertlens %s: %w\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return m, nil
}

func bench(cmd *cobra.Command, o benchOptions) error {
	ctx := cmd.Context()
	out, progress := cmd.OutOrStdout(), cmd.ErrOrStderr()
	if o.runs < 1 {
		return fmt.Errorf("--runs: want at least 1, got %d", o.runs)
	}
	dir := o.dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "alertlens-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	host, _ := os.Hostname()
	runs := fmt.Sprintf("%d runs each (min / median)", o.runs)
	if o.runs == 1 {
		runs = "1 run each (min / median: that run)"
	}
	fmt.Fprintf(out, "machine: %s, %d cores; %s; %s\n\n", host, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"), runs)
	for _, size := range o.sizes {
		history := filepath.Join(dir, fmt.Sprintf("history-%d.jsonl", size))
		fmt.Fprintf(progress, "bench: writing a history of %d incidents\n", size)
		f, err := os.Create(history)
		if err != nil {
			return err
		}
		sum, err := synthetic.Write(f, synthetic.Options{Incidents: size, Seed: 1})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		info, _ := os.Stat(history)
		fmt.Fprintf(out, "### %d incidents (%d records, %.0f MB of JSON Lines)\n\n", size, sum.Records, float64(info.Size())/1e6)
		fmt.Fprintln(out, "| figure | wall s | peak MB |")
		fmt.Fprintln(out, "| --- | --- | --- |")

		var impWall, impMem, dkWall, dkMem, ratio, firstWall, firstMem, buildWall, buildMem figure
		db := filepath.Join(dir, fmt.Sprintf("bench-%d.duckdb", size))
		for run := range o.runs {
			fmt.Fprintf(progress, "bench: %d incidents, run %d of %d: import and read_json\n", size, run+1, o.runs)
			for _, p := range []string{db, db + ".wal"} {
				os.Remove(p)
			}
			imp, err := runBinary(ctx, o.binary, "--db", db, "import", history)
			if err != nil {
				return err
			}
			baseline := filepath.Join(dir, "read_json.duckdb")
			os.Remove(baseline)
			dk, err := runSelf(ctx, "bench", "read-json", history, baseline)
			if err != nil {
				return err
			}
			os.Remove(baseline)
			impWall, impMem = append(impWall, imp.wall), append(impMem, imp.peakMB)
			dkWall, dkMem = append(dkWall, dk.wall), append(dkMem, dk.peakMB)
			ratio = append(ratio, dk.wall/imp.wall)
			// The first build of a new import templates every title; a rebuild only the
			// new ones (title_templates is kept), so the two are measured apart.
			fmt.Fprintf(progress, "bench: %d incidents, run %d of %d: first build\n", size, run+1, o.runs)
			first, err := runBinary(ctx, o.binary, "--db", db, "build")
			if err != nil {
				return err
			}
			firstWall, firstMem = append(firstWall, first.wall), append(firstMem, first.peakMB)
		}
		// Rebuilds: every incident again (--full; a binary given with --alertlens
		// builds as it does), nothing changed, and after a burst of new incidents of
		// the same company (what the live server builds after a webhook burst).
		var sameWall, sameMem, burstWall, burstMem figure
		for run := range o.runs {
			fmt.Fprintf(progress, "bench: %d incidents, rebuilds %d of %d\n", size, run+1, o.runs)
			args := []string{"--db", db, "build", "--full"}
			if o.binary != "" {
				args = args[:3]
			}
			b, err := runBinary(ctx, o.binary, args...)
			if err != nil {
				return err
			}
			buildWall, buildMem = append(buildWall, b.wall), append(buildMem, b.peakMB)
			if b, err = runBinary(ctx, o.binary, "--db", db, "build"); err != nil {
				return err
			}
			sameWall, sameMem = append(sameWall, b.wall), append(sameMem, b.peakMB)
			burst := filepath.Join(dir, fmt.Sprintf("burst-%d.jsonl", size))
			if err := writeBurst(burst, run); err != nil {
				return err
			}
			if _, err := runBinary(ctx, o.binary, "--db", db, "import", burst); err != nil {
				return err
			}
			if b, err = runBinary(ctx, o.binary, "--db", db, "build"); err != nil {
				return err
			}
			burstWall, burstMem = append(burstWall, b.wall), append(burstMem, b.peakMB)
			os.Remove(burst)
		}
		fmt.Fprintf(out, "| `alertlens import` | %s | %s |\n", impWall, impMem)
		fmt.Fprintf(out, "| DuckDB `read_json` of the same file into a database file | %s | %s |\n", dkWall, dkMem)
		fmt.Fprintf(out, "| import speed ÷ DuckDB's, paired run by run | %s | |\n", ratio)
		fmt.Fprintf(out, "| `alertlens build`, the first after the import | %s | %s |\n", firstWall, firstMem)
		rebuild := "`alertlens build --full` (every incident again)"
		if o.binary != "" {
			rebuild = "`alertlens build` again (the --alertlens binary runs without --full)"
		}
		fmt.Fprintf(out, "| %s | %s | %s |\n", rebuild, buildWall, buildMem)
		fmt.Fprintf(out, "| `alertlens build` with nothing changed | %s | %s |\n", sameWall, sameMem)
		fmt.Fprintf(out, "| `alertlens build` after importing %d new incidents | %s | %s |\n\n", burstIncidents, burstWall, burstMem)

		fmt.Fprintf(progress, "bench: %d incidents, serve under %d clients\n", size, o.clients)
		if err := benchServe(ctx, out, db, o); err != nil {
			return err
		}
	}
	return nil
}

// benchServe starts a server on db and loads each path with concurrent clients.
func benchServe(ctx context.Context, out io.Writer, db string, o benchOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The server builds only when asked: the burst rebuilds below ask for theirs, so
	// that each measured build is the one after its import.
	args := []string{"--db", db, "serve", "--addr", "127.0.0.1:0", "--build-quiet", "1h", "--build-max-wait", "1h"}
	var srv *exec.Cmd
	if o.binary != "" {
		srv = exec.CommandContext(ctx, o.binary, args...)
	} else {
		var err error
		if srv, err = selfCommand(ctx, args...); err != nil {
			return err
		}
	}
	srv.Cancel = func() error { return srv.Process.Signal(syscall.SIGTERM) }
	var logs strings.Builder
	srv.Stderr = &logs
	stdout, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	// serve says where it listens on its first line: "serving http://127.0.0.1:PORT/ ..."
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "serving "); ok {
				found <- strings.TrimSuffix(strings.Fields(rest)[0], "/")
			}
		}
		close(found)
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(5 * time.Minute):
	}
	if url == "" {
		return fmt.Errorf("the server did not say where it listens within 5 minutes:\n%s", logs.String())
	}
	fmt.Fprintf(out, "| serve, %d clients, %v each | first ms | p50 ms | p99 ms | requests/s | errors |\n| --- | --- | --- | --- | --- | --- |\n", o.clients, o.duration)
	for _, path := range append([]string{"/healthz"}, o.paths...) {
		// the first request computes the answer; the server keeps it until the next build
		start := time.Now()
		first := "-"
		if get(ctx, url+path) == nil {
			first = short(time.Since(start).Seconds() * 1000)
		}
		lat, errs := load(ctx, url+path, o.clients, o.duration)
		if len(lat) == 0 {
			fmt.Fprintf(out, "| `%s` | %s | - | - | 0 | %d |\n", path, first, errs)
			continue
		}
		slices.Sort(lat)
		p := func(q float64) float64 { return lat[min(int(q*float64(len(lat))), len(lat)-1)].Seconds() * 1000 }
		fmt.Fprintf(out, "| `%s` | %s | %s | %s | %.0f | %d |\n", path, first, short(p(0.5)), short(p(0.99)), float64(len(lat))/o.duration.Seconds(), errs)
	}
	hwm := serverPeakMB(srv.Process.Pid)
	rebuilds, err := benchServerRebuilds(ctx, url, db, o)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	cancel()
	srv.Wait()
	fmt.Fprintf(out, "\nserver peak memory: %.0f MB\n\n", hwm)
	fmt.Fprintf(out, "the server's build after importing %d new incidents through it: %s ms\n\n", burstIncidents, rebuilds)
	return nil
}

// benchServerRebuilds imports --runs bursts of new incidents through the server at url
// (alertlens import finds it beside db) and asks it to build after each: the build's
// own duration, as the server reports it, is what a webhook burst costs the live
// server before readers see the new incidents.
func benchServerRebuilds(ctx context.Context, url, db string, o benchOptions) (figure, error) {
	var ms figure
	for run := range o.runs {
		burst := filepath.Join(filepath.Dir(db), fmt.Sprintf("burst-serve-%d.jsonl", run))
		// ids of their own: the rebuilds before used runs 0 to --runs-1
		if err := writeBurst(burst, o.runs+run); err != nil {
			return nil, err
		}
		_, err := runBinary(ctx, o.binary, "--db", db, "import", burst)
		os.Remove(burst)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/build", nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var rep struct {
			DurationMs float64 `json:"duration_ms"`
			Changed    int     `json:"changed"`
		}
		err = json.NewDecoder(resp.Body).Decode(&rep)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("POST /api/v1/build after a burst: status %d: %v", resp.StatusCode, err)
		}
		if rep.Changed != burstIncidents {
			return nil, fmt.Errorf("the server's build after a burst of %d new incidents found %d changed", burstIncidents, rep.Changed)
		}
		ms = append(ms, rep.DurationMs)
		// After a build the server computes again the answers asked for before it (at a
		// million incidents, the 2.7 s their first requests took): wait for them, as a
		// dashboard would, so that the next build is measured on a quiet server and not
		// beside them.
		for _, path := range o.paths {
			if err := get(ctx, url+path); err != nil {
				return nil, err
			}
		}
	}
	return ms, nil
}

// get asks for url and reads the whole answer.
func get(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// serverPeakMB reads a running process's peak resident memory (0 once it has exited).
func serverPeakMB(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// load sends GETs from clients goroutines for d and returns each answer's latency and
// the count of failed or non-200 answers. It is bounded in time and stops by itself.
func load(ctx context.Context, url string, clients int, d time.Duration) ([]time.Duration, int) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						errs++
						mu.Unlock()
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				took := time.Since(start)
				mu.Lock()
				if resp.StatusCode == http.StatusOK {
					lat = append(lat, took)
				} else {
					errs++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat, errs
}

// burstIncidents is the size of the burst a rebuild is measured after.
const burstIncidents = 100

// writeBurst writes burstIncidents new incidents of the bench's company (the same
// people, services and rules: the same seed) in the month after its history, with ids
// of their own per run.
func writeBurst(path string, run int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = synthetic.Write(f, synthetic.Options{Incidents: burstIncidents, Seed: 1,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Months: 1, IDPrefix: fmt.Sprintf("burst%d-", run)})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
