package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

const memberColumns = `id, org_id, email, role, password_hash, created_at, updated_at, removed_at, totp_secret, totp_last_step`

func scanMember(row interface{ Scan(...any) error }) (member.Member, error) {
	var m member.Member
	var orgID sql.NullString
	var created, updated Time
	var removed NullTime
	err := row.Scan(&m.ID, &orgID, &m.Email, &m.Role, &m.PasswordHash, &created, &updated, &removed, &m.TOTPSecret, &m.TOTPLastStep)
	m.OrgID, m.CreatedAt, m.UpdatedAt, m.RemovedAt = orgID.String, created.T, updated.T, removed.T
	return m, err
}

// InsertMember implements store.Tx.
func (t *Tx) InsertMember(ctx context.Context, m member.Member) error {
	_, err := t.exec(ctx, `INSERT INTO members (`+memberColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.ID, nullString(m.OrgID), m.Email, string(m.Role), m.PasswordHash, t.ts(m.CreatedAt), t.ts(m.UpdatedAt), t.tsPtr(m.RemovedAt),
		m.TOTPSecret, m.TOTPLastStep)
	return err
}

// GetMember implements store.Tx.
func (t *Tx) GetMember(ctx context.Context, id string) (member.Member, error) {
	m, err := scanMember(t.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE id = $1`, id))
	return m, t.mapErr(err)
}

// MemberByEmail implements store.Tx.
func (t *Tx) MemberByEmail(ctx context.Context, email string) (member.Member, error) {
	m, err := scanMember(t.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE email = $1`, email))
	return m, t.mapErr(err)
}

// ListMembers implements store.Tx.
func (t *Tx) ListMembers(ctx context.Context, orgID string) ([]member.Member, error) {
	return t.listMembers(ctx, `SELECT `+memberColumns+` FROM members WHERE org_id = $1 AND removed_at IS NULL ORDER BY id`, orgID)
}

func (t *Tx) listMembers(ctx context.Context, q string, args ...any) ([]member.Member, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []member.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// LockOrgMembers implements store.Tx.
func (t *Tx) LockOrgMembers(ctx context.Context, orgID string) ([]member.Member, error) {
	return t.listMembers(ctx, `SELECT `+memberColumns+` FROM members WHERE org_id = $1 AND removed_at IS NULL ORDER BY id`+t.d.LockRows, orgID)
}

// SetMemberRole implements store.Tx.
func (t *Tx) SetMemberRole(ctx context.Context, orgID, id string, role member.Role, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE members SET role = $3, updated_at = $4 WHERE id = $2 AND org_id = $1 AND removed_at IS NULL`,
		orgID, id, string(role), t.ts(at)))
}

// RemoveMember implements store.Tx.
func (t *Tx) RemoveMember(ctx context.Context, orgID, id string, at time.Time) error {
	if err := expectOne(t.exec(ctx, `UPDATE members SET removed_at = $3, updated_at = $3 WHERE id = $2 AND org_id = $1 AND removed_at IS NULL`,
		orgID, id, t.ts(at))); err != nil {
		return err
	}
	if err := t.RevokeMemberSessions(ctx, id, at); err != nil {
		return err
	}
	// A password link sent before the removal must not bring the account back.
	_, err := t.exec(ctx, `UPDATE member_tokens SET used_at = $2 WHERE member_id = $1 AND used_at IS NULL`, id, t.ts(at))
	return err
}

// RejoinMember implements store.Tx.
func (t *Tx) RejoinMember(ctx context.Context, m member.Member) error {
	// A fresh start: no authenticator app of the former membership.
	return expectOne(t.exec(ctx, `UPDATE members SET org_id = $2, role = $3, password_hash = $4, updated_at = $5, removed_at = NULL,
		totp_secret = '', totp_last_step = 0 WHERE id = $1 AND removed_at IS NOT NULL`, m.ID, nullString(m.OrgID), string(m.Role), m.PasswordHash, t.ts(m.UpdatedAt)))
}

// SetMemberTOTP implements store.Tx.
func (t *Tx) SetMemberTOTP(ctx context.Context, id, sealed string, lastStep int64, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE members SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1`,
		id, sealed, lastStep, t.ts(at)))
}

// UseMemberTOTPStep implements store.Tx.
func (t *Tx) UseMemberTOTPStep(ctx context.Context, id string, step int64) error {
	return expectOne(t.exec(ctx, `UPDATE members SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2 AND totp_secret <> ''`, id, step))
}

