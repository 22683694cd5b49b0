package app_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/jobs"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/rail/sandbox"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// germanIBAN builds a valid DE IBAN whose account number ends in the given digits, so tests
// can pick sandbox outcomes (docs/SANDBOX.md).
func germanIBAN(ending string) string {
	bban := "37040044" + fmt.Sprintf("%010s", "053201"+ending)[:10]
	n, _ := new(big.Int).SetString(bban+"131400", 10) // "DE00" -> D=13 E=14 00
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("DE%02d%s", check, bban)
}

type payoutEnv struct {
	a     *app.App
	scope tenant.Scope
	r     app.RecipientView
	queue *jobs.Queue
}

// newPayoutEnv builds an org with a recipient credited 100.00 EUR, a sealer, the sandbox rail
// (settling at once) and, when start is true, a running job queue.
func newPayoutEnv(t testing.TB, e storetest.Engine, start bool) payoutEnv {
	t.Helper()
	a, scope, r := newOrg(t, e)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	kr, err := secret.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	a.Sealer = kr
	a.Rails = &rail.Registry{Sandbox: sandbox.Rail{}}
	ctx := context.Background()
	db := a.Store
	q, err := jobs.New(ctx, db.Engine(), db.WriterDB(), jobs.Config{Register: a.RegisterWorkers, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	a.Jobs = q
	if start {
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(context.Background()) })
	}
	t.Cleanup(a.Close)
	if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "100.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
		t.Fatal(err)
	}
	return payoutEnv{a: a, scope: scope, r: r, queue: q}
}

