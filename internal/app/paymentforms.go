package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/payport/payport/internal/acquirer"
	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/payout"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
)

// The hosted forms of the Payments API: /checkin/{id}, where the customer of a payout enters
// where the money goes, and /checkout/{id}, where the customer of a payin pays. The payment id
// in the URL is the capability (seed 003 returns that URL to the platform): each form serves
// its one payment, once, until the payment expires.

// ErrFormClosed means the form was completed, or its payment expired or ended.
var ErrFormClosed = errors.New("this payment form can no longer be used")

// PaymentForm is what a hosted form shows.
type PaymentForm struct {
	Payment payment.Payment
	View    PaymentView
	Org     org.Org
	// Closed says why the form no longer takes input ("" while it does): expired, submitted,
	// or the payment's final status.
	Closed string
	// SavedMethods are the payout customer's bank accounts on file (masked), to pick from.
	SavedMethods []PayoutMethodView
	// BankAccount is where a bank-transfer payin is sent: the org's SEPA account, if set.
	BankAccount *org.SEPADebtor
}

// PaymentForm loads the hosted form of a Payments API payment.
func (a *App) PaymentForm(ctx context.Context, paymentID string) (PaymentForm, error) {
	var f PaymentForm
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		p, err := tx.GetPaymentByID(ctx, paymentID, false)
		if err != nil || p.Source != payment.SourceAPI {
			return notFound("payment")
		}
		f.Payment, f.View = p, a.viewPayment(p)
		if f.Org, err = tx.GetOrg(ctx, p.Scope.OrgID); err != nil {
			return err
		}
		f.BankAccount = f.Org.Settings.SEPA
		if p.Type == payment.Payout && p.CustomerID != "" {
			r, err := tx.GetRecipient(ctx, p.Scope, p.CustomerID)
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			ms, err := tx.ListPayoutMethods(ctx, p.Scope, r.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.Masked.Currency == p.Currency {
					f.SavedMethods = append(f.SavedMethods, viewMethod(m))
				}
			}
		}
		return nil
	})
	f.Closed = formClosed(f.Payment, a.now())
	return f, err
}

// CheckinInput is the payout form's answer: a saved method, or a new bank account.
type CheckinInput struct {
	SavedMethodID string
	Method        PayoutMethodInput
}

