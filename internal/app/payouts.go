package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/payout"
	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// Payment and withdrawal event types.
const (
	PaymentCreated      event.Type = "payment.created"
	PaymentProcessing   event.Type = "payment.processing"
	PaymentSucceeded    event.Type = "payment.succeeded"
	PaymentFailed       event.Type = "payment.failed"
	PaymentCanceled     event.Type = "payment.canceled"
	PaymentExpired      event.Type = "payment.expired"
	WithdrawalRequested event.Type = "withdrawal.requested"
	WithdrawalSucceeded event.Type = "withdrawal.succeeded"
	WithdrawalFailed    event.Type = "withdrawal.failed"
	WithdrawalCanceled  event.Type = "withdrawal.canceled"
)

// Transfer kinds of the payout engine. A withdrawal moves the recipient's money
// available -> pending when it is requested, and pending -> external when it settles, or back
// to available when it fails or is canceled. Reaching a rail moves no money: the payment's
// status says where it is. (Ledgers from before migration 00019 also hold "payout_submitted"
// transfers pending -> in_transit, and that migration's "ledger_migration" ones back.)
const (
	KindWithdrawal         ledger.TransferKind = "withdrawal"
	KindPayoutSettled      ledger.TransferKind = "payout_settled"
	KindPayoutReturned     ledger.TransferKind = "payout_returned"
	KindWithdrawalCanceled ledger.TransferKind = "withdrawal_canceled"
)

// PaymentView is a payment as the API shows it. Field names follow seed 003 (camelCase),
// since GET /api/payments/{id} is that seed's endpoint.
type PaymentView struct {
	ID             string          `json:"id" example:"pay_0193..."`
	Type           string          `json:"type" enum:"payout,payin"`
	Status         string          `json:"status" enum:"pending,processing,succeeded,failed,canceled,expired"`
	URL            string          `json:"url,omitempty" doc:"The hosted form, for payments created through the Payments API."`
	ExternalID     *string         `json:"externalId"`
	Amount         string          `json:"amount" example:"30.00"`
	AmountMinor    int64           `json:"amountMinor" example:"3000"`
	Currency       string          `json:"currency" example:"EUR"`
	Description    string          `json:"description"`
	Metadata       json.RawMessage `json:"metadata"`
	Source         string          `json:"source" enum:"withdrawal,api" doc:"What created the payment: a portal or API withdrawal, or POST /api/payments."`
	RecipientID    string          `json:"recipientId,omitempty"`
	PayoutMethodID string          `json:"payoutMethodId,omitempty"`
	Rail           string          `json:"rail,omitempty" doc:"The rail paying it out: sandbox, nacha or sepa."`
	FailureCode    string          `json:"failureCode,omitempty" doc:"Why it failed, for machines (account_closed, no_account, ...)."`
	FailureMessage string          `json:"failureMessage,omitempty"`
	PaymentMethod  string          `json:"paymentMethod,omitempty" doc:"How it was paid or where it goes, masked (\"Visa •••• 4242\", \"IBAN •••• 3000\")."`
	ExpiresAt      *time.Time      `json:"expiresAt,omitempty" doc:"When its hosted form stops working if the customer has not completed it."`
	Livemode       bool            `json:"livemode"`
	CreatedAt      time.Time       `json:"createdAt"`
	UpdatedAt      time.Time       `json:"updatedAt"`
}

