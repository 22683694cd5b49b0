package sqlstore_test

import (
	"context"
	"testing"

	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
)

// TestReusePlansEndsWithItsTransaction: on PostgreSQL a transaction that asks to reuse plans
// runs on generic plans, and the connection it leaves in the pool plans as before (Payport's
// connections plan every execution, force_custom_plan), so that no other transaction gets a
// generic plan it did not ask for.
func TestReusePlansEndsWithItsTransaction(t *testing.T) {
	eng, ok := storetest.Postgres(t)
	if !ok {
		t.Skip("PAYPORT_TEST_DATABASE_URL not set")
	}
	db := eng.Open(t)
	db.WriterDB().SetMaxOpenConns(1) // the next transaction gets the same connection
	ctx := context.Background()
	mode := func(tx store.Tx) string {
		t.Helper()
		var m string
		if err := tx.SQLTx().QueryRowContext(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	var before string
	if err := db.InTx(ctx, func(tx store.Tx) error { before = mode(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx store.Tx) error {
		if err := tx.ReusePlans(ctx); err != nil {
			return err
		}
		if m := mode(tx); m != "force_generic_plan" {
			t.Errorf("plan_cache_mode in the transaction = %q, want force_generic_plan", m)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx store.Tx) error {
		if m := mode(tx); m != before || m == "force_generic_plan" {
			t.Errorf("plan_cache_mode in the next transaction = %q, want %q as before", m, before)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
