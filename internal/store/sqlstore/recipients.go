package sqlstore

import (
	"context"
	"database/sql"

	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/tenant"
)

const recipientColumns = `id, org_id, mode, external_id, email, name, country, currency, minimum_withdrawal_minor, metadata, created_at, updated_at`

func scanRecipient(row interface{ Scan(...any) error }) (recipient.Recipient, error) {
	var r recipient.Recipient
	var mode string
	var minW sql.NullInt64
	var created, updated Time
	if err := row.Scan(&r.ID, &r.Scope.OrgID, &mode, &r.ExternalID, &r.Email, &r.Name, &r.Country, &r.Currency,
		&minW, bytesOf{(*[]byte)(&r.Metadata)}, &created, &updated); err != nil {
		return r, err
	}
	r.Scope.Mode = tenant.Mode(mode)
	if minW.Valid {
		v := minW.Int64
		r.MinimumWithdrawal = &v
	}
	r.CreatedAt, r.UpdatedAt = created.T, updated.T
	return r, nil
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func jsonText(b []byte) string {
	if len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// InsertRecipient implements store.Tx.
func (t *Tx) InsertRecipient(ctx context.Context, r recipient.Recipient) error {
	_, err := t.exec(ctx, `INSERT INTO recipients (`+recipientColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		r.ID, r.Scope.OrgID, string(r.Scope.Mode), r.ExternalID, r.Email, r.Name, r.Country, r.Currency,
		nullInt(r.MinimumWithdrawal), jsonText(r.Metadata), t.ts(r.CreatedAt), t.ts(r.UpdatedAt))
	return err
}

// GetRecipient implements store.Tx. A UUID match wins over an external id match, so a platform
// whose external ids look like UUIDs still reaches each recipient one way.
func (t *Tx) GetRecipient(ctx context.Context, scope tenant.Scope, ref string) (recipient.Recipient, error) {
	r, err := scanRecipient(t.queryRow(ctx, `SELECT `+recipientColumns+` FROM recipients
		WHERE org_id = $1 AND mode = $2 AND (id = $3 OR external_id = $3)
		ORDER BY CASE WHEN id = $3 THEN 0 ELSE 1 END LIMIT 1`, scope.OrgID, string(scope.Mode), ref))
	return r, t.mapErr(err)
}

// UpdateRecipient implements store.Tx.
func (t *Tx) UpdateRecipient(ctx context.Context, r recipient.Recipient) error {
	return expectOne(t.exec(ctx, `UPDATE recipients SET email = $4, name = $5, country = $6, currency = $7,
		minimum_withdrawal_minor = $8, metadata = $9, updated_at = $10 WHERE org_id = $1 AND mode = $2 AND id = $3`,
		r.Scope.OrgID, string(r.Scope.Mode), r.ID, r.Email, r.Name, r.Country, r.Currency,
		nullInt(r.MinimumWithdrawal), jsonText(r.Metadata), t.ts(r.UpdatedAt)))
}

// ListRecipients implements store.Tx.
func (t *Tx) ListRecipients(ctx context.Context, scope tenant.Scope, after string, limit int) ([]recipient.Recipient, error) {
	rows, err := t.query(ctx, `SELECT `+recipientColumns+` FROM recipients
		WHERE org_id = $1 AND mode = $2 AND id > $3 ORDER BY id LIMIT $4`, scope.OrgID, string(scope.Mode), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []recipient.Recipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
