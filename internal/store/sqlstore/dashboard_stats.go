package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// dayOf is the SQL of a stored time's UTC day as "2006-01-02": SQLite keeps times as
// fixed-width UTC text, PostgreSQL as timestamptz.
func (t *Tx) dayOf(col string) string {
	if t.d.Name == "postgres" {
		return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
	}
	return `substr(` + col + `, 1, 10)`
}

// DailyPayouts implements store.Tx: one grouped read of the window's payouts.
func (t *Tx) DailyPayouts(ctx context.Context, scope tenant.Scope, since time.Time) ([]store.DayPayouts, error) {
	day := t.dayOf("created_at")
	rows, err := t.query(ctx, `SELECT `+day+`, currency, status, COUNT(*), COALESCE(SUM(amount), 0) FROM payments
		WHERE org_id = $1 AND mode = $2 AND type = $3 AND created_at >= $4
		GROUP BY `+day+`, currency, status ORDER BY 1, 2, 3`, scope.OrgID, string(scope.Mode), string(payment.Payout), t.ts(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.DayPayouts
	for rows.Next() {
		var d store.DayPayouts
		if err := rows.Scan(&d.Day, &d.Currency, &d.Status, &d.Count, &d.Total); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// WebhookAttemptStats implements store.Tx.
func (t *Tx) WebhookAttemptStats(ctx context.Context, scope tenant.Scope, since time.Time) ([]store.EndpointAttempts, error) {
	rows, err := t.query(ctx, `SELECT endpoint_id, COUNT(*), COALESCE(SUM(CASE WHEN status_code >= 200 AND status_code < 300 THEN 1 ELSE 0 END), 0)
		FROM webhook_attempts WHERE org_id = $1 AND mode = $2 AND created_at >= $3 GROUP BY endpoint_id ORDER BY endpoint_id`,
		scope.OrgID, string(scope.Mode), t.ts(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.EndpointAttempts
	for rows.Next() {
		var e store.EndpointAttempts
		var ep sql.NullString
		if err := rows.Scan(&ep, &e.Attempts, &e.Succeeded); err != nil {
			return nil, err
		}
		e.EndpointID = ep.String
		out = append(out, e)
	}
	return out, rows.Err()
}

// OwedByKind implements store.Tx.
func (t *Tx) OwedByKind(ctx context.Context, scope tenant.Scope) ([]store.OwedKind, error) {
	rows, err := t.query(ctx, `SELECT currency, kind, COALESCE(SUM(balance), 0) FROM ledger_accounts
		WHERE org_id = $1 AND mode = $2 AND owner_type = $3 AND kind IN ($4, $5) GROUP BY currency, kind ORDER BY currency, kind`,
		scope.OrgID, string(scope.Mode), string(ledger.OwnerRecipient), string(ledger.Available), string(ledger.Pending))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.OwedKind
	for rows.Next() {
		var o store.OwedKind
		if err := rows.Scan(&o.Currency, &o.Kind, &o.Total); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
