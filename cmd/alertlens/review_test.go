package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// slackFake is an incoming webhook that checks what Slack checks: a POST of a JSON
// object with a text, sent as application/json; it answers status.
func slackFake(t *testing.T, status int, got *string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("webhook got %s, want POST", r.Method)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("webhook got Content-Type %q, want application/json", ct)
		}
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil || len(body) != 1 {
			t.Errorf("webhook body %s: want {\"text\": ...} alone (%v)", raw, err)
		}
		text, _ := body["text"].(string)
		*got = text
		w.WriteHeader(status)
		if status != http.StatusOK {
			io.WriteString(w, "invalid_payload")
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPostSlack(t *testing.T) {
	var got string
	ok := slackFake(t, http.StatusOK, &got)
	if err := postSlack(context.Background(), http.DefaultClient, ok.URL+"/services/T/B/X", "Alert review 2026-W47\n- DiskFull"); err != nil {
		t.Fatal(err)
	}
	if got != "Alert review 2026-W47\n- DiskFull" {
		t.Errorf("posted %q", got)
	}
	bad := slackFake(t, http.StatusBadRequest, &got)
	err := postSlack(context.Background(), http.DefaultClient, bad.URL+"/services/T/B/SECRET", "x")
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), "invalid_payload") ||
		strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a 400 from the webhook: %v; want an error naming 400 Bad Request and Slack's reason, not the URL's secret path", err)
	}
	if err := postSlack(context.Background(), http.DefaultClient, "hooks.slack.com/x", "x"); err == nil || !strings.Contains(err.Error(), "--post") {
		t.Errorf("a URL without a scheme: %v", err)
	}
}

// TestReviewCommands tags the review history on the file, then beside a running server
// (through its API), and posts the weekly report to a fake webhook: the output is the
// same either way, and every tag is in the list.
func TestReviewCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "r.duckdb")
	cfg := "../../analytics/testdata/review/review.yaml"
	runCLI(t, "--db", db, "import", "../../analytics/testdata/review/history.jsonl")
	runCLI(t, "--db", db, "--config", cfg, "build")

	out, _ := runCLI(t, "--db", db, "review", "tag", "w47-4", "--tag", "no_action", "--reason", "could_wait_for_business_hours",
		"--note", "business hours anyway", "--reviewer", "ana")
	if out != "file/w47-4 tagged no_action (version 1, by ana)\n" {
		t.Errorf("tag said %q", out)
	}
	out, _ = runCLI(t, "--db", db, "review", "tag-rule", "DiskFull", "--week", "2026-W47", "--tag", "no_action", "--reason", "flapping",
		"--owner", "Data team", "--reviewer", "ana")
	if out != "tagged 2 pages of DiskFull in 2026-W47 no_action\n" {
		t.Errorf("tag-rule said %q", out)
	}
	out, _ = runCLI(t, "--db", db, "review", "follow-up", "DiskFull", "--change", "disk alert at 90 % for 15 minutes",
		"--ticket", "https://tickets.example/DATA-7", "--shipped", "2026-11-18", "--reviewer", "ana")
	if !strings.Contains(out, "of DiskFull: disk alert at 90 % for 15 minutes (shipped 2026-11-18)") {
		t.Errorf("follow-up said %q", out)
	}
	if _, _, err := runCLIErr("--db", db, "review", "tag", "w47-4", "--tag", "maybe", "--reviewer", "ana"); err == nil || !strings.Contains(err.Error(), "tag: want") {
		t.Errorf("a bad tag: %v", err)
	}
	fileList, _ := runCLI(t, "--db", db, "review", "list", "--week", "2026-W47")
	for _, want := range []string{"2026-W47 (2026-11-16 to 2026-11-22): 5 pages, 4 after hours, 2 untagged",
		"w47-4", "could_wait_for_business_hours", "Data team", "2026-11-20 22:00 America/New_York"} {
		if !strings.Contains(fileList, want) {
			t.Errorf("review list lacks %q:\n%s", want, fileList)
		}
	}

	_, _, stop := startServer(t, db, "--now", "2026-11-25T12:00:00Z")
	out, errOut := runCLI(t, "--db", db, "review", "tag", "w47-3", "--tag", "action_taken", "--reason", "real_problem_fixed", "--reviewer", "ben")
	if out != "file/w47-3 tagged action_taken (version 1, by ben)\n" || !strings.Contains(errOut, "through the server") {
		t.Errorf("tag through the server said %q %q", out, errOut)
	}
	served, _ := runCLI(t, "--db", db, "review", "list", "--week", "2026-W47")
	if !strings.Contains(served, "real_problem_fixed") || strings.Count(served, "\n") != strings.Count(fileList, "\n") {
		t.Errorf("the list through the server:\n%s\nwant the file's with w47-3 tagged:\n%s", served, fileList)
	}
	var posted string
	hook := slackFake(t, http.StatusOK, &posted)
	runCLI(t, "--db", db, "report", "weekly", "--week", "2026-W47", "--post", hook.URL)
	if !strings.HasPrefix(posted, "Alert review 2026-W47 (2026-11-16 to 2026-11-22, Europe/Dublin), Acme\n") ||
		!strings.Contains(posted, "Untagged: 1 of the week's 5 pages.") {
		t.Errorf("posted:\n%s", posted)
	}
	monthly, _ := runCLI(t, "--db", db, "report", "monthly", "--month", "2026-11")
	if !strings.HasPrefix(monthly, "month,scope_type,scope,pages,after_hours_pages") || !strings.Contains(monthly, "2026-11,org,Acme,7,5,4,10,true") {
		t.Errorf("monthly through the server:\n%s", monthly)
	}
	stop()
	again, _ := runCLI(t, "--db", db, "report", "monthly", "--month", "2026-11")
	if again != monthly {
		t.Errorf("the monthly report from the file differs from the server's:\n%s\n%s", again, monthly)
	}
}
