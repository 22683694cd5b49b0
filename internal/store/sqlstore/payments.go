package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

const paymentColumns = `id, org_id, mode, type, status, amount, currency, recipient_id, payout_method_id, rail, rail_reference,
	source, description, metadata, external_id, failure_code, failure_message, created_at, updated_at, rail_file_id,
	customer_id, customer_name, redirect_url, webhook_url, expires_at, request_hash, payin_method, method_summary`

func scanPayment(row interface{ Scan(...any) error }) (payment.Payment, error) {
	var p payment.Payment
	var mode, typ, status, source string
	var recipientID, methodID, externalID, fileID, customerID sql.NullString
	var created, updated Time
	var expires NullTime
	if err := row.Scan(&p.ID, &p.Scope.OrgID, &mode, &typ, &status, &p.Amount, &p.Currency, &recipientID, &methodID,
		&p.Rail, &p.RailReference, &source, &p.Description, bytesOf{(*[]byte)(&p.Metadata)}, &externalID,
		&p.FailureCode, &p.FailureMessage, &created, &updated, &fileID,
		&customerID, &p.CustomerName, &p.RedirectURL, &p.WebhookURL, &expires, &p.RequestHash, &p.PayinMethod, &p.MethodSummary); err != nil {
		return p, err
	}
	p.CustomerID, p.ExpiresAt = customerID.String, expires.T
	p.Scope.Mode, p.Type, p.Status, p.Source = tenant.Mode(mode), payment.Type(typ), payment.Status(status), payment.Source(source)
	p.RecipientID, p.PayoutMethodID, p.ExternalID, p.RailFileID = recipientID.String, methodID.String, externalID.String, fileID.String
	p.CreatedAt, p.UpdatedAt = created.T, updated.T
	return p, nil
}

// InsertPayment implements store.Tx.
func (t *Tx) InsertPayment(ctx context.Context, p payment.Payment) error {
	_, err := t.exec(ctx, `INSERT INTO payments (`+paymentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
		$21, $22, $23, $24, $25, $26, $27, $28)`,
		p.ID, p.Scope.OrgID, string(p.Scope.Mode), string(p.Type), string(p.Status), p.Amount, p.Currency,
		nullString(p.RecipientID), nullString(p.PayoutMethodID), p.Rail, p.RailReference, string(p.Source), p.Description,
		jsonText(p.Metadata), nullString(p.ExternalID), p.FailureCode, p.FailureMessage, t.ts(p.CreatedAt), t.ts(p.UpdatedAt),
		nullString(p.RailFileID), nullString(p.CustomerID), p.CustomerName, p.RedirectURL, p.WebhookURL, t.tsPtr(p.ExpiresAt),
		p.RequestHash, p.PayinMethod, p.MethodSummary)
	return t.mapErr(err)
}

// GetPayment implements store.Tx.
func (t *Tx) GetPayment(ctx context.Context, scope tenant.Scope, id string, forUpdate bool) (payment.Payment, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	p, err := scanPayment(t.queryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE org_id = $1 AND mode = $2 AND id = $3`+lock,
		scope.OrgID, string(scope.Mode), id))
	return p, t.mapErr(err)
}

// UpdatePayment implements store.Tx. Only what changes after creation is written.
func (t *Tx) UpdatePayment(ctx context.Context, p payment.Payment) error {
	return expectOne(t.exec(ctx, `UPDATE payments SET status = $4, payout_method_id = $5, rail = $6, rail_reference = $7,
		failure_code = $8, failure_message = $9, updated_at = $10, rail_file_id = $11, recipient_id = $12, payin_method = $13,
		method_summary = $14, expires_at = $15 WHERE org_id = $1 AND mode = $2 AND id = $3`,
		p.Scope.OrgID, string(p.Scope.Mode), p.ID, string(p.Status), nullString(p.PayoutMethodID), p.Rail, p.RailReference,
		p.FailureCode, p.FailureMessage, t.ts(p.UpdatedAt), nullString(p.RailFileID), nullString(p.RecipientID), p.PayinMethod,
		p.MethodSummary, t.tsPtr(p.ExpiresAt)))
}

