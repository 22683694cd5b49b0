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

// CompleteIdempotencyKey implements idempotency.Store. Inside a transaction the answer is
// buffered and stored with the others just before commit: a batch of 200 credits then costs
// one statement for its answers on PostgreSQL instead of 200 round trips.
func (t *Tx) CompleteIdempotencyKey(ctx context.Context, scope tenant.Scope, key string, status int, body []byte) error {
	c := completion{scope: scope, key: key, status: status, body: body}
	if t.tx == nil {
		return t.storeCompletions(ctx, []completion{c})
	}
	t.completions = append(t.completions, c)
	return nil
}

// completion is a stored answer waiting for its transaction's commit.
type completion struct {
	scope  tenant.Scope
	key    string
	status int
	body   []byte
}

func (t *Tx) flushCompletions(ctx context.Context) error {
	cs := t.completions
	t.completions = nil
	return t.storeCompletions(ctx, cs)
}

func (t *Tx) storeCompletions(ctx context.Context, cs []completion) error {
	if len(cs) == 0 {
		return nil
	}
	if t.d.ArrayParams && len(cs) > 1 {
		orgs, modes, keys := make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs))
		statuses, bodies := make([]int32, len(cs)), make([][]byte, len(cs))
		for i, c := range cs {
			orgs[i], modes[i], keys[i], statuses[i], bodies[i] = c.scope.OrgID, string(c.scope.Mode), c.key, int32(c.status), c.body
		}
		return t.deferWrite(ctx, pendingWrite{table: "idempotency_records", update: true, want: len(cs), what: "store idempotent answers",
			sql: `UPDATE idempotency_records r SET state = 'done', response_status = v.status, response_body = v.body
			FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bytea[]) AS v(org_id, mode, idem_key, status, body)
			WHERE r.org_id = v.org_id AND r.mode = v.mode AND r.idem_key = v.idem_key`, args: []any{orgs, modes, keys, statuses, bodies}})
	}
	// SQLite runs statements in process: one cached statement per answer costs no round trip.
	for _, c := range cs {
		if err := expectOne(t.exec(ctx, `UPDATE idempotency_records SET state = 'done', response_status = $4, response_body = $5
			WHERE org_id = $1 AND mode = $2 AND idem_key = $3`, c.scope.OrgID, string(c.scope.Mode), c.key, c.status, c.body)); err != nil {
			return err
		}
	}
	return nil
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
