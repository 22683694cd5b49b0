package sqlstore

import (
	"context"

	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/tenant"
)

// GetIdentity implements store.Tx.
func (t *Tx) GetIdentity(ctx context.Context, scope tenant.Scope, recipientID string, forUpdate bool) (identity.Record, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	r := identity.Record{Scope: scope}
	var kind, status string
	var submitted, updated Time
	err := t.queryRow(ctx, `SELECT recipient_id, kind, country, sealed_details, status, reason, provider, provider_reference, submitted_at, updated_at
		FROM recipient_identities WHERE org_id = $1 AND mode = $2 AND recipient_id = $3`+lock, scope.OrgID, string(scope.Mode), recipientID).
		Scan(&r.RecipientID, &kind, &r.Country, &r.SealedDetails, &status, &r.Reason, &r.Provider, &r.ProviderReference, &submitted, &updated)
	r.Kind, r.Status, r.SubmittedAt, r.UpdatedAt = identity.Kind(kind), identity.Status(status), submitted.T, updated.T
	return r, t.mapErr(err)
}

// PutIdentity implements store.Tx.
func (t *Tx) PutIdentity(ctx context.Context, r identity.Record) error {
	_, err := t.exec(ctx, `INSERT INTO recipient_identities (recipient_id, org_id, mode, kind, country, sealed_details, status, reason, provider,
		provider_reference, submitted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (recipient_id) DO UPDATE SET kind = excluded.kind, country = excluded.country, sealed_details = excluded.sealed_details,
		status = excluded.status, reason = excluded.reason, provider = excluded.provider, provider_reference = excluded.provider_reference,
		submitted_at = excluded.submitted_at, updated_at = excluded.updated_at`,
		r.RecipientID, r.Scope.OrgID, string(r.Scope.Mode), string(r.Kind), r.Country, r.SealedDetails, string(r.Status), r.Reason,
		r.Provider, r.ProviderReference, t.ts(r.SubmittedAt), t.ts(r.UpdatedAt))
	return err
}