// InsertTransition implements store.Tx.
func (t *Tx) InsertTransition(ctx context.Context, tr payment.Transition) error {
	_, err := t.exec(ctx, `INSERT INTO payment_transitions (id, payment_id, from_status, to_status, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		tr.ID, tr.PaymentID, string(tr.From), string(tr.To), tr.Reason, t.ts(tr.CreatedAt))
	return err
}

// ListTransitions implements store.Tx. A bank file's export is one transition of all its
// payouts, recorded once by the file itself: each payout's pending -> processing is read from
// the file it is in (its id is the file's, as a transition id, so it sorts at its time).
func (t *Tx) ListTransitions(ctx context.Context, paymentID string) ([]payment.Transition, error) {
	rows, err := t.query(ctx, `SELECT id, payment_id, from_status, to_status, reason, created_at FROM payment_transitions
		WHERE payment_id = $1
		UNION ALL
		SELECT 'ptr_' || substr(f.id, 6), p.id, 'pending', 'processing', 'exported in ' || f.id, f.created_at
		FROM payments p JOIN rail_files f ON f.id = p.rail_file_id WHERE p.id = $1
		ORDER BY 1`, paymentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []payment.Transition
	for rows.Next() {
		var tr payment.Transition
		var from, to string
		var created Time
		if err := rows.Scan(&tr.ID, &tr.PaymentID, &from, &to, &tr.Reason, &created); err != nil {
			return nil, err
		}
		tr.From, tr.To, tr.CreatedAt = payment.Status(from), payment.Status(to), created.T
		out = append(out, tr)
	}
	return out, rows.Err()
}

// ListPayments implements store.Tx.
func (t *Tx) ListPayments(ctx context.Context, scope tenant.Scope, f store.PaymentFilter) ([]payment.Payment, error) {
	if f.Before == "" {
		f.Before = "~"
	}
	q := `SELECT ` + paymentColumns + ` FROM payments WHERE org_id = $1 AND mode = $2 AND id < $3`
	args := []any{scope.OrgID, string(scope.Mode), f.Before}
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.RecipientID != "" {
		add("recipient_id = $%d", f.RecipientID)
	}
	if f.Type != "" {
		add("type = $%d", string(f.Type))
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.ExternalID != "" {
		add("external_id = $%d", f.ExternalID)
	}
	if f.CustomerID != "" {
		add("customer_id = $%d", f.CustomerID)
	}
	if f.CreatedFrom != nil {
		add("created_at >= $%d", t.ts(*f.CreatedFrom))
	}
	if f.CreatedTo != nil {
		add("created_at < $%d", t.ts(*f.CreatedTo))
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args))
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []payment.Payment
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SumPayments implements store.Tx.
func (t *Tx) SumPayments(ctx context.Context, typ payment.Type, status payment.Status) ([]store.PaymentSum, error) {
	rows, err := t.query(ctx, `SELECT org_id, mode, currency, COALESCE(SUM(amount), 0), COUNT(*) FROM payments
		WHERE type = $1 AND status = $2 AND payout_method_id IS NOT NULL GROUP BY org_id, mode, currency`, string(typ), string(status))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.PaymentSum
	for rows.Next() {
		var s store.PaymentSum
		var mode string
		if err := rows.Scan(&s.Scope.OrgID, &mode, &s.Currency, &s.Total, &s.Count); err != nil {
			return nil, err
		}
		s.Scope.Mode = tenant.Mode(mode)
		out = append(out, s)
	}
	return out, rows.Err()
}

// PaymentsForExport implements store.Tx.
func (t *Tx) PaymentsForExport(ctx context.Context, scope tenant.Scope, railName string, limit int) ([]payment.Payment, error) {
	return t.queryPayments(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE org_id = $1 AND mode = $2 AND rail = $3 AND status = 'pending' AND type = 'payout' AND rail_file_id IS NULL
		ORDER BY id LIMIT $4`+t.d.LockRows, scope.OrgID, string(scope.Mode), railName, limit)
}

// PaymentByRailReference implements store.Tx.
func (t *Tx) PaymentByRailReference(ctx context.Context, scope tenant.Scope, railName, reference string) (payment.Payment, error) {
	p, err := scanPayment(t.queryRow(ctx, `SELECT `+paymentColumns+` FROM payments
		WHERE org_id = $1 AND mode = $2 AND rail = $3 AND rail_reference = $4 AND rail_reference <> '' ORDER BY id DESC LIMIT 1`+t.d.LockRows,
		scope.OrgID, string(scope.Mode), railName, reference))
	return p, t.mapErr(err)
}

