package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// Amount is money as the API shows it: a decimal string and the same value in minor units.
type Amount struct {
	Amount      string `json:"amount" example:"12.34" doc:"Decimal string with a dot separator."`
	AmountMinor int64  `json:"amount_minor" example:"1234" doc:"The same amount in the currency's minor units."`
}

func amountOf(minor int64, c money.Currency) Amount {
	return Amount{Amount: money.Format(minor, c), AmountMinor: minor}
}

// TransferView is one ledger transfer as seen from a recipient's balance.
type TransferView struct {
	ID        string `json:"id"`
	Kind      string `json:"kind" enum:"credit,adjustment,reversal" doc:"What moved the money."`
	Direction string `json:"direction" enum:"in,out" doc:"in: the recipient's balance grew; out: it shrank."`
	Account   string `json:"account" doc:"The recipient's account the transfer touched (available, pending...)."`
	Amount
	Currency           string          `json:"currency"`
	Description        string          `json:"description"`
	Metadata           json.RawMessage `json:"metadata"`
	ReversesTransferID string          `json:"reverses_transfer_id,omitempty"`
	CreatedAt          time.Time       `json:"created_at"`
}

// BalanceView is a recipient's available balance in one currency right after a transfer.
type BalanceView struct {
	Currency  string `json:"currency"`
	Available Amount `json:"available"`
}

// CreditResult answers a credit, adjustment or reversal: the transfer and the balance after it.
type CreditResult struct {
	Transfer    TransferView  `json:"transfer"`
	RecipientID string        `json:"recipient_id"`
	ExternalID  string        `json:"external_id"`
	Balance     BalanceView   `json:"balance"`
	Recipient   RecipientView `json:"-"`
}

func accountRef(scope tenant.Scope, owner ledger.OwnerType, ownerID string, kind ledger.Kind, currency string) ledger.AccountRef {
	return ledger.AccountRef{Scope: scope, OwnerType: owner, OwnerID: ownerID, Kind: kind, Currency: currency}
}

func fundingRef(scope tenant.Scope, currency string) ledger.AccountRef {
	return accountRef(scope, ledger.OwnerOrg, scope.OrgID, ledger.Funding, currency)
}

func recipientRef(scope tenant.Scope, recipientID string, kind ledger.Kind, currency string) ledger.AccountRef {
	return accountRef(scope, ledger.OwnerRecipient, recipientID, kind, currency)
}

// MoneyInput is an amount and currency as the API receives them.
type MoneyInput struct {
	Amount      string
	Currency    string
	Description string
	Metadata    json.RawMessage
	// Key makes the transfer idempotent (the request's Idempotency-Key).
	Key string
	// posted, when set, runs in the transaction of a transfer that moved money (not of a
	// replay): the dashboard writes its audit entry there.
	posted func(ctx context.Context, tx store.Tx, t ledger.Transfer) error
}

func (in MoneyInput) parse(signed bool) (money.Currency, int64, error) {
	c, err := currencyField("currency", in.Currency)
	if err != nil {
		return c, 0, err
	}
	var v int64
	if signed {
		v, err = money.ParseSignedDecimal(in.Amount, c)
	} else {
		v, err = money.ParseDecimal(in.Amount, c)
	}
	if err != nil {
		return c, 0, invalid("amount", "%s", err.Error())
	}
	if v == 0 {
		return c, 0, invalid("amount", "amount must not be zero")
	}
	if len(in.Description) > 255 {
		return c, 0, invalid("description", "description must be at most 255 characters")
	}
	if err := CheckMetadata("metadata", in.Metadata); err != nil {
		return c, 0, err
	}
	return c, v, nil
}

// Credit moves money from the org's funding account to a recipient's available balance
// (typical use: rewards earned) and records balance.credited. With an Idempotency-Key the
// credit happens once: a retry replays the first answer (replayed = true). The key also keys
// the ledger transfer, so even after the idempotency record expires the money never moves twice.
func (a *App) Credit(ctx context.Context, scope tenant.Scope, ref string, in MoneyInput, idem IdemRequest) (CreditResult, bool, error) {
	c, amount, err := in.parse(false)
	if err != nil {
		return CreditResult{}, false, err
	}
	in.Key = idem.Key
	return a.move(ctx, scope, ref, c, amount, ledger.KindCredit, in, "", idem)
}