// InsertAddressRequest implements store.Tx.
func (t *Tx) InsertAddressRequest(ctx context.Context, id, kind, ip string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO address_requests (id, kind, ip, created_at) VALUES ($1, $2, $3, $4)`, id, kind, ip, t.ts(at))
	return err
}

// CountAddressRequests implements store.Tx.
func (t *Tx) CountAddressRequests(ctx context.Context, kind, ip string, since time.Time) (int, error) {
	// Two requests from one address at once must not both count below the limit and both go
	// through: the count is taken under a lock of the (kind, address) pair held to commit.
	if t.d.LockKey != "" {
		if _, err := t.exec(ctx, t.d.LockKey, "address_requests:"+kind+":"+ip); err != nil {
			return 0, err
		}
	}
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM address_requests WHERE kind = $1 AND ip = $2 AND created_at >= $3`,
		kind, ip, t.ts(since)).Scan(&n)
	return n, err
}

// SetMemberPassword implements store.Tx.
func (t *Tx) SetMemberPassword(ctx context.Context, id, hash string, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE members SET password_hash = $2, updated_at = $3 WHERE id = $1`, id, hash, t.ts(at)))
}

const tokenColumns = `id, purpose, org_id, email, role, member_id, token_hash, created_by, expires_at, used_at, created_at`

// InsertMemberToken implements store.Tx.
func (t *Tx) InsertMemberToken(ctx context.Context, tk member.Token) error {
	_, err := t.exec(ctx, `INSERT INTO member_tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		tk.ID, tk.Purpose, nullString(tk.OrgID), tk.Email, string(tk.Role), nullString(tk.MemberID), tk.TokenHash, tk.CreatedBy,
		t.ts(tk.ExpiresAt), t.tsPtr(tk.UsedAt), t.ts(tk.CreatedAt))
	return err
}

// MemberTokenByHash implements store.Tx.
func (t *Tx) MemberTokenByHash(ctx context.Context, hash string, forUpdate bool) (member.Token, error) {
	lock := ""
	if forUpdate {
		lock = t.d.LockRows
	}
	var tk member.Token
	var orgID, memberID sql.NullString
	var expires, created Time
	var used NullTime
	err := t.queryRow(ctx, `SELECT `+tokenColumns+` FROM member_tokens WHERE token_hash = $1`+lock, hash).
		Scan(&tk.ID, &tk.Purpose, &orgID, &tk.Email, &tk.Role, &memberID, &tk.TokenHash, &tk.CreatedBy, &expires, &used, &created)
	tk.OrgID, tk.MemberID, tk.ExpiresAt, tk.UsedAt, tk.CreatedAt = orgID.String, memberID.String, expires.T, used.T, created.T
	return tk, t.mapErr(err)
}

// UseMemberToken implements store.Tx.
func (t *Tx) UseMemberToken(ctx context.Context, id string, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE member_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL`, id, t.ts(at)))
}

// CountMemberTokens implements store.Tx.
func (t *Tx) CountMemberTokens(ctx context.Context, purpose, email string, since time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM member_tokens WHERE email = $1 AND purpose = $2 AND created_at >= $3`,
		email, purpose, t.ts(since)).Scan(&n)
	return n, err
}

const sessionColumns = `id, token_hash, member_id, org_id, csrf_token, two_factor_pending, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at`

func scanMemberSession(row interface{ Scan(...any) error }) (member.Session, error) {
	var s member.Session
	var created, seen, expires Time
	var revoked NullTime
	err := row.Scan(&s.ID, &s.TokenHash, &s.MemberID, &s.OrgID, &s.CSRFToken, &s.TwoFactorPending, &s.IP, &s.UserAgent,
		&created, &seen, &expires, &revoked)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.RevokedAt = created.T, seen.T, expires.T, revoked.T
	return s, err
}

// InsertMemberSession implements store.Tx.
func (t *Tx) InsertMemberSession(ctx context.Context, s member.Session) error {
	_, err := t.exec(ctx, `INSERT INTO member_sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		s.ID, s.TokenHash, s.MemberID, s.OrgID, s.CSRFToken, s.TwoFactorPending, s.IP, s.UserAgent,
		t.ts(s.CreatedAt), t.ts(s.LastSeenAt), t.ts(s.ExpiresAt), t.tsPtr(s.RevokedAt))
	return err
}

// MemberSessionByHash implements store.Tx.
func (t *Tx) MemberSessionByHash(ctx context.Context, hash string) (member.Session, error) {
	s, err := scanMemberSession(t.queryRow(ctx, `SELECT `+sessionColumns+` FROM member_sessions WHERE token_hash = $1`, hash))
	return s, t.mapErr(err)
}

// ListMemberSessions implements store.Tx.
func (t *Tx) ListMemberSessions(ctx context.Context, memberID string, now time.Time) ([]member.Session, error) {
	rows, err := t.query(ctx, `SELECT `+sessionColumns+` FROM member_sessions
		WHERE member_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id DESC LIMIT 100`, memberID, t.ts(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []member.Session
	for rows.Next() {
		s, err := scanMemberSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// TouchMemberSession implements store.Tx.
func (t *Tx) TouchMemberSession(ctx context.Context, id string, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE member_sessions SET last_seen_at = $2 WHERE id = $1`, id, t.ts(at)))
}

