package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/payport/payport/internal/idempotency"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// IdemRequest carries a request's Idempotency-Key and its fingerprint (see package
// idempotency). The zero value means the request has no key.
type IdemRequest struct {
	Key         string
	Fingerprint string
}

func checkIdemKey(k string) error {
	if len(k) > idempotency.MaxKeyLength {
		return &Error{Kind: Invalid, In: "header", Field: "Idempotency-Key", Code: "validation_failed",
			Message: fmt.Sprintf("the Idempotency-Key header must be at most %d characters", idempotency.MaxKeyLength)}
	}
	for _, c := range k {
		if c < ' ' || c > '~' {
			return &Error{Kind: Invalid, In: "header", Field: "Idempotency-Key", Code: "validation_failed",
				Message: "the Idempotency-Key header must be printable ASCII"}
		}
	}
	return nil
}

// runIdempotent runs a request once per idempotency key: a replay returns the stored result
// (replayed = true) without running it. run performs the request's effects and must call
// complete(tx, result) in the transaction that commits them, so that the stored answer exists
// exactly when the effects do. Without a key, complete does nothing.
func runIdempotent[T any](ctx context.Context, a *App, scope tenant.Scope, idem IdemRequest,
	run func(complete completeFunc[T]) (T, error)) (result T, replayed bool, err error) {
	if idem.Key == "" {
		result, err = run(func(context.Context, store.Tx, T) error { return nil })
		return result, false, err
	}
	if err := checkIdemKey(idem.Key); err != nil {
		return result, false, err
	}
	var outcome idempotency.Outcome
	var rec idempotency.Record
	// Relaxed: the reservation matters only to the request's own transaction, which is
	// durable and, committing later, makes the reservation durable with it.
	err = a.Store.InTxRelaxed(ctx, func(tx store.Tx) error {
		var err error
		outcome, rec, err = idempotency.Begin(ctx, tx, scope, idem.Key, idem.Fingerprint, a.now(), a.retention().IdempotencyKeys)
		return err
	})
	switch {
	case errors.Is(err, idempotency.ErrMismatch):
		return result, false, &Error{Kind: Invalid, In: "header", Field: "Idempotency-Key", Code: "idempotency_key_reused", Message: err.Error()}
	case errors.Is(err, idempotency.ErrInFlight):
		return result, false, &Error{Kind: Conflict, In: "header", Field: "Idempotency-Key", Code: "idempotency_key_in_flight", Message: err.Error()}
	case err != nil:
		return result, false, err
	}
	if outcome == idempotency.Replay {
		err := json.Unmarshal(rec.ResponseBody, &result)
		return result, true, err
	}
	result, err = run(func(txCtx context.Context, tx store.Tx, result T) error {
		body, err := marshalLikeHTTP(result)
		if err != nil {
			return err
		}
		return tx.CompleteIdempotencyKey(txCtx, scope, idem.Key, http.StatusCreated, body)
	})
	if err != nil {
		// Release the key so that the client may retry (also when it went away: its retry
		// must not wait for the lock to expire); if this fails too, the lock expires.
		bg := context.WithoutCancel(ctx)
		if rerr := a.Store.InTxRelaxed(bg, func(tx store.Tx) error {
			return tx.ReleaseIdempotencyKey(bg, scope, idem.Key)
		}); rerr != nil {
			a.Log.Warn("release idempotency key", "err", rerr)
		}
	}
	return result, false, err
}

// idempotentTx runs fn in one write transaction, once per idempotency key, storing its answer
// in that same transaction.
func idempotentTx[T any](ctx context.Context, a *App, scope tenant.Scope, idem IdemRequest, fn func(tx store.Tx) (T, error)) (T, bool, error) {
	return runIdempotent(ctx, a, scope, idem, func(complete completeFunc[T]) (T, error) {
		var result T
		err := a.Store.InTx(ctx, func(tx store.Tx) error {
			var err error
			if result, err = fn(tx); err != nil {
				return err
			}
			return complete(ctx, tx, result)
		})
		return result, err
	})
}

// completeFunc stores a request's answer in the transaction (and under the context) that
// commits its effects.
type completeFunc[T any] func(ctx context.Context, tx store.Tx, result T) error

// marshalLikeHTTP encodes v exactly as the HTTP layer does (no HTML escaping), so that a
// replayed response decodes and re-encodes to the same bytes as the original.
func marshalLikeHTTP(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