// SubmitCheckin takes the payout customer's bank account and sends the payout on its way, in
// one transaction: the customer becomes (or already is) a recipient, the account is stored
// sealed, the org's funding pays the amount into the customer's pending balance, and the
// payout engine's submission is enqueued (the sandbox then settles it; a file rail waits for
// the next file). A second submission finds the form closed.
func (a *App) SubmitCheckin(ctx context.Context, paymentID string, in CheckinInput) (PaymentView, error) {
	var sealed payout.Method
	if in.SavedMethodID == "" {
		var probe payment.Payment
		if err := a.Store.Query(ctx, func(tx store.Tx) error {
			var err error
			probe, err = tx.GetPaymentByID(ctx, paymentID, false)
			return err
		}); err != nil {
			return PaymentView{}, mapNotFound(err, "payment")
		}
		if in.Method.Currency == "" {
			in.Method.Currency = probe.Currency
		}
		var err error
		if sealed, err = a.sealMethod(probe.Scope, in.Method); err != nil {
			return PaymentView{}, err
		}
	}
	var v PaymentView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.GetPaymentByID(ctx, paymentID, true)
		if err != nil || p.Source != payment.SourceAPI || p.Type != payment.Payout {
			return notFound("payment")
		}
		now := a.now()
		if formClosed(p, now) != "" {
			return ErrFormClosed
		}
		r, err := a.customerRecipientTx(ctx, tx, p, in.Method.HolderName, now)
		if err != nil {
			return err
		}
		var m payout.Method
		if in.SavedMethodID != "" {
			m, err = tx.GetPayoutMethod(ctx, p.Scope, in.SavedMethodID)
			if err != nil || m.RecipientID != r.ID || m.Status != payout.StatusActive {
				return &Error{Kind: Invalid, Field: "saved_method_id", Code: "not_found", Message: "choose one of the saved accounts or enter a new one"}
			}
		} else if m, _, err = a.insertMethodTx(ctx, tx, r.ID, sealed, false); err != nil {
			return err
		}
		if m.Masked.Currency != p.Currency {
			return invalid("currency", "this account receives %s; the payout is in %s", m.Masked.Currency, p.Currency)
		}
		rl, err := a.railFor(p.Scope.Mode, m, p.Currency)
		if err != nil {
			return err
		}
		o, err := tx.GetOrg(ctx, p.Scope.OrgID)
		if err != nil {
			return err
		}
		if (rl.Name() == "nacha" && o.Settings.NACHA == nil) || (rl.Name() == "sepa" && o.Settings.SEPA == nil) {
			return &Error{Kind: Invalid, Field: "payout_method_id", Code: "no_rail",
				Message: fmt.Sprintf("%s payouts are not set up for this platform yet", rl.Name())}
		}
		p.RecipientID, p.PayoutMethodID, p.Rail, p.ExpiresAt, p.UpdatedAt = r.ID, m.ID, rl.Name(), nil, now
		p.MethodSummary = methodSummary(m)
		if _, err := ledger.PostOne(ctx, tx, now, ledger.Posting{Kind: KindPayoutFunded, Amount: p.Amount, PaymentID: p.ID,
			Key: string(KindPayoutFunded) + ":" + p.ID, Description: "Payout " + p.ID + " funded",
			Source: fundingRef(p.Scope, p.Currency), Destination: recipientRef(p.Scope, r.ID, ledger.Pending, p.Currency)}); err != nil {
			return err
		}
		if err := tx.UpdatePayment(ctx, p); err != nil {
			return err
		}
		v = a.viewPayment(p)
		return a.enqueue(ctx, tx, SubmitPayoutArgs{OrgID: p.Scope.OrgID, Mode: p.Scope.Mode, PaymentID: p.ID}, nil)
	})
	return v, err
}

// customerRecipientTx finds the recipient a payout's customer is, creating it on first use:
// external id = customer.id, so the next payout to the same customer offers the saved
// account. A payout without a customer gets a recipient of its own (external id = payment id).
func (a *App) customerRecipientTx(ctx context.Context, tx store.Tx, p payment.Payment, holder string, now time.Time) (recipient.Recipient, error) {
	ext := p.CustomerID
	if ext == "" {
		ext = p.ID
	}
	r, err := tx.GetRecipient(ctx, p.Scope, ext)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return r, err
	}
	name := p.CustomerName
	if name == "" {
		name = strings.TrimSpace(holder)
	}
	r = recipient.Recipient{ID: id.UUID(), Scope: p.Scope, ExternalID: ext, Name: name, Currency: p.Currency,
		CreatedAt: now, UpdatedAt: now}
	if err := tx.InsertRecipient(ctx, r); err != nil {
		return r, err
	}
	return r, a.recordEvent(ctx, tx, p.Scope, event.RecipientCreated, r.ID, viewRecipient(r), now)
}

func methodSummary(m payout.Method) string {
	label := map[bank.Scheme]string{bank.IBAN: "IBAN", bank.UKSortCode: "UK account", bank.USACH: "US account"}[m.Masked.Scheme]
	if label == "" {
		label = "Account"
	}
	return label + " •••• " + m.Masked.Last4
}

// CardInput is the checkout's card form, as typed.
type CardInput struct {
	Number, Expiry, CVC, Holder string
}