// viewPayment shows p, with its hosted form's URL when it came through the Payments API.
func (a *App) viewPayment(p payment.Payment) PaymentView {
	c, _ := money.LookupCurrency(p.Currency)
	v := PaymentView{ID: p.ID, Type: string(p.Type), Status: string(p.Status), Amount: money.Format(p.Amount, c),
		AmountMinor: p.Amount, Currency: p.Currency, Description: p.Description, Metadata: p.Metadata,
		Source: string(p.Source), RecipientID: p.RecipientID, PayoutMethodID: p.PayoutMethodID, Rail: p.Rail,
		FailureCode: p.FailureCode, FailureMessage: p.FailureMessage, Livemode: p.Scope.Mode == tenant.Live,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.ExternalID != "" {
		v.ExternalID = &p.ExternalID
	}
	if len(v.Metadata) == 0 {
		v.Metadata = json.RawMessage("{}")
	}
	if p.Source == payment.SourceAPI {
		v.URL = a.PublicURL + FormPath(p)
		v.ExpiresAt = p.ExpiresAt
		v.PaymentMethod = p.MethodSummary
	}
	return v
}

// WithdrawalInput asks to pay part of a recipient's balance out.
type WithdrawalInput struct {
	Amount   string
	Currency string
	// PayoutMethodID picks the method; empty means the recipient's default.
	PayoutMethodID string
	Description    string
}

// RequestWithdrawal pays amount of a recipient's available balance out to a payout method.
// The money moves from available to pending in the same transaction that creates the payment
// and enqueues its submission, so two concurrent withdrawals can never overdraw.
func (a *App) RequestWithdrawal(ctx context.Context, scope tenant.Scope, ref string, in WithdrawalInput, idem IdemRequest) (PaymentView, bool, error) {
	c, err := currencyField("currency", in.Currency)
	if err != nil {
		return PaymentView{}, false, err
	}
	amount, err := amountField("amount", in.Amount, c)
	if err != nil {
		return PaymentView{}, false, err
	}
	if amount == 0 {
		return PaymentView{}, false, invalid("amount", "amount must not be zero")
	}
	if len(in.Description) > 255 {
		return PaymentView{}, false, invalid("description", "description must be at most 255 characters")
	}
	var r recipient.Recipient
	var m payout.Method
	var bal recipient.Balance
	var o org.Org
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		if r, err = tx.GetRecipient(ctx, scope, ref); err != nil {
			return mapNotFound(err, "recipient")
		}
		methods, err := tx.ListPayoutMethods(ctx, scope, r.ID)
		if err != nil {
			return err
		}
		found := false
		for _, pm := range methods {
			if (in.PayoutMethodID == "" && pm.IsDefault) || pm.ID == in.PayoutMethodID {
				m, found = pm, true
				break
			}
		}
		if !found {
			if in.PayoutMethodID != "" {
				return &Error{Kind: NotFound, Field: "payout_method_id", Code: "not_found", Message: "payout method not found"}
			}
			return &Error{Kind: Invalid, Field: "payout_method_id", Code: recipient.ReasonNoBankAccount, Message: "the recipient has no payout method: add a bank account first"}
		}
		if o, err = tx.GetOrg(ctx, scope.OrgID); err != nil {
			return err
		}
		bal, err = a.balanceTx(ctx, tx, o, r, c)
		return err
	})
	if err != nil {
		return PaymentView{}, false, err
	}
	if m.Masked.Currency != c.Code() {
		return PaymentView{}, false, invalid("currency", "the payout method receives %s, not %s", m.Masked.Currency, c.Code())
	}
	if bal.IdentityRequired && !bal.IdentityVerified {
		return PaymentView{}, false, &Error{Kind: Conflict, Field: "amount", Code: recipient.ReasonOnboardingPending,
			Message: "withdrawals need a verified identity first (account onboarding)"}
	}
	if amount < bal.MinimumWithdrawal {
		return PaymentView{}, false, &Error{Kind: Invalid, Field: "amount", Code: recipient.ReasonBelowMinimum,
			Message: fmt.Sprintf("the minimum withdrawal is %s %s", money.Format(bal.MinimumWithdrawal, c), c.Code())}
	}
	if amount > bal.Withdrawable && bal.Withdrawable < bal.Available {
		return PaymentView{}, false, &Error{Kind: Conflict, Field: "amount", Code: recipient.ReasonWaitPeriod,
			Message: fmt.Sprintf("only %s %s is past the minimum wait of %d days", money.Format(bal.Withdrawable, c), c.Code(), bal.MinimumWaitDays)}
	}
	rl, err := a.railFor(scope.Mode, m, c.Code())
	if err != nil {
		return PaymentView{}, false, err
	}
	if (rl.Name() == "nacha" && o.Settings.NACHA == nil) || (rl.Name() == "sepa" && o.Settings.SEPA == nil) {
		return PaymentView{}, false, &Error{Kind: Invalid, Field: "payout_method_id", Code: "no_rail",
			Message: fmt.Sprintf("live %s payouts need the org's %s settings", c.Code(), rl.Name())}
	}

	now := a.now()
	p := payment.Payment{ID: id.New("pay"), Scope: scope, Type: payment.Payout, Status: payment.Pending, Amount: amount,
		Currency: c.Code(), RecipientID: r.ID, PayoutMethodID: m.ID, Rail: rl.Name(), Source: payment.SourceWithdrawal,
		Description: in.Description, Metadata: json.RawMessage("{}"), CreatedAt: now, UpdatedAt: now}
	posting := ledger.Posting{Kind: KindWithdrawal, Amount: amount, PaymentID: p.ID, Description: "Withdrawal " + p.ID,
		Source:      recipientRef(scope, r.ID, ledger.Available, c.Code()),
		Destination: recipientRef(scope, r.ID, ledger.Pending, c.Code())}

	v, replayed, err := runIdempotent(ctx, a, scope, idem, func(complete completeFunc[PaymentView]) (PaymentView, error) {
		var v PaymentView
		_, err := a.ledgerBatcher().post(ctx, posting, func(ctx context.Context, tx store.Tx, lr ledger.Result) error {
			if err := tx.InsertPayment(ctx, p); err != nil {
				return err
			}
			if err := tx.InsertTransition(ctx, payment.Transition{ID: id.New("ptr"), PaymentID: p.ID, To: payment.Pending,
				Reason: "withdrawal requested", CreatedAt: now}); err != nil {
				return err
			}
			v = a.viewPayment(p)
			if err := a.recordEvent(ctx, tx, scope, PaymentCreated, p.ID, v, now); err != nil {
				return err
			}
			if err := a.recordEvent(ctx, tx, scope, WithdrawalRequested, p.ID, v, now); err != nil {
				return err
			}
			if err := a.enqueue(ctx, tx, SubmitPayoutArgs{OrgID: scope.OrgID, Mode: scope.Mode, PaymentID: p.ID}, nil); err != nil {
				return err
			}
			return complete(ctx, tx, v)
		})
		return v, err
	})
	if errors.Is(err, ledger.ErrInsufficientFunds) {
		return PaymentView{}, false, &Error{Kind: Conflict, Code: "insufficient_funds", Field: "amount",
			Message: "the available balance is lower than the amount"}
	}
	return v, replayed, err
}

