package sqlstore

import (
	"context"

	"time"

	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/tenant"
)

const railFileColumns = `id, org_id, mode, rail, filename, payment_count, total_amount, currency, status, created_at, settled_at`

func scanRailFile(row interface{ Scan(...any) error }, extra ...any) (rail.File, error) {
	var f rail.File
	var mode string
	var created Time
	var settled NullTime
	dest := append([]any{&f.ID, &f.Scope.OrgID, &mode, &f.Rail, &f.Filename, &f.PaymentCount, &f.TotalAmount, &f.Currency,
		&f.Status, &created, &settled}, extra...)
	if err := row.Scan(dest...); err != nil {
		return f, err
	}
	f.Scope.Mode, f.CreatedAt, f.SettledAt = tenant.Mode(mode), created.T, settled.T
	return f, nil
}

// InsertRailFile implements store.Tx.
func (t *Tx) InsertRailFile(ctx context.Context, f rail.File) error {
	_, err := t.exec(ctx, `INSERT INTO rail_files (`+railFileColumns+`, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		f.ID, f.Scope.OrgID, string(f.Scope.Mode), f.Rail, f.Filename, f.PaymentCount, f.TotalAmount, f.Currency, f.Status,
		t.ts(f.CreatedAt), t.tsPtr(f.SettledAt), f.Content)
	return err
}

// SetRailFileContent implements store.Tx.
func (t *Tx) SetRailFileContent(ctx context.Context, scope tenant.Scope, id string, content []byte) error {
	return expectOne(t.exec(ctx, `UPDATE rail_files SET content = $4 WHERE org_id = $1 AND mode = $2 AND id = $3`,
		scope.OrgID, string(scope.Mode), id, content))
}

// GetRailFile implements store.Tx.
func (t *Tx) GetRailFile(ctx context.Context, scope tenant.Scope, id string) (rail.File, error) {
	var content []byte
	f, err := scanRailFile(t.queryRow(ctx, `SELECT `+railFileColumns+`, content FROM rail_files WHERE org_id = $1 AND mode = $2 AND id = $3`,
		scope.OrgID, string(scope.Mode), id), bytesOf{&content})
	f.Content = content
	return f, t.mapErr(err)
}

func (t *Tx) queryRailFiles(ctx context.Context, q string, args ...any) ([]rail.File, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rail.File
	for rows.Next() {
		f, err := scanRailFile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ListRailFiles implements store.Tx.
func (t *Tx) ListRailFiles(ctx context.Context, scope tenant.Scope, limit int) ([]rail.File, error) {
	return t.queryRailFiles(ctx, `SELECT `+railFileColumns+` FROM rail_files WHERE org_id = $1 AND mode = $2 ORDER BY id DESC LIMIT $3`,
		scope.OrgID, string(scope.Mode), limit)
}

// DueRailFiles implements store.Tx.
func (t *Tx) DueRailFiles(ctx context.Context, cutoff time.Time) ([]rail.File, error) {
	return t.queryRailFiles(ctx, `SELECT `+railFileColumns+` FROM rail_files WHERE status = 'exported' AND created_at < $1 ORDER BY id`,
		t.ts(cutoff))
}

// UpdateRailFile implements store.Tx.
func (t *Tx) UpdateRailFile(ctx context.Context, f rail.File) error {
	return expectOne(t.exec(ctx, `UPDATE rail_files SET status = $4, settled_at = $5 WHERE org_id = $1 AND mode = $2 AND id = $3`,
		f.Scope.OrgID, string(f.Scope.Mode), f.ID, f.Status, t.tsPtr(f.SettledAt)))
}

// RailPaymentsExported implements store.Tx.
func (t *Tx) RailPaymentsExported(ctx context.Context, scope tenant.Scope, railName string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT COALESCE(SUM(payment_count), 0) FROM rail_files WHERE org_id = $1 AND mode = $2 AND rail = $3`,
		scope.OrgID, string(scope.Mode), railName).Scan(&n)
	return n, err
}

// InsertRailImport implements store.Tx.
func (t *Tx) InsertRailImport(ctx context.Context, imp rail.Import) error {
	_, err := t.exec(ctx, `INSERT INTO rail_imports (id, org_id, mode, rail, kind, content_hash, result, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		imp.ID, imp.Scope.OrgID, string(imp.Scope.Mode), imp.Rail, imp.Kind, imp.ContentHash, jsonText(imp.Result), t.ts(imp.CreatedAt))
	return err
}

// GetRailImport implements store.Tx.
func (t *Tx) GetRailImport(ctx context.Context, scope tenant.Scope, railName, contentHash string) (rail.Import, error) {
	var imp rail.Import
	var mode string
	var created Time
	err := t.queryRow(ctx, `SELECT id, org_id, mode, rail, kind, content_hash, result, created_at FROM rail_imports
		WHERE org_id = $1 AND mode = $2 AND rail = $3 AND content_hash = $4`, scope.OrgID, string(scope.Mode), railName, contentHash).
		Scan(&imp.ID, &imp.Scope.OrgID, &mode, &imp.Rail, &imp.Kind, &imp.ContentHash, bytesOf{(*[]byte)(&imp.Result)}, &created)
	imp.Scope.Mode, imp.CreatedAt = tenant.Mode(mode), created.T
	return imp, t.mapErr(err)
}
