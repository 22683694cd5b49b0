package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/otp"
)

// ClearTwoFactor implements store.Tx.
func (t *Tx) ClearTwoFactor(ctx context.Context, tokenHash string) error {
	return expectOne(t.exec(ctx, `UPDATE portal_sessions SET two_factor_pending = $2 WHERE token_hash = $1`, tokenHash, false))
}

// InsertOTP implements store.Tx.
func (t *Tx) InsertOTP(ctx context.Context, c otp.Code) error {
	_, err := t.exec(ctx, `INSERT INTO otp_codes (id, subject, recipient_id, ip, code_hash, attempts, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, c.Subject, nullString(c.RecipientID), c.IP, c.CodeHash, c.Attempts,
		t.ts(c.ExpiresAt), t.ts(c.CreatedAt))
	return err
}

// LatestOTP implements store.Tx.
func (t *Tx) LatestOTP(ctx context.Context, subject string, forUpdate bool) (otp.Code, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	var c otp.Code
	var recipient sql.NullString
	var expires, created Time
	var consumed NullTime
	err := t.queryRow(ctx, `SELECT id, subject, recipient_id, ip, code_hash, attempts, expires_at, consumed_at, created_at
		FROM otp_codes WHERE subject = $1 ORDER BY created_at DESC, id DESC LIMIT 1`+lock, subject).
		Scan(&c.ID, &c.Subject, &recipient, &c.IP, &c.CodeHash, &c.Attempts, &expires, &consumed, &created)
	c.RecipientID, c.ExpiresAt, c.ConsumedAt, c.CreatedAt = recipient.String, expires.T, consumed.T, created.T
	return c, t.mapErr(err)
}

// RecordOTPAttempt implements store.Tx.
func (t *Tx) RecordOTPAttempt(ctx context.Context, id string) error {
	return expectOne(t.exec(ctx, `UPDATE otp_codes SET attempts = attempts + 1 WHERE id = $1`, id))
}

// ConsumeOTP implements store.Tx.
func (t *Tx) ConsumeOTP(ctx context.Context, id string, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE otp_codes SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL`, id, t.ts(at)))
}

// CountOTPs implements store.Tx.
func (t *Tx) CountOTPs(ctx context.Context, recipientID, ip string, since time.Time) (int, int, error) {
	var byRecipient, byIP int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM otp_codes WHERE recipient_id = $1 AND created_at >= $2`, recipientID, t.ts(since)).Scan(&byRecipient); err != nil {
		return 0, 0, err
	}
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM otp_codes WHERE ip = $1 AND created_at >= $2`, ip, t.ts(since)).Scan(&byIP); err != nil {
		return 0, 0, err
	}
	return byRecipient, byIP, nil
}

// InsertMail implements store.Tx.
func (t *Tx) InsertMail(ctx context.Context, m mail.Message) error {
	_, err := t.exec(ctx, `INSERT INTO mail_outbox (id, to_address, subject, text_body, html_body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO NOTHING`, m.ID, m.To, m.Subject, m.Text, m.HTML, t.ts(m.CreatedAt))
	return err
}

// ListMail implements store.Tx.
func (t *Tx) ListMail(ctx context.Context, limit int) ([]mail.Message, error) {
	rows, err := t.query(ctx, `SELECT id, to_address, subject, text_body, html_body, created_at FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mail.Message
	for rows.Next() {
		var m mail.Message
		var created Time
		if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Text, &m.HTML, &created); err != nil {
			return nil, err
		}
		m.CreatedAt = created.T
		out = append(out, m)
	}
	return out, rows.Err()
}
