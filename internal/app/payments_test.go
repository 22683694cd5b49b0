package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store/storetest"
)

func (e payoutEnv) createPayment(t *testing.T, body app.CreatePaymentInput) app.PaymentView {
	t.Helper()
	body.CanPayout = true
	v, replayed, err := e.a.CreatePayment(context.Background(), e.scope, body, app.IdemRequest{})
	if err != nil || replayed {
		t.Fatalf("create payment: %v (replayed %v)", err, replayed)
	}
	return v
}

// orgFunding is the org's funding balance in minor units (negative: the org paid out more
// than it took in).
func (e payoutEnv) orgFunding(t *testing.T) int64 {
	t.Helper()
	v, err := e.a.OrgFundingBalance(context.Background(), e.scope, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCheckinPayout follows a Payments API payout through its hosted form: the customer's
// bank account is stored, the org funds the payout, the sandbox pays it; the form then refuses
// a second submission, and the next payout to the same customer offers the saved account.
func TestCheckinPayout(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, true)
			ctx := context.Background()
			funding := e.orgFunding(t)
			cust := &app.CustomerInput{ID: "cust-42", Name: "Grace Hopper"}
			p := e.createPayment(t, app.CreatePaymentInput{Amount: "12.50", Currency: "EUR", Type: "payout", Customer: cust,
				RedirectURL: "https://shop.example.com/back?x=1"})
			f, err := e.a.PaymentForm(ctx, p.ID)
			if err != nil || f.Closed != "" || len(f.SavedMethods) != 0 || f.Org.Name != "Acme Energy" {
				t.Fatalf("form %+v %v", f, err)
			}
			_, err = e.a.SubmitCheckin(ctx, p.ID, app.CheckinInput{Method: app.PayoutMethodInput{HolderName: "Grace", IBAN: "DE89370400440532013001"}})
			if got := appCode(err); got != "validation_failed@iban" {
				t.Fatalf("bad IBAN: %s", got)
			}
			v, err := e.a.SubmitCheckin(ctx, p.ID, app.CheckinInput{Method: app.PayoutMethodInput{HolderName: "Grace Hopper", IBAN: germanIBAN("0000")}})
			if err != nil {
				t.Fatal(err)
			}
			if v.PaymentMethod != "IBAN •••• 0000" || v.RecipientID == "" || v.ExpiresAt != nil {
				t.Fatalf("after checkin %+v", v)
			}
			if _, err := e.a.SubmitCheckin(ctx, p.ID, app.CheckinInput{Method: app.PayoutMethodInput{HolderName: "Grace", IBAN: germanIBAN("0000")}}); !errors.Is(err, app.ErrFormClosed) {
				t.Fatalf("second submission: %v", err)
			}
			done := e.waitStatus(t, p.ID, payment.Succeeded)
			if done.Rail != "sandbox" {
				t.Fatalf("rail %s", done.Rail)
			}
			if got := e.orgFunding(t); got != funding-1250 {
				t.Fatalf("org funding %d, want %d", got, funding-1250)
			}
			ret, err := e.a.PaymentReturnURL(ctx, done, "https://shop.example.com/back?x=1")
			if err != nil || !strings.HasPrefix(ret, "https://shop.example.com/back?") || !strings.Contains(ret, "payment_id="+p.ID) ||
				!strings.Contains(ret, "status=succeeded") || !strings.Contains(ret, "x=1") || !strings.Contains(ret, "payport_result=") {
				t.Fatalf("return URL %s %v", ret, err)
			}

			// The same customer again: the saved account is offered and used. A failing account
			// returns the money to the org, not to the customer's balance.
			p2 := e.createPayment(t, app.CreatePaymentInput{Amount: "3.00", Currency: "EUR", Type: "payout", Customer: cust})
			f2, err := e.a.PaymentForm(ctx, p2.ID)
			if err != nil || len(f2.SavedMethods) != 1 || f2.SavedMethods[0].Last4 != "0000" {
				t.Fatalf("saved methods %+v %v", f2.SavedMethods, err)
			}
			if _, err := e.a.SubmitCheckin(ctx, p2.ID, app.CheckinInput{SavedMethodID: f2.SavedMethods[0].ID}); err != nil {
				t.Fatal(err)
			}
			e.waitStatus(t, p2.ID, payment.Succeeded)
			p3 := e.createPayment(t, app.CreatePaymentInput{Amount: "4.00", Currency: "EUR", Type: "payout"})
			if _, err := e.a.SubmitCheckin(ctx, p3.ID, app.CheckinInput{Method: app.PayoutMethodInput{HolderName: "Anon", IBAN: germanIBAN("2222")}}); err != nil {
				t.Fatal(err)
			}
			failed := e.waitStatus(t, p3.ID, payment.Failed)
			if failed.FailureCode != payment.FailAccountClosed {
				t.Fatalf("failure %s", failed.FailureCode)
			}
			if got := e.orgFunding(t); got != funding-1250-300 {
				t.Fatalf("org funding %d after a failed payout, want %d", got, funding-1550)
			}
			// Another customer's saved account cannot be used.
			p4 := e.createPayment(t, app.CreatePaymentInput{Amount: "1.00", Currency: "EUR", Type: "payout", Customer: &app.CustomerInput{ID: "cust-7"}})
			if _, err := e.a.SubmitCheckin(ctx, p4.ID, app.CheckinInput{SavedMethodID: f2.SavedMethods[0].ID}); appCode(err) != "not_found@saved_method_id" {
				t.Fatalf("foreign saved method: %v", err)
			}
			e.ledgerOK(t)
		})
	}
}

