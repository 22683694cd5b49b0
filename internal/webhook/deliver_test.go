package webhook

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// devClient reaches the loopback test receivers: test mode plus the operator's opt-in.
func devClient() *http.Client { return NewClient(Policy{AllowHTTP: true, AllowPrivate: true}) }

func TestDeliverSendsASignedPOST(t *testing.T) {
	newer, older := newSecret(t), newSecret(t)
	body := []byte(`{"type":"payout.paid","timestamp":"2026-11-22T09:00:00Z","data":{"id":"pay_1"}}`)
	now := time.Now()
	type seen struct {
		method, path, ctype, ua, id, ts string
		body                            []byte
		verifyNew, verifyOld            error
	}
	got := make(chan seen, 1)
	rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{
			method: r.Method, path: r.URL.Path, ctype: r.Header.Get("Content-Type"), ua: r.Header.Get("User-Agent"),
			id: r.Header.Get("webhook-id"), ts: r.Header.Get("webhook-timestamp"), body: b,
			verifyNew: verifier(t, newer).Verify(b, r.Header),
			verifyOld: verifier(t, older).Verify(b, r.Header),
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("thanks"))
	})
	a := Deliver(context.Background(), devClient(), rcv.URL+"/payport/hook", "evt_0193abc", now, body, []string{newer, older})
	if a.StatusCode != http.StatusAccepted || a.ResponseBody != "thanks" || a.Err != "" || a.Latency <= 0 {
		t.Fatalf("Attempt = %+v", a)
	}
	s := <-got
	if s.method != http.MethodPost || s.path != "/payport/hook" || s.ctype != "application/json" || s.ua != UserAgent {
		t.Errorf("request: %s %s, Content-Type %q, User-Agent %q", s.method, s.path, s.ctype, s.ua)
	}
	if s.id != "evt_0193abc" || s.ts != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("webhook-id %q, webhook-timestamp %q", s.id, s.ts)
	}
	if !bytes.Equal(s.body, body) {
		t.Errorf("body = %s", s.body)
	}
	if s.verifyNew != nil || s.verifyOld != nil {
		t.Errorf("official verifier at the receiver: new secret %v, old secret %v", s.verifyNew, s.verifyOld)
	}
	if d := Next(1, a.StatusCode, a.RetryAfter, time.Now()); d.Action != Done {
		t.Errorf("Next after 202 = %v", d.Action)
	}
}

func TestDeliverReportsFailures(t *testing.T) {
	rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/busy":
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}
	})
	c := devClient()
	secret := []string{newSecret(t)}
	now := time.Now()

	a := Deliver(context.Background(), c, rcv.URL+"/gone", "evt_1", now, []byte("{}"), secret)
	if a.StatusCode != http.StatusGone || Next(1, a.StatusCode, a.RetryAfter, now).Action != Disable {
		t.Errorf("410: %+v", a)
	}
	a = Deliver(context.Background(), c, rcv.URL+"/busy", "evt_1", now, []byte("{}"), secret)
	if a.StatusCode != http.StatusTooManyRequests || a.RetryAfter != "120" || a.ResponseBody != "slow down\n" {
		t.Errorf("429: %+v", a)
	}
	if d := Next(1, a.StatusCode, a.RetryAfter, now); d.Action != Retry || !d.RetryAt.Equal(now.Add(2*time.Minute)) {
		t.Errorf("after 429 with Retry-After 120: %+v", d)
	}

	// Nothing is sent when the message cannot be signed.
	hits := rcv.hits.Load()
	a = Deliver(context.Background(), c, rcv.URL+"/gone", "evt_1", now, []byte("{}"), []string{"not-a-secret"})
	if a.StatusCode != 0 || !strings.Contains(a.Err, "whsec_") || rcv.hits.Load() != hits {
		t.Errorf("bad secret: %+v", a)
	}

	// No response at all: status 0, the reason in Err, and a retry.
	closed := newReceiver(t, ok)
	closed.Close()
	a = Deliver(context.Background(), c, closed.URL+"/hook", "evt_1", now, []byte("{}"), secret)
	if a.StatusCode != 0 || !strings.Contains(a.Err, "refused") || Next(1, 0, "", now).Action != Retry {
		t.Errorf("closed port: %+v", a)
	}

	// The sender's own cancellation is told apart from a slow receiver.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a = Deliver(ctx, c, rcv.URL+"/gone", "evt_1", now, []byte("{}"), secret)
	if a.StatusCode != 0 || !strings.Contains(a.Err, "stopped by the sender") {
		t.Errorf("cancelled: %+v", a)
	}
}

func TestDeliverKeepsOneKilobyteOfCleanText(t *testing.T) {
	// One ASCII byte then two-byte characters: the 1 KB cut falls inside a character. A NUL
	// and an invalid byte come first.
	body := "\x00\xff" + "x" + strings.Repeat("é", 2000)
	rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, body, http.StatusInternalServerError)
	})
	a := Deliver(context.Background(), devClient(), rcv.URL+"/hook", "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != http.StatusInternalServerError {
		t.Fatalf("Attempt = %+v", a)
	}
	rb := a.ResponseBody
	if !utf8.ValidString(rb) || strings.ContainsRune(rb, 0) || len(rb) > MaxResponseBody {
		t.Fatalf("response body: valid %v, NUL %v, %d bytes", utf8.ValidString(rb), strings.ContainsRune(rb, 0), len(rb))
	}
	if !strings.HasPrefix(rb, "\uFFFD\uFFFDxéé") || !strings.HasSuffix(rb, "é") || len(rb) < MaxResponseBody-3 {
		t.Fatalf("response body starts %q, ends %q, %d bytes", rb[:12], rb[len(rb)-4:], len(rb))
	}
}

func TestCleanText(t *testing.T) {
	cases := []struct {
		in    string
		limit int
		want  string
	}{
		{"plain", 1024, "plain"},
		{"", 1024, ""},
		{"a\x00b", 1024, "a\uFFFDb"},
		{"a\xc3", 1024, "a"},         // character cut by the read limit
		{"a\xc3(", 1024, "a\uFFFD("}, // invalid in the middle
		{"ééé", 5, "éé"},             // never more than the limit
		{"\xff\xff", 4, "\uFFFD"},    // replacement counted in the limit too
	}
	for _, c := range cases {
		if got := cleanText([]byte(c.in), c.limit); got != c.want {
			t.Errorf("cleanText(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
	}
}
