package member

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h := HashPassword("correct horse battery staple")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the documented parameters", h)
	}
	if !CheckPassword(h, "correct horse battery staple") {
		t.Fatal("the right password is refused")
	}
	if CheckPassword(h, "correct horse battery stapler") {
		t.Fatal("a wrong password is accepted")
	}
	if h2 := HashPassword("correct horse battery staple"); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=0,t=0,p=0$$", "plain", dummyHash()[:20]} {
		if CheckPassword(bad, "not a password of anyone") {
			t.Fatalf("malformed hash %q matched", bad)
		}
	}
}

func TestPasswordRules(t *testing.T) {
	for pw, ok := range map[string]bool{
		"short":                       false,
		"elevenchars":                 false,
		"twelve chars":                true,
		strings.Repeat("é", 12):       true, // characters, not bytes
		strings.Repeat("x", 256):      true,
		strings.Repeat("x", 257):      false,
		"ada.lovelace@example.com":    false,
		"ADA.LOVELACE":                false,
		"Acme Energy Ltd":             false,
		"acmeenergyltd":               false,
		"my acme energy ltd password": true,
	} {
		err := CheckPasswordRules(pw, "ada.lovelace@example.com", "Acme Energy Ltd")
		if (err == nil) != ok {
			t.Errorf("password %q: err %v, want ok=%v", pw, err, ok)
		}
		if err != nil && !errors.Is(err, ErrPassword) {
			t.Errorf("password %q: %v is not an ErrPassword", pw, err)
		}
	}
}

func TestSessionLive(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s := Session{CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionMax)}
	if !s.Live(now.Add(SessionIdle - time.Second)) {
		t.Fatal("a session used just now is not live")
	}
	if s.Live(now.Add(SessionIdle)) {
		t.Fatal("an idle session is live")
	}
	s.LastSeenAt = now.Add(SessionMax - time.Minute)
	if s.Live(now.Add(SessionMax)) {
		t.Fatal("a session past its absolute end is live")
	}
	revoked := now
	s.LastSeenAt, s.RevokedAt = now, &revoked
	if s.Live(now) {
		t.Fatal("a revoked session is live")
	}
}

func TestNormalizeEmail(t *testing.T) {
	if e, err := NormalizeEmail("  Ada@Example.COM "); err != nil || e != "ada@example.com" {
		t.Fatalf("got %q, %v", e, err)
	}
	for _, bad := range []string{"", "ada", "Ada <ada@example.com>", "a@b@c"} {
		if _, err := NormalizeEmail(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
