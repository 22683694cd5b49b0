package webhook

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// verifier returns the specification's own Go verifier for secret.
func verifier(t *testing.T, secret string) *standardwebhooks.Webhook {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("official verifier refuses secret %q: %v", secret, err)
	}
	return wh
}

func newSecret(t *testing.T) string {
	t.Helper()
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewSecretIsWhsecAnd32RandomBytes(t *testing.T) {
	a, b := newSecret(t), newSecret(t)
	for _, s := range []string{a, b} {
		enc, ok := strings.CutPrefix(s, "whsec_")
		if !ok {
			t.Fatalf("secret %q lacks the whsec_ prefix", s)
		}
		key, err := base64.StdEncoding.DecodeString(enc)
		if err != nil || len(key) != 32 {
			t.Fatalf("secret %q: want base64 of 32 bytes, got %d bytes, err %v", s, len(key), err)
		}
	}
	if a == b {
		t.Fatal("two secrets are equal")
	}
}

// The specification libraries' shared test vector, so our bytes match every implementation's.
func TestSignMatchesSpecificationVector(t *testing.T) {
	got, err := Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`),
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
}

func TestHeadersVerifyWithOfficialLibrary(t *testing.T) {
	secret := newSecret(t)
	body := []byte(`{"type":"payout.paid","data":{"id":"pay_1"}}`)
	now := time.Now()
	h, err := Headers("evt_0193a", now, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier(t, secret).Verify(body, h); err != nil {
		t.Fatalf("official verifier: %v", err)
	}
	if got := h.Get("webhook-timestamp"); got != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("webhook-timestamp = %q, want Unix seconds %d", got, now.Unix())
	}
	if got := h.Get("webhook-id"); got != "evt_0193a" {
		t.Errorf("webhook-id = %q", got)
	}
	if got := h.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
}

func TestRotatedSecretsEachVerify(t *testing.T) {
	newer, older, stranger := newSecret(t), newSecret(t), newSecret(t)
	body := []byte(`{"type":"payment.received"}`)
	h, err := Headers("evt_rot", time.Now(), body, newer, older)
	if err != nil {
		t.Fatal(err)
	}
	sigs := strings.Split(h.Get("webhook-signature"), " ")
	if len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1,") || !strings.HasPrefix(sigs[1], "v1,") {
		t.Fatalf("webhook-signature = %q, want two space-separated v1 signatures", h.Get("webhook-signature"))
	}
	for name, s := range map[string]string{"new secret": newer, "old secret": older} {
		if err := verifier(t, s).Verify(body, h); err != nil {
			t.Errorf("receiver holding the %s: %v", name, err)
		}
	}
	if err := verifier(t, stranger).Verify(body, h); err == nil {
		t.Error("a receiver holding an unrelated secret verified the message")
	}
}

func TestTamperingFailsOfficialVerification(t *testing.T) {
	secret := newSecret(t)
	body := []byte(`{"amount":"10.00"}`)
	now := time.Now()
	h, err := Headers("evt_t", now, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	wh := verifier(t, secret)
	if err := wh.Verify([]byte(`{"amount":"99.00"}`), h); err == nil {
		t.Error("tampered body verified")
	}
	// Still inside the verifier's 5 minute tolerance: only the signature can catch it.
	moved := h.Clone()
	moved.Set("webhook-timestamp", strconv.FormatInt(now.Unix()+60, 10))
	if err := wh.Verify(body, moved); err == nil {
		t.Error("tampered timestamp verified")
	}
	renamed := h.Clone()
	renamed.Set("webhook-id", "evt_other")
	if err := wh.Verify(body, renamed); err == nil {
		t.Error("tampered id verified")
	}
	// A signature made long ago is refused by the receiver: ts must be the attempt's time.
	old, err := Headers("evt_t", now.Add(-time.Hour), body, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(body, old); err == nil {
		t.Error("an hour-old timestamp verified")
	}
	if err := wh.VerifyIgnoringTimestamp(body, old); err != nil {
		t.Errorf("old but intact signature: %v", err)
	}
}

func TestSignRefusesBadInput(t *testing.T) {
	good := newSecret(t)
	short := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 16))
	cases := []struct {
		name    string
		id      string
		secrets []string
	}{
		{"no secret", "evt_1", nil},
		{"secret without prefix", "evt_1", []string{strings.TrimPrefix(good, "whsec_")}},
		{"secret not base64", "evt_1", []string{"whsec_not base64!"}},
		{"key under 24 bytes", "evt_1", []string{short}},
		{"bad second secret", "evt_1", []string{good, "whsec_%%"}},
		{"empty id", "", []string{good}},
		{"id with a dot", "evt.1", []string{good}},
		{"id with a newline", "evt\r\nX-Evil: 1", []string{good}},
		{"id with a space", "evt 1", []string{good}},
	}
	for _, c := range cases {
		if sig, err := Sign(c.id, time.Now(), []byte("{}"), c.secrets...); err == nil {
			t.Errorf("%s: Sign = %q, want an error", c.name, sig)
		}
		if _, err := Headers(c.id, time.Now(), []byte("{}"), c.secrets...); err == nil {
			t.Errorf("%s: Headers succeeded", c.name)
		}
	}
}