func (e payoutEnv) addIBAN(t testing.TB, ending string) app.PayoutMethodView {
	t.Helper()
	m, err := e.a.AddPayoutMethod(context.Background(), e.scope, e.r.ID, app.PayoutMethodInput{
		HolderName: "Ada Lovelace", IBAN: germanIBAN(ending)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waitStatus polls a payment until it reaches want.
func (e payoutEnv) waitStatus(t *testing.T, id string, want payment.Status) app.PaymentView {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		p, err := e.a.GetPayment(context.Background(), e.scope, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == string(want) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment %s is %s, waited for %s", id, p.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e payoutEnv) balance(t *testing.T) app.BalanceInfo {
	t.Helper()
	info, err := e.a.GetBalanceInfo(context.Background(), e.scope, e.r.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func (e payoutEnv) ledgerOK(t *testing.T) {
	t.Helper()
	v, _, err := e.a.CheckLedger(context.Background())
	if err != nil || len(v) != 0 {
		t.Fatalf("ledger check: %v %v", v, err)
	}
}

func appCode(err error) string {
	var ae *app.Error
	if errors.As(err, &ae) {
		return ae.Code + "@" + ae.Field
	}
	return fmt.Sprint(err)
}

func TestPayoutMethods(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, false)
			ctx := context.Background()
			if e.balance(t).HasBankAccount {
				t.Fatal("has_bank_account before any method")
			}
			_, err := e.a.AddPayoutMethod(ctx, e.scope, e.r.ID, app.PayoutMethodInput{HolderName: "Ada", IBAN: "DE89370400440532013001"})
			if got := appCode(err); got != "validation_failed@iban" {
				t.Fatalf("bad IBAN: %s", got)
			}
			first := e.addIBAN(t, "0000")
			if !first.IsDefault || first.Last4 != "0000" || first.Scheme != "iban" || first.Currency != "EUR" {
				t.Fatalf("first method %+v", first)
			}
			if _, err := e.a.AddPayoutMethod(ctx, e.scope, e.r.ID, app.PayoutMethodInput{HolderName: "Ada", IBAN: germanIBAN("0000")}); appCode(err) != "duplicate_payout_method@account_number" {
				t.Fatalf("duplicate: %s", appCode(err))
			}
			us, err := e.a.AddPayoutMethod(ctx, e.scope, e.r.ID, app.PayoutMethodInput{HolderName: "Ada", RoutingNumber: "011000015",
				AccountNumber: "000123456789", AccountType: "checking", MakeDefault: true})
			if err != nil || !us.IsDefault || us.Last4 != "6789" || us.BankCode != "011000015" {
				t.Fatalf("US method %+v %v", us, err)
			}
			list, _ := e.a.ListPayoutMethods(ctx, e.scope, e.r.ExternalID)
			if len(list) != 2 || list[0].ID != us.ID || list[1].IsDefault {
				t.Fatalf("list after new default: %+v", list)
			}
			if !e.balance(t).HasBankAccount {
				t.Fatal("EUR method not counted for the EUR balance")
			}
			if _, err := e.a.RemovePayoutMethod(ctx, e.scope, e.r.ID, us.ID); err != nil {
				t.Fatal(err)
			}
			list, _ = e.a.ListPayoutMethods(ctx, e.scope, e.r.ID)
			if len(list) != 1 || !list[0].IsDefault || list[0].ID != first.ID {
				t.Fatalf("after removing the default: %+v", list)
			}
			// The sealed details never show in the clear in the database.
			var n int
			if err := e.a.Store.Read(ctx, func(tx store.Tx) error {
				return tx.SQLTx().QueryRowContext(ctx, `SELECT COUNT(*) FROM payout_methods WHERE sealed_details LIKE '%0532%' OR CAST(masked AS TEXT) LIKE '%0532%'`).Scan(&n)
			}); err != nil || n != 0 {
				t.Fatalf("%d rows show account digits in the clear (%v)", n, err)
			}
		})
	}
}

func TestWithdrawalThroughSandbox(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, true)
			ctx := context.Background()
			_, _, err := e.a.RequestWithdrawal(ctx, e.scope, e.r.ID, app.WithdrawalInput{Amount: "30.00", Currency: "EUR"}, app.IdemRequest{})
			if appCode(err) != "no_bank_account@payout_method_id" {
				t.Fatalf("withdrawal without a method: %s", appCode(err))
			}
			ok := e.addIBAN(t, "0000")
			p, _, err := e.a.RequestWithdrawal(ctx, e.scope, e.r.ID, app.WithdrawalInput{Amount: "30.00", Currency: "EUR"}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != "pending" || p.Type != "payout" || p.PayoutMethodID != ok.ID || p.Rail != "sandbox" || p.Amount != "30.00" {
				t.Fatalf("new withdrawal %+v", p)
			}
			done := e.waitStatus(t, p.ID, payment.Succeeded)
			if done.FailureCode != "" {
				t.Fatalf("succeeded with failure %+v", done)
			}
			b := e.balance(t)
			if b.Balance.Amount != "70.00" || b.PendingWithdrawals.Amount != "0.00" || b.TotalEarnings.Amount != "100.00" {
				t.Fatalf("balance after payout %+v", b)
			}
			e.ledgerOK(t)

			// A bounced payout puts the money back and says why.
			e.addIBAN(t, "2222")
			list, _ := e.a.ListPayoutMethods(ctx, e.scope, e.r.ID)
			var closed string
			for _, m := range list {
				if m.Last4 == "2222" {
					closed = m.ID
				}
			}
			p2, _, err := e.a.RequestWithdrawal(ctx, e.scope, e.r.ID, app.WithdrawalInput{Amount: "20.00", Currency: "EUR", PayoutMethodID: closed}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			failed := e.waitStatus(t, p2.ID, payment.Failed)
			if failed.FailureCode != payment.FailAccountClosed || failed.FailureMessage == "" {
				t.Fatalf("failed payout %+v", failed)
			}
			if b := e.balance(t); b.Balance.Amount != "70.00" {
				t.Fatalf("balance after a bounced payout %s, want 70.00", b.Balance.Amount)
			}
			e.ledgerOK(t)

			// Settling a final payout again changes nothing.
			if err := e.a.SettlePayout(ctx, e.scope, p.ID, rail.Outcome{FailureCode: payment.FailDeclined}); err != nil {
				t.Fatal(err)
			}
			if again, _ := e.a.GetPayment(ctx, e.scope, p.ID); again.Status != "succeeded" {
				t.Fatalf("a succeeded payout became %s", again.Status)
			}
			e.ledgerOK(t)
		})
	}
}

