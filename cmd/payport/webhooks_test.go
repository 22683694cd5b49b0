package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// hookSink is a loopback receiver that keeps every delivery.
type hookSink struct {
	mu   sync.Mutex
	got  []sunk
	srv  *http.Server
	addr string
}

type sunk struct {
	header http.Header
	body   []byte
}

// startSink listens on addr ("127.0.0.1:0" for any port).
func startSink(t *testing.T, addr string) *hookSink {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &hookSink{addr: ln.Addr().String()}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, sunk{r.Header.Clone(), b})
		s.mu.Unlock()
	})}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// waitFor waits until the sink holds a delivery whose body contains all of want.
func (s *hookSink) waitFor(t *testing.T, timeout time.Duration, want ...string) sunk {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		for _, d := range s.got {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(string(d.body), w)
			}
			if ok {
				s.mu.Unlock()
				return d
			}
		}
		n := len(s.got)
		s.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no delivery containing %q after %v (%d deliveries)", want, timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhooksSurviveARestart: events committed while the receiver is down, and while Payport
// itself is stopped, all arrive once the receiver is up and Payport runs again.
func TestWebhooksSurviveARestart(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		_, key := e.createOrg(t, "Acme")
		port := freePort(t) // nothing listens there yet: the receiver is down
		s := e.startServer(t)
		var ep struct{ ID, Secret string }
		s.mustCall(t, http.StatusCreated, http.MethodPost, "/api/webhook_endpoints", key,
			map[string]any{"url": "http://127.0.0.1:" + strconv.Itoa(port) + "/hook"}, &ep)
		s.createRecipient(t, key, "site_before", "EUR")
		time.Sleep(300 * time.Millisecond) // its first attempt fails: connection refused
		if code, _ := s.terminate(t, 10*time.Second); code != 0 {
			t.Fatalf("exit %d", code)
		}
		sink := startSink(t, "127.0.0.1:"+strconv.Itoa(port))
		s2 := e.startServer(t)
		s2.createRecipient(t, key, "site_after", "EUR")
		wh, err := standardwebhooks.NewWebhook(ep.Secret)
		if err != nil {
			t.Fatal(err)
		}
		// The second attempt of the first event comes 5 s after the first (the schedule).
		for _, site := range []string{"site_after", "site_before"} {
			d := sink.waitFor(t, 15*time.Second, "recipient.created", site)
			if err := wh.Verify(d.body, d.header); err != nil {
				t.Fatalf("%s: %v", site, err)
			}
		}
	})
}

// TestWebhooksListen: `payport webhooks listen --forward-to` prints new events and forwards
// them signed with the secret it printed.
func TestWebhooksListen(t *testing.T) {
	e := newEngine(t, "sqlite")
	_, key := e.createOrg(t, "Acme")
	s := e.startServer(t)
	s.createRecipient(t, key, "site_old", "EUR") // before listening: not forwarded
	sink := startSink(t, "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, "webhooks", "listen", "--url", s.base, "--key", key,
		"--forward-to", "http://"+sink.addr+"/hook", "--interval", "200ms", "--events", "recipient.*")
	cmd.Env = e.env()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	secretRE := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)
	deadline := time.Now().Add(10 * time.Second)
	for !secretRE.MatchString(errOut.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no secret printed:\n%s", errOut)
		}
		time.Sleep(20 * time.Millisecond)
	}
	secret := secretRE.FindString(errOut.String())
	s.createRecipient(t, key, "site_new", "EUR")
	s.credit(t, key, "site_new", "1.00", "EUR") // balance.credited: filtered out
	d := sink.waitFor(t, 10*time.Second, "site_new")
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(d.body, d.header); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	sink.mu.Lock()
	n := len(sink.got)
	sink.mu.Unlock()
	if n != 1 || strings.Contains(out.String(), "site_old") || !strings.Contains(out.String(), "recipient.created") ||
		strings.Contains(out.String(), "balance.credited") {
		t.Fatalf("%d forwarded; printed:\n%s", n, out)
	}
}