func (a *App) railFor(mode tenant.Mode, m payout.Method, currency string) (rail.Rail, error) {
	if a.Rails == nil {
		return nil, errors.New("no payout rails configured")
	}
	rl, err := a.Rails.For(mode, m.Masked.Scheme, currency)
	if errors.Is(err, rail.ErrNoRail) {
		return nil, &Error{Kind: Invalid, Field: "payout_method_id", Code: "no_rail",
			Message: fmt.Sprintf("no %s rail pays %s out to %s accounts; configure one for the org", mode, currency, m.Masked.Scheme)}
	}
	return rl, err
}

// enqueue adds a job in tx; without a queue (one-shot tools) it is an error, so that no
// payout silently waits forever.
func (a *App) enqueue(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if a.Jobs == nil {
		return errors.New("no job queue: payouts need `payport serve`")
	}
	return a.Jobs.InsertTx(ctx, tx.SQLTx(), args, opts)
}

// GetPayment reads one payment of the caller's org and mode.
func (a *App) GetPayment(ctx context.Context, scope tenant.Scope, paymentID string) (PaymentView, error) {
	var v PaymentView
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		p, err := tx.GetPayment(ctx, scope, paymentID, false)
		v = a.viewPayment(p)
		return mapNotFound(err, "payment")
	})
	return v, err
}

