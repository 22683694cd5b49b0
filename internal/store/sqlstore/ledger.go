package sqlstore

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

const accountColumns = `id, org_id, mode, owner_type, owner_id, kind, currency, balance, allow_negative, created_at`

func scanAccount(row interface{ Scan(...any) error }, extra ...any) (ledger.Account, error) {
	var a ledger.Account
	var mode, ownerType, kind string
	var created Time
	dest := append([]any{&a.ID, &a.Ref.Scope.OrgID, &mode, &ownerType, &a.Ref.OwnerID, &kind, &a.Ref.Currency,
		&a.Balance, &a.AllowNegative, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return a, err
	}
	a.Ref.Scope.Mode, a.Ref.OwnerType, a.Ref.Kind = tenant.Mode(mode), ledger.OwnerType(ownerType), ledger.Kind(kind)
	a.CreatedAt = created.T
	return a, nil
}

func refArgs(r ledger.AccountRef) []any {
	return []any{r.Scope.OrgID, string(r.Scope.Mode), string(r.OwnerType), r.OwnerID, string(r.Kind), r.Currency}
}

const refWhere = `org_id = $1 AND mode = $2 AND owner_type = $3 AND owner_id = $4 AND kind = $5 AND currency = $6`

// FindAccount implements store.Tx.
func (t *Tx) FindAccount(ctx context.Context, ref ledger.AccountRef) (ledger.Account, error) {
	a, err := scanAccount(t.queryRow(ctx, `SELECT `+accountColumns+` FROM ledger_accounts WHERE `+refWhere, refArgs(ref)...))
	return a, t.mapErr(err)
}

// AccountByID implements store.Tx.
func (t *Tx) AccountByID(ctx context.Context, scope tenant.Scope, accountID string) (ledger.Account, error) {
	a, err := scanAccount(t.queryRow(ctx, `SELECT `+accountColumns+` FROM ledger_accounts WHERE org_id = $1 AND mode = $2 AND id = $3`,
		scope.OrgID, string(scope.Mode), accountID))
	return a, t.mapErr(err)
}

// OwnerAccounts implements store.Tx.
func (t *Tx) OwnerAccounts(ctx context.Context, scope tenant.Scope, owner ledger.OwnerType, ownerID string) ([]ledger.Account, error) {
	rows, err := t.query(ctx, `SELECT `+accountColumns+` FROM ledger_accounts
		WHERE org_id = $1 AND mode = $2 AND owner_type = $3 AND owner_id = $4 ORDER BY id`,
		scope.OrgID, string(scope.Mode), string(owner), ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EnsureAccounts implements ledger.Store.
func (t *Tx) EnsureAccounts(ctx context.Context, refs []ledger.AccountRef) (map[ledger.AccountRef]string, map[string]bool, error) {
	out := make(map[ledger.AccountRef]string, len(refs))
	created := map[string]bool{}
	for _, ref := range refs {
		if _, ok := out[ref]; ok {
			continue
		}
		if cached, ok := t.db.accountIDs.Load(ref); ok {
			out[ref] = cached
			continue
		}
		var accountID string
		err := t.queryRow(ctx, `SELECT id FROM ledger_accounts WHERE `+refWhere, refArgs(ref)...).Scan(&accountID)
		if err == sql.ErrNoRows {
			// ON CONFLICT: a concurrent transaction may create the same account; then we read
			// the one it created.
			newID := id.New("acct")
			args := append([]any{newID}, refArgs(ref)...)
			args = append(args, ref.Kind.AllowsNegative(), t.ts(time.Now().UTC()))
			res, err := t.exec(ctx, `INSERT INTO ledger_accounts (id, org_id, mode, owner_type, owner_id, kind, currency, allow_negative, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (org_id, mode, owner_type, owner_id, kind, currency) DO NOTHING`, args...)
			if err != nil {
				return nil, nil, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				created[newID] = true
			}
			err = t.queryRow(ctx, `SELECT id FROM ledger_accounts WHERE `+refWhere, refArgs(ref)...).Scan(&accountID)
			if err != nil {
				return nil, nil, t.mapErr(err)
			}
		} else if err != nil {
			return nil, nil, t.mapErr(err)
		}
		out[ref] = accountID
		if t.newAccounts == nil {
			t.newAccounts = map[ledger.AccountRef]string{}
		}
		t.newAccounts[ref] = accountID
	}
	return out, created, nil
}

// DeleteAccounts implements ledger.Store.
func (t *Tx) DeleteAccounts(ctx context.Context, ids []string) error {
	args := make([]any, len(ids))
	drop := map[string]bool{}
	for i, v := range ids {
		args[i], drop[v] = v, true
	}
	if _, err := t.exec(ctx, `DELETE FROM ledger_accounts WHERE id IN (`+t.bulkParams(1, len(ids))+`)`, args...); err != nil {
		return err
	}
	for ref, id := range t.newAccounts {
		if drop[id] {
			delete(t.newAccounts, ref) // never cache an account that will not exist
		}
	}
	return nil
}

// LockAccounts implements ledger.Store.
// Ids go in chunks, in ascending order, so that locks are always taken in the same order.
func (t *Tx) LockAccounts(ctx context.Context, ids []string) (map[string]ledger.Account, error) {
	out := make(map[string]ledger.Account, len(ids))
	for start := 0; start < len(ids); start += maxInList {
		part := ids[start:min(start+maxInList, len(ids))]
		args := make([]any, len(part))
		for i, v := range part {
			args[i] = v
		}
		rows, err := t.query(ctx, `SELECT `+accountColumns+` FROM ledger_accounts WHERE id IN (`+
			t.bulkParams(1, len(part))+`) ORDER BY id`+t.d.LockRows, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			a, err := scanAccount(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[a.ID] = a
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxInList bounds the parameters of one IN list (SQLite refuses more than 32,766 variables).
const maxInList = 500

const transferColumns = `id, org_id, mode, kind, currency, amount, source_account_id, destination_account_id, transfer_key, description, metadata, reverses_transfer_id, payment_id, created_at`

func scanTransfer(row interface{ Scan(...any) error }) (ledger.Transfer, error) {
	var tr ledger.Transfer
	var mode, kind string
	var key, reverses, payment sql.NullString
	var created Time
	if err := row.Scan(&tr.ID, &tr.Scope.OrgID, &mode, &kind, &tr.Currency, &tr.Amount, &tr.SourceID, &tr.DestinationID,
		&key, &tr.Description, bytesOf{(*[]byte)(&tr.Metadata)}, &reverses, &payment, &created); err != nil {
		return tr, err
	}
	tr.Scope.Mode, tr.Kind = tenant.Mode(mode), ledger.TransferKind(kind)
	tr.Key, tr.ReversesTransferID, tr.PaymentID, tr.CreatedAt = key.String, reverses.String, payment.String, created.T
	return tr, nil
}

func (t *Tx) queryTransfers(ctx context.Context, q string, args ...any) ([]ledger.Transfer, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Transfer
	for rows.Next() {
		tr, err := scanTransfer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	return out, rows.Err()
}

// TransfersByKey implements ledger.Store.
func (t *Tx) TransfersByKey(ctx context.Context, scope tenant.Scope, keys []string) (map[string]ledger.Transfer, error) {
	out := map[string]ledger.Transfer{}
	if t.d.ArrayParams {
		list, err := t.queryTransfers(ctx, `SELECT `+transferColumns+` FROM ledger_transfers
			WHERE org_id = $1 AND mode = $2 AND transfer_key = ANY($3::text[])`, scope.OrgID, string(scope.Mode), keys)
		for _, tr := range list {
			out[tr.Key] = tr
		}
		return out, err
	}
	for start := 0; start < len(keys); start += maxInList {
		part := keys[start:min(start+maxInList, len(keys))]
		args := []any{scope.OrgID, string(scope.Mode)}
		for _, k := range part {
			args = append(args, k)
		}
		list, err := t.queryTransfers(ctx, `SELECT `+transferColumns+` FROM ledger_transfers WHERE org_id = `+t.param(1)+
			` AND mode = `+t.param(2)+` AND transfer_key IN (`+t.bulkParams(3, len(part))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, tr := range list {
			out[tr.Key] = tr
		}
	}
	return out, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var transfersTable = newBulkTable("ledger_transfers", transferColumns,
	"text, text, text, text, text, bigint, text, text, text, text, jsonb, text, text, timestamptz")

// InsertTransfers implements ledger.Store.
func (t *Tx) InsertTransfers(ctx context.Context, transfers []ledger.Transfer) error {
	return t.insertRows(ctx, transfersTable, len(transfers), func(i int) []any {
		tr := transfers[i]
		return []any{tr.ID, tr.Scope.OrgID, string(tr.Scope.Mode), string(tr.Kind), tr.Currency, tr.Amount,
			tr.SourceID, tr.DestinationID, nullString(tr.Key), tr.Description, jsonText(tr.Metadata),
			nullString(tr.ReversesTransferID), nullString(tr.PaymentID), t.ts(tr.CreatedAt)}
	})
}

// SetBalances implements ledger.Store.
// Balances change in one statement on PostgreSQL (two arrays joined by id) and in chunks of
// a VALUES list on SQLite; an export that pays 100,000 recipients changes 200,000 balances.
func (t *Tx) SetBalances(ctx context.Context, balances map[string]int64) error {
	if len(balances) == 0 {
		return nil
	}
	ids := make([]string, 0, len(balances))
	for id := range balances {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	values := make([]int64, len(ids))
	for i, id := range ids {
		values[i] = balances[id]
	}
	if t.d.ArrayParams {
		return t.deferWrite(ctx, pendingWrite{table: "ledger_accounts", update: true, want: len(ids), what: "set balances",
			sql: `UPDATE ledger_accounts SET balance = v.balance
			FROM unnest($1::text[], $2::bigint[]) AS v(id, balance) WHERE ledger_accounts.id = v.id`, args: []any{ids, values}})
	}
	for start := 0; start < len(ids); start += maxInList {
		end := min(start+maxInList, len(ids))
		args := make([]any, 0, 2*(end-start))
		for i := start; i < end; i++ {
			args = append(args, ids[i], values[i])
		}
		res, err := t.exec(ctx, `UPDATE ledger_accounts SET balance = v.column2 FROM (`+t.valuesList(end-start, 2)+`) AS v
			WHERE ledger_accounts.id = v.column1`, args...)
		if err := checkAffected(res, err, end-start, "set balances"); err != nil {
			return err
		}
	}
	return nil
}

// GetTransfer implements store.Tx.
func (t *Tx) GetTransfer(ctx context.Context, scope tenant.Scope, transferID string) (ledger.Transfer, error) {
	tr, err := scanTransfer(t.queryRow(ctx, `SELECT `+transferColumns+` FROM ledger_transfers WHERE org_id = $1 AND mode = $2 AND id = $3`,
		scope.OrgID, string(scope.Mode), transferID))
	return tr, t.mapErr(err)
}

// ListTransfers implements store.Tx. Each account is read through its own index and the two
// sorted streams are merged by the database, which keeps "newest first" cheap.
func (t *Tx) ListTransfers(ctx context.Context, accountIDs []string, before string, limit int) ([]ledger.Transfer, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	if before == "" {
		before = "~" // sorts after every id
	}
	in := placeholders(3, len(accountIDs))
	args := []any{before, limit}
	for _, a := range accountIDs {
		args = append(args, a)
	}
	return t.queryTransfers(ctx, `SELECT `+transferColumns+` FROM ledger_transfers
		WHERE id < $1 AND (source_account_id IN (`+in+`) OR destination_account_id IN (`+in+`))
		ORDER BY id DESC LIMIT $2`, args...)
}

// SumTransfers implements store.Tx. It reads through the index of the side named by via: an
// org's funding account takes part in every credit of the org, so its side is the one not to
// scan. The "|| ”" keeps both engines off the other side's index.
func (t *Tx) SumTransfers(ctx context.Context, fromID, toID string, since time.Time, via store.Side) (int64, error) {
	q := `SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers
		WHERE destination_account_id = $2 AND source_account_id || '' = $1 AND created_at >= $3`
	if via == store.SourceSide {
		q = `SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers
		WHERE source_account_id = $1 AND destination_account_id || '' = $2 AND created_at >= $3`
	}
	var sum int64
	err := t.queryRow(ctx, q, fromID, toID, t.ts(since)).Scan(&sum)
	return sum, err
}

// AccountNet implements store.Tx.
func (t *Tx) AccountNet(ctx context.Context, accountID string) (int64, error) {
	var in, out int64
	err := t.queryRow(ctx, `SELECT
		COALESCE((SELECT SUM(amount) FROM ledger_transfers WHERE destination_account_id = $1), 0),
		COALESCE((SELECT SUM(amount) FROM ledger_transfers WHERE source_account_id = $1), 0)`, accountID).Scan(&in, &out)
	return in - out, err
}

// AccountTotals implements store.Tx.
func (t *Tx) AccountTotals(ctx context.Context) ([]ledger.AccountTotals, error) {
	rows, err := t.query(ctx, `SELECT `+accountColumns+`,
		COALESCE((SELECT SUM(amount) FROM ledger_transfers tr WHERE tr.destination_account_id = a.id), 0),
		COALESCE((SELECT SUM(amount) FROM ledger_transfers tr WHERE tr.source_account_id = a.id), 0)
		FROM ledger_accounts a ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.AccountTotals
	for rows.Next() {
		var at ledger.AccountTotals
		a, err := scanAccount(rows, &at.In, &at.Out)
		if err != nil {
			return nil, err
		}
		at.Account = a
		out = append(out, at)
	}
	return out, rows.Err()
}

// BrokenReferences implements store.Tx.
func (t *Tx) BrokenReferences(ctx context.Context, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT 'transfer ' || tr.id || ' moves money from account ' || tr.source_account_id || ', which is missing or another org''s'
		FROM ledger_transfers tr LEFT JOIN ledger_accounts a ON a.id = tr.source_account_id
		WHERE a.id IS NULL OR a.org_id <> tr.org_id OR a.mode <> tr.mode
		UNION ALL
		SELECT 'transfer ' || tr.id || ' moves money to account ' || tr.destination_account_id || ', which is missing or another org''s'
		FROM ledger_transfers tr LEFT JOIN ledger_accounts a ON a.id = tr.destination_account_id
		WHERE a.id IS NULL OR a.org_id <> tr.org_id OR a.mode <> tr.mode
		UNION ALL
		SELECT 'transition ' || pt.id || ' belongs to payment ' || pt.payment_id || ', which is missing'
		FROM payment_transitions pt LEFT JOIN payments p ON p.id = pt.payment_id WHERE p.id IS NULL
		UNION ALL
		SELECT 'payment ' || p.id || ' is in file ' || p.rail_file_id || ', which is missing or another org''s'
		FROM payments p LEFT JOIN rail_files f ON f.id = p.rail_file_id
		WHERE p.rail_file_id IS NOT NULL AND (f.id IS NULL OR f.org_id <> p.org_id)
		LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
