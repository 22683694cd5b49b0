package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var secretRE = regexp.MustCompile(`pp_test_[0-9A-Za-z]+`)

func TestServeDemo(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		s := e.startServer(t, "--demo")
		t.Logf("%s: first start (migrations and demo set-up) ready after %v", e.name, s.startup)
		if !waitOutput(s.stdout, "open "+s.base+"/docs") {
			t.Fatalf("serve --demo did not print what to try:\n%s", s.stdout)
		}
		out := s.stdout.String()
		m := regexp.MustCompile(`API key \(shown only now\): (pp_test_[0-9A-Za-z]+)\n`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("serve --demo printed no API key:\n%s", out)
		}
		key := m[1]
		for _, want := range []string{
			"export PAYPORT_KEY=" + key + "\n",
			"curl -s " + s.base + "/rewards/site_demo/info -H \"Authorization: Bearer $PAYPORT_KEY\"",
			"curl -s -X POST " + s.base + "/api/recipients/site_demo/credits",
			"curl -s " + s.base + "/api/recipients/site_demo/transactions",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("serve --demo output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(s.stderr.String(), key) {
			t.Errorf("the demo key was written to the log")
		}
		if amount, cur := s.balance(t, key, "site_demo"); amount != "42.50" || cur != "GBP" {
			t.Errorf("demo balance %s %s, want 42.50 GBP", amount, cur)
		}
		// The printed credit command works as printed (an Idempotency-Key, 5.00 GBP).
		if r, err := s.call(http.MethodPost, "/api/recipients/site_demo/credits", key,
			map[string]string{"amount": "5.00", "currency": "GBP", "description": "Energy saving reward"},
			map[string]string{"Idempotency-Key": "1700000000"}); err != nil || r.status != http.StatusCreated {
			t.Errorf("the demo's credit command: %v %v", r, err)
		}
		if code, _ := s.terminate(t, 10*time.Second); code != 0 {
			t.Fatalf("serve exited %d on SIGTERM", code)
		}

		// Restarted on the same database: no new secret, no second demo org.
		s2 := e.startServer(t, "--demo")
		t.Logf("%s: restart ready after %v", e.name, s2.startup)
		if !waitOutput(s2.stdout, "exists already") {
			t.Errorf("restart with --demo did not say the demo exists:\n%s", s2.stdout)
		}
		waitOutput(s2.stdout, "/docs for every endpoint")
		if secretRE.MatchString(s2.stdout.String()) || secretRE.MatchString(s2.stderr.String()) {
			t.Errorf("restart with --demo printed a secret:\nstdout:\n%s\nstderr:\n%s", s2.stdout, s2.stderr)
		}
		var orgs []struct{ ID, Name string }
		e.runJSON(t, &orgs, "org", "list", "--json")
		if len(orgs) != 1 || orgs[0].Name != "Payport Demo" {
			t.Errorf("orgs after restarting with --demo: %+v, want one Payport Demo", orgs)
		} else if !strings.Contains(s2.stdout.String(), orgs[0].ID) {
			t.Errorf("restart does not name the existing demo org %s:\n%s", orgs[0].ID, s2.stdout)
		}
		// The first key still works, and the welcome credit was not paid twice.
		if amount, _ := s2.balance(t, key, "site_demo"); amount != "47.50" {
			t.Errorf("demo balance after restart %s, want 47.50 (42.50 + 5.00)", amount)
		}
	})
}

func TestServeStartupTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		e.mustRun(t, "migrate")
		s := e.startServer(t)
		t.Logf("%s: payport serve on a migrated database: /readyz 200 after %v", e.name, s.startup)
		// The line is written before the server answers, but it reaches this process through a
		// pipe read by another goroutine: give the reader a moment.
		ready := regexp.MustCompile(`msg="payport ready".* startup=(\S+)`)
		var m []string
		for deadline := time.Now().Add(3 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			m = ready.FindStringSubmatch(s.stderr.String())
		}
		if m != nil {
			t.Logf("%s: the server logs its own startup as %s", e.name, m[1])
		} else {
			t.Errorf("no \"payport ready\" log line with the startup time:\n%s", s.stderr)
		}
	})
}

func TestGracefulShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		_, key := e.createOrg(t, "Acme")
		s := e.startServer(t, "--log-format", "json")
		s.createRecipient(t, key, "site_1", "EUR")
		s.credit(t, key, "site_1", "1.00", "EUR")

		code, took := s.terminate(t, 10*time.Second)
		t.Logf("%s: exited %d, %v after SIGTERM", e.name, code, took)
		if code != 0 {
			t.Errorf("exit status %d after SIGTERM, want 0", code)
		}
		if took > 5*time.Second {
			t.Errorf("took %v to stop, want a few seconds at most", took)
		}
		logs := s.stderr.String()
		for _, want := range []string{`"msg":"shutting down: finishing in-flight requests and jobs"`, `"msg":"stopped"`} {
			if !strings.Contains(logs, want) {
				t.Errorf("log lacks %s:\n%s", want, logs)
			}
		}
		// Payport's own shutdown error (the HTTP server or the queue failing to stop in time).
		// River may log "maintenance.PeriodicJobEnqueuer: Error starting transaction" when
		// stopped while its leader work starts; that is River's noise, not a failed shutdown.
		if strings.Contains(logs, `"level":"ERROR","msg":"shutdown"`) {
			t.Errorf("shutdown reported an error:\n%s", logs)
		}
		if ready(s.base) {
			t.Errorf("still answering on %s after exiting", s.base)
		}
		// What was committed before the signal is there after it.
		s2 := e.startServer(t)
		if amount, _ := s2.balance(t, key, "site_1"); amount != "1.00" {
			t.Errorf("balance after restart %s, want 1.00", amount)
		}
		if code, _ := s2.terminate(t, 10*time.Second); code != 0 || !strings.Contains(s2.stderr.String(), "msg=stopped") {
			t.Errorf("text log: exit %d, log:\n%s", code, s2.stderr)
		}
	})
}

func TestServeFailsReadably(t *testing.T) {
	t.Run("address in use", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		e := newEngine(t, "sqlite")
		r := e.run(t, "serve", "--addr", ln.Addr().String())
		if r.code == 0 || !strings.Contains(r.stderr, "address already in use") {
			t.Errorf("serve on a taken port: want a non-zero exit saying the address is in use, got %v", r)
		}
	})
	t.Run("idempotency keys kept less than a day", func(t *testing.T) {
		t.Parallel()
		r := newEngine(t, "sqlite").run(t, "serve", "--addr", "127.0.0.1:0", "--retain-idempotency-keys", "1h")
		if r.code == 0 || !strings.Contains(r.stderr, "--retain-idempotency-keys must be at least 24h") {
			t.Errorf("serve keeping keys an hour: want a non-zero exit naming the flag, got %v", r)
		}
	})
	t.Run("database unreachable", func(t *testing.T) {
		t.Parallel()
		e := engine{name: "postgres", dbURL: "postgres://payport:secret@127.0.0.1:1/payport?sslmode=disable&connect_timeout=2"}
		start := time.Now()
		r := e.run(t, "serve", "--addr", "127.0.0.1:0")
		if r.code == 0 || !strings.Contains(r.stderr, "connect to PostgreSQL") {
			t.Errorf("serve without its database: want a non-zero exit saying it cannot connect, got %v", r)
		}
		if strings.Contains(r.stderr, "secret") {
			t.Errorf("the error shows the database password: %v", r)
		}
		t.Logf("gave up after %v", time.Since(start))
	})
}

// TestSlowClientsAreCut: a client that sends its headers and never finishes them is cut off
// (ReadHeaderTimeout, 10 s) rather than holding a connection forever, and headers well past
// the 64 KiB limit (Go's server allows a few KiB of slack) are refused with 431.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	s := newEngine(t, "sqlite").startServer(t)
	c, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: payport\r\nX-Slow: ")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second)) // well past the server's 10 s
	start := time.Now()
	buf := make([]byte, 512)
	for {
		_, err := c.Read(buf)
		if err == io.EOF || errors.Is(err, syscall.ECONNRESET) {
			break // the server hung up
		}
		if err != nil {
			t.Fatalf("the server held a half-sent request for %s: %v", time.Since(start).Round(time.Second), err)
		}
	}
	if d := time.Since(start); d < 9*time.Second {
		t.Fatalf("cut after %s, before the 10 s header timeout", d)
	}

	req, _ := http.NewRequest(http.MethodGet, s.base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 128<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("128 KiB of headers: %d, want 431", res.StatusCode)
	}
}
