package main

// The tests of this package drive the real payport binary: TestMain builds it once, and every
// test runs it with exec against a fresh SQLite data directory or a fresh PostgreSQL schema.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver, to inspect and corrupt PostgreSQL
	_ "modernc.org/sqlite"             // "sqlite" driver, to inspect and corrupt SQLite

	"github.com/payport/payport/internal/store/storetest"
)

// testVersion is stamped into the binary with -ldflags, as releases do.
const testVersion = "0.0.0-clitest"

// binPath is the payport binary built by TestMain.
var binPath string

func TestMain(m *testing.M) { os.Exit(buildAndRun(m)) }

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "payport-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "payport")
	build := exec.Command("go", "build", "-o", binPath, "-ldflags", "-X main.version="+testVersion, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building payport:", err)
		return 1
	}
	return m.Run()
}

// engine is a fresh database for the binary: a SQLite data directory or a PostgreSQL URL
// whose search_path is a schema of its own.
type engine struct {
	name    string
	dataDir string // SQLite
	dbURL   string // PostgreSQL
}

// newEngine makes a fresh database of the named engine for t; PostgreSQL skips t when
// PAYPORT_TEST_DATABASE_URL is unset (storetest fails it instead under CI=true).
func newEngine(t *testing.T, name string) engine {
	t.Helper()
	switch name {
	case "sqlite":
		return engine{name: name, dataDir: filepath.Join(t.TempDir(), "data")}
	case "postgres":
		pg, ok := storetest.Postgres(t)
		if !ok {
			t.Skip("PostgreSQL not configured: set PAYPORT_TEST_DATABASE_URL")
		}
		return engine{name: name, dbURL: pg.URL(t)}
	}
	t.Fatalf("unknown engine %q", name)
	return engine{}
}

// forEachEngine runs fn as a parallel subtest on a fresh database of each engine.
func forEachEngine(t *testing.T, fn func(t *testing.T, e engine)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEngine(t, name))
		})
	}
}

// env is the child's environment: ours without any PAYPORT_ setting, plus the engine's.
func (e engine) env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PAYPORT_") {
			out = append(out, kv)
		}
	}
	if e.dbURL != "" {
		out = append(out, "PAYPORT_DATABASE_URL="+e.dbURL)
	}
	return out
}

// args puts the engine's global flags before args.
func (e engine) args(args ...string) []string {
	if e.dataDir != "" {
		return append([]string{"--data-dir", e.dataDir}, args...)
	}
	return args
}

func (e engine) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binPath, e.args(args...)...)
	cmd.Env = e.env()
	cmd.Dir = os.TempDir()
	return cmd
}

// result is what a finished command left.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("payport %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs the binary to completion.
func (e engine) run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := e.command(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: cmd.Args[1:], stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("payport %s: %v", strings.Join(r.args, " "), err)
	}
	return r
}

// mustRun runs the binary and fails t unless it exits 0.
func (e engine) mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := e.run(t, args...)
	if r.code != 0 {
		t.Fatalf("%v", r)
	}
	return r
}

// runJSON runs the binary, which must exit 0, and decodes its stdout into v.
func (e engine) runJSON(t *testing.T, v any, args ...string) result {
	t.Helper()
	r := e.mustRun(t, args...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("%v\ndecode stdout: %v", r, err)
	}
	return r
}

// createOrg creates an org with the CLI and returns its id and its org-admin key.
func (e engine) createOrg(t *testing.T, name string) (orgID, secret string) {
	t.Helper()
	var out struct {
		Org    struct{ ID string }
		APIKey struct{ Secret string } `json:"api_key"`
	}
	e.runJSON(t, &out, "org", "create", "--name", name, "--json")
	if out.Org.ID == "" || out.APIKey.Secret == "" {
		t.Fatalf("org create gave no id or secret: %+v", out)
	}
	return out.Org.ID, out.APIKey.Secret
}

// openDB opens the engine's database directly, to inspect or corrupt it behind payport's back.
func (e engine) openDB(t *testing.T) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if e.dbURL != "" {
		db, err = sql.Open("pgx", e.dbURL)
	} else {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(e.dataDir, "payport.db")+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count runs a SELECT count(*) query.
func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// syncBuffer collects a child's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running `payport serve`.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	stdout  *syncBuffer
	stderr  *syncBuffer
	done    chan struct{} // closed when the process has exited
	exit    int           // valid once done is closed
	startup time.Duration // from process start to /readyz answering 200
}

var httpClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64},
}

// listenFree returns a port that was free a moment ago on 127.0.0.1.
func listenFree() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := listenFree()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startServer starts `payport serve` on a free port of 127.0.0.1 and waits until /readyz
// answers 200. The process is killed when t ends, if still running.
func (e engine) startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := e.tryStart(t, freePort(t), extra...)
		if err == nil {
			return s
		}
		lastErr = err
		if !strings.Contains(s.stderr.String(), "address already in use") {
			break // another port will not help
		}
	}
	t.Fatalf("payport serve did not become ready: %v", lastErr)
	return nil
}

// tryStart starts one server on port and waits for it to be ready; it may run off the test's
// goroutine, so it reports failures instead of ending t.
func (e engine) tryStart(t *testing.T, port int, extra ...string) (*server, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"serve", "--addr", addr}, extra...)
	cmd := exec.Command(binPath, e.args(args...)...)
	cmd.Env = e.env()
	cmd.Dir = os.TempDir()
	s := &server{cmd: cmd, base: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		close(s.done)
		return s, err
	}
	go func() {
		_ = cmd.Wait()
		s.exit = cmd.ProcessState.ExitCode()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("payport %s\nstdout:\n%s\nstderr:\n%s", strings.Join(cmd.Args[1:], " "), s.stdout, s.stderr)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-s.done:
			return s, fmt.Errorf("exited with status %d before it was ready:\n%s", s.exit, s.stderr)
		default:
		}
		if ready(s.base) {
			s.startup = time.Since(start)
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("/readyz not 200 after 20s:\n%s", s.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ready(base string) bool {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(base + "/readyz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// terminate sends SIGTERM and waits up to timeout for the process to exit; it returns the
// exit status and how long the exit took.
func (s *server) terminate(t *testing.T, timeout time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
		return s.exit, time.Since(start)
	case <-time.After(timeout):
		t.Fatalf("payport serve still running %v after SIGTERM\nstderr:\n%s", timeout, s.stderr)
		return 0, 0
	}
}

// waitOutput waits up to a few seconds for buf to contain want (a child's pipe is copied
// into buf asynchronously) and reports whether it did.
func waitOutput(buf *syncBuffer, want string) bool {
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// response is an HTTP answer.
type response struct {
	status int
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// problem is the part of an RFC 9457 problem the tests look at.
func (r response) problemCode() string {
	var p struct{ Code string }
	_ = json.Unmarshal(r.body, &p)
	return p.Code
}

// call sends a request with an optional bearer key, JSON body and extra headers; it is safe
// to use from any goroutine.
func (s *server) call(method, path, key string, body any, header map[string]string) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: b}, err
}

// mustCall is call that fails t on a transport error or a status other than want, and
// decodes the body into out when out is not nil.
func (s *server) mustCall(t *testing.T, want int, method, path, key string, body, out any) response {
	t.Helper()
	r, err := s.call(method, path, key, body, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if r.status != want {
		t.Fatalf("%s %s: got %v, want status %d", method, path, r, want)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
	return r
}

// createRecipient creates a recipient with the API and returns its UUID.
func (s *server) createRecipient(t *testing.T, key, externalID, currency string) string {
	t.Helper()
	var r struct{ ID string }
	s.mustCall(t, http.StatusCreated, http.MethodPost, "/api/recipients", key,
		map[string]string{"external_id": externalID, "currency": currency, "email": "ada@example.com", "country": "DE"}, &r)
	if r.ID == "" {
		t.Fatal("recipient created without an id")
	}
	return r.ID
}

// credit credits a recipient with the API, without an Idempotency-Key.
func (s *server) credit(t *testing.T, key, ref, amount, currency string) {
	t.Helper()
	s.mustCall(t, http.StatusCreated, http.MethodPost, "/api/recipients/"+ref+"/credits", key,
		map[string]string{"amount": amount, "currency": currency, "description": "Energy saving reward"}, nil)
}

// balance reads a recipient's available balance with GET /rewards/{site}/info.
func (s *server) balance(t *testing.T, key, site string) (amount, currency string) {
	t.Helper()
	var info struct {
		Currency string
		Balance  struct{ Amount string }
	}
	s.mustCall(t, http.StatusOK, http.MethodGet, "/rewards/"+site+"/info", key, nil, &info)
	return info.Balance.Amount, info.Currency
}