func TestWithdrawalRules(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, false)
			ctx := context.Background()
			e.addIBAN(t, "0000")
			if _, err := e.a.UpdateOrgSettings(ctx, e.scope.OrgID, nil, orgSettingsMin("EUR", 2500)); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ amount, currency, want string }{
				{"10.00", "EUR", "below_minimum@amount"},
				{"100.01", "EUR", "insufficient_funds@amount"},
				{"30.001", "EUR", "validation_failed@amount"},
				{"0", "EUR", "validation_failed@amount"},
				{"30.00", "GBP", "validation_failed@currency"},
			} {
				_, _, err := e.a.RequestWithdrawal(ctx, e.scope, e.r.ID, app.WithdrawalInput{Amount: c.amount, Currency: c.currency}, app.IdemRequest{})
				if got := appCode(err); got != c.want {
					t.Errorf("withdraw %s %s: %s, want %s", c.amount, c.currency, got, c.want)
				}
			}
			if b := e.balance(t); b.Balance.Amount != "100.00" {
				t.Fatalf("refused withdrawals moved money: %s", b.Balance.Amount)
			}

			// Without a running queue the payout stays pending and can be canceled.
			p, _, err := e.a.RequestWithdrawal(ctx, e.scope, e.r.ID, app.WithdrawalInput{Amount: "40.00", Currency: "EUR"}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if b := e.balance(t); b.Balance.Amount != "60.00" || b.PendingWithdrawals.Amount != "40.00" {
				t.Fatalf("balance with a pending withdrawal %+v", b)
			}
			e.ledgerOK(t)
			c, err := e.a.CancelPayment(ctx, e.scope, p.ID)
			if err != nil || c.Status != "canceled" {
				t.Fatalf("cancel: %+v %v", c, err)
			}
			if _, err := e.a.CancelPayment(ctx, e.scope, p.ID); appCode(err) != "not_cancelable@" {
				t.Fatalf("second cancel: %s", appCode(err))
			}
			if b := e.balance(t); b.Balance.Amount != "100.00" || b.PendingWithdrawals.Amount != "0.00" {
				t.Fatalf("balance after cancel %+v", b)
			}
			e.ledgerOK(t)

			// Submitting twice (a crash between the rail call and its record) moves it once.
			p2, _, err := e.a.RequestWithdrawal(ctx, e.scope, e.r.ID, app.WithdrawalInput{Amount: "30.00", Currency: "EUR"}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := e.a.SubmitPayout(ctx, e.scope, p2.ID); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := e.a.GetPayment(ctx, e.scope, p2.ID); got.Status != "processing" {
				t.Fatalf("after two submissions: %s", got.Status)
			}
			e.ledgerOK(t)
			if _, err := e.a.CancelPayment(ctx, e.scope, p2.ID); appCode(err) != "not_cancelable@" {
				t.Fatalf("cancel while processing: %s", appCode(err))
			}
			if err := e.a.SettlePayout(ctx, e.scope, p2.ID, rail.Outcome{Settled: true}); err != nil {
				t.Fatal(err)
			}
			if b := e.balance(t); b.Balance.Amount != "70.00" || b.PendingWithdrawals.Amount != "0.00" {
				t.Fatalf("after settling %+v", b)
			}
			e.ledgerOK(t)
		})
	}
}

func TestConcurrentWithdrawalsNeverOverdraw(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, false)
			e.addIBAN(t, "0000")
			var ok, refused atomic.Int32
			var wg sync.WaitGroup
			for range 25 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, err := e.a.RequestWithdrawal(context.Background(), e.scope, e.r.ID, app.WithdrawalInput{Amount: "7.00", Currency: "EUR"}, app.IdemRequest{})
					switch appCode(err) {
					case "<nil>":
						ok.Add(1)
					case "insufficient_funds@amount":
						refused.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 14 || refused.Load() != 11 {
				t.Fatalf("%d withdrawals accepted and %d refused, want 14 and 11", ok.Load(), refused.Load())
			}
			if b := e.balance(t); b.Balance.Amount != "2.00" || b.PendingWithdrawals.Amount != "98.00" {
				t.Fatalf("balance %+v", b)
			}
			e.ledgerOK(t)
		})
	}
}