// TestCheckinDoubleSubmit: ten simultaneous submissions of one form fund one payout.
func TestCheckinDoubleSubmit(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, false)
			funding := e.orgFunding(t)
			p := e.createPayment(t, app.CreatePaymentInput{Amount: "9.00", Currency: "EUR", Type: "payout"})
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, closed := 0, 0
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := e.a.SubmitCheckin(context.Background(), p.ID, app.CheckinInput{Method: app.PayoutMethodInput{HolderName: "Ada", IBAN: germanIBAN("0000")}})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case errors.Is(err, app.ErrFormClosed):
						closed++
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if ok != 1 || closed != 9 {
				t.Fatalf("%d accepted, %d closed", ok, closed)
			}
			if got := e.orgFunding(t); got != funding-900 {
				t.Fatalf("org funding %d, want %d", got, funding-900)
			}
			e.ledgerOK(t)
		})
	}
}

func TestCheckoutPayins(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, false)
			ctx := context.Background()
			funding := e.orgFunding(t)
			// Payins credit the org's own account (a recipient whose external id is the org's id),
			// which the org withdraws like any recipient; the funding account is not touched.
			own := func() int64 {
				info, err := e.a.GetBalanceInfo(ctx, e.scope, e.scope.OrgID, "EUR")
				if err != nil {
					t.Fatal(err)
				}
				return info.Balance.AmountMinor
			}
			card := func(number string) app.CardInput {
				return app.CardInput{Number: number, Expiry: "12/" + time.Now().AddDate(2, 0, 0).Format("06"), CVC: "123", Holder: "Ada Lovelace"}
			}
			p := e.createPayment(t, app.CreatePaymentInput{Amount: "20.00", Currency: "EUR"})
			for number, field := range map[string]string{"4242 4242 4242 4241": "card_number", "42": "card_number"} {
				if _, err := e.a.PayByCard(ctx, p.ID, card(number)); appCode(err) != "validation_failed@"+field {
					t.Fatalf("card %s: %v", number, err)
				}
			}
			expired := card("4242424242424242")
			expired.Expiry = "01/20"
			if _, err := e.a.PayByCard(ctx, p.ID, expired); appCode(err) != "validation_failed@card_expiry" {
				t.Fatalf("expired card: %v", err)
			}
			v, err := e.a.PayByCard(ctx, p.ID, card("4242 4242 4242 4242"))
			if err != nil || v.Status != "succeeded" || v.PaymentMethod != "Visa •••• 4242" {
				t.Fatalf("paid %+v %v", v, err)
			}
			if _, err := e.a.PayByCard(ctx, p.ID, card("4242424242424242")); !errors.Is(err, app.ErrFormClosed) {
				t.Fatalf("paying twice: %v", err)
			}
			if got := own(); got != 2000 || e.orgFunding(t) != funding {
				t.Fatalf("the org's own balance %d, want 2000 (funding %d, was %d)", got, e.orgFunding(t), funding)
			}
			// Declines by test number; no money moves.
			for number, code := range map[string]string{"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"} {
				d := e.createPayment(t, app.CreatePaymentInput{Amount: "5.00", Currency: "EUR"})
				v, err := e.a.PayByCard(ctx, d.ID, card(number))
				if err != nil || v.Status != "failed" || v.FailureCode != code {
					t.Fatalf("card %s: %+v %v", number, v, err)
				}
			}
			if got := own(); got != 2000 {
				t.Fatalf("declines moved money: %d", got)
			}
			// Bank transfer: a reference, pending without expiry, until an operator marks it.
			bt := e.createPayment(t, app.CreatePaymentInput{Amount: "30.00", Currency: "EUR"})
			v, err = e.a.ChooseBankTransfer(ctx, bt.ID)
			if err != nil || v.Status != "pending" || v.ExpiresAt != nil || !strings.HasPrefix(v.PaymentMethod, "Bank transfer PP") {
				t.Fatalf("bank transfer %+v %v", v, err)
			}
			again, _ := e.a.ChooseBankTransfer(ctx, bt.ID)
			if again.PaymentMethod != v.PaymentMethod {
				t.Fatalf("reference changed: %s then %s", v.PaymentMethod, again.PaymentMethod)
			}
			if _, err := e.a.PayByCard(ctx, bt.ID, card("4242424242424242")); !errors.Is(err, app.ErrFormClosed) {
				t.Fatalf("card after bank transfer: %v", err)
			}
			ref := strings.TrimPrefix(v.PaymentMethod, "Bank transfer ")
			got, err := e.a.MarkPayinReceived(ctx, strings.ToLower(ref))
			if err != nil || got.Status != "succeeded" || got.ID != bt.ID {
				t.Fatalf("mark received %+v %v", got, err)
			}
			if _, err := e.a.MarkPayinReceived(ctx, ref); appCode(err) != "not_pending@" {
				t.Fatalf("marking twice: %v", err)
			}
			if got := own(); got != 5000 {
				t.Fatalf("the org's own balance %d, want 5000", got)
			}
			e.ledgerOK(t)
		})
	}
}

