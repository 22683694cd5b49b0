package sqlstore

import (
	"context"
	"fmt"

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
		if e.EndpointsOnly && !hasEndpoints[e.Scope] {
			dispatched = t.ts(e.CreatedAt)
		}
		return []any{e.ID, e.Scope.OrgID, string(e.Scope.Mode), string(e.Type), e.ObjectID, string(e.Data), t.ts(e.CreatedAt), dispatched}
	})
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
