package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/tenant"
)

// InsertEvent implements store.Tx. Events are buffered and written together just before the
// transaction commits (a batch of ledger postings then costs one INSERT for its events).
func (t *Tx) InsertEvent(ctx context.Context, e event.Event) error {
	if t.tx == nil {
		return fmt.Errorf("sqlstore: InsertEvent outside a transaction")
	}
	t.events = append(t.events, e)
	return nil
}

var eventsTable = newBulkTable("events", "id, org_id, mode, type, object_id, data, created_at, dispatched_at",
	"text, text, text, text, text, jsonb, timestamptz, timestamptz")

// flushEvents inserts the buffered events. One that can reach only endpoints, in a scope that
// has none, is inserted as dispatched: the dispatcher would route it nowhere, and on SQLite
// routing it would cost the single writer a transaction.
func (t *Tx) flushEvents(ctx context.Context) error {
	events := t.events
	t.events = nil
	if len(events) == 0 {
		return nil
	}
	if t.d.ArrayParams {
		return t.insertEventsPG(ctx, events)
	}
	hasEndpoints := map[tenant.Scope]bool{}
	for _, e := range events {
		if _, ok := hasEndpoints[e.Scope]; ok || !e.EndpointsOnly {
			continue
		}
		var found bool
		if err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE org_id = $1 AND mode = $2)`,
			e.Scope.OrgID, string(e.Scope.Mode)).Scan(&found); err != nil {
			return err
		}
		hasEndpoints[e.Scope] = found
	}
	return t.insertRows(ctx, eventsTable, len(events), func(i int) []any {
		e := events[i]
		var dispatched any
		if e.Dispatched || e.EndpointsOnly && !hasEndpoints[e.Scope] {
			dispatched = t.ts(e.CreatedAt)
		}
		return []any{e.ID, e.Scope.OrgID, string(e.Scope.Mode), string(e.Type), e.ObjectID, string(e.Data), t.ts(e.CreatedAt), dispatched}
	})
}

// insertEventsPG is flushEvents on PostgreSQL: whether a scope has endpoints is asked in the
// insert itself, so the events can join the transaction's other held-back writes.
func (t *Tx) insertEventsPG(ctx context.Context, events []event.Event) error {
	const chunk = 10_000
	for start := 0; start < len(events); start += chunk {
		part := events[start:min(start+chunk, len(events))]
		ids, orgs, modes, types, objects, data := make([]string, len(part)), make([]string, len(part)), make([]string, len(part)),
			make([]string, len(part)), make([]string, len(part)), make([]string, len(part))
		created, endpointsOnly, dispatched := make([]time.Time, len(part)), make([]bool, len(part)), make([]bool, len(part))
		for i, e := range part {
			ids[i], orgs[i], modes[i], types[i], objects[i], data[i] = e.ID, e.Scope.OrgID, string(e.Scope.Mode), string(e.Type), e.ObjectID, string(e.Data)
			created[i], endpointsOnly[i], dispatched[i] = e.CreatedAt, e.EndpointsOnly, e.Dispatched
		}
		if err := t.deferWrite(ctx, pendingWrite{table: "events", want: len(part), what: "insert into events",
			sql: `INSERT INTO events (id, org_id, mode, type, object_id, data, created_at, dispatched_at)
			SELECT u.id, u.org_id, u.mode, u.type, u.object_id, u.data::jsonb, u.created_at,
				CASE WHEN u.dispatched OR u.endpoints_only AND NOT EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.org_id = u.org_id AND w.mode = u.mode)
				THEN u.created_at END
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::bool[], $9::bool[])
				AS u(id, org_id, mode, type, object_id, data, created_at, endpoints_only, dispatched)`,
			args: []any{ids, orgs, modes, types, objects, data, created, endpointsOnly, dispatched}}); err != nil {
			return err
		}
	}
	return nil
}

// ListEvents implements store.Tx.
func (t *Tx) ListEvents(ctx context.Context, scope tenant.Scope, after string, limit int) ([]event.Event, error) {
	if err := t.flushEvents(ctx); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT id, org_id, mode, type, object_id, data, created_at FROM events
		WHERE org_id = $1 AND mode = $2 AND id > $3 ORDER BY id LIMIT $4`, scope.OrgID, string(scope.Mode), after, limit)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// ListEventsBefore implements store.Tx.
func (t *Tx) ListEventsBefore(ctx context.Context, scope tenant.Scope, before, typ string, limit int) ([]event.Event, error) {
	if before == "" {
		before = "~"
	}
	rows, err := t.query(ctx, `SELECT id, org_id, mode, type, object_id, data, created_at FROM events
		WHERE org_id = $1 AND mode = $2 AND id < $3 AND ($4 = '' OR type = $4) ORDER BY id DESC LIMIT $5`,
		scope.OrgID, string(scope.Mode), before, typ, limit)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}
