// Package signing holds the keys that sign grant tokens: Ed25519 (JWS "EdDSA") with a key id in
// every token header, published as a JWKS so that any standard JOSE library verifies a token.
// Verification is pinned to EdDSA and to known key ids: "none", HMAC and unknown kids fail.
package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Algorithm is the only signature algorithm Payport signs with or accepts.
const Algorithm = jose.EdDSA

// Key is one signing key. Private is nil for a key that only verifies.
type Key struct {
	KID       string
	Private   ed25519.PrivateKey
	Public    ed25519.PublicKey
	CreatedAt time.Time
	// RetiredAt is set once a newer key signs; the key still verifies until VerifyUntil.
	RetiredAt   *time.Time
	VerifyUntil *time.Time
}

// Generate makes a new key.
func Generate(now time.Time) (Key, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, err
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return Key{}, err
	}
	return Key{KID: "k_" + hex.EncodeToString(b), Private: priv, Public: pub, CreatedAt: now}, nil
}

// PublicJWK is the key's public half as a JWK.
func (k Key) PublicJWK() ([]byte, error) {
	return json.Marshal(jose.JSONWebKey{Key: k.Public, KeyID: k.KID, Algorithm: string(Algorithm), Use: "sig"})
}

// Set is the keys in force: the newest unretired key signs, every listed key verifies.
type Set struct {
	current *Key
	// header is the current key's encoded JOSE header, made once.
	header string
	keys   map[string]Key
	order  []string
}

// NewSet builds a set from stored keys.
func NewSet(keys []Key) *Set {
	s := &Set{keys: map[string]Key{}}
	sort.Slice(keys, func(i, j int) bool { return keys[i].CreatedAt.Before(keys[j].CreatedAt) })
	for i := range keys {
		k := keys[i]
		s.keys[k.KID] = k
		s.order = append(s.order, k.KID)
		if k.RetiredAt == nil && k.Private != nil {
			s.current = &keys[i]
		}
	}
	if s.current != nil {
		s.header = protectedHeader(s.current.KID)
	}
	return s
}

// CanSign reports whether the set has a current key.
func (s *Set) CanSign() bool { return s.current != nil }

// Sign returns the compact JWS of claims, with the current key's kid in the header. It is
// written out directly (RFC 7515 section 7.1) rather than through go-jose's JWT builder, which
// marshals the claims, decodes and marshals them again: minting portal URLs is a hot path
// (issue 4's target is 20,000 per second per core). Tests verify its output with go-jose.
func (s *Set) Sign(claims any) (string, error) {
	if s.current == nil {
		return "", errors.New("signing: no current key")
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	header := s.header
	out := make([]byte, 0, len(header)+1+enc.EncodedLen(len(payload))+1+enc.EncodedLen(ed25519.SignatureSize))
	out = append(out, header...)
	out = append(out, '.')
	out = enc.AppendEncode(out, payload)
	sig := ed25519.Sign(s.current.Private, out)
	out = append(out, '.')
	out = enc.AppendEncode(out, sig)
	return string(out), nil
}

// protectedHeader is the base64url JOSE header of tokens signed with kid.
func protectedHeader(kid string) string {
	h, _ := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{string(Algorithm), kid, "JWT"})
	return base64.RawURLEncoding.EncodeToString(h)
}

// Errors of Verify.
var (
	ErrMalformed  = errors.New("the token is not a well-formed signed token")
	ErrUnknownKey = errors.New("the token names a key Payport does not have")
	ErrSignature  = errors.New("the token's signature is not valid")
)

// Verify checks token's signature (EdDSA only, a known kid) and decodes its claims into v.
// Expiry and audience are the caller's to check, on the decoded claims.
func (s *Set) Verify(token string, v any) error {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{Algorithm})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(tok.Headers) != 1 {
		return ErrMalformed
	}
	k, ok := s.keys[tok.Headers[0].KeyID]
	if !ok {
		return ErrUnknownKey
	}
	if err := tok.Claims(k.Public, v); err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return nil
}

// JWKS is the public keys as a JSON Web Key Set, newest last.
func (s *Set) JWKS() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, kid := range s.order {
		k := s.keys[kid]
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public, KeyID: k.KID, Algorithm: string(Algorithm), Use: "sig"})
	}
	return set
}
