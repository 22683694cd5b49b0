package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// TestAccountIDCacheStaysBounded: however many accounts transactions see, the cache of their
// ids never holds more than its bound, and an account found after the cache started over is
// the same account.
func TestAccountIDCacheStaysBounded(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			db := eng.Open(t)
			db.LimitAccountIDCache(5)
			ctx := context.Background()
			now := time.Now().UTC()
			o := org.Org{ID: id.UUID(), Name: "Cache", CreatedAt: now, UpdatedAt: now}
			scope := tenant.Scope{OrgID: o.ID, Mode: tenant.Test}
			var refs []ledger.AccountRef
			for i := range 12 {
				refs = append(refs, ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerRecipient, OwnerID: fmt.Sprint("r", i),
					Kind: ledger.Available, Currency: "EUR"})
			}
			ensure := func() map[ledger.AccountRef]string {
				t.Helper()
				var ids map[ledger.AccountRef]string
				if err := db.InTx(ctx, func(tx store.Tx) error {
					var err error
					ids, _, err = tx.EnsureAccounts(ctx, refs)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				if n := db.CachedAccountIDs(); n > 5 {
					t.Fatalf("the account id cache holds %d entries, bound 5", n)
				}
				return ids
			}
			if err := db.InTx(ctx, func(tx store.Tx) error { return tx.InsertOrg(ctx, o) }); err != nil {
				t.Fatal(err)
			}
			first := ensure()
			again := ensure()
			for _, ref := range refs {
				if first[ref] == "" || first[ref] != again[ref] {
					t.Fatalf("account %s: %q then %q", ref.OwnerID, first[ref], again[ref])
				}
			}
		})
	}
}