// Adjust corrects a recipient's available balance by a signed amount (an operator's audited
// correction): positive from the org's funding account, negative back to it. A negative
// adjustment larger than the balance fails with insufficient_funds.
func (a *App) Adjust(ctx context.Context, scope tenant.Scope, ref string, in MoneyInput, idem IdemRequest) (CreditResult, bool, error) {
	c, amount, err := in.parse(true)
	if err != nil {
		return CreditResult{}, false, err
	}
	if in.Description == "" {
		return CreditResult{}, false, invalid("description", "description is required: say why the balance is adjusted")
	}
	in.Key = idem.Key
	return a.move(ctx, scope, ref, c, amount, ledger.KindAdjustment, in, "", idem)
}

// Reverse undoes a credit: the same amount goes back from the recipient's available balance
// to the org. A credit is reversed at most once; the balance must still hold the amount.
func (a *App) Reverse(ctx context.Context, scope tenant.Scope, transferID, reason string) (CreditResult, error) {
	if len(reason) > 255 {
		return CreditResult{}, invalid("description", "description must be at most 255 characters")
	}
	var orig ledger.Transfer
	var dest ledger.Account
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		if orig, err = tx.GetTransfer(ctx, scope, transferID); err != nil {
			return mapNotFound(err, "transfer")
		}
		dest, err = tx.AccountByID(ctx, scope, orig.DestinationID)
		return err
	})
	if err != nil {
		return CreditResult{}, err
	}
	if orig.Kind != ledger.KindCredit {
		return CreditResult{}, &Error{Kind: Conflict, Code: "not_reversible", Message: "only credits can be reversed; use an adjustment"}
	}
	c, _ := money.LookupCurrency(orig.Currency)
	res, replayed, err := a.move(ctx, scope, dest.Ref.OwnerID, c, -orig.Amount, ledger.KindReversal,
		MoneyInput{Description: reason, Key: "reversal:" + orig.ID}, orig.ID, IdemRequest{})
	if err == nil && replayed {
		return CreditResult{}, &Error{Kind: Conflict, Code: "already_reversed", Message: "this credit was already reversed"}
	}
	return res, err
}

// ledgerBatcher returns the app's group-commit batcher, starting it on first use.
func (a *App) ledgerBatcher() *postingBatcher {
	a.batcherOnce.Do(func() {
		committers := 1 // SQLite has one writer
		if a.Store.Engine() == "postgres" {
			committers = a.LedgerCommitters
			if committers <= 0 {
				committers = 1
			}
		}
		a.batcher = newPostingBatcher(a, 256, committers)
	})
	return a.batcher
}

// move posts a signed amount between the org's funding account and the recipient's available
// balance through the group-commit batcher, recording the event and the idempotent answer in
// the same transaction. replayed is true when the request (or its transfer key) was seen
// before and nothing moved.
func (a *App) move(ctx context.Context, scope tenant.Scope, ref string, c money.Currency, signed int64,
	kind ledger.TransferKind, in MoneyInput, reverses string, idem IdemRequest) (CreditResult, bool, error) {
	r, err := a.recipientIdentity(ctx, scope, ref)
	if err != nil {
		return CreditResult{}, false, err
	}
	p := ledger.Posting{Kind: kind, Amount: signed, Key: in.Key, Description: in.Description, Metadata: in.Metadata,
		Source: fundingRef(scope, c.Code()), Destination: recipientRef(scope, r.ID, ledger.Available, c.Code()),
		ReversesTransferID: reverses}
	if signed < 0 {
		p.Amount = -signed
		p.Source, p.Destination = p.Destination, p.Source
	}
	transferReplayed := false
	res, replayed, err := runIdempotent(ctx, a, scope, idem, func(complete completeFunc[CreditResult]) (CreditResult, error) {
		var res CreditResult
		_, err := a.ledgerBatcher().post(ctx, p, func(ctx context.Context, tx store.Tx, lr ledger.Result) error {
			availID, balance := lr.Transfer.DestinationID, lr.DestinationBalance
			if signed < 0 {
				availID, balance = lr.Transfer.SourceID, lr.SourceBalance
			}
			res = CreditResult{
				Transfer:    viewTransfer(lr.Transfer, availID, c, ledger.Available),
				RecipientID: r.ID, ExternalID: r.ExternalID,
				Balance: BalanceView{Currency: c.Code(), Available: amountOf(balance, c)},
			}
			transferReplayed = lr.Replayed
			if !lr.Replayed {
				typ := event.BalanceCredited
				if kind != ledger.KindCredit {
					typ = event.BalanceAdjusted
				}
				if err := a.recordEvent(ctx, tx, scope, typ, lr.Transfer.ID, res, lr.Transfer.CreatedAt); err != nil {
					return err
				}
				if in.posted != nil {
					if err := in.posted(ctx, tx, lr.Transfer); err != nil {
						return err
					}
				}
			}
			return complete(ctx, tx, res)
		})
		return res, err
	})
	if errors.Is(err, ledger.ErrInsufficientFunds) {
		return CreditResult{}, false, &Error{Kind: Conflict, Code: "insufficient_funds", Field: "amount",
			Message: "the recipient's available balance is lower than the amount"}
	}
	if err == nil && !replayed && !transferReplayed {
		a.countTransfer(string(kind))
	}
	return res, replayed || transferReplayed, err
}

