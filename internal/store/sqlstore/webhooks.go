package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/webhook"
)

const endpointColumns = `id, org_id, mode, url, description, event_types, enabled, disabled_reason, secret_sealed,
	previous_secret_sealed, previous_secret_until, failing_since, created_at, updated_at`

func scanEndpoint(row interface{ Scan(...any) error }) (webhook.Endpoint, error) {
	var e webhook.Endpoint
	var mode, types string
	var until, failing NullTime
	var created, updated Time
	if err := row.Scan(&e.ID, &e.Scope.OrgID, &mode, &e.URL, &e.Description, &types, &e.Enabled, &e.DisabledReason,
		&e.SecretSealed, &e.PreviousSecretSealed, &until, &failing, &created, &updated); err != nil {
		return e, err
	}
	e.Scope.Mode, e.PreviousSecretUntil, e.FailingSince, e.CreatedAt, e.UpdatedAt = tenant.Mode(mode), until.T, failing.T, created.T, updated.T
	if err := json.Unmarshal([]byte(types), &e.EventTypes); err != nil {
		return e, err
	}
	return e, nil
}

func typesJSON(types []string) string {
	if types == nil {
		types = []string{}
	}
	b, _ := json.Marshal(types)
	return string(b)
}

// InsertWebhookEndpoint implements store.Tx.
func (t *Tx) InsertWebhookEndpoint(ctx context.Context, e webhook.Endpoint) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		e.ID, e.Scope.OrgID, string(e.Scope.Mode), e.URL, e.Description, typesJSON(e.EventTypes), e.Enabled, e.DisabledReason,
		e.SecretSealed, e.PreviousSecretSealed, t.tsPtr(e.PreviousSecretUntil), t.tsPtr(e.FailingSince), t.ts(e.CreatedAt), t.ts(e.UpdatedAt))
	return err
}

// GetWebhookEndpoint implements store.Tx.
func (t *Tx) GetWebhookEndpoint(ctx context.Context, scope tenant.Scope, id string, forUpdate bool) (webhook.Endpoint, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	e, err := scanEndpoint(t.queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE org_id = $1 AND mode = $2 AND id = $3`+lock,
		scope.OrgID, string(scope.Mode), id))
	return e, t.mapErr(err)
}

// ListWebhookEndpoints implements store.Tx.
func (t *Tx) ListWebhookEndpoints(ctx context.Context, scope tenant.Scope, after string, limit int) ([]webhook.Endpoint, error) {
	return t.queryEndpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE org_id = $1 AND mode = $2 AND id > $3 ORDER BY id LIMIT $4`,
		scope.OrgID, string(scope.Mode), after, limit)
}

