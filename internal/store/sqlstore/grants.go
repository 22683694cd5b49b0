package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// InsertSigningKey implements store.Tx.
func (t *Tx) InsertSigningKey(ctx context.Context, k store.StoredKey) error {
	_, err := t.exec(ctx, `INSERT INTO signing_keys (kid, algorithm, sealed_private, public_jwk, created_at, retired_at, verify_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.KID, k.Algorithm, k.SealedPrivate, string(k.PublicJWK), t.ts(k.CreatedAt),
		t.tsPtr(k.RetiredAt), t.tsPtr(k.VerifyUntil))
	return err
}

// ListSigningKeys implements store.Tx.
func (t *Tx) ListSigningKeys(ctx context.Context, now time.Time) ([]store.StoredKey, error) {
	rows, err := t.query(ctx, `SELECT kid, algorithm, sealed_private, public_jwk, created_at, retired_at, verify_until FROM signing_keys
		WHERE verify_until IS NULL OR verify_until > $1 ORDER BY created_at, kid`, t.ts(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.StoredKey
	for rows.Next() {
		var k store.StoredKey
		var created Time
		var retired, until NullTime
		if err := rows.Scan(&k.KID, &k.Algorithm, &k.SealedPrivate, bytesOf{&k.PublicJWK}, &created, &retired, &until); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RetiredAt, k.VerifyUntil = created.T, retired.T, until.T
		out = append(out, k)
	}
	return out, rows.Err()
}

// RetireSigningKeys implements store.Tx.
func (t *Tx) RetireSigningKeys(ctx context.Context, now, verifyUntil time.Time) error {
	_, err := t.exec(ctx, `UPDATE signing_keys SET retired_at = $1, verify_until = $2 WHERE retired_at IS NULL`, t.ts(now), t.ts(verifyUntil))
	return err
}

// ClaimGrant implements store.Tx. The org and mode come from the recipient row, so a token
// cannot name a scope of its own.
func (t *Tx) ClaimGrant(ctx context.Context, g grant.Grant, claims []byte, now time.Time) (tenant.Scope, error) {
	var scope tenant.Scope
	var mode string
	// "WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
	err := t.queryRow(ctx, `INSERT INTO grants (id, org_id, mode, recipient_id, use_case, claims, expires_at, created_at, used_at)
		SELECT $1, org_id, mode, id, $3, $4, $5, $6, $7 FROM recipients WHERE id = $2 AND true
		ON CONFLICT (id) DO NOTHING RETURNING org_id, mode`, g.ID, g.RecipientID, string(g.UseCase), string(claims),
		t.ts(g.ExpiresAt), t.ts(g.IssuedAt), t.ts(now)).Scan(&scope.OrgID, &mode)
	scope.Mode = tenant.Mode(mode)
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := t.queryRow(ctx, `SELECT count(*) FROM grants WHERE id = $1`, g.ID).Scan(&n); err != nil {
			return scope, err
		}
		if n > 0 {
			return scope, store.ErrConflict
		}
		return scope, store.ErrNotFound
	}
	return scope, t.mapErr(err)
}

// InsertPortalSession implements store.Tx.
func (t *Tx) InsertPortalSession(ctx context.Context, s store.PortalSession) error {
	_, err := t.exec(ctx, `INSERT INTO portal_sessions (token_hash, grant_id, org_id, mode, recipient_id, csrf_token, two_factor_pending,
		hide_transactions, expires_at, created_at, redirect_uri, auto_redirect_to_setup, use_case, embed_origin, currency)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		s.TokenHash, s.GrantID, s.Scope.OrgID, string(s.Scope.Mode), s.RecipientID, s.CSRFToken, s.TwoFactorPending, s.HideTransactions,
		t.ts(s.ExpiresAt), t.ts(s.CreatedAt), s.RedirectURI, s.AutoRedirect, useCaseOr(s.UseCase), s.EmbedOrigin, s.Currency)
	return err
}

// GetPortalSession implements store.Tx.
func (t *Tx) GetPortalSession(ctx context.Context, tokenHash string, now time.Time) (store.PortalSession, error) {
	var s store.PortalSession
	var mode string
	var expires, created Time
	err := t.queryRow(ctx, `SELECT token_hash, grant_id, org_id, mode, recipient_id, csrf_token, two_factor_pending, hide_transactions,
		expires_at, created_at, redirect_uri, auto_redirect_to_setup, use_case, embed_origin, currency FROM portal_sessions WHERE token_hash = $1 AND expires_at > $2`, tokenHash, t.ts(now)).
		Scan(&s.TokenHash, &s.GrantID, &s.Scope.OrgID, &mode, &s.RecipientID, &s.CSRFToken, &s.TwoFactorPending, &s.HideTransactions,
			&expires, &created, &s.RedirectURI, &s.AutoRedirect, &s.UseCase, &s.EmbedOrigin, &s.Currency)
	s.Scope.Mode, s.ExpiresAt, s.CreatedAt = tenant.Mode(mode), expires.T, created.T
	return s, t.mapErr(err)
}

func useCaseOr(u string) string {
	if u == "" {
		return "rewards"
	}
	return u
}

// ExtendPortalSession implements store.Tx.
func (t *Tx) ExtendPortalSession(ctx context.Context, tokenHash string, expiresAt time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE portal_sessions SET expires_at = $2 WHERE token_hash = $1`, tokenHash, t.ts(expiresAt)))
}

// SetPortalSessionCurrency implements store.Tx.
func (t *Tx) SetPortalSessionCurrency(ctx context.Context, tokenHash, currency string) error {
	return expectOne(t.exec(ctx, `UPDATE portal_sessions SET currency = $2 WHERE token_hash = $1`, tokenHash, currency))
}
