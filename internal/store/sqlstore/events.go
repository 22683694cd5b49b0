package sqlstore

import (
	"context"
	"fmt"
	"strings"

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

func (t *Tx) flushEvents(ctx context.Context) error {
	const cols, chunk = 7, 500
	for start := 0; start < len(t.events); start += chunk {
		part := t.events[start:min(start+chunk, len(t.events))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO events (id, org_id, mode, type, object_id, data, created_at) VALUES `)
		args := make([]any, 0, len(part)*cols)
		for i, e := range part {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + placeholders(i*cols+1, cols) + ")")
			args = append(args, e.ID, e.Scope.OrgID, string(e.Scope.Mode), string(e.Type), e.ObjectID, string(e.Data), t.ts(e.CreatedAt))
		}
		if _, err := t.exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	t.events = nil
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
