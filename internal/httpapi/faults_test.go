package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/store/postgres"
	"github.com/payport/payport/internal/store/sqlite"
	"github.com/payport/payport/internal/store/sqlstore"
	"github.com/payport/payport/internal/store/storetest"
)

// dbProxy forwards TCP connections to PostgreSQL until cut: then it drops every open
// connection and refuses new ones, which is what Payport sees while PostgreSQL restarts. It
// stands between one test and the shared server, so the server itself is never restarted.
type dbProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
}

func newDBProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close() // refused, as by a server that is not listening
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); up.Close() }()
		go func() { _, _ = io.Copy(c, up); c.Close() }()
	}
}

// cut drops every connection and refuses new ones until restore.
func (p *dbProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *dbProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// TestDatabaseOutageAnswers503: while PostgreSQL is away (every connection dropped, new ones
// refused) the API answers 503 with Retry-After and writes nothing; once it is back the same
// requests succeed without a restart of Payport, and nothing acknowledged before was lost.
func TestDatabaseOutageAnswers503(t *testing.T) {
	pg, ok := storetest.Postgres(t)
	if !ok {
		t.Skip("needs PostgreSQL (PAYPORT_TEST_DATABASE_URL)")
	}
	t.Parallel()
	u, err := url.Parse(pg.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDBProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	db, err := postgres.Open(context.Background(), u.String(), postgres.Options{MaxConns: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	en := newEnv(t, storetest.Engine{Name: "postgres", Open: func(testing.TB) *sqlstore.DB { return db }})
	en.createRecipient(en.key, "site_1", "EUR")
	en.credit(en.key, "site_1", "10.00", "EUR")

	proxy.cut()
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/api/recipients/site_1/credits", `{"amount":"5.00","currency":"EUR"}`},
		{"GET", "/rewards/site_1/info", ""},
		{"POST", "/api/recipients", `{"external_id":"site_2","currency":"EUR"}`},
	} {
		var body any
		if req.body != "" {
			body = req.body
		}
		// The key may still be cached for a second; either way the request needs the database.
		r := en.do(req.method, req.path, en.key, body, "Idempotency-Key", "outage-"+req.path)
		wantProblem(t, r, 503, "unavailable", "")
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 503 without Retry-After", req.method, req.path)
		}
	}
	if r := en.do("GET", "/readyz", "", nil); r.Status != 503 || r.Header.Get("Retry-After") == "" {
		t.Errorf("readyz while the database is away: %s", r)
	}

	proxy.restore()
	// The pool reconnects by itself: the first requests after the outage may still meet a
	// connection that died with it, so the client retries as Retry-After tells it to.
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := en.do("POST", "/api/recipients/site_1/credits", en.key, `{"amount":"5.00","currency":"EUR"}`,
			"Idempotency-Key", "outage-/api/recipients/site_1/credits")
		if r.Status == 201 {
			break
		}
		if r.Status != 503 || time.Now().After(deadline) {
			t.Fatalf("after the outage: %s", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The credit acknowledged before the outage is there, the one refused during it was not
	// applied, and its retry was applied once.
	if got := en.balance(en.key, "site_1"); got != "15.00" {
		t.Fatalf("balance %s after the outage, want 15.00", got)
	}
	en.must(201, "POST", "/api/recipients", en.key, `{"external_id":"site_2","currency":"EUR"}`)
}

// TestSQLiteDiskFull: with the data directory's filesystem full, writes answer 503 with
// Retry-After and change nothing, reads still work, and once space returns the same requests
// succeed and the database passes SQLite's integrity check. The directory is a small tmpfs,
// so it needs the right to mount (root, as in CI).
func TestSQLiteDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the procedure is in docs/RELIABILITY.md", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "payport.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	en := newEnv(t, storetest.Engine{Name: "sqlite", Open: func(testing.TB) *sqlstore.DB { return db }})
	en.createRecipient(en.key, "site_1", "EUR")
	en.credit(en.key, "site_1", "10.00", "EUR")

	// Fill the filesystem.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Close()

	// Enough credits to need new pages: the first that cannot get one is refused whole.
	refused := -1
	for i := range 5000 {
		r := en.do("POST", "/api/recipients/site_1/credits", en.key, `{"amount":"1.00","currency":"EUR","description":"`+strings.Repeat("x", 250)+`"}`,
			"Idempotency-Key", fmt.Sprint("full-", i))
		if r.Status == 201 {
			continue
		}
		wantProblem(t, r, 503, "unavailable", "")
		if r.Header.Get("Retry-After") == "" {
			t.Fatalf("503 without Retry-After")
		}
		refused = i
		t.Logf("the disk was full at credit %d", i)
		break
	}
	if refused < 0 {
		t.Fatal("5000 credits fitted in a full filesystem")
	}
	balance := en.balance(en.key, "site_1") // reads keep working
	if want := fmt.Sprintf("%d.00", 10+refused); balance != want {
		t.Fatalf("balance %s with the disk full, want %s (the refused credit must not count)", balance, want)
	}

	// Space returns: the refused request succeeds when sent again, once.
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	en.must(201, "POST", "/api/recipients/site_1/credits", en.key, `{"amount":"1.00","currency":"EUR","description":"`+strings.Repeat("x", 250)+`"}`,
		"Idempotency-Key", fmt.Sprint("full-", refused))
	if got, want := en.balance(en.key, "site_1"), fmt.Sprintf("%d.00", 11+refused); got != want {
		t.Fatalf("balance %s after space returned, want %s", got, want)
	}
	var check string
	if err := db.WriterDB().QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
}

// closingListener accepts connections and, while down, closes them at once: an SMTP server
// that is not there.
type closingListener struct {
	net.Listener
	down    atomic.Bool
	refused atomic.Int32
}

func (l *closingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.down.Load() {
			return c, err
		}
		l.refused.Add(1)
		c.Close()
	}
}

// TestMailSurvivesSMTPDown: an email that cannot be handed to the SMTP server is tried again
// by its job until the server is back, and then arrives once.
func TestMailSurvivesSMTPDown(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		sink := &smtpSink{}
		srv := smtp.NewServer(sink)
		srv.Domain, srv.AllowInsecureAuth = "localhost", true
		inner, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln := &closingListener{Listener: inner}
		ln.down.Store(true)
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
		m, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: inner.Addr().(*net.TCPAddr).Port, TLS: mail.TLSNone,
			From: "Payport <payport@example.com>", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		en.app.Mailer = m

		en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": en.orgID})
		for deadline := time.Now().Add(60 * time.Second); ln.refused.Load() == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the mail was never tried")
			}
		}
		ln.down.Store(false)
		sink.waitMail(t, "ada@example.com", "")
		time.Sleep(500 * time.Millisecond) // a second copy would come now
		sink.mu.Lock()
		defer sink.mu.Unlock()
		if len(sink.got) != 1 {
			t.Fatalf("%d mails after the SMTP server came back, want 1", len(sink.got))
		}
	})
}