// ListPayments pages through payments, newest first.
func (a *App) ListPayments(ctx context.Context, scope tenant.Scope, f store.PaymentFilter) (items []PaymentView, next string, err error) {
	limit := f.Limit
	f.Limit = limit + 1
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		if f.RecipientID != "" {
			r, err := tx.GetRecipient(ctx, scope, f.RecipientID)
			if err != nil {
				return mapNotFound(err, "recipient")
			}
			f.RecipientID = r.ID
		}
		ps, err := tx.ListPayments(ctx, scope, f)
		if err != nil {
			return err
		}
		if len(ps) > limit {
			ps = ps[:limit]
			next = ps[limit-1].ID
		}
		items = make([]PaymentView, len(ps))
		for i, p := range ps {
			items[i] = a.viewPayment(p)
		}
		return nil
	})
	return items, next, err
}

// SubmitPayoutArgs is the job that hands a pending payout to its rail.
type SubmitPayoutArgs struct {
	OrgID     string      `json:"org_id"`
	Mode      tenant.Mode `json:"mode"`
	PaymentID string      `json:"payment_id"`
}

// Kind implements river.JobArgs.
func (SubmitPayoutArgs) Kind() string { return "payout_submit" }

// SettlePayoutArgs is the job that settles a sandbox payout after its delay.
type SettlePayoutArgs struct {
	OrgID     string      `json:"org_id"`
	Mode      tenant.Mode `json:"mode"`
	PaymentID string      `json:"payment_id"`
}

// Kind implements river.JobArgs.
func (SettlePayoutArgs) Kind() string { return "payout_settle" }

type submitPayoutWorker struct {
	river.WorkerDefaults[SubmitPayoutArgs]
	app *App
}

func (w *submitPayoutWorker) Work(ctx context.Context, job *river.Job[SubmitPayoutArgs]) error {
	return w.app.SubmitPayout(ctx, tenant.Scope{OrgID: job.Args.OrgID, Mode: job.Args.Mode}, job.Args.PaymentID)
}

type settlePayoutWorker struct {
	river.WorkerDefaults[SettlePayoutArgs]
	app *App
}

func (w *settlePayoutWorker) Work(ctx context.Context, job *river.Job[SettlePayoutArgs]) error {
	return w.app.settleFromRail(ctx, tenant.Scope{OrgID: job.Args.OrgID, Mode: job.Args.Mode}, job.Args.PaymentID)
}

// payoutOf loads what a rail needs for payment p.
func (a *App) payoutOf(ctx context.Context, p payment.Payment) (rail.Payout, payout.Method, error) {
	var m payout.Method
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		m, err = tx.GetPayoutMethod(ctx, p.Scope, p.PayoutMethodID)
		return err
	})
	if err != nil {
		return rail.Payout{}, m, err
	}
	d, err := a.openDetails(m)
	if err != nil {
		return rail.Payout{}, m, err
	}
	return rail.Payout{PaymentID: p.ID, Scope: p.Scope, Amount: p.Amount, Currency: p.Currency, Details: d,
		Description: p.Description}, m, nil
}

// SubmitPayout hands a pending payout to its rail and moves it to processing. It is safe to
// run again after a crash at any point: the rail's Submit is idempotent by payment id, and
// the state change happens once under a row lock.
func (a *App) SubmitPayout(ctx context.Context, scope tenant.Scope, paymentID string) error {
	var p payment.Payment
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetPayment(ctx, scope, paymentID, false)
		return err
	})
	if err != nil {
		return err
	}
	if p.Status != payment.Pending {
		return nil // canceled, or already submitted by an earlier run
	}
	rl, ok := a.Rails.ByName(p.Rail)
	if !ok {
		return fmt.Errorf("payment %s names unknown rail %q", p.ID, p.Rail)
	}
	if _, batched := rl.(rail.Batched); batched {
		return nil // it waits, pending, for the next exported file
	}
	po, m, err := a.payoutOf(ctx, p)
	if err != nil {
		return err
	}
	if m.Status != payout.StatusActive {
		return a.failPending(ctx, scope, paymentID, payment.FailPayoutMethodRemoved)
	}
	reference, err := rl.Submit(ctx, po)
	if err != nil {
		return fmt.Errorf("submit %s to %s: %w", p.ID, rl.Name(), err)
	}
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.GetPayment(ctx, scope, paymentID, true)
		if err != nil {
			return err
		}
		if p.Status != payment.Pending {
			return nil
		}
		now := a.now()
		tr, err := p.Move(payment.Processing, "submitted to "+rl.Name(), now, func() string { return id.New("ptr") })
		if err != nil {
			return err
		}
		// No money moves: a payout's money stays in its recipient's pending account until it
		// settles or fails; its status says whether a rail has it.
		p.RailReference = reference
		if err := a.savePaymentTx(ctx, tx, p, tr, PaymentProcessing, ""); err != nil {
			return err
		}
		if settler, ok := rl.(rail.Settler); ok {
			if _, hold := settler.Outcome(po); !hold {
				var opts *river.InsertOpts
				if d := settler.SettleDelay(); d > 0 {
					opts = &river.InsertOpts{ScheduledAt: now.Add(d)}
				}
				return a.enqueue(ctx, tx, SettlePayoutArgs{OrgID: scope.OrgID, Mode: scope.Mode, PaymentID: p.ID}, opts)
			}
		}
		return nil
	})
}

