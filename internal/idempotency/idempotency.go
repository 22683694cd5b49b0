// Package idempotency implements the Idempotency-Key header as the IETF draft
// (draft-ietf-httpapi-idempotency-key-header) describes it:
//
//   - the first request with a key reserves it, runs, and stores its response in the same
//     transaction as its effects, so a response exists exactly when the effects committed;
//   - a later request with the same key and the same fingerprint replays that response;
//   - the same key with a different fingerprint is refused (422);
//   - a request whose twin still runs is refused (409) rather than run twice.
//
// Failed requests release their key, so the client may fix and retry (as Stripe does for
// requests that fail validation). Keys are kept for Retention.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// Retention is how long a completed key is remembered by default, and at least: the draft
// asks for 24 hours.
const Retention = 24 * time.Hour

// LockTTL bounds how long a reserved key counts as in flight. A process that dies after
// reserving leaves a lock that expires; its transaction never committed, so running again is
// safe.
const LockTTL = 60 * time.Second

// MaxKeyLength bounds the header value.
const MaxKeyLength = 255

// State of a record.
type State string

// Record states.
const (
	InFlight State = "in_flight"
	Done     State = "done"
)

// Record is a stored key with the fingerprint of its request and, once done, its response.
type Record struct {
	Scope          tenant.Scope
	Key            string
	RequestHash    string
	State          State
	ResponseStatus int
	ResponseBody   []byte
	LockedUntil    time.Time
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// Store is what the protocol needs from storage.
type Store interface {
	// ReserveIdempotencyKey inserts r unless the key exists, in which case it returns the
	// existing record and false.
	ReserveIdempotencyKey(ctx context.Context, r Record) (Record, bool, error)
	// TakeOverIdempotencyKey re-locks an in-flight record whose lock expired before now;
	// false if another request got there first.
	TakeOverIdempotencyKey(ctx context.Context, scope tenant.Scope, key string, now, lockedUntil time.Time) (bool, error)
	// CompleteIdempotencyKey stores the response of a reserved key.
	CompleteIdempotencyKey(ctx context.Context, scope tenant.Scope, key string, status int, body []byte) error
	// ReleaseIdempotencyKey forgets a reserved key whose request failed.
	ReleaseIdempotencyKey(ctx context.Context, scope tenant.Scope, key string) error
	// DeleteExpiredIdempotencyKeys removes records past their expiry.
	DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time) (int64, error)
}

// Errors of the protocol.
var (
	// ErrMismatch: the key was used with a different request (422).
	ErrMismatch = errors.New("this Idempotency-Key was already used with a different request")
	// ErrInFlight: the key's first request has not finished (409).
	ErrInFlight = errors.New("a request with this Idempotency-Key is still being processed; retry later")
)

// Fingerprint identifies a request: method, path and the JSON body in canonical form, so the
// same JSON with other whitespace or key order counts as the same request.
func Fingerprint(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err == nil {
		canon, _ := json.Marshal(v) // maps marshal with sorted keys
		h.Write(canon)
	} else {
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Outcome of Begin.
type Outcome int

// Begin outcomes.
const (
	// Proceed: the key is reserved for this request; run it and Complete in its transaction.
	Proceed Outcome = iota
	// Replay: the stored response answers the request.
	Replay
)

// Begin reserves key for a request with fingerprint hash, to be remembered for keep (at least
// Retention), or tells the caller to replay the stored response (returned), or fails with
// ErrMismatch or ErrInFlight.
func Begin(ctx context.Context, s Store, scope tenant.Scope, key, hash string, now time.Time, keep time.Duration) (Outcome, Record, error) {
	rec := Record{
		Scope: scope, Key: key, RequestHash: hash, State: InFlight,
		LockedUntil: now.Add(LockTTL), CreatedAt: now, ExpiresAt: now.Add(max(keep, Retention)),
	}
	existing, reserved, err := s.ReserveIdempotencyKey(ctx, rec)
	if err != nil {
		return 0, Record{}, err
	}
	if reserved {
		return Proceed, rec, nil
	}
	if existing.RequestHash != hash {
		return 0, existing, ErrMismatch
	}
	if existing.State == Done {
		return Replay, existing, nil
	}
	if existing.LockedUntil.After(now) {
		return 0, existing, ErrInFlight
	}
	ok, err := s.TakeOverIdempotencyKey(ctx, scope, key, now, now.Add(LockTTL))
	if err != nil {
		return 0, Record{}, err
	}
	if !ok {
		return 0, existing, ErrInFlight
	}
	return Proceed, rec, nil
}
