package signing

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

type claims struct {
	Sub string `json:"sub"`
}

func TestVerifyRefusesForgeries(t *testing.T) {
	k, err := Generate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	set := NewSet([]Key{k})
	token, err := set.Sign(claims{Sub: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	var got claims
	if err := set.Verify(token, &got); err != nil || got.Sub != "Acme" {
		t.Fatalf("own token: %v %+v", err, got)
	}

	parts := strings.Split(token, ".")
	enc := base64.RawURLEncoding.EncodeToString
	// alg "none": no signature at all.
	none := enc([]byte(`{"alg":"none","kid":"`+k.KID+`"}`)) + "." + parts[1] + "."
	// HS256 keyed with the public key, the classic algorithm-confusion forgery.
	hs, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(k.Public)},
		(&jose.SignerOptions{}).WithHeader("kid", k.KID))
	hmacToken, _ := jwt.Signed(hs).Claims(claims{Sub: "Acme"}).Serialize()
	// A token from a key Payport never had, with a kid it does not know.
	other, _ := Generate(time.Now())
	foreign, _ := NewSet([]Key{other}).Sign(claims{Sub: "Acme"})
	// The payload changed after signing.
	tampered := parts[0] + "." + enc([]byte(`{"sub":"Evil"}`)) + "." + parts[2]

	for name, c := range map[string]struct {
		token string
		want  error
	}{
		"none": {none, ErrMalformed}, "hmac": {hmacToken, ErrMalformed}, "unknown kid": {foreign, ErrUnknownKey},
		"tampered": {tampered, ErrSignature}, "garbage": {"not.a.token", ErrMalformed},
	} {
		if err := set.Verify(c.token, &got); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

// TestSignedTokensVerifyWithGoJose checks the hand-written compact serialisation against an
// outside implementation: go-jose parses it, finds the kid and typ, and verifies the signature
// with the public JWK alone.
func TestSignedTokensVerifyWithGoJose(t *testing.T) {
	k, err := Generate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	token, err := NewSet([]Key{k}).Sign(claims{Sub: "Acme & Co <ü>"})
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Header
	if h.KeyID != k.KID || h.Algorithm != "EdDSA" || h.ExtraHeaders["typ"] != "JWT" {
		t.Fatalf("header %+v", h)
	}
	raw, err := k.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		t.Fatal(err)
	}
	if string(payload) != `{"sub":"Acme \u0026 Co \u003cü\u003e"}` {
		t.Fatalf("payload %s", payload)
	}
}

// FuzzVerify: no input but a token this set signed verifies, and none panics.
//
//	go test -run '^$' -fuzz FuzzVerify -fuzztime 60s ./internal/signing/
func FuzzVerify(f *testing.F) {
	k, err := Generate(time.Now())
	if err != nil {
		f.Fatal(err)
	}
	set := NewSet([]Key{k})
	good, err := set.Sign(claims{Sub: "Acme"})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, good + "x", "a.b.c", "", "...", "eyJhbGciOiJub25lIn0.e30.", strings.Replace(good, ".", "..", 1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		var got claims
		if err := set.Verify(token, &got); err == nil && token != good {
			// Another serialisation of the same signed content would be a finding too.
			t.Fatalf("verified a token this set did not produce: %q", token)
		}
	})
}
