package sqlstore

import (
	"context"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// The dashboard's reads of payments and recipients (store.DashboardReads).

// TransfersOfPayment implements store.Tx, through the transfers' payment index.
func (t *Tx) TransfersOfPayment(ctx context.Context, scope tenant.Scope, paymentID string) ([]ledger.Transfer, error) {
	return t.queryTransfers(ctx, `SELECT `+transferColumns+` FROM ledger_transfers
		WHERE payment_id = $1 AND org_id = $2 AND mode = $3 ORDER BY id`, paymentID, scope.OrgID, string(scope.Mode))
}

// EventsOfObject implements store.Tx. The scan walks the org's event index from since on.
func (t *Tx) EventsOfObject(ctx context.Context, scope tenant.Scope, objectID, since string, limit int) ([]event.Event, error) {
	rows, err := t.query(ctx, `SELECT id, org_id, mode, type, object_id, data, created_at FROM events
		WHERE org_id = $1 AND mode = $2 AND id >= $3 AND object_id = $4 ORDER BY id LIMIT $5`,
		scope.OrgID, string(scope.Mode), since, objectID, limit)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// RecipientFacts implements store.Tx: three reads of the page's ids (a page is far below
// maxInList).
func (t *Tx) RecipientFacts(ctx context.Context, scope tenant.Scope, recipientIDs []string) (map[string]store.RecipientFacts, error) {
	out := make(map[string]store.RecipientFacts, len(recipientIDs))
	if len(recipientIDs) == 0 {
		return out, nil
	}
	if len(recipientIDs) > maxInList {
		recipientIDs = recipientIDs[:maxInList]
	}
	args := []any{scope.OrgID, string(scope.Mode)}
	for _, id := range recipientIDs {
		args = append(args, id)
	}
	in := placeholders(3, len(recipientIDs))

	rows, err := t.query(ctx, `SELECT `+accountColumns+` FROM ledger_accounts
		WHERE org_id = $1 AND mode = $2 AND owner_type = 'recipient' AND owner_id IN (`+in+`) ORDER BY currency, kind`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		f := out[a.Ref.OwnerID]
		f.Accounts = append(f.Accounts, a)
		out[a.Ref.OwnerID] = f
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = t.query(ctx, `SELECT DISTINCT recipient_id FROM payout_methods
		WHERE org_id = $1 AND mode = $2 AND status = 'active' AND recipient_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		f := out[id]
		f.HasPayoutMethod = true
		out[id] = f
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = t.query(ctx, `SELECT recipient_id, status FROM recipient_identities
		WHERE org_id = $1 AND mode = $2 AND recipient_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			rows.Close()
			return nil, err
		}
		f := out[id]
		f.IdentityStatus = status
		out[id] = f
	}
	return out, closeRows(rows)
}

// closeRows closes rows read to the end and reports the error that ended them, if any.
func closeRows(rows interface {
	Close() error
	Err() error
}) error {
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}
