package mail

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// receiver is a real SMTP server, in-process on loopback, that keeps what it receives.
type receiver struct {
	mu   sync.Mutex
	got  [][]byte
	rcpt []string
}

func (r *receiver) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{r: r}, nil }

type session struct{ r *receiver }

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error {
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	s.r.rcpt = append(s.r.rcpt, to)
	s.r.mu.Unlock()
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.r.mu.Lock()
	s.r.got = append(s.r.got, b)
	s.r.mu.Unlock()
	return err
}

func TestSMTPSendsTextAndHTML(t *testing.T) {
	rec := &receiver{}
	srv := smtp.NewServer(rec)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	m, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "Payouts <payouts@example.com>", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), Message{ID: "msg_1", To: "ada@example.com", Subject: "123456 is your Acme code",
		Text: "Your code is 123456.", HTML: "<p>Your code is <b>123456</b>.</p>"})
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != 1 || len(rec.rcpt) != 1 || rec.rcpt[0] != "ada@example.com" {
		t.Fatalf("received %d messages for %v", len(rec.got), rec.rcpt)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(rec.got[0]))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Subject") != "123456 is your Acme code" || !strings.Contains(msg.Header.Get("Message-Id"), "msg_1@payport") {
		t.Fatalf("headers %v", msg.Header)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("content type %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		parts[ct] = string(b)
	}
	if !strings.Contains(parts["text/plain"], "123456") || !strings.Contains(parts["text/html"], "<b>123456</b>") {
		t.Fatalf("parts %v", parts)
	}
}

func TestSMTPConfig(t *testing.T) {
	if _, err := NewSMTP(SMTPConfig{Host: "x"}); err == nil {
		t.Fatal("no from address accepted")
	}
	if _, err := NewSMTP(SMTPConfig{Host: "x", From: "a@b", TLS: "maybe"}); err == nil {
		t.Fatal("unknown TLS mode accepted")
	}
}