func (t *Tx) queryEndpoints(ctx context.Context, q string, args ...any) ([]webhook.Endpoint, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// UpdateWebhookEndpoint implements store.Tx.
func (t *Tx) UpdateWebhookEndpoint(ctx context.Context, e webhook.Endpoint) error {
	return expectOne(t.exec(ctx, `UPDATE webhook_endpoints SET url = $4, description = $5, event_types = $6, enabled = $7, disabled_reason = $8,
		secret_sealed = $9, previous_secret_sealed = $10, previous_secret_until = $11, failing_since = $12, updated_at = $13
		WHERE org_id = $1 AND mode = $2 AND id = $3`,
		e.Scope.OrgID, string(e.Scope.Mode), e.ID, e.URL, e.Description, typesJSON(e.EventTypes), e.Enabled, e.DisabledReason,
		e.SecretSealed, e.PreviousSecretSealed, t.tsPtr(e.PreviousSecretUntil), t.tsPtr(e.FailingSince), t.ts(e.UpdatedAt)))
}

// DeleteWebhookEndpoint implements store.Tx. Its pending messages are canceled; its attempt
// log stays.
func (t *Tx) DeleteWebhookEndpoint(ctx context.Context, scope tenant.Scope, id string, now time.Time) error {
	if err := t.CancelEndpointMessages(ctx, id, now); err != nil {
		return err
	}
	return expectOne(t.exec(ctx, `DELETE FROM webhook_endpoints WHERE org_id = $1 AND mode = $2 AND id = $3`, scope.OrgID, string(scope.Mode), id))
}

// CancelEndpointMessages implements store.Tx.
func (t *Tx) CancelEndpointMessages(ctx context.Context, endpointID string, now time.Time) error {
	_, err := t.exec(ctx, `UPDATE webhook_messages SET status = 'canceled', next_attempt_at = NULL, updated_at = $2
		WHERE endpoint_id = $1 AND status = 'pending'`, endpointID, t.ts(now))
	return err
}

// EnabledEndpoints implements store.Tx.
func (t *Tx) EnabledEndpoints(ctx context.Context, scope tenant.Scope) ([]webhook.Endpoint, error) {
	return t.queryEndpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE org_id = $1 AND mode = $2 AND enabled ORDER BY id`,
		scope.OrgID, string(scope.Mode))
}

// GetWebhookSecret implements store.Tx.
func (t *Tx) GetWebhookSecret(ctx context.Context, scope tenant.Scope, forUpdate bool) (webhook.OrgSecret, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	s := webhook.OrgSecret{Scope: scope}
	var until NullTime
	var created Time
	err := t.queryRow(ctx, `SELECT secret_sealed, previous_secret_sealed, previous_secret_until, revealed, created_at
		FROM webhook_secrets WHERE org_id = $1 AND mode = $2`+lock, scope.OrgID, string(scope.Mode)).
		Scan(&s.SecretSealed, &s.PreviousSecretSealed, &until, &s.Revealed, &created)
	s.PreviousSecretUntil, s.CreatedAt = until.T, created.T
	return s, t.mapErr(err)
}

// PutWebhookSecret implements store.Tx.
func (t *Tx) PutWebhookSecret(ctx context.Context, s webhook.OrgSecret) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_secrets (org_id, mode, secret_sealed, previous_secret_sealed, previous_secret_until, revealed, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (org_id, mode) DO UPDATE SET secret_sealed = excluded.secret_sealed, previous_secret_sealed = excluded.previous_secret_sealed,
		previous_secret_until = excluded.previous_secret_until, revealed = excluded.revealed`,
		s.Scope.OrgID, string(s.Scope.Mode), s.SecretSealed, s.PreviousSecretSealed, t.tsPtr(s.PreviousSecretUntil), s.Revealed, t.ts(s.CreatedAt))
	return err
}

