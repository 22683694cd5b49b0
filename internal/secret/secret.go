// Package secret encrypts secrets at rest (bank account numbers, rail credentials) with
// AES-256-GCM under a master key, so that a copy of the database alone reveals nothing.
//
// A sealed value is a self-describing string, "v1:<keyid>:<base64url(nonce||ciphertext)>",
// that fits a TEXT column on every engine. The key id lets a Keyring hold the current key and
// older ones: after a rotation, old rows still open, and new ones are sealed under the new key.
//
// Every Seal and Open takes associated data that the caller binds the ciphertext to, such as
// "payout_method:<id>". It is authenticated, not stored: a ciphertext copied into another row
// fails to open there, so someone who can write the database cannot make one recipient's bank
// account appear as another's.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a master key in bytes (AES-256).
const KeySize = 32

const (
	version   = "v1"
	nonceSize = 12 // the GCM standard nonce; random, so about 2^32 messages per key are safe
	// keyIDLen is how many hex characters of SHA-256(key) name a key: 32 bits tell apart the
	// few keys of a keyring and say nothing useful about a 256-bit random key.
	keyIDLen = 8
)

// Errors that Open returns, for callers that branch on the cause. None of them says which
// byte was wrong or carries key material.
var (
	// ErrMalformed means the string is not a sealed value of a known version.
	ErrMalformed = errors.New("secret: not a sealed value")
	// ErrUnknownKey means the value was sealed under a key the keyring does not hold.
	ErrUnknownKey = errors.New("secret: sealed under a key that is not in the keyring")
	// ErrDecrypt means authentication failed: the ciphertext was altered, the associated data
	// differs from the one it was sealed with, or the key is wrong.
	ErrDecrypt = errors.New("secret: cannot decrypt: the value was altered or belongs to another record")
)

// b64 is base64url without padding, strict so that every text has one decoding: otherwise
// flipping the unused low bits of the last character would be a change Open cannot see.
var b64 = base64.RawURLEncoding.Strict()

// Keyring holds a primary key that seals and any older keys that still open. Make one with
// NewKeyring or Open; it is safe for concurrent use. Its printed forms (%v, %+v, %#v) show key
// ids only, never key material.
type Keyring struct {
	// ring sits behind a pointer so that printing a Keyring value cannot reach the AES key
	// schedule through reflection.
	ring *ring
}

type ring struct {
	primary string
	aeads   map[string]cipher.AEAD
	// digests are the keys' full SHA-256, to tell a repeated key from a key id collision.
	digests map[string][sha256.Size]byte
	ids     []string // primary first, for String
	// macKey keys Fingerprint; it is derived from the primary key, never the key itself.
	macKey []byte
}

// NewKeyring returns a keyring that seals with primary and opens values sealed under primary
// or any of old. Every key must be KeySize bytes. The slices are not retained.
func NewKeyring(primary []byte, old ...[]byte) (*Keyring, error) {
	r := &ring{aeads: map[string]cipher.AEAD{}, digests: map[string][sha256.Size]byte{}}
	for i, key := range append([][]byte{primary}, old...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secret: key %d is %d bytes, want %d", i, len(key), KeySize)
		}
		sum := sha256.Sum256(key)
		id := hex.EncodeToString(sum[:])[:keyIDLen]
		if prev, dup := r.digests[id]; dup {
			// The same key twice is harmless; two different keys with one id (a 1 in 2^32
			// chance) would make Open try the wrong one, so refuse rather than guess.
			if prev == sum {
				continue
			}
			return nil, fmt.Errorf("secret: two keys share the id %s: generate another key", id)
		}
		r.digests[id] = sum
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		r.aeads[id] = aead
		r.ids = append(r.ids, id)
		if i == 0 {
			r.primary = id
			m := hmac.New(sha256.New, key)
			m.Write([]byte("payport fingerprint key v1"))
			r.macKey = m.Sum(nil)
		}
	}
	return &Keyring{ring: r}, nil
}

// Fingerprint returns a keyed hash (HMAC-SHA256 under a key derived from the primary key) of
// data. Used to recognise a repeated bank account without decrypting: unlike a plain hash it
// cannot be brute-forced from a copy of the database (a UK account number has only 10^8
// values per sort code). Rotating the primary key changes every fingerprint.
func (k *Keyring) Fingerprint(data []byte) string {
	m := hmac.New(sha256.New, k.ring.macKey)
	m.Write(data)
	return hex.EncodeToString(m.Sum(nil))
}

// PrimaryKeyID returns the id of the key Seal uses, for logs and for finding rows to re-seal
// after a rotation (compare with SealedKeyID).
func (k *Keyring) PrimaryKeyID() string { return k.ring.primary }

// String shows the key ids, primary first.
func (k *Keyring) String() string {
	return "secret.Keyring{keys: " + strings.Join(k.ring.ids, ", ") + "}"
}

// GoString is String, so that %#v shows no key material either.
func (k *Keyring) GoString() string { return k.String() }

// Seal encrypts plaintext under the primary key, bound to associatedData, with a fresh random
// nonce (sealing the same plaintext twice gives different strings).
func (k *Keyring) Seal(plaintext, associatedData []byte) (string, error) {
	id := k.ring.primary
	nonce := make([]byte, nonceSize, nonceSize+len(plaintext)+k.ring.aeads[id].Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: reading random nonce: %w", err)
	}
	out := k.ring.aeads[id].Seal(nonce, nonce, plaintext, aad(id, associatedData))
	return version + ":" + id + ":" + b64.EncodeToString(out), nil
}

// Open decrypts a value from Seal, with the key it names, and checks that it was sealed with
// the same associatedData. Errors are ErrMalformed, ErrUnknownKey or ErrDecrypt.
func (k *Keyring) Open(sealed string, associatedData []byte) ([]byte, error) {
	id, body, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.ring.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	raw, err := b64.DecodeString(body)
	if err != nil || len(raw) < nonceSize+aead.Overhead() {
		return nil, ErrMalformed
	}
	plain, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], aad(id, associatedData))
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// SealedKeyID returns the id of the key a sealed value was sealed under, without decrypting
// it: after a rotation, values whose id is not PrimaryKeyID are the ones to re-seal.
func SealedKeyID(sealed string) (string, error) {
	id, _, err := parse(sealed)
	return id, err
}

func parse(sealed string) (id, body string, err error) {
	v, rest, ok1 := strings.Cut(sealed, ":")
	id, body, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || v != version || len(id) != keyIDLen || !isLowerHex(id) {
		return "", "", ErrMalformed
	}
	return id, body, nil
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// aad authenticates the version and key id along with the caller's data, so that no part of
// the sealed string can be changed without Open noticing, even in a later format that might
// treat the header differently.
func aad(id string, associatedData []byte) []byte {
	prefix := version + ":" + id + ":"
	return append([]byte(prefix), associatedData...)
}

// SealJSON seals the JSON encoding of v.
func (k *Keyring) SealJSON(v any, associatedData []byte) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("secret: encoding: %w", err)
	}
	defer clear(plain)
	return k.Seal(plain, associatedData)
}

// OpenJSON opens a value from SealJSON into v, which must be a pointer.
func (k *Keyring) OpenJSON(sealed string, associatedData []byte, v any) error {
	plain, err := k.Open(sealed, associatedData)
	if err != nil {
		return err
	}
	defer clear(plain)
	if err := json.Unmarshal(plain, v); err != nil {
		// The JSON error may quote the plaintext; keep it out of the message.
		return errors.New("secret: the sealed value is not the expected JSON")
	}
	return nil
}
