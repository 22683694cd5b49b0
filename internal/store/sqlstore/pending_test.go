package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// TestHeldBackWritesKeepTransactionSemantics: on PostgreSQL a transaction's writes are held
// back and sent together (pending.go). Nothing of that may show: a read sees the writes
// before it, the last of two balance updates wins, and a write that fails fails the whole
// transaction with its own error, leaving nothing behind. The same test runs on SQLite, which
// writes at once, as the reference.
func TestHeldBackWritesKeepTransactionSemantics(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Microsecond)
			o := org.Org{ID: id.UUID(), Name: "Held back", CreatedAt: now, UpdatedAt: now}
			scope := tenant.Scope{OrgID: o.ID, Mode: tenant.Test}
			funding := ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerOrg, OwnerID: o.ID, Kind: ledger.Funding, Currency: "EUR"}
			avail := ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerRecipient, OwnerID: "r1", Kind: ledger.Available, Currency: "EUR"}
			var ids map[ledger.AccountRef]string
			if err := db.InTx(ctx, func(tx store.Tx) error {
				if err := tx.InsertOrg(ctx, o); err != nil {
					return err
				}
				var err error
				ids, _, err = tx.EnsureAccounts(ctx, []ledger.AccountRef{funding, avail})
				return err
			}); err != nil {
				t.Fatal(err)
			}
			transfer := func(amount int64) ledger.Transfer {
				return ledger.Transfer{ID: id.New("tr"), Scope: scope, Kind: "credit", Currency: "EUR", Amount: amount,
					SourceID: ids[funding], DestinationID: ids[avail], Metadata: []byte("{}"), CreatedAt: now}
			}

			// Read your writes; two updates of one balance, the second wins.
			first := transfer(500)
			if err := db.InTx(ctx, func(tx store.Tx) error {
				if err := tx.InsertTransfers(ctx, []ledger.Transfer{first}); err != nil {
					return err
				}
				if err := tx.SetBalances(ctx, map[string]int64{ids[avail]: 100}); err != nil {
					return err
				}
				if err := tx.SetBalances(ctx, map[string]int64{ids[avail]: 500}); err != nil {
					return err
				}
				got, err := tx.GetTransfer(ctx, scope, first.ID)
				if err != nil || got.Amount != 500 {
					t.Errorf("transfer read back in its transaction: %+v, %v", got, err)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if bal := balance(t, db, avail); bal != 500 {
				t.Errorf("balance after two updates = %d, want the second, 500", bal)
			}

			// A write that fails (a transfer id that exists) fails the transaction, with the
			// store's own error, and the writes held back beside it are not kept.
			second := transfer(700)
			err := db.InTx(ctx, func(tx store.Tx) error {
				if err := tx.InsertTransfers(ctx, []ledger.Transfer{second}); err != nil {
					return err
				}
				if err := tx.SetBalances(ctx, map[string]int64{ids[avail]: 1200}); err != nil {
					return err
				}
				return tx.InsertTransfers(ctx, []ledger.Transfer{first})
			})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate transfer: err = %v, want store.ErrConflict", err)
			}
			if bal := balance(t, db, avail); bal != 500 {
				t.Errorf("balance after the failed transaction = %d, want 500", bal)
			}
			if err := db.Read(ctx, func(tx store.Tx) error {
				_, err := tx.GetTransfer(ctx, scope, second.ID)
				return err
			}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("transfer of the failed transaction: %v, want not found", err)
			}

			// A balance update that finds no account fails the transaction too.
			err = db.InTx(ctx, func(tx store.Tx) error {
				if err := tx.InsertTransfers(ctx, []ledger.Transfer{transfer(900)}); err != nil {
					return err
				}
				return tx.SetBalances(ctx, map[string]int64{"acct_missing": 1})
			})
			if err == nil {
				t.Fatal("balance update of a missing account committed")
			}
		})
	}
}

func balance(t *testing.T, db store.Store, ref ledger.AccountRef) int64 {
	t.Helper()
	var bal int64
	if err := db.Read(context.Background(), func(tx store.Tx) error {
		acc, err := tx.FindAccount(context.Background(), ref)
		bal = acc.Balance
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return bal
}