// ClearMemberTwoFactor implements store.Tx.
func (t *Tx) ClearMemberTwoFactor(ctx context.Context, id string) error {
	return expectOne(t.exec(ctx, `UPDATE member_sessions SET two_factor_pending = $2 WHERE id = $1`, id, false))
}

// SetMemberSessionOrg implements store.Tx.
func (t *Tx) SetMemberSessionOrg(ctx context.Context, id, orgID string) error {
	return expectOne(t.exec(ctx, `UPDATE member_sessions SET org_id = $2 WHERE id = $1`, id, orgID))
}

// RevokeMemberSession implements store.Tx.
func (t *Tx) RevokeMemberSession(ctx context.Context, memberID, id string, at time.Time) error {
	return expectOne(t.exec(ctx, `UPDATE member_sessions SET revoked_at = $3 WHERE id = $2 AND member_id = $1 AND revoked_at IS NULL`,
		memberID, id, t.ts(at)))
}

// RevokeMemberSessions implements store.Tx.
func (t *Tx) RevokeMemberSessions(ctx context.Context, memberID string, at time.Time) error {
	_, err := t.exec(ctx, `UPDATE member_sessions SET revoked_at = $2 WHERE member_id = $1 AND revoked_at IS NULL`, memberID, t.ts(at))
	return err
}

// InsertSigninFailure implements store.Tx.
func (t *Tx) InsertSigninFailure(ctx context.Context, id, emailKey, ip string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO signin_failures (id, email_key, ip, created_at) VALUES ($1, $2, $3, $4)`, id, emailKey, ip, t.ts(at))
	return err
}

// CountSigninFailures implements store.Tx.
func (t *Tx) CountSigninFailures(ctx context.Context, emailKey, ip string, since time.Time) (int, int, error) {
	var byEmail, byIP int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM signin_failures WHERE email_key = $1 AND created_at >= $2`, emailKey, t.ts(since)).Scan(&byEmail); err != nil {
		return 0, 0, err
	}
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM signin_failures WHERE ip = $1 AND created_at >= $2`, ip, t.ts(since)).Scan(&byIP); err != nil {
		return 0, 0, err
	}
	return byEmail, byIP, nil
}

// ClearSigninFailures implements store.Tx.
func (t *Tx) ClearSigninFailures(ctx context.Context, emailKey string) error {
	_, err := t.exec(ctx, `DELETE FROM signin_failures WHERE email_key = $1`, emailKey)
	return err
}

// DeleteSigninFailure implements store.Tx.
func (t *Tx) DeleteSigninFailure(ctx context.Context, id string) error {
	_, err := t.exec(ctx, `DELETE FROM signin_failures WHERE id = $1`, id)
	return err
}

// DashboardFigures implements store.Tx: three aggregate reads over indexed columns.
func (t *Tx) DashboardFigures(ctx context.Context, scope tenant.Scope) (store.Figures, error) {
	var f store.Figures
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM recipients WHERE org_id = $1 AND mode = $2`, scope.OrgID, string(scope.Mode)).Scan(&f.Recipients); err != nil {
		return f, err
	}
	rows, err := t.query(ctx, `SELECT currency, COALESCE(SUM(balance), 0) FROM ledger_accounts
		WHERE org_id = $1 AND mode = $2 AND owner_type = $3 AND kind IN ($4, $5) GROUP BY currency ORDER BY currency`,
		scope.OrgID, string(scope.Mode), string(ledger.OwnerRecipient), string(ledger.Available), string(ledger.Pending))
	if err != nil {
		return f, err
	}
	for rows.Next() {
		var c store.CurrencyTotal
		if err := rows.Scan(&c.Currency, &c.Total); err != nil {
			rows.Close()
			return f, err
		}
		f.Owed = append(f.Owed, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, err
	}
	rows, err = t.query(ctx, `SELECT type, status, currency, COUNT(*), COALESCE(SUM(amount), 0) FROM payments
		WHERE org_id = $1 AND mode = $2 GROUP BY type, status, currency ORDER BY type, status, currency`, scope.OrgID, string(scope.Mode))
	if err != nil {
		return f, err
	}
	defer rows.Close()
	for rows.Next() {
		var p store.PaymentTotal
		var typ, status string
		if err := rows.Scan(&typ, &status, &p.Currency, &p.Count, &p.Total); err != nil {
			return f, err
		}
		p.Type, p.Status = payment.Type(typ), payment.Status(status)
		f.Payments = append(f.Payments, p)
	}
	return f, rows.Err()
}