// PayByCard charges a payin to a card through the acquirer. The payment moves to processing
// before the charge (so a double submit cannot charge twice: the second finds the form
// closed), then to succeeded, crediting the org's funding account, or to failed with the
// acquirer's reason. The card number never reaches the database: only brand and last four.
func (a *App) PayByCard(ctx context.Context, paymentID string, in CardInput) (PaymentView, error) {
	card, err := acquirer.ParseCard(in.Number, in.Expiry, in.CVC, in.Holder, a.now())
	var fe *acquirer.FieldError
	if errors.As(err, &fe) {
		return PaymentView{}, invalid(fe.Field, "%s", fe.Message)
	}
	if err != nil {
		return PaymentView{}, err
	}
	acq := a.Acquirer
	if acq == nil {
		acq = acquirer.Sandbox{}
	}
	var p payment.Payment
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetPaymentByID(ctx, paymentID, true)
		if err != nil || p.Source != payment.SourceAPI || p.Type != payment.Payin {
			return notFound("payment")
		}
		now := a.now()
		if formClosed(p, now) != "" {
			return ErrFormClosed
		}
		tr, err := p.Move(payment.Processing, "card charge started", now, func() string { return id.New("ptr") })
		if err != nil {
			return err
		}
		p.PayinMethod, p.MethodSummary, p.Rail, p.ExpiresAt = payment.PayinCard, card.Summary(), acq.Name(), nil
		return a.savePaymentTx(ctx, tx, p, tr, PaymentProcessing, "")
	})
	if err != nil {
		return PaymentView{}, err
	}
	// From here the charge must finish even if the customer's request goes away (a double
	// click drops the first post; a closed tab): the payment is processing and only this call
	// moves it on.
	ctx = context.WithoutCancel(ctx)
	res, err := acq.Charge(ctx, acquirer.Charge{PaymentID: p.ID, Amount: p.Amount, Currency: p.Currency, Card: card})
	if err != nil {
		res = acquirer.Result{FailureCode: payment.FailProcessingError}
		a.Log.Error("card charge", "payment", p.ID, "err", err)
	}
	return a.finishPayin(ctx, p, res.Approved, res.Reference, res.FailureCode)
}

// finishPayin records a processing payin's outcome: succeeded credits the org's own account
// (the house recipient, see houseAccount) from the outside world; failed moves no money.
func (a *App) finishPayin(ctx context.Context, pay payment.Payment, approved bool, reference, failure string) (PaymentView, error) {
	scope, paymentID := pay.Scope, pay.ID
	if approved {
		if _, err := a.houseAccount(ctx, scope, pay.Currency); err != nil {
			return PaymentView{}, err
		}
	}
	var v PaymentView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.GetPayment(ctx, scope, paymentID, true)
		if err != nil {
			return err
		}
		if p.Status != payment.Processing {
			v = a.viewPayment(p)
			return nil
		}
		now := a.now()
		newID := func() string { return id.New("ptr") }
		if !approved {
			tr, err := p.Fail(failure, "", now, newID)
			if err != nil {
				return err
			}
			v = a.viewPayment(p)
			return a.savePaymentTx(ctx, tx, p, tr, PaymentFailed, "")
		}
		tr, err := p.Move(payment.Succeeded, "paid", now, newID)
		if err != nil {
			return err
		}
		if reference != "" {
			p.RailReference = reference
		}
		house, err := tx.GetRecipient(ctx, p.Scope, p.Scope.OrgID)
		if err != nil {
			return fmt.Errorf("the org's own account (made when the payin was created): %w", err)
		}
		if _, err := ledger.PostOne(ctx, tx, now, ledger.Posting{Kind: KindPayinReceived, Amount: p.Amount, PaymentID: p.ID,
			Key: string(KindPayinReceived) + ":" + p.ID, Description: "Payin " + p.ID,
			Source:      accountRef(p.Scope, ledger.OwnerOrg, p.Scope.OrgID, ledger.External, p.Currency),
			Destination: recipientRef(p.Scope, house.ID, ledger.Available, p.Currency)}); err != nil {
			return err
		}
		v = a.viewPayment(p)
		if err := a.markLinkPaidTx(ctx, tx, p, now); err != nil {
			return err
		}
		return a.savePaymentTx(ctx, tx, p, tr, PaymentSucceeded, "")
	})
	return v, err
}

