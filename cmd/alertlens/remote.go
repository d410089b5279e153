package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/alertlens/alertlens/ingest/live"
)

// TokenEnv names the variable from which a command beside a running server takes its
// bearer token, when the server has auth on.
const TokenEnv = "ALERTLENS_TOKEN"

// remote is the running `alertlens serve` that holds the database: DuckDB lets one
// process hold the file, so every other command works through the server's API.
type remote struct {
	info   live.ServerInfo
	token  string
	client *http.Client
	header http.Header // more headers for every request (the reviewer's name)
}

// absDB is the database's absolute path, the key a server records itself under.
func (g *globals) absDB() string {
	abs, err := filepath.Abs(g.dbPath)
	if err != nil {
		return g.dbPath
	}
	return abs
}

// server returns the running server that holds the database, or nil when none does.
// A server killed without its shutdown leaves its record behind; one that does not
// answer on /healthz within 3 s is not running, unless its process still is and its
// address takes the connection: then it is busy (a machine short of CPU) and is asked
// again for up to 30 s, since the command would otherwise open the file it holds.
func (g *globals) server(ctx context.Context) *remote {
	info, ok, err := live.ReadServerFile(g.absDB())
	if err != nil || !ok || info.DB != g.absDB() {
		return nil
	}
	r := &remote{info: info, token: os.Getenv(TokenEnv), client: &http.Client{}}
	running := info.PID > 0 && processRunning(info.PID)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, refused := r.healthy(ctx, min(3*time.Second, time.Until(deadline)))
		switch {
		case ok:
			return r
		// (nothing listens: a busy server still holds its port; a process of the
		// record's pid that runs may be another one, after a kill -9)
		case !running || refused || time.Now().After(deadline) || ctx.Err() != nil:
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// healthy tells whether the server answers /healthz with 200 within wait, and whether
// its address refused the connection.
func (r *remote) healthy(ctx context.Context, wait time.Duration) (ok, refused bool) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.info.URL+"/healthz", nil)
	if err != nil {
		return false, false
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return false, errors.Is(err, syscall.ECONNREFUSED)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, false
}

// remoteError is an error answer of the server, with the parameter it names.
type remoteError struct {
	param, msg string
	status     int
}

func (e *remoteError) Error() string {
	if e.param != "" {
		return e.param + ": " + e.msg
	}
	return e.msg
}

// call sends one request and decodes a JSON answer into out (or copies any other answer
// to out when it is an io.Writer).
func (r *remote) call(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string, out any) error {
	u := r.info.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("the server at %s holds %s but did not answer: %w", r.info.URL, r.info.DB, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return r.failure(resp)
	}
	if w, ok := out.(io.Writer); ok {
		_, err := io.Copy(w, resp.Body)
		return err
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("the server at %s answered %s with something unreadable: %w", r.info.URL, path, err)
	}
	return nil
}

func (r *remote) failure(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var body struct {
		Error struct {
			Param   string `json:"param"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(data, &body)
	msg := body.Error.Message
	if msg == "" {
		msg = strings.TrimSpace(string(data))
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("the server at %s holds %s and has auth on: set $%s to one of its write tokens (%s)",
			r.info.URL, r.info.DB, TokenEnv, msg)
	}
	return &remoteError{param: body.Error.Param, msg: msg, status: resp.StatusCode}
}

func (r *remote) postJSON(ctx context.Context, path string, in, out any) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return r.call(ctx, http.MethodPost, path, nil, bytes.NewReader(data), "application/json", out)
}

// via says on standard error that the command went through the server.
func (r *remote) via(w io.Writer) {
	fmt.Fprintf(w, "(through the server at %s, which holds %s)\n", r.info.URL, r.info.DB)
}
