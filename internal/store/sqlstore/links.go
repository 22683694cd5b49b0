package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/payport/payport/internal/link"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

const linkColumns = `id, org_id, mode, email, transaction_id, amount, currency, scheduled_at, otp_required, pre_verified, reference,
	metadata, status, payment_id, expires_at, sent_at, created_at, updated_at`

func scanLink(row interface{ Scan(...any) error }) (link.Link, error) {
	var l link.Link
	var mode, status string
	var txID, paymentID sql.NullString
	var amount sql.NullInt64
	var scheduled, sent NullTime
	var expires, created, updated Time
	if err := row.Scan(&l.ID, &l.Scope.OrgID, &mode, &l.Email, &txID, &amount, &l.Currency, &scheduled, &l.OTPRequired, &l.PreVerified,
		&l.Reference, bytesOf{(*[]byte)(&l.Metadata)}, &status, &paymentID, &expires, &sent, &created, &updated); err != nil {
		return l, err
	}
	l.Scope.Mode, l.Status, l.TransactionID, l.PaymentID = tenant.Mode(mode), link.Status(status), txID.String, paymentID.String
	if amount.Valid {
		v := amount.Int64
		l.Amount = &v
	}
	l.ScheduledAt, l.SentAt, l.ExpiresAt, l.CreatedAt, l.UpdatedAt = scheduled.T, sent.T, expires.T, created.T, updated.T
	return l, nil
}

func amountArg(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

// InsertLink implements store.Tx.
func (t *Tx) InsertLink(ctx context.Context, l link.Link) error {
	_, err := t.exec(ctx, `INSERT INTO payment_links (`+linkColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		l.ID, l.Scope.OrgID, string(l.Scope.Mode), l.Email, nullString(l.TransactionID), amountArg(l.Amount), l.Currency, t.tsPtr(l.ScheduledAt),
		l.OTPRequired, l.PreVerified, l.Reference, jsonText(l.Metadata), string(l.Status), nullString(l.PaymentID), t.ts(l.ExpiresAt),
		t.tsPtr(l.SentAt), t.ts(l.CreatedAt), t.ts(l.UpdatedAt))
	return t.mapErr(err)
}

// GetLink implements store.Tx.
func (t *Tx) GetLink(ctx context.Context, id string, forUpdate bool) (link.Link, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	l, err := scanLink(t.queryRow(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE id = $1`+lock, id))
	return l, t.mapErr(err)
}

// UpdateLink implements store.Tx.
func (t *Tx) UpdateLink(ctx context.Context, l link.Link) error {
	return expectOne(t.exec(ctx, `UPDATE payment_links SET status = $2, payment_id = $3, sent_at = $4, pre_verified = $5, updated_at = $6 WHERE id = $1`,
		l.ID, string(l.Status), nullString(l.PaymentID), t.tsPtr(l.SentAt), l.PreVerified, t.ts(l.UpdatedAt)))
}

// linkWhere builds the filter of a link listing; args continue from start.
func (t *Tx) linkWhere(scope tenant.Scope, f store.LinkFilter) (string, []any) {
	q := `org_id = $1 AND mode = $2`
	args := []any{scope.OrgID, string(scope.Mode)}
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.Email != "" {
		add("email = $%d", f.Email)
	}
	if f.CreatedFrom != nil {
		add("created_at >= $%d", t.ts(*f.CreatedFrom))
	}
	if f.CreatedTo != nil {
		add("created_at < $%d", t.ts(*f.CreatedTo))
	}
	return q, args
}

// ListLinks implements store.Tx.
func (t *Tx) ListLinks(ctx context.Context, scope tenant.Scope, f store.LinkFilter) ([]link.Link, int64, error) {
	where, args := t.linkWhere(scope, f)
	var total int64
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM payment_links WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	before := f.Before
	if before == "" {
		before = "~"
	}
	args = append(args, before, f.Limit)
	rows, err := t.query(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE `+where+
		fmt.Sprintf(` AND id < $%d ORDER BY id DESC LIMIT $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	out, err := scanLinks(rows)
	return out, total, err
}

func scanLinks(rows *sql.Rows) ([]link.Link, error) {
	defer rows.Close()
	var out []link.Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// ActiveLinksOfEmail implements store.Tx.
func (t *Tx) ActiveLinksOfEmail(ctx context.Context, scope *tenant.Scope, email string, now time.Time, forUpdate bool) ([]link.Link, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	if scope == nil {
		rows, err := t.query(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE email = $1 AND status = 'active' AND expires_at > $2 ORDER BY id`+lock,
			email, t.ts(now))
		if err != nil {
			return nil, err
		}
		return scanLinks(rows)
	}
	rows, err := t.query(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE org_id = $1 AND mode = $2 AND email = $3 AND status = 'active'
		ORDER BY id`+lock, scope.OrgID, string(scope.Mode), email)
	if err != nil {
		return nil, err
	}
	return scanLinks(rows)
}

// LinksDueToExpire implements store.Tx.
func (t *Tx) LinksDueToExpire(ctx context.Context, now time.Time, limit int) ([]link.Link, error) {
	rows, err := t.query(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`+t.d.SkipLocked,
		t.ts(now), limit)
	if err != nil {
		return nil, err
	}
	return scanLinks(rows)
}

// LinkOfPayment implements store.Tx.
func (t *Tx) LinkOfPayment(ctx context.Context, paymentID string) (link.Link, error) {
	l, err := scanLink(t.queryRow(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE payment_id = $1 OR transaction_id = $1
		ORDER BY id LIMIT 1`+t.d.LockRows, paymentID))
	return l, t.mapErr(err)
}

// ClaimReminders implements store.Tx: one INSERT ... SELECT records the window's reminder for
// every due link that has none yet, and answers those links.
func (t *Tx) ClaimReminders(ctx context.Context, from, to, now time.Time) ([]string, error) {
	rows, err := t.query(ctx, `INSERT INTO payment_link_reminders (link_id, window_start, window_end, created_at)
		SELECT id, $1, $2, $3 FROM payment_links WHERE status = 'active' AND scheduled_at >= $1 AND scheduled_at < $2 AND expires_at > $3
		ON CONFLICT (link_id, window_start) DO NOTHING RETURNING link_id`, t.ts(from), t.ts(to), t.ts(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// LinksByID implements store.Tx.
func (t *Tx) LinksByID(ctx context.Context, ids []string) ([]link.Link, error) {
	var out []link.Link
	for start := 0; start < len(ids); start += maxInList {
		part := ids[start:min(start+maxInList, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := t.query(ctx, `SELECT `+linkColumns+` FROM payment_links WHERE id IN (`+t.bulkParams(1, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		ls, err := scanLinks(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return out, nil
}
