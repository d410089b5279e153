package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func runSyncOpsgenie(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCmd()
	cmd.SetArgs(append([]string{"--db", filepath.Join(t.TempDir(), "a.duckdb"), "sync", "opsgenie"}, args...))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestSyncOpsgenieFlags(t *testing.T) {
	t.Setenv("OPSGENIE_API_KEY", "")
	if _, _, err := runSyncOpsgenie(t); err == nil || !strings.Contains(err.Error(), "$OPSGENIE_API_KEY is empty") {
		t.Errorf("no key: err %v, want it to name the variable", err)
	}
	t.Setenv("OG_EU", "k-123")
	if _, _, err := runSyncOpsgenie(t, "--key-env", "OG_EU", "--since", "last week"); err == nil || !strings.Contains(err.Error(), "--since") {
		t.Errorf("bad --since: err %v, want a --since error", err)
	}
	if _, _, err := runSyncOpsgenie(t, "--key-env", "OG_EU", "--api-url", "api.eu.opsgenie.com"); err == nil || !strings.Contains(err.Error(), "--api-url") {
		t.Errorf("bad --api-url: err %v, want an --api-url error", err)
	}
	help, _, _ := runSyncOpsgenie(t, "--help")
	if !strings.Contains(help, "https://api.eu.opsgenie.com") {
		t.Errorf("help does not name the EU host:\n%s", help)
	}
}

// An empty account: the sync goes through and tells the user to build.
func TestSyncOpsgenieEmptyAccount(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "GenieKey k-123" {
			http.Error(w, `{"message":"Could not authenticate"}`, http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"data":[],"took":0.01,"requestId":"x"}`))
	}))
	defer srv.Close()
	t.Setenv("OPSGENIE_API_KEY", "k-123")
	out, errOut, err := runSyncOpsgenie(t, "--api-url", srv.URL, "--since", "30d")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "opsgenie: fetched 0 users, 0 teams, 0 alerts, 0 oncall shifts") || !strings.Contains(errOut, "alertlens build") {
		t.Errorf("stdout %q, stderr %q: want the summary and the build hint", out, errOut)
	}
}
