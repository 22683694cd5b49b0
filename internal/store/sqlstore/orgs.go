package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/tenant"
)

const orgColumns = `id, name, settings, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }) (org.Org, error) {
	var o org.Org
	var settings []byte
	var created, updated Time
	if err := row.Scan(&o.ID, &o.Name, bytesOf{&settings}, &created, &updated); err != nil {
		return o, err
	}
	o.CreatedAt, o.UpdatedAt = created.T, updated.T
	if err := json.Unmarshal(settings, &o.Settings); err != nil {
		return o, err
	}
	return o, nil
}

// InsertOrg implements store.Tx.
func (t *Tx) InsertOrg(ctx context.Context, o org.Org) error {
	settings, err := json.Marshal(o.Settings)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO orgs (`+orgColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		o.ID, o.Name, string(settings), t.ts(o.CreatedAt), t.ts(o.UpdatedAt))
	return err
}

// GetOrg implements store.Tx.
func (t *Tx) GetOrg(ctx context.Context, id string) (org.Org, error) {
	o, err := scanOrg(t.queryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE id = $1`, id))
	return o, t.mapErr(err)
}

// OrgByName implements store.Tx.
func (t *Tx) OrgByName(ctx context.Context, name string) (org.Org, error) {
	o, err := scanOrg(t.queryRow(ctx, `SELECT `+orgColumns+` FROM orgs WHERE name = $1 ORDER BY id LIMIT 1`, name))
	return o, t.mapErr(err)
}

// ListOrgs implements store.Tx.
func (t *Tx) ListOrgs(ctx context.Context) ([]org.Org, error) {
	rows, err := t.query(ctx, `SELECT `+orgColumns+` FROM orgs ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// UpdateOrg implements store.Tx.
func (t *Tx) UpdateOrg(ctx context.Context, o org.Org) error {
	settings, err := json.Marshal(o.Settings)
	if err != nil {
		return err
	}
	return expectOne(t.exec(ctx, `UPDATE orgs SET name = $2, settings = $3, updated_at = $4 WHERE id = $1`,
		o.ID, o.Name, string(settings), t.ts(o.UpdatedAt)))
}

const keyColumns = `id, org_id, mode, role, scopes, name, prefix, secret_hash, created_at, last_used_at, revoked_at`

func scanKey(row interface{ Scan(...any) error }) (org.APIKey, error) {
	var k org.APIKey
	var mode, scopes string
	var created Time
	var used, revoked NullTime
	if err := row.Scan(&k.ID, &k.Scope.OrgID, &mode, &k.Role, &scopes, &k.Name, &k.Prefix, &k.SecretHash,
		&created, &used, &revoked); err != nil {
		return k, err
	}
	k.Scope.Mode = tenant.Mode(mode)
	for _, s := range strings.Split(scopes, ",") {
		if s != "" {
			k.Scopes = append(k.Scopes, org.Scope(s))
		}
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = created.T, used.T, revoked.T
	return k, nil
}

// InsertAPIKey implements store.Tx.
func (t *Tx) InsertAPIKey(ctx context.Context, k org.APIKey) error {
	scopes := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		scopes[i] = string(s)
	}
	_, err := t.exec(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		k.ID, k.Scope.OrgID, string(k.Scope.Mode), string(k.Role), strings.Join(scopes, ","), k.Name, k.Prefix,
		k.SecretHash, t.ts(k.CreatedAt), t.tsPtr(k.LastUsedAt), t.tsPtr(k.RevokedAt))
	return err
}

// APIKeyByHash implements store.Tx.
func (t *Tx) APIKeyByHash(ctx context.Context, hash string) (org.APIKey, error) {
	k, err := scanKey(t.queryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE secret_hash = $1`, hash))
	return k, t.mapErr(err)
}

// ListAPIKeys implements store.Tx.
func (t *Tx) ListAPIKeys(ctx context.Context, orgID string) ([]org.APIKey, error) {
	rows, err := t.query(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE org_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []org.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey implements store.Tx.
func (t *Tx) RevokeAPIKey(ctx context.Context, orgID, id string, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE api_keys SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL`,
		orgID, id, t.ts(at)))
}

// TouchAPIKey implements store.Tx.
func (t *Tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)`,
		id, t.ts(at), t.ts(at.Add(-time.Minute)))
	return err
}
