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