// PaymentsOfFile implements store.Tx.
func (t *Tx) PaymentsOfFile(ctx context.Context, scope tenant.Scope, fileID, after string, limit int) ([]payment.Payment, error) {
	if limit <= 0 {
		limit = math.MaxInt32
	}
	return t.queryPayments(ctx, `SELECT `+paymentColumns+` FROM payments WHERE org_id = $1 AND mode = $2 AND rail_file_id = $3 AND id > $4
		ORDER BY id LIMIT $5`, scope.OrgID, string(scope.Mode), fileID, after, limit)
}

func (t *Tx) queryPayments(ctx context.Context, q string, args ...any) ([]payment.Payment, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Rows go into blocks, copied once into the result: an export reads 100,000 payments, and
	// growing one slice of them by appending copied the lot about five times over.
	var full [][]payment.Payment
	block, n := make([]payment.Payment, 0, 64), 0
	for rows.Next() {
		p, err := scanPayment(rows)
		if err != nil {
			return nil, err
		}
		if len(block) == cap(block) {
			full = append(full, block)
			block = make([]payment.Payment, 0, min(2*cap(block), 8192))
		}
		block, n = append(block, p), n+1
	}
	if len(full) == 0 {
		return block, rows.Err()
	}
	out := make([]payment.Payment, 0, n)
	for _, b := range full {
		out = append(out, b...)
	}
	return append(out, block...), rows.Err()
}

// MarkExported implements store.Tx.
func (t *Tx) MarkExported(ctx context.Context, scope tenant.Scope, fileID string, refs map[string]string, at time.Time) error {
	ids := make([]string, 0, len(refs))
	for id := range refs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	references := make([]string, len(ids))
	for i, id := range ids {
		references[i] = refs[id]
	}
	const what = "mark exported (were they all still pending?)"
	if t.d.ArrayParams {
		res, err := t.exec(ctx, `UPDATE payments SET status = 'processing', rail_file_id = $3, updated_at = $4, rail_reference = v.ref
			FROM unnest($5::text[], $6::text[]) AS v(id, ref)
			WHERE payments.id = v.id AND payments.org_id = $1 AND payments.mode = $2 AND payments.status = 'pending'`,
			scope.OrgID, string(scope.Mode), fileID, t.ts(at), ids, references)
		return checkAffected(res, err, len(ids), what)
	}
	// The unary "+" keeps SQLite off the (org_id, mode, id) index, which it would otherwise
	// scan whole for every chunk, and on the primary key, one lookup per listed payout.
	for start := 0; start < len(ids); start += maxInList {
		end := min(start+maxInList, len(ids))
		args := []any{fileID, t.ts(at)}
		for i := start; i < end; i++ {
			args = append(args, ids[i], references[i])
		}
		args = append(args, scope.OrgID, string(scope.Mode))
		res, err := t.exec(ctx, `UPDATE payments SET status = 'processing', rail_file_id = ?, updated_at = ?, rail_reference = v.column2
			FROM (`+t.valuesList(end-start, 2)+`) AS v
			WHERE payments.id = v.column1 AND +payments.org_id = ? AND +payments.mode = ? AND +payments.status = 'pending'`, args...)
		if err := checkAffected(res, err, end-start, what); err != nil {
			return err
		}
	}
	return nil
}

// GetPaymentByID implements store.Tx.
func (t *Tx) GetPaymentByID(ctx context.Context, id string, forUpdate bool) (payment.Payment, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	p, err := scanPayment(t.queryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`+lock, id))
	return p, t.mapErr(err)
}

// GetPaymentByExternalID implements store.Tx.
func (t *Tx) GetPaymentByExternalID(ctx context.Context, scope tenant.Scope, externalID string) (payment.Payment, error) {
	p, err := scanPayment(t.queryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE org_id = $1 AND mode = $2 AND external_id = $3`,
		scope.OrgID, string(scope.Mode), externalID))
	return p, t.mapErr(err)
}

// ExpiringPayments implements store.Tx.
func (t *Tx) ExpiringPayments(ctx context.Context, now time.Time, limit int) ([]payment.Payment, error) {
	return t.queryPayments(ctx, `SELECT `+paymentColumns+` FROM payments WHERE status = 'pending' AND expires_at <= $1
		ORDER BY expires_at LIMIT $2`, t.ts(now), limit)
}

// PaymentByTransferReference implements store.Tx.
func (t *Tx) PaymentByTransferReference(ctx context.Context, reference string) (payment.Payment, error) {
	p, err := scanPayment(t.queryRow(ctx, `SELECT `+paymentColumns+` FROM payments WHERE rail = 'bank_transfer' AND rail_reference = $1`+t.d.LockRows,
		reference))
	return p, t.mapErr(err)
}
