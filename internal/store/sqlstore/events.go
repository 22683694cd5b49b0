package sqlstore

import (
	"context"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/tenant"
)

// InsertEvent implements store.Tx.
func (t *Tx) InsertEvent(ctx context.Context, e event.Event) error {
	_, err := t.exec(ctx, `INSERT INTO events (id, org_id, mode, type, object_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.ID, e.Scope.OrgID, string(e.Scope.Mode), string(e.Type), e.ObjectID, string(e.Data), t.ts(e.CreatedAt))
	return err
}

// ListEvents implements store.Tx.
func (t *Tx) ListEvents(ctx context.Context, scope tenant.Scope, after string, limit int) ([]event.Event, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id, org_id, mode, type, object_id, data, created_at FROM events
		WHERE org_id = $1 AND mode = $2 AND id > $3 ORDER BY id LIMIT $4`, scope.OrgID, string(scope.Mode), after, limit)
	if err != nil {
		return nil, err
	}
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