func (a *App) balanceOf(ctx context.Context, tx store.Tx, ref ledger.AccountRef) (int64, error) {
	acc, err := tx.FindAccount(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return acc.Balance, err
}

// viewTransfer shows t from the side of the recipient account accountID.
func viewTransfer(t ledger.Transfer, accountID string, c money.Currency, kind ledger.Kind) TransferView {
	v := TransferView{ID: t.ID, Kind: string(t.Kind), Direction: "in", Account: string(kind), Amount: amountOf(t.Amount, c),
		Currency: t.Currency, Description: t.Description, Metadata: t.Metadata,
		ReversesTransferID: t.ReversesTransferID, CreatedAt: t.CreatedAt}
	if t.SourceID == accountID {
		v.Direction = "out"
	}
	if len(v.Metadata) == 0 {
		v.Metadata = json.RawMessage("{}")
	}
	return v
}

// BalanceInfo is seed 001's Get Balance Info answer.
type BalanceInfo struct {
	SiteID                  string `json:"site_id" doc:"The platform's id for the recipient (external_id)."`
	InternalSiteID          string `json:"internal_site_id" doc:"Payport's UUID for the recipient."`
	Currency                string `json:"currency"`
	Balance                 Amount `json:"balance" doc:"Available balance."`
	WithdrawableBalance     Amount `json:"withdrawable_balance" doc:"Part of the balance past the minimum wait period (equals balance when there is none)."`
	TotalEarnings           Amount `json:"total_earnings" doc:"Everything credited so far, net of reversals and negative adjustments."`
	PendingWithdrawals      Amount `json:"pending_withdrawals" doc:"Withdrawals requested and not yet paid out."`
	MinimumWithdrawalAmount Amount `json:"minimum_withdrawal_amount"`
	MinimumWaitDays         int    `json:"minimum_wait_days"`
	HasBankAccount          bool   `json:"has_bank_account"`
	CanWithdraw             bool   `json:"can_withdraw"`
	Reason                  string `json:"reason,omitempty" enum:"no_balance,below_minimum,no_bank_account,minimum_wait_period,onboarding_incomplete" doc:"Why can_withdraw is false, for machines."`
	Message                 string `json:"message,omitempty" doc:"Why can_withdraw is false, as a sentence to show the user."`
}

// GetBalanceInfo computes a recipient's balance info in currency ("" = the recipient's own).
func (a *App) GetBalanceInfo(ctx context.Context, scope tenant.Scope, ref, currency string) (BalanceInfo, error) {
	var info BalanceInfo
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "site")
		}
		if currency == "" {
			currency = r.Currency
		}
		c, err := currencyField("currency", currency)
		if err != nil {
			return err
		}
		o, err := tx.GetOrg(ctx, scope.OrgID)
		if err != nil {
			return err
		}
		b, err := a.balanceTx(ctx, tx, o, r, c)
		if err != nil {
			return err
		}
		el := recipient.CanWithdraw(b, func(v int64) string { return money.Format(v, c) })
		info = BalanceInfo{
			SiteID: r.ExternalID, InternalSiteID: r.ID, Currency: c.Code(),
			Balance: amountOf(b.Available, c), WithdrawableBalance: amountOf(b.Withdrawable, c),
			TotalEarnings: amountOf(b.TotalEarnings, c), PendingWithdrawals: amountOf(b.PendingWithdrawals, c),
			MinimumWithdrawalAmount: amountOf(b.MinimumWithdrawal, c), MinimumWaitDays: b.MinimumWaitDays,
			HasBankAccount: b.HasBankAccount, CanWithdraw: el.CanWithdraw, Reason: el.Reason, Message: el.Message,
		}
		return nil
	})
	return info, err
}

