package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// TestPostBatchKeepsEachPostingsOutcome posts a batch in one transaction where one posting
// overdraws, one repeats a key and one repeats a key of an earlier batch: the others commit,
// the overdraw fails alone, the repeats move nothing.
func TestPostBatchKeepsEachPostingsOutcome(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a, scope, r := newOrg(t, e)
			ctx := context.Background()
			funding := ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerOrg, OwnerID: scope.OrgID, Kind: ledger.Funding, Currency: "EUR"}
			avail := ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerRecipient, OwnerID: r.ID, Kind: ledger.Available, Currency: "EUR"}
			credit := func(amount int64, key string) ledger.Posting {
				return ledger.Posting{Kind: ledger.KindCredit, Source: funding, Destination: avail, Amount: amount, Key: key}
			}
			debit := func(amount int64) ledger.Posting {
				return ledger.Posting{Kind: ledger.KindAdjustment, Source: avail, Destination: funding, Amount: amount}
			}
			now := time.Now().UTC()
			var first []ledger.Result
			err := a.Store.InTx(ctx, func(tx store.Tx) error {
				var err error
				first, err = ledger.Post(ctx, tx, now, []ledger.Posting{credit(1000, "k1")})
				return err
			})
			if err != nil || first[0].Err != nil {
				t.Fatal(err, first)
			}
			var rs []ledger.Result
			err = a.Store.InTx(ctx, func(tx store.Tx) error {
				var err error
				rs, err = ledger.Post(ctx, tx, now, []ledger.Posting{
					debit(400),            // 1000 -> 600
					debit(700),            // would overdraw: fails alone
					credit(50, "k2"),      // 600 -> 650
					credit(50, "k2"),      // same key in the batch: replay
					credit(1000, "k1"),    // key of the first batch: replay, nothing moves
					{Kind: "", Amount: 1}, // malformed: fails alone
				})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Err != nil || rs[0].SourceBalance != 600 {
				t.Fatalf("debit: %+v", rs[0])
			}
			if !errors.Is(rs[1].Err, ledger.ErrInsufficientFunds) {
				t.Fatalf("overdraw: %+v", rs[1])
			}
			if rs[2].Err != nil || rs[2].Replayed || rs[2].DestinationBalance != 650 {
				t.Fatalf("credit k2: %+v", rs[2])
			}
			if !rs[3].Replayed || rs[3].Transfer.ID != rs[2].Transfer.ID {
				t.Fatalf("repeat of k2: %+v", rs[3])
			}
			if !rs[4].Replayed || rs[4].Transfer.ID != first[0].Transfer.ID {
				t.Fatalf("repeat of k1: %+v", rs[4])
			}
			if !errors.Is(rs[5].Err, ledger.ErrInvalidPosting) {
				t.Fatalf("malformed: %+v", rs[5])
			}
			info, err := a.GetBalanceInfo(ctx, scope, r.ID, "")
			if err != nil || info.Balance.AmountMinor != 650 {
				t.Fatalf("balance %+v %v", info.Balance, err)
			}
			if v, _, err := a.CheckLedger(ctx); err != nil || len(v) != 0 {
				t.Fatalf("ledger check: %v %v", v, err)
			}
			var n int
			if err := a.Store.Read(ctx, func(tx store.Tx) error {
				ts, err := tx.ListTransfers(ctx, []string{first[0].Transfer.DestinationID}, "", 100)
				n = len(ts)
				return err
			}); err != nil || n != 3 {
				t.Fatalf("%d transfers (%v), want 3", n, err)
			}
		})
	}
}

// TestLedgerCheckFindsBrokenReferences: PostgreSQL has no foreign keys on transfers,
// transitions and file membership, so the check must notice a reference to a row that is
// missing or belongs to another org.
func TestLedgerCheckFindsBrokenReferences(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a, scope, r := newOrg(t, e)
			ctx := context.Background()
			tr, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "5.00", Currency: "EUR"}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if v, _, err := a.CheckLedger(ctx); err != nil || len(v) != 0 {
				t.Fatalf("healthy ledger: %v %v", v, err)
			}
			// Another org's account passes a foreign key but is still wrong.
			o2, _, err := a.CreateOrg(ctx, "Other", false)
			if err != nil {
				t.Fatal(err)
			}
			scope2 := tenant.Scope{OrgID: o2.ID, Mode: tenant.Test}
			r2, err := a.CreateRecipient(ctx, scope2, app.RecipientInput{ExternalID: ptr("other"), Currency: ptr("EUR")})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Credit(ctx, scope2, r2.ID, app.MoneyInput{Amount: "5.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
				t.Fatal(err)
			}
			db := a.Store.WriterDB()
			var otherAccount string
			if err := db.QueryRow(`SELECT id FROM ledger_accounts WHERE org_id = $1 AND owner_type = 'recipient'`, o2.ID).Scan(&otherAccount); err != nil {
				t.Fatal(err)
			}
			var own string
			if err := db.QueryRow(`SELECT destination_account_id FROM ledger_transfers WHERE id = $1`, tr.Transfer.ID).Scan(&own); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`UPDATE ledger_transfers SET destination_account_id = $1 WHERE id = $2`, otherAccount, tr.Transfer.ID); err != nil {
				t.Fatal(err)
			}
			v, _, err := a.CheckLedger(ctx)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, x := range v {
				if x.Rule == app.RuleReferencesExist && x.Subject == tr.Transfer.ID && strings.Contains(x.Detail, otherAccount) {
					found = true
				}
			}
			if !found {
				t.Errorf("the check did not name transfer %s pointing at another org's account: %v", tr.Transfer.ID, v)
			}
			if _, err := db.Exec(`UPDATE ledger_transfers SET destination_account_id = $1 WHERE id = $2`, own, tr.Transfer.ID); err != nil {
				t.Fatal(err)
			}
			if v, _, err := a.CheckLedger(ctx); err != nil || len(v) != 0 {
				t.Fatalf("repaired ledger: %v %v", v, err)
			}
		})
	}
}

// TestReadsSeeOneSnapshot: everything one Store.Read reads comes from one moment, on both
// engines, even while writes commit meanwhile; the ledger check compares totals read by
// several statements and relies on it.
func TestReadsSeeOneSnapshot(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a, scope, _ := newOrg(t, e)
			ctx := context.Background()
			count := func(tx store.Tx) int {
				rs, err := tx.ListRecipients(ctx, scope, "", 100)
				if err != nil {
					t.Fatal(err)
				}
				return len(rs)
			}
			err := a.Store.Read(ctx, func(tx store.Tx) error {
				before := count(tx)
				if _, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr("meanwhile"), Currency: ptr("EUR")}); err != nil {
					return err
				}
				if after := count(tx); after != before {
					t.Errorf("one read saw %d recipients, then %d", before, after)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPostgresPlansEachStatement: Payport's PostgreSQL connections plan every statement for
// its arguments, so no plan made while a table was small outlives its growth.
func TestPostgresPlansEachStatement(t *testing.T) {
	pg, ok := storetest.Postgres(t)
	if !ok {
		t.Skip("needs PostgreSQL (PAYPORT_TEST_DATABASE_URL)")
	}
	db := pg.Open(t)
	var mode string
	if err := db.WriterDB().QueryRow("SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_custom_plan" {
		t.Fatalf("plan_cache_mode %q %v", mode, err)
	}
}