func TestPaymentExpiry(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newPayoutEnv(t, eng, false)
			ctx := context.Background()
			now := time.Now().UTC()
			e.a.Now = func() time.Time { return now }
			p := e.createPayment(t, app.CreatePaymentInput{Amount: "1.00", Currency: "EUR", Type: "payout"})
			bt := e.createPayment(t, app.CreatePaymentInput{Amount: "1.00", Currency: "EUR"})
			if _, err := e.a.ChooseBankTransfer(ctx, bt.ID); err != nil {
				t.Fatal(err)
			}
			if p.ExpiresAt == nil || p.ExpiresAt.Sub(now).Round(time.Second) != 24*time.Hour {
				t.Fatalf("expires at %v, want 24 h after %v", p.ExpiresAt, now)
			}
			now = now.Add(24*time.Hour + time.Second)
			// The form refuses at once, before the job has run.
			if _, err := e.a.SubmitCheckin(ctx, p.ID, app.CheckinInput{Method: app.PayoutMethodInput{HolderName: "Ada", IBAN: germanIBAN("0000")}}); !errors.Is(err, app.ErrFormClosed) {
				t.Fatalf("expired form: %v", err)
			}
			n, err := e.a.ExpirePayments(ctx)
			if err != nil || n != 1 {
				t.Fatalf("expired %d %v", n, err)
			}
			if v, _ := e.a.GetPayment(ctx, e.scope, p.ID); v.Status != "expired" {
				t.Fatalf("status %s", v.Status)
			}
			if v, _ := e.a.GetPayment(ctx, e.scope, bt.ID); v.Status != "pending" {
				t.Fatalf("a bank transfer awaiting money expired: %s", v.Status)
			}
			if n, _ := e.a.ExpirePayments(ctx); n != 0 {
				t.Fatalf("expired again: %d", n)
			}
			// Canceling a payin nobody paid moves no money.
			c := e.createPayment(t, app.CreatePaymentInput{Amount: "2.00", Currency: "EUR"})
			if v, err := e.a.CancelPayment(ctx, e.scope, c.ID); err != nil || v.Status != "canceled" {
				t.Fatalf("cancel %+v %v", v, err)
			}
			e.ledgerOK(t)
		})
	}
}