// referenceAlphabet is Crockford's base32: no I, L, O or U to misread when typing a reference
// into a banking app.
const referenceAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func newTransferReference() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := []byte("PP")
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, referenceAlphabet[int(c)%len(referenceAlphabet)])
	}
	return string(out), nil
}

// ChooseBankTransfer makes a payin one paid by bank transfer: it gets a unique reference for
// the payer to quote and stays pending, without expiring, until it is marked received.
// Choosing again answers the same reference.
func (a *App) ChooseBankTransfer(ctx context.Context, paymentID string) (PaymentView, error) {
	var v PaymentView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.GetPaymentByID(ctx, paymentID, true)
		if err != nil || p.Source != payment.SourceAPI || p.Type != payment.Payin {
			return notFound("payment")
		}
		if p.PayinMethod == payment.PayinBankTransfer && p.Status == payment.Pending {
			v = a.viewPayment(p)
			return nil
		}
		now := a.now()
		if formClosed(p, now) != "" {
			return ErrFormClosed
		}
		ref, err := newTransferReference()
		if err != nil {
			return err
		}
		p.PayinMethod, p.Rail, p.RailReference, p.ExpiresAt, p.UpdatedAt = payment.PayinBankTransfer, "bank_transfer", ref, nil, now
		p.MethodSummary = "Bank transfer " + ref
		if err := tx.UpdatePayment(ctx, p); err != nil {
			return err
		}
		v = a.viewPayment(p)
		return nil
	})
	return v, err
}

// MarkPayinReceived records that a bank-transfer payin arrived (an operator saw it on the
// statement): pending -> processing -> succeeded, crediting the org's funding account. ref is
// the payment id or the transfer reference the payer quoted.
func (a *App) MarkPayinReceived(ctx context.Context, ref string) (PaymentView, error) {
	var p payment.Payment
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if strings.HasPrefix(ref, "pay_") {
			p, err = tx.GetPaymentByID(ctx, ref, true)
		} else {
			p, err = tx.PaymentByTransferReference(ctx, strings.ToUpper(strings.TrimSpace(ref)))
		}
		if err != nil || p.Type != payment.Payin || p.PayinMethod != payment.PayinBankTransfer {
			return notFound("bank-transfer payin")
		}
		if p.Status != payment.Pending {
			return &Error{Kind: Conflict, Code: "not_pending", Message: "payment " + p.ID + " is already " + string(p.Status)}
		}
		now := a.now()
		tr, err := p.Move(payment.Processing, "transfer received", now, func() string { return id.New("ptr") })
		if err != nil {
			return err
		}
		return a.savePaymentTx(ctx, tx, p, tr, PaymentProcessing, "")
	})
	if err != nil {
		return PaymentView{}, err
	}
	return a.finishPayin(ctx, p, true, "", "")
}

// PaymentReturnURL is where the customer goes after a hosted form: the payment's redirectUrl
// with payment_id, status and a signed payport_result (verify it from the JWKS, like the
// portal's outcome tokens). Empty when the payment has no redirectUrl.
func (a *App) PaymentReturnURL(ctx context.Context, v PaymentView, redirectURL string) (string, error) {
	if redirectURL == "" {
		return "", nil
	}
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return "", err
	}
	now := a.now()
	token, err := set.Sign(OutcomeClaims{Status: v.Status, PaymentID: v.ID, Iat: now.Unix(),
		Exp: now.Add(10 * time.Minute).Unix(), Aud: OutcomeAudience, Iss: a.PublicURL})
	if err != nil {
		return "", err
	}
	u, err := url.Parse(redirectURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("payment_id", v.ID)
	q.Set("status", v.Status)
	q.Set("payport_result", token)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// FormToken is the token a hosted form posts back: a keyed hash of the payment id, which only
// a page served by Payport knows, so another site cannot submit the form in a visitor's name.
func (a *App) FormToken(paymentID string) string {
	if a.Sealer == nil {
		return ""
	}
	return a.Sealer.Fingerprint([]byte("payment-form:" + paymentID))
}
