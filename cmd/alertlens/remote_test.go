package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertlens/alertlens/ingest/live"
)

// A command beside a server whose process runs but that is slow to answer (a machine
// short of CPU) waits for it instead of opening the file the server holds; a record
// whose address refuses the connection, or whose process is gone, is passed over.
func TestServerRecordOfABusyOrDeadProcess(t *testing.T) {
	var asked atomic.Int32
	ln := listenLoopback(t)
	srv := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked.Add(1) == 1 {
			time.Sleep(3500 * time.Millisecond) // past the first try's 3 s
		}
		w.Write([]byte("ok\n"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	db, _ := filepath.Abs(filepath.Join(t.TempDir(), "busy.duckdb"))
	g := &globals{dbPath: db}
	record := func(pid int) {
		t.Helper()
		if err := live.WriteServerFile(db, live.ServerInfo{PID: pid, URL: "http://" + ln.Addr().String(), DB: db}); err != nil {
			t.Fatal(err)
		}
	}

	record(os.Getpid())
	start := time.Now()
	if r := g.server(context.Background()); r == nil {
		t.Errorf("a running server that answered after %v was taken for none", time.Since(start))
	}
	if n := asked.Load(); n < 2 {
		t.Errorf("/healthz asked %d times, want a second try after the slow first", n)
	}

	// a running process (another, after a kill -9 freed the pid) where nothing listens
	closed := listenLoopback(t)
	addr := closed.Addr().String()
	closed.Close()
	if err := live.WriteServerFile(db, live.ServerInfo{PID: os.Getpid(), URL: "http://" + addr, DB: db}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if r, took := g.server(context.Background()), time.Since(start); r != nil || took > time.Second {
		t.Errorf("a record whose address refuses the connection: server %v after %v, want none at once", r, took)
	}

	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	record(gone.Process.Pid)
	asked.Store(0) // the first answer is slow again
	start = time.Now()
	r := g.server(context.Background())
	if took := time.Since(start); r != nil || took > 3500*time.Millisecond {
		t.Errorf("the record of a process that is gone: server %v after %v, want none within 3 s", r, took)
	}
}