// UndispatchedEvents implements store.Tx.
func (t *Tx) UndispatchedEvents(ctx context.Context, limit int) ([]event.Event, error) {
	if err := t.flushEvents(ctx); err != nil {
		return nil, err
	}
	// The payloads stay behind: routing needs only the envelope, and the sender reads each
	// payload once when it delivers.
	rows, err := t.query(ctx, `SELECT id, org_id, mode, type, object_id, '{}', created_at FROM events
		WHERE dispatched_at IS NULL ORDER BY id LIMIT $1`+t.d.SkipLocked, limit)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// FirstUndispatchedExport implements store.Tx. The type is written out, not bound, so that
// SQLite uses the partial index (events_pending_exports_idx) made for this question.
func (t *Tx) FirstUndispatchedExport(ctx context.Context) (string, error) {
	var id string
	err := t.queryRow(ctx, `SELECT id FROM events WHERE dispatched_at IS NULL AND type = 'rail_file.exported' ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// LastEventBetween implements store.Tx.
func (t *Tx) LastEventBetween(ctx context.Context, after, upTo string) (event.Event, error) {
	if err := t.flushEvents(ctx); err != nil {
		return event.Event{}, err
	}
	rows, err := t.query(ctx, `SELECT id, org_id, mode, type, object_id, '{}', created_at FROM events
		WHERE id > $1 AND id <= $2 ORDER BY id DESC LIMIT 1`, after, upTo)
	if err != nil {
		return event.Event{}, err
	}
	es, err := scanEvents(rows)
	if err != nil || len(es) == 0 {
		return event.Event{}, cmp.Or(err, store.ErrNotFound)
	}
	return es[0], nil
}

// WebhookWorkDue implements store.Tx; both halves read only a partial index.
func (t *Tx) WebhookWorkDue(ctx context.Context, now time.Time) (bool, error) {
	var due bool
	err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE dispatched_at IS NULL)
		OR EXISTS (SELECT 1 FROM webhook_messages WHERE status = 'pending' AND next_attempt_at <= $1)`, t.ts(now)).Scan(&due)
	return due, err
}

// MarkEventsDispatched implements store.Tx.
func (t *Tx) MarkEventsDispatched(ctx context.Context, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	if t.d.ArrayParams {
		_, err := t.exec(ctx, `UPDATE events SET dispatched_at = $1 WHERE id = ANY($2::text[])`, t.ts(now), ids)
		return err
	}
	for start := 0; start < len(ids); start += maxInList {
		part := ids[start:min(start+maxInList, len(ids))]
		args := []any{t.ts(now)}
		for _, id := range part {
			args = append(args, id)
		}
		if _, err := t.exec(ctx, `UPDATE events SET dispatched_at = `+t.param(1)+` WHERE id IN (`+t.bulkParams(2, len(part))+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// GetEvent implements store.Tx.
func (t *Tx) GetEvent(ctx context.Context, scope tenant.Scope, id string) (event.Event, error) {
	rows, err := t.query(ctx, `SELECT id, org_id, mode, type, object_id, data, created_at FROM events
		WHERE org_id = $1 AND mode = $2 AND id = $3`, scope.OrgID, string(scope.Mode), id)
	if err != nil {
		return event.Event{}, err
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return event.Event{}, err
	}
	if len(evs) == 0 {
		return event.Event{}, t.mapErr(sql.ErrNoRows)
	}
	return evs[0], nil
}

func scanEvents(rows *sql.Rows) ([]event.Event, error) {
	defer rows.Close()
	var out []event.Event
	for rows.Next() {
		var e event.Event
		var mode, typ string
		var created Time
		if err := rows.Scan(&e.ID, &e.Scope.OrgID, &mode, &typ, &e.ObjectID, bytesOf{(*[]byte)(&e.Data)}, &created); err != nil {
			return nil, err
		}
		e.Scope.Mode, e.Type, e.CreatedAt = tenant.Mode(mode), event.Type(typ), created.T
		out = append(out, e)
	}
	return out, rows.Err()
}

// PaymentWebhookURLs implements store.Tx: one query per 500 ids (the dispatcher asks for a
// whole batch of events at once).
func (t *Tx) PaymentWebhookURLs(ctx context.Context, paymentIDs []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(paymentIDs); start += maxInList {
		part := paymentIDs[start:min(start+maxInList, len(paymentIDs))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := t.query(ctx, `SELECT id, webhook_url FROM payments WHERE webhook_url <> '' AND id IN (`+t.bulkParams(1, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, u string
			if err := rows.Scan(&id, &u); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = u
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const messageColumns = `id, event_id, org_id, mode, endpoint_id, url, status, attempts, next_attempt_at, created_at, updated_at`

var messagesTable = newBulkTable("webhook_messages", messageColumns,
	"text, text, text, text, text, text, text, integer, timestamptz, timestamptz, timestamptz")

// InsertWebhookMessages implements store.Tx.
func (t *Tx) InsertWebhookMessages(ctx context.Context, ms []webhook.Message) error {
	// Messages refer to their events: events this transaction holds back go first.
	if err := t.flushEvents(ctx); err != nil {
		return err
	}
	return t.insertRows(ctx, messagesTable, len(ms), func(i int) []any {
		m := ms[i]
		return []any{m.ID, m.EventID, m.Scope.OrgID, string(m.Scope.Mode), nullString(m.EndpointID), m.URL, m.Status, m.Attempts,
			t.tsPtr(m.NextAttemptAt), t.ts(m.CreatedAt), t.ts(m.UpdatedAt)}
	})
}

// ClaimDueMessages implements store.Tx: one UPDATE ... RETURNING takes and leases the batch.
func (t *Tx) ClaimDueMessages(ctx context.Context, now, leaseUntil time.Time, limit int) ([]webhook.Message, error) {
	rows, err := t.query(ctx, `UPDATE webhook_messages SET next_attempt_at = $3 WHERE id IN (
		SELECT id FROM webhook_messages WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`+t.d.SkipLocked+`)
		RETURNING `+messageColumns, t.ts(now), limit, t.ts(leaseUntil))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.Message
	for rows.Next() {
		var m webhook.Message
		var mode string
		var endpointID sql.NullString
		var next NullTime
		var created, updated Time
		if err := rows.Scan(&m.ID, &m.EventID, &m.Scope.OrgID, &mode, &endpointID, &m.URL, &m.Status, &m.Attempts, &next, &created, &updated); err != nil {
			return nil, err
		}
		m.Scope.Mode, m.EndpointID, m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = tenant.Mode(mode), endpointID.String, next.T, created.T, updated.T
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpdateWebhookMessages implements store.Tx: one statement on PostgreSQL (unnest), one per
// message on SQLite (in-process, where a statement costs no round trip).
func (t *Tx) UpdateWebhookMessages(ctx context.Context, ms []webhook.Message) error {
	if len(ms) == 0 {
		return nil
	}
	if t.d.ArrayParams {
		ids, statuses, nexts, updated := make([]string, len(ms)), make([]string, len(ms)), make([]any, len(ms)), make([]any, len(ms))
		attempts := make([]int64, len(ms))
		for i, m := range ms {
			ids[i], statuses[i], attempts[i], nexts[i], updated[i] = m.ID, m.Status, int64(m.Attempts), t.tsPtr(m.NextAttemptAt), t.ts(m.UpdatedAt)
		}
		_, err := t.exec(ctx, `UPDATE webhook_messages AS m SET status = v.status, attempts = v.attempts, next_attempt_at = v.next, updated_at = v.updated
			FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[]) AS v(id, status, attempts, next, updated)
			WHERE m.id = v.id`, ids, statuses, attempts, nexts, updated)
		return err
	}
	for _, m := range ms {
		if _, err := t.exec(ctx, `UPDATE webhook_messages SET status = $2, attempts = $3, next_attempt_at = $4, updated_at = $5 WHERE id = $1`,
			m.ID, m.Status, m.Attempts, t.tsPtr(m.NextAttemptAt), t.ts(m.UpdatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// EventsByID implements store.Tx.
func (t *Tx) EventsByID(ctx context.Context, ids []string) ([]event.Event, error) {
	var out []event.Event
	for start := 0; start < len(ids); start += maxInList {
		part := ids[start:min(start+maxInList, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := t.query(ctx, `SELECT id, org_id, mode, type, object_id, data, created_at FROM events WHERE id IN (`+t.bulkParams(1, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		evs, err := scanEvents(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

const attemptColumns = `id, message_id, event_id, endpoint_id, org_id, mode, attempt, status_code, latency_ms, response_body, error, created_at`

var attemptsTable = newBulkTable("webhook_attempts", attemptColumns,
	"text, text, text, text, text, text, integer, integer, integer, text, text, timestamptz")

// InsertWebhookAttempts implements store.Tx.
func (t *Tx) InsertWebhookAttempts(ctx context.Context, as []webhook.AttemptRecord) error {
	return t.insertRows(ctx, attemptsTable, len(as), func(i int) []any {
		a := as[i]
		return []any{a.ID, a.MessageID, a.EventID, nullString(a.EndpointID), a.Scope.OrgID, string(a.Scope.Mode), a.Attempt, a.StatusCode,
			a.LatencyMS, a.ResponseBody, a.Error, t.ts(a.CreatedAt)}
	})
}

// ListWebhookAttempts implements store.Tx.
func (t *Tx) ListWebhookAttempts(ctx context.Context, scope tenant.Scope, endpointID, eventID, before string, limit int) ([]webhook.AttemptRecord, error) {
	if before == "" {
		before = "~"
	}
	rows, err := t.query(ctx, `SELECT `+attemptColumns+` FROM webhook_attempts WHERE org_id = $1 AND mode = $2 AND id < $3
		AND ($4 = '' OR endpoint_id = $4) AND ($5 = '' OR event_id = $5) ORDER BY id DESC LIMIT $6`,
		scope.OrgID, string(scope.Mode), before, endpointID, eventID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhook.AttemptRecord
	for rows.Next() {
		var a webhook.AttemptRecord
		var mode string
		var endpointID sql.NullString
		var created Time
		if err := rows.Scan(&a.ID, &a.MessageID, &a.EventID, &endpointID, &a.Scope.OrgID, &mode, &a.Attempt, &a.StatusCode, &a.LatencyMS,
			&a.ResponseBody, &a.Error, &created); err != nil {
			return nil, err
		}
		a.Scope.Mode, a.EndpointID, a.CreatedAt = tenant.Mode(mode), endpointID.String, created.T
		out = append(out, a)
	}
	return out, rows.Err()
}
