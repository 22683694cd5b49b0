package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the Standard Webhooks specification. Receivers' verifier libraries read
// exactly these (HTTP header names are case-insensitive; Go sends them canonicalised).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret, as the specification asks, so a secret pasted
// into the wrong place is recognisable and cannot be mistaken for an API key.
const SecretPrefix = "whsec_"

// The specification's bounds for an HMAC key: at least 192 bits, at most 512.
const (
	minKeyBytes = 24
	maxKeyBytes = 64
	// secretKeyBytes is what NewSecret draws: 256 bits, as strong as HMAC-SHA256 itself.
	secretKeyBytes = 32
	// maxIDLength keeps a message id a reasonable header value.
	maxIDLength = 255
)

// NewSecret returns a new signing secret: SecretPrefix + base64 (standard alphabet, padded)
// of 32 bytes from crypto/rand. It is shown to the customer once and stored encrypted.
func NewSecret() (string, error) {
	key := make([]byte, secretKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: reading random bytes: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Sign returns the value of the webhook-signature header for one message: "v1,<signature>"
// per secret, space-separated, in the order given. Passing the new and the old secret during
// a rotation lets a receiver verify with either, so rotating loses no message.
//
// ts is the time of this attempt (whole seconds are signed), not the time of the event:
// receivers reject timestamps more than a few minutes away from their clock.
func Sign(msgID string, ts time.Time, body []byte, secrets ...string) (string, error) {
	if err := checkMsgID(msgID); err != nil {
		return "", err
	}
	if len(secrets) == 0 {
		return "", errors.New("webhook: no signing secret")
	}
	// The signed content: "{msg_id}.{timestamp}.{payload}".
	prefix := msgID + "." + strconv.FormatInt(ts.Unix(), 10) + "."
	sigs := make([]string, 0, len(secrets))
	for i, s := range secrets {
		key, err := decodeSecret(s)
		if err != nil {
			return "", fmt.Errorf("webhook: secret %d: %w", i+1, err)
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(prefix))
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Headers returns the headers of one signed attempt: webhook-id, webhook-timestamp (Unix
// seconds), webhook-signature (see Sign) and Content-Type: application/json, ready to copy
// onto the request.
func Headers(msgID string, ts time.Time, body []byte, secrets ...string) (http.Header, error) {
	sig, err := Sign(msgID, ts, body, secrets...)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, 4)
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	h.Set("Content-Type", "application/json")
	return h, nil
}

// decodeSecret returns the HMAC key inside a "whsec_" secret.
func decodeSecret(s string) ([]byte, error) {
	enc, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("does not start with %q", SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, errors.New("is not valid base64")
	}
	if len(key) < minKeyBytes || len(key) > maxKeyBytes {
		return nil, fmt.Errorf("key is %d bytes; it must be %d to %d", len(key), minKeyBytes, maxKeyBytes)
	}
	return key, nil
}

// checkMsgID refuses ids that would make the signed content ambiguous (the specification
// forbids "." in them) or that cannot travel in a header.
func checkMsgID(id string) error {
	if id == "" {
		return errors.New("webhook: empty message id")
	}
	if len(id) > maxIDLength {
		return fmt.Errorf("webhook: message id longer than %d bytes", maxIDLength)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c == '.' || c <= ' ' || c >= 0x7f {
			return fmt.Errorf("webhook: message id %q may hold only printable ASCII without '.' or spaces", id)
		}
	}
	return nil
}