// settleFromRail asks a settling rail (the sandbox) how the payout ended and records it.
func (a *App) settleFromRail(ctx context.Context, scope tenant.Scope, paymentID string) error {
	var p payment.Payment
	if err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetPayment(ctx, scope, paymentID, false)
		return err
	}); err != nil {
		return err
	}
	if p.Status != payment.Processing {
		return nil
	}
	rl, _ := a.Rails.ByName(p.Rail)
	settler, ok := rl.(rail.Settler)
	if !ok {
		return fmt.Errorf("rail %q does not settle by itself", p.Rail)
	}
	po, _, err := a.payoutOf(ctx, p)
	if err != nil {
		return err
	}
	o, hold := settler.Outcome(po)
	if hold {
		return nil
	}
	return a.SettlePayout(ctx, scope, paymentID, o)
}

// SettlePayout records how a processing payout ended: succeeded moves the money out of the
// ledger (pending -> external); failed puts it back on the recipient's available balance.
// A payout that is no longer processing is left alone, so settling twice changes nothing.
func (a *App) SettlePayout(ctx context.Context, scope tenant.Scope, paymentID string, o rail.Outcome) error {
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		return a.settleTx(ctx, tx, paymentID, scope, o, a.now())
	})
}

// settleTx is SettlePayout inside the caller's transaction.
func (a *App) settleTx(ctx context.Context, tx store.Tx, paymentID string, scope tenant.Scope, o rail.Outcome, now time.Time) error {
	p, err := tx.GetPayment(ctx, scope, paymentID, true)
	if err != nil {
		return mapNotFound(err, "payment")
	}
	if p.Status != payment.Processing {
		return nil
	}
	newID := func() string { return id.New("ptr") }
	if o.Settled {
		tr, err := p.Move(payment.Succeeded, strings.TrimSpace("settled "+o.Detail), now, newID)
		if err != nil {
			return err
		}
		if err := a.postToExternalTx(ctx, tx, p, now); err != nil {
			return err
		}
		return a.savePaymentTx(ctx, tx, p, tr, PaymentSucceeded, WithdrawalSucceeded)
	}
	tr, err := p.Fail(o.FailureCode, o.Detail, now, newID)
	if err != nil {
		return err
	}
	if err := a.postPaymentTx(ctx, tx, p, KindPayoutReturned, ledger.Pending, ledger.Available, now); err != nil {
		return err
	}
	return a.savePaymentTx(ctx, tx, p, tr, PaymentFailed, WithdrawalFailed)
}

// CancelPayment cancels a payment that has not reached a rail yet: a pending payout (its money
// returns to where it came from) or a Payments API payin nobody has paid. A Payments API
// payment whose customer has not completed the form moved no money, so none moves back.
func (a *App) CancelPayment(ctx context.Context, scope tenant.Scope, paymentID string) (PaymentView, error) {
	var v PaymentView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		v, err = a.cancelPaymentTx(ctx, tx, scope, paymentID)
		return err
	})
	return v, err
}