// balanceTx gathers a recipient's balance figures in currency c.
func (a *App) balanceTx(ctx context.Context, tx store.Tx, o org.Org, r recipient.Recipient, c money.Currency) (recipient.Balance, error) {
	b := recipient.Balance{Currency: c.Code(), MinimumWaitDays: o.Settings.MinimumWaitDays,
		MinimumWithdrawal: o.Settings.MinimumWithdrawal[c.Code()]}
	if r.MinimumWithdrawal != nil && r.Currency == c.Code() {
		b.MinimumWithdrawal = *r.MinimumWithdrawal
	}
	methods, err := tx.ListPayoutMethods(ctx, r.Scope, r.ID)
	if err != nil {
		return b, err
	}
	for _, m := range methods {
		// A bank account counts when it can receive this currency.
		if m.Masked.Currency == c.Code() {
			b.HasBankAccount = true
		}
	}
	if b.IdentityRequired = o.Settings.RequireVerifiedIdentity; b.IdentityRequired {
		idn, err := tx.GetIdentity(ctx, r.Scope, r.ID, false)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return b, err
		}
		b.IdentityVerified = idn.Status == identity.Verified
	}
	avail, err := tx.FindAccount(ctx, recipientRef(r.Scope, r.ID, ledger.Available, c.Code()))
	if errors.Is(err, store.ErrNotFound) {
		return b, nil // never credited in this currency
	}
	if err != nil {
		return b, err
	}
	b.Available = avail.Balance
	for _, k := range []ledger.Kind{ledger.Pending, ledger.InTransit} {
		v, err := a.balanceOf(ctx, tx, recipientRef(r.Scope, r.ID, k, c.Code()))
		if err != nil {
			return b, err
		}
		b.PendingWithdrawals += v
	}
	b.Withdrawable = b.Available
	funding, err := tx.FindAccount(ctx, fundingRef(r.Scope, c.Code()))
	if errors.Is(err, store.ErrNotFound) {
		// Money that did not come from the org's funding (the org's own account, credited by
		// payins): no earnings, no wait.
		return b, nil
	}
	if err != nil {
		return b, err
	}
	in, err := tx.SumTransfers(ctx, funding.ID, avail.ID, time.Time{}, store.DestinationSide)
	if err != nil {
		return b, err
	}
	out, err := tx.SumTransfers(ctx, avail.ID, funding.ID, time.Time{}, store.SourceSide)
	if err != nil {
		return b, err
	}
	b.TotalEarnings = in - out
	b.Withdrawable = b.Available
	if b.MinimumWaitDays > 0 {
		recent, err := tx.SumTransfers(ctx, funding.ID, avail.ID, a.now().AddDate(0, 0, -b.MinimumWaitDays), store.DestinationSide)
		if err != nil {
			return b, err
		}
		b.Withdrawable = max(0, b.Available-recent)
	}
	return b, nil
}

