package sqlstore

import (
	"context"
	"time"

	"github.com/payport/payport/internal/idempotency"
	"github.com/payport/payport/internal/tenant"
)

// ReserveIdempotencyKey implements idempotency.Store.
func (t *Tx) ReserveIdempotencyKey(ctx context.Context, r idempotency.Record) (idempotency.Record, bool, error) {
	res, err := t.exec(ctx, `INSERT INTO idempotency_records (org_id, mode, idem_key, request_hash, state, locked_until, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (org_id, mode, idem_key) DO NOTHING`,
		r.Scope.OrgID, string(r.Scope.Mode), r.Key, r.RequestHash, string(r.State), t.ts(r.LockedUntil), t.ts(r.CreatedAt), t.ts(r.ExpiresAt))
	if err != nil {
		return idempotency.Record{}, false, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return r, true, nil
	}
	var e idempotency.Record
	var state string
	var body []byte
	var locked, created, expires Time
	err = t.queryRow(ctx, `SELECT request_hash, state, response_status, response_body, locked_until, created_at, expires_at
		FROM idempotency_records WHERE org_id = $1 AND mode = $2 AND idem_key = $3`, r.Scope.OrgID, string(r.Scope.Mode), r.Key).
		Scan(&e.RequestHash, &state, &e.ResponseStatus, bytesOf{&body}, &locked, &created, &expires)
	if err != nil {
		return e, false, t.mapErr(err)
	}
	e.Scope, e.Key, e.State, e.ResponseBody = r.Scope, r.Key, idempotency.State(state), body
	e.LockedUntil, e.CreatedAt, e.ExpiresAt = locked.T, created.T, expires.T
	return e, false, nil
}

// TakeOverIdempotencyKey implements idempotency.Store.
func (t *Tx) TakeOverIdempotencyKey(ctx context.Context, scope tenant.Scope, key string, now, lockedUntil time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE idempotency_records SET locked_until = $4
		WHERE org_id = $1 AND mode = $2 AND idem_key = $3 AND state = 'in_flight' AND locked_until <= $5`,
		scope.OrgID, string(scope.Mode), key, t.ts(lockedUntil), t.ts(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CompleteIdempotencyKey implements idempotency.Store.
func (t *Tx) CompleteIdempotencyKey(ctx context.Context, scope tenant.Scope, key string, status int, body []byte) error {
	return expectOne(t.exec(ctx, `UPDATE idempotency_records SET state = 'done', response_status = $4, response_body = $5
		WHERE org_id = $1 AND mode = $2 AND idem_key = $3`, scope.OrgID, string(scope.Mode), key, status, body))
}

// ReleaseIdempotencyKey implements idempotency.Store.
func (t *Tx) ReleaseIdempotencyKey(ctx context.Context, scope tenant.Scope, key string) error {
	_, err := t.exec(ctx, `DELETE FROM idempotency_records WHERE org_id = $1 AND mode = $2 AND idem_key = $3 AND state = 'in_flight'`,
		scope.OrgID, string(scope.Mode), key)
	return err
}

// DeleteExpiredIdempotencyKeys implements idempotency.Store.
func (t *Tx) DeleteExpiredIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	res, err := t.exec(ctx, `DELETE FROM idempotency_records WHERE expires_at < $1`, t.ts(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