// cancelPaymentTx is CancelPayment in a caller's transaction (the dashboard audits in it).
func (a *App) cancelPaymentTx(ctx context.Context, tx store.Tx, scope tenant.Scope, paymentID string) (PaymentView, error) {
	p, err := tx.GetPayment(ctx, scope, paymentID, true)
	if err != nil {
		return PaymentView{}, mapNotFound(err, "payment")
	}
	if !cancelable(p) {
		return PaymentView{}, &Error{Kind: Conflict, Code: "not_cancelable", Message: "only a pending payment can be canceled; this one is " + string(p.Status)}
	}
	now := a.now()
	tr, err := p.Move(payment.Canceled, "canceled", now, func() string { return id.New("ptr") })
	if err != nil {
		return PaymentView{}, err
	}
	if p.Type == payment.Payout && p.RecipientID != "" {
		if err := a.postPaymentTx(ctx, tx, p, KindWithdrawalCanceled, ledger.Pending, ledger.Available, now); err != nil {
			return PaymentView{}, err
		}
	}
	return a.viewPayment(p), a.savePaymentTx(ctx, tx, p, tr, PaymentCanceled, WithdrawalCanceled)
}

// cancelable: a payment that has not reached a rail, and is a payout or a Payments API payin.
func cancelable(p payment.Payment) bool {
	return p.Status == payment.Pending && (p.Type == payment.Payout || p.Source == payment.SourceAPI)
}

// failPending fails a payout before it reached a rail (its method was removed).
func (a *App) failPending(ctx context.Context, scope tenant.Scope, paymentID, code string) error {
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		p, err := tx.GetPayment(ctx, scope, paymentID, true)
		if err != nil || p.Status != payment.Pending {
			return err
		}
		now := a.now()
		tr, err := p.Fail(code, "", now, func() string { return id.New("ptr") })
		if err != nil {
			return err
		}
		if err := a.postPaymentTx(ctx, tx, p, KindPayoutReturned, ledger.Pending, ledger.Available, now); err != nil {
			return err
		}
		return a.savePaymentTx(ctx, tx, p, tr, PaymentFailed, WithdrawalFailed)
	})
}

// postPaymentTx moves a payout's amount between two of its recipient's accounts.
func (a *App) postPaymentTx(ctx context.Context, tx store.Tx, p payment.Payment, kind ledger.TransferKind, from, to ledger.Kind, now time.Time) error {
	_, err := ledger.PostOne(ctx, tx, now, paymentPosting(p, kind, from, to))
	return err
}

// postToExternalTx moves a settled payout out of the ledger to the org's external account.
func (a *App) postToExternalTx(ctx context.Context, tx store.Tx, p payment.Payment, now time.Time) error {
	_, err := ledger.PostOne(ctx, tx, now, ledger.Posting{Kind: KindPayoutSettled, Amount: p.Amount, PaymentID: p.ID,
		Key:         string(KindPayoutSettled) + ":" + p.ID,
		Description: "Payout " + p.ID + " settled",
		Source:      recipientRef(p.Scope, p.RecipientID, ledger.Pending, p.Currency),
		Destination: accountRef(p.Scope, ledger.OwnerOrg, p.Scope.OrgID, ledger.External, p.Currency)})
	return err
}

// savePaymentTx writes a payment's new state, its transition and its events.
func (a *App) savePaymentTx(ctx context.Context, tx store.Tx, p payment.Payment, tr payment.Transition, typ, withdrawalTyp event.Type) error {
	if err := tx.UpdatePayment(ctx, p); err != nil {
		return err
	}
	if err := tx.InsertTransition(ctx, tr); err != nil {
		return err
	}
	v := a.viewPayment(p)
	if err := a.recordEvent(ctx, tx, p.Scope, typ, p.ID, v, p.UpdatedAt); err != nil {
		return err
	}
	if withdrawalTyp != "" && p.Source == payment.SourceWithdrawal {
		return a.recordEvent(ctx, tx, p.Scope, withdrawalTyp, p.ID, v, p.UpdatedAt)
	}
	return nil
}