// Transactions lists a recipient's ledger history, newest first, in pages; next is the cursor
// of the following page.
func (a *App) Transactions(ctx context.Context, scope tenant.Scope, ref, cursor string, limit int) (items []TransferView, next string, err error) {
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		// Every account of the recipient: one per kind and currency it ever used.
		accounts, err := tx.OwnerAccounts(ctx, scope, ledger.OwnerRecipient, r.ID)
		if err != nil {
			return err
		}
		owned := map[string]ledger.Kind{}
		ids := make([]string, 0, len(accounts))
		for _, acc := range accounts {
			owned[acc.ID] = acc.Ref.Kind
			ids = append(ids, acc.ID)
		}
		ts, err := tx.ListTransfers(ctx, ids, cursor, limit+1)
		if err != nil {
			return err
		}
		if len(ts) > limit {
			ts = ts[:limit]
			next = ts[limit-1].ID
		}
		items = make([]TransferView, 0, len(ts))
		for _, t := range ts {
			side := t.DestinationID
			if _, ok := owned[t.SourceID]; ok {
				side = t.SourceID
			}
			c, _ := money.LookupCurrency(t.Currency)
			v := viewTransfer(t, side, c, owned[side])
			items = append(items, v)
		}
		return nil
	})
	return items, next, err
}

// CheckLedger verifies every ledger invariant across all orgs, and that the payout engine's
// holding accounts match its payments: per org, mode and currency, the recipients' pending
// accounts hold exactly the payouts not yet settled or failed (pending and processing).
func (a *App) CheckLedger(ctx context.Context) ([]ledger.Violation, int, error) {
	var totals []ledger.AccountTotals
	var pending, processing []store.PaymentSum
	var broken []string
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		if totals, err = tx.AccountTotals(ctx); err != nil {
			return err
		}
		if broken, err = tx.BrokenReferences(ctx, 100); err != nil {
			return err
		}
		if pending, err = tx.SumPayments(ctx, payment.Payout, payment.Pending); err != nil {
			return err
		}
		processing, err = tx.SumPayments(ctx, payment.Payout, payment.Processing)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	violations := ledger.Check(totals)
	for _, b := range broken {
		violations = append(violations, ledger.Violation{Rule: RuleReferencesExist, Subject: strings.Fields(b)[1], Detail: b})
	}
	type key struct {
		scope    tenant.Scope
		currency string
	}
	held := map[key]int64{}
	for _, t := range totals {
		// in_transit held processing payouts until migration 00019 moved them back to pending.
		if (t.Ref.Kind == ledger.Pending || t.Ref.Kind == ledger.InTransit) && t.Ref.OwnerType == ledger.OwnerRecipient {
			held[key{t.Ref.Scope, t.Ref.Currency}] += t.Balance
		}
	}
	compare := func(kind ledger.Kind, sums []store.PaymentSum, rule, what string) {
		want := map[key]int64{}
		for _, s := range sums {
			want[key{s.Scope, s.Currency}] += s.Total
		}
		for k, v := range held {
			if want[k] != v {
				violations = append(violations, ledger.Violation{Rule: rule, Subject: fmt.Sprintf("%s/%s/%s", k.scope.OrgID, k.scope.Mode, k.currency),
					Detail: fmt.Sprintf("%s accounts hold %d but %s payouts add up to %d", kind, v, what, want[k])})
			}
			delete(want, k)
		}
		for k, v := range want {
			if v != 0 {
				violations = append(violations, ledger.Violation{Rule: rule, Subject: fmt.Sprintf("%s/%s/%s", k.scope.OrgID, k.scope.Mode, k.currency),
					Detail: fmt.Sprintf("%s payouts add up to %d but no %s account holds them", what, v, kind)})
			}
		}
	}
	compare(ledger.Pending, append(pending, processing...), RulePendingMatchesPayouts, "pending and processing")
	return violations, len(totals), nil
}

// Invariants between the ledger and the payout engine, checked by CheckLedger.
const (
	// RulePendingMatchesPayouts: per org, mode and currency, the recipients' pending accounts
	// hold what their pending and processing payouts add up to.
	RulePendingMatchesPayouts = "pending_equals_unsettled_payouts"
	// RuleReferencesExist: every transfer's accounts, transition's payment and payment's file
	// exist, in the same org.
	RuleReferencesExist = "references_exist"
)

// OrgFundingBalance is the org's funding account in one currency, in minor units: payins
// received minus everything the org paid to recipients (credits, API payouts). Negative means
// the org has paid out more than it took in through Payport.
func (a *App) OrgFundingBalance(ctx context.Context, scope tenant.Scope, currency string) (int64, error) {
	var net int64
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		acct, err := tx.FindAccount(ctx, fundingRef(scope, currency))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		net, err = tx.AccountNet(ctx, acct.ID)
		return err
	})
	return net, err
}
