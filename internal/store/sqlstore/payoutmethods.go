package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/payout"
	"github.com/payport/payport/internal/tenant"
)

const methodColumns = `id, org_id, mode, recipient_id, type, scheme, country, currency, masked, sealed_details, fingerprint,
	is_default, status, notice, created_at, updated_at`

func scanMethod(row interface{ Scan(...any) error }) (payout.Method, error) {
	var m payout.Method
	var mode, typ, scheme, country, currency string
	var masked []byte
	var created, updated Time
	if err := row.Scan(&m.ID, &m.Scope.OrgID, &mode, &m.RecipientID, &typ, &scheme, &country, &currency, bytesOf{&masked},
		&m.Sealed, &m.Fingerprint, &m.IsDefault, &m.Status, bytesOf{(*[]byte)(&m.Notice)}, &created, &updated); err != nil {
		return m, err
	}
	m.Scope.Mode, m.Type = tenant.Mode(mode), payout.MethodType(typ)
	if err := json.Unmarshal(masked, &m.Masked); err != nil {
		return m, err
	}
	m.Masked.Scheme, m.Masked.Country, m.Masked.Currency = bank.Scheme(scheme), country, currency
	m.CreatedAt, m.UpdatedAt = created.T, updated.T
	return m, nil
}

// InsertPayoutMethod implements store.Tx.
func (t *Tx) InsertPayoutMethod(ctx context.Context, m payout.Method) error {
	masked, err := json.Marshal(m.Masked)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO payout_methods (`+methodColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		m.ID, m.Scope.OrgID, string(m.Scope.Mode), m.RecipientID, string(m.Type), string(m.Masked.Scheme), m.Masked.Country,
		m.Masked.Currency, string(masked), m.Sealed, m.Fingerprint, m.IsDefault, m.Status, jsonText(m.Notice),
		t.ts(m.CreatedAt), t.ts(m.UpdatedAt))
	return err
}

// GetPayoutMethod implements store.Tx.
func (t *Tx) GetPayoutMethod(ctx context.Context, scope tenant.Scope, id string) (payout.Method, error) {
	m, err := scanMethod(t.queryRow(ctx, `SELECT `+methodColumns+` FROM payout_methods WHERE org_id = $1 AND mode = $2 AND id = $3`,
		scope.OrgID, string(scope.Mode), id))
	return m, t.mapErr(err)
}

// ListPayoutMethods implements store.Tx.
func (t *Tx) ListPayoutMethods(ctx context.Context, scope tenant.Scope, recipientID string) ([]payout.Method, error) {
	rows, err := t.query(ctx, `SELECT `+methodColumns+` FROM payout_methods
		WHERE org_id = $1 AND mode = $2 AND recipient_id = $3 AND status = 'active'
		ORDER BY CASE WHEN is_default THEN 0 ELSE 1 END, id DESC`, scope.OrgID, string(scope.Mode), recipientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []payout.Method
	for rows.Next() {
		m, err := scanMethod(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpdatePayoutMethod implements store.Tx.
func (t *Tx) UpdatePayoutMethod(ctx context.Context, m payout.Method) error {
	return expectOne(t.exec(ctx, `UPDATE payout_methods SET is_default = $4, status = $5, notice = $6, updated_at = $7
		WHERE org_id = $1 AND mode = $2 AND id = $3`,
		m.Scope.OrgID, string(m.Scope.Mode), m.ID, m.IsDefault, m.Status, jsonText(m.Notice), t.ts(m.UpdatedAt)))
}

// ClearDefaultPayoutMethod implements store.Tx.
func (t *Tx) ClearDefaultPayoutMethod(ctx context.Context, scope tenant.Scope, recipientID string) error {
	_, err := t.exec(ctx, `UPDATE payout_methods SET is_default = $4 WHERE org_id = $1 AND mode = $2 AND recipient_id = $3 AND is_default`,
		scope.OrgID, string(scope.Mode), recipientID, false)
	return err
}
