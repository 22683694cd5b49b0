package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/idempotency"
	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/link"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/webhook"
)

// The dashboard's payments, recipients and payment links (issue 9, items 3 to 5). Like the
// rest of the dashboard's use cases, each takes the signed-in member, reads and writes only
// the org its session looks at, refuses a viewer any change, and writes its audit entry in
// the transaction of the change. They reuse the API's use cases (ListPayments, CancelPayment,
// Credit, Adjust, CreateLink, RevokeLinks, the grant mints), so a change made in the
// dashboard is the change the API would make.

// dashScope is the org and mode a dashboard page reads.
func dashScope(ac Actor, mode tenant.Mode) (tenant.Scope, error) {
	if ac.OrgID == "" {
		return tenant.Scope{}, forbidden("choose an org first")
	}
	if mode != tenant.Test && mode != tenant.Live {
		return tenant.Scope{}, invalid("mode", "mode must be test or live")
	}
	return tenant.Scope{OrgID: ac.OrgID, Mode: mode}, nil
}

// dashWriteScope is dashScope for a change: a viewer is refused.
func dashWriteScope(ac Actor, mode tenant.Mode) (tenant.Scope, error) {
	if err := ac.canWrite(); err != nil {
		return tenant.Scope{}, err
	}
	return dashScope(ac, mode)
}

// dashKey stands for the member where a use case of the API takes a key: an org-admin key of
// the actor's org in one mode (its role was checked by the caller).
func dashKey(scope tenant.Scope) org.APIKey {
	return org.APIKey{Scope: scope, Role: org.RoleOrgAdmin}
}

var (
	paymentStatuses = []payment.Status{payment.Pending, payment.Processing, payment.Succeeded, payment.Failed, payment.Canceled, payment.Expired}
	paymentTypes    = []payment.Type{payment.Payout, payment.Payin}
)

// checkPaymentFilter refuses a status or type the payments API would refuse.
func checkPaymentFilter(f store.PaymentFilter) error {
	if f.Status != "" && !slices.Contains(paymentStatuses, f.Status) {
		return invalid("status", "status must be one of pending, processing, succeeded, failed, canceled, expired")
	}
	if f.Type != "" && !slices.Contains(paymentTypes, f.Type) {
		return invalid("type", "type must be payout or payin")
	}
	if f.CreatedFrom != nil && f.CreatedTo != nil && !f.CreatedFrom.Before(*f.CreatedTo) {
		return invalid("created_before", "the end of the period must be after its start")
	}
	return nil
}

// DashboardPayments pages the payments of the actor's org in a mode, newest first, with the
// filters of GET /api/payments.
func (a *App) DashboardPayments(ctx context.Context, ac Actor, mode tenant.Mode, f store.PaymentFilter) ([]PaymentView, string, error) {
	scope, err := dashScope(ac, mode)
	if err != nil {
		return nil, "", err
	}
	if err := checkPaymentFilter(f); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	return a.ListPayments(ctx, scope, f)
}

// exportPage is how many payments an export reads at a time, each page in its own read, so
// that a long export holds no transaction open while the browser downloads.
const exportPage = 500

// DashboardExportPayments calls row for every payment matching f, newest first (f's cursor
// and limit are ignored). It stops at row's first error.
func (a *App) DashboardExportPayments(ctx context.Context, ac Actor, mode tenant.Mode, f store.PaymentFilter, row func(PaymentView) error) error {
	scope, err := dashScope(ac, mode)
	if err != nil {
		return err
	}
	if err := checkPaymentFilter(f); err != nil {
		return err
	}
	f.Before, f.Limit = "", exportPage
	for {
		items, next, err := a.ListPayments(ctx, scope, f)
		if err != nil {
			return err
		}
		for _, p := range items {
			if err := row(p); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Before = next
	}
}

// PaymentDetail is a payment and its timeline: its state changes, the ledger transfers it
// made, and its events with their webhook delivery attempts.
type PaymentDetail struct {
	Payment     PaymentView
	Transitions []payment.Transition
	Transfers   []PaymentTransfer
	Events      []PaymentEvent
	// CanCancel: the engine would cancel it now (a pending payout, or an unpaid API payin).
	CanCancel bool
}

// PaymentTransfer is one ledger transfer of a payment, between two named accounts.
type PaymentTransfer struct {
	ID, Kind, Amount, Currency string
	// From and To name the accounts: owner type and kind ("recipient pending").
	From, To  string
	CreatedAt time.Time
}

// PaymentEvent is one event about a payment and the attempts to deliver it, newest first.
type PaymentEvent struct {
	ID, Type   string
	CreatedAt  time.Time
	Deliveries []PaymentDelivery
}

// PaymentDelivery is one webhook delivery attempt; Failed when no 2xx answer came.
type PaymentDelivery struct {
	WebhookAttemptView
	Failed bool
}

// eventsSince is the smallest event id that can be about an object whose id is objectID: ids
// are a prefix and a UUIDv7, whose first 48 bits are the milliseconds of creation. A minute
// of margin covers clocks of several servers; an id of another shape bounds nothing.
func eventsSince(objectID string) string {
	_, hex, ok := strings.Cut(objectID, "_")
	if !ok || len(hex) < 12 {
		return "evt_"
	}
	ms, err := strconv.ParseUint(hex[:12], 16, 64)
	if err != nil || ms < 60_000 {
		return "evt_"
	}
	return fmt.Sprintf("evt_%012x", ms-60_000)
}

// maxTimelineEvents bounds the events a payment page shows (a payment has a handful).
const maxTimelineEvents = 100

// DashboardPayment reads a payment of the actor's org with its timeline.
func (a *App) DashboardPayment(ctx context.Context, ac Actor, mode tenant.Mode, paymentID string) (PaymentDetail, error) {
	scope, err := dashScope(ac, mode)
	if err != nil {
		return PaymentDetail{}, err
	}
	var d PaymentDetail
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		p, err := tx.GetPayment(ctx, scope, paymentID, false)
		if err != nil {
			return mapNotFound(err, "payment")
		}
		d.Payment, d.CanCancel = a.viewPayment(p), cancelable(p)
		if d.Transitions, err = tx.ListTransitions(ctx, p.ID); err != nil {
			return err
		}
		ts, err := tx.TransfersOfPayment(ctx, scope, p.ID)
		if err != nil {
			return err
		}
		names := map[string]string{}
		name := func(accountID string) (string, error) {
			if n, ok := names[accountID]; ok {
				return n, nil
			}
			acc, err := tx.AccountByID(ctx, scope, accountID)
			if err != nil {
				return "", err
			}
			names[accountID] = string(acc.Ref.OwnerType) + " " + string(acc.Ref.Kind)
			return names[accountID], nil
		}
		for _, t := range ts {
			from, err := name(t.SourceID)
			if err != nil {
				return err
			}
			to, err := name(t.DestinationID)
			if err != nil {
				return err
			}
			d.Transfers = append(d.Transfers, PaymentTransfer{ID: t.ID, Kind: string(t.Kind), Amount: formatIn(t.Amount, t.Currency),
				Currency: t.Currency, From: from, To: to, CreatedAt: t.CreatedAt})
		}
		evs, err := tx.EventsOfObject(ctx, scope, p.ID, eventsSince(p.ID), maxTimelineEvents)
		if err != nil {
			return err
		}
		for _, e := range evs {
			as, err := tx.ListWebhookAttempts(ctx, scope, "", e.ID, "", 50)
			if err != nil {
				return err
			}
			pe := PaymentEvent{ID: e.ID, Type: string(e.Type), CreatedAt: e.CreatedAt}
			for _, r := range as {
				pe.Deliveries = append(pe.Deliveries, PaymentDelivery{WebhookAttemptView: viewAttempt(r), Failed: !delivered(r)})
			}
			d.Events = append(d.Events, pe)
		}
		return nil
	})
	return d, err
}

func viewAttempt(r webhook.AttemptRecord) WebhookAttemptView {
	return WebhookAttemptView{ID: r.ID, EventID: r.EventID, EndpointID: r.EndpointID, Attempt: r.Attempt, StatusCode: r.StatusCode,
		LatencyMS: r.LatencyMS, ResponseBody: r.ResponseBody, Error: r.Error, CreatedAt: r.CreatedAt}
}

// delivered: the receiver answered 2xx.
func delivered(r webhook.AttemptRecord) bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// DashboardCancelPayment cancels a pending payment of the actor's org through the engine's
// cancel (the payment state machine and the ledger), audited in the same transaction.
func (a *App) DashboardCancelPayment(ctx context.Context, ac Actor, mode tenant.Mode, paymentID string) (PaymentView, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return PaymentView{}, err
	}
	var v PaymentView
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if v, err = a.cancelPaymentTx(ctx, tx, scope, paymentID); err != nil {
			return err
		}
		return a.audit(ctx, tx, ac, "payment.cancel", "payment", v.ID, string(mode)+" "+v.Type+" "+v.Amount+" "+v.Currency)
	})
	return v, err
}

// DashboardRedeliver sends an event again to the destination of one of its failed delivery
// attempts (a new message, due at once; the receiver sees the same webhook-id), audited.
func (a *App) DashboardRedeliver(ctx context.Context, ac Actor, mode tenant.Mode, eventID, attemptID string) error {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return err
	}
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		e, err := tx.GetEvent(ctx, scope, eventID)
		if err != nil {
			return mapNotFound(err, "event")
		}
		as, err := tx.ListWebhookAttempts(ctx, scope, "", e.ID, "", 500)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(as, func(r webhook.AttemptRecord) bool { return r.ID == attemptID })
		if i < 0 {
			return notFound("delivery attempt")
		}
		if delivered(as[i]) {
			return &Error{Kind: Conflict, Code: "delivered", Message: "this delivery succeeded; only a failed one is retried"}
		}
		ms, err := a.messagesFor(ctx, tx, []event.Event{e}, a.now())
		if err != nil {
			return err
		}
		ms = slices.DeleteFunc(ms, func(m webhook.Message) bool { return m.EndpointID != as[i].EndpointID })
		if len(ms) == 0 {
			return &Error{Kind: Conflict, Code: "no_destination", Message: "the endpoint of this delivery is disabled or gone, or no longer wants this event"}
		}
		if err := tx.InsertWebhookMessages(ctx, ms); err != nil {
			return err
		}
		return a.audit(ctx, tx, ac, "webhook.redeliver", "event", e.ID, "attempt "+attemptID)
	})
	if err == nil {
		a.wakeWebhooks()
	}
	return err
}

// RecipientBalance is what a recipient holds in one currency.
type RecipientBalance struct {
	Currency string
	// Available can be withdrawn; Pending is on its way out (pending and in transit).
	Available, Pending string
}

// RecipientRow is a recipient as the dashboard lists it: balances and onboarding status.
type RecipientRow struct {
	RecipientView
	Balances        []RecipientBalance
	HasPayoutMethod bool
	// IdentityStatus is unverified, pending, verified or rejected.
	IdentityStatus string
}

func recipientRow(r recipient.Recipient, f store.RecipientFacts) RecipientRow {
	row := RecipientRow{RecipientView: viewRecipient(r), HasPayoutMethod: f.HasPayoutMethod, IdentityStatus: f.IdentityStatus}
	if row.IdentityStatus == "" {
		row.IdentityStatus = string(identity.Unverified)
	}
	type sums struct{ avail, pending int64 }
	by := map[string]*sums{}
	var order []string
	for _, acc := range f.Accounts {
		s, ok := by[acc.Ref.Currency]
		if !ok {
			s = &sums{}
			by[acc.Ref.Currency] = s
			order = append(order, acc.Ref.Currency)
		}
		switch acc.Ref.Kind {
		case ledger.Available:
			s.avail += acc.Balance
		case ledger.Pending, ledger.InTransit:
			s.pending += acc.Balance
		}
	}
	for _, c := range order {
		row.Balances = append(row.Balances, RecipientBalance{Currency: c, Available: formatIn(by[c].avail, c), Pending: formatIn(by[c].pending, c)})
	}
	return row
}

// DashboardRecipients pages the recipients of the actor's org in a mode, oldest first, each
// with its balances, whether it has a payout method, and its identity status.
func (a *App) DashboardRecipients(ctx context.Context, ac Actor, mode tenant.Mode, cursor string, limit int) ([]RecipientRow, string, error) {
	scope, err := dashScope(ac, mode)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var items []RecipientRow
	var next string
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		rs, err := tx.ListRecipients(ctx, scope, cursor, limit+1)
		if err != nil {
			return err
		}
		ids := make([]string, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		facts, err := tx.RecipientFacts(ctx, scope, ids) // the extra row's facts are one more id
		if err != nil {
			return err
		}
		items, next = pageOf(rs, limit, func(r recipient.Recipient) string { return r.ID },
			func(r recipient.Recipient) RecipientRow { return recipientRow(r, facts[r.ID]) })
		return nil
	})
	return items, next, err
}

// RecipientDetail is one recipient: balances, masked payout methods, identity status and a
// page of its ledger history.
type RecipientDetail struct {
	RecipientRow
	Methods      []PayoutMethodView
	Identity     IdentityView
	Transactions []TransferView
	// Older is the cursor of the next page of transactions ("" on the last).
	Older string
}

// DashboardRecipient reads a recipient of the actor's org (by id or external id).
func (a *App) DashboardRecipient(ctx context.Context, ac Actor, mode tenant.Mode, ref, cursor string) (RecipientDetail, error) {
	scope, err := dashScope(ac, mode)
	if err != nil {
		return RecipientDetail{}, err
	}
	var d RecipientDetail
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		facts, err := tx.RecipientFacts(ctx, scope, []string{r.ID})
		if err != nil {
			return err
		}
		d.RecipientRow = recipientRow(r, facts[r.ID])
		ms, err := tx.ListPayoutMethods(ctx, scope, r.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			d.Methods = append(d.Methods, viewMethod(m))
		}
		idn, err := tx.GetIdentity(ctx, scope, r.ID, false)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		d.Identity = viewIdentity(idn)
		return nil
	})
	if err != nil {
		return d, err
	}
	d.Transactions, d.Older, err = a.Transactions(ctx, scope, d.ID, cursor, 25)
	return d, err
}

// BalanceChange is a credit or an adjustment entered in the dashboard.
type BalanceChange struct {
	// Adjust: a signed correction (Adjust); otherwise a credit (Credit).
	Adjust           bool
	Amount, Currency string
	// Reason is required; it becomes the transfer's description and is in the audit log.
	Reason string
	// FormKey is the form's one-time key: submitting the same form twice moves money once.
	FormKey string
}

// DashboardChangeBalance credits or adjusts a recipient's available balance through Credit
// or Adjust (an ordinary ledger transfer, its event and webhook), with the member's audit
// entry in the transfer's transaction. replayed: the same form was submitted before and
// nothing moved this time.
func (a *App) DashboardChangeBalance(ctx context.Context, ac Actor, mode tenant.Mode, ref string, in BalanceChange) (CreditResult, bool, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return CreditResult{}, false, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return CreditResult{}, false, invalid("reason", "say why the balance changes")
	}
	r, err := a.recipientIdentity(ctx, scope, ref)
	if err != nil {
		return CreditResult{}, false, err
	}
	action := "balance.credit"
	if in.Adjust {
		action = "balance.adjust"
	}
	var idem IdemRequest
	if in.FormKey != "" {
		idem = IdemRequest{Key: "dashboard:" + in.FormKey, Fingerprint: idempotency.Fingerprint("POST", "/dashboard/recipients/"+r.ID+"/balance",
			[]byte(action+"\n"+in.Amount+"\n"+in.Currency+"\n"+in.Reason))}
	}
	mi := MoneyInput{Amount: strings.TrimSpace(in.Amount), Currency: strings.ToUpper(strings.TrimSpace(in.Currency)), Description: in.Reason,
		posted: func(ctx context.Context, tx store.Tx, t ledger.Transfer) error {
			signed := money.Format(t.Amount, mustCurrency(t.Currency))
			if in.Adjust && strings.HasPrefix(strings.TrimSpace(in.Amount), "-") {
				signed = "-" + signed
			}
			return a.audit(ctx, tx, ac, action, "recipient", r.ID, fmt.Sprintf("%s %s %s (transfer %s): %s", mode, signed, t.Currency, t.ID, in.Reason))
		}}
	if in.Adjust {
		return a.Adjust(ctx, scope, r.ID, mi, idem)
	}
	return a.Credit(ctx, scope, r.ID, mi, idem)
}

func mustCurrency(code string) money.Currency {
	c, _ := money.LookupCurrency(code)
	return c
}

// DashboardPortalLink mints, for support, a recipient's rewards portal URL (seed 001's
// withdrawal URL, with the org's portal settings). It is shown once; the audit entry keeps
// only its expiry.
func (a *App) DashboardPortalLink(ctx context.Context, ac Actor, mode tenant.Mode, ref string) (BalanceURL, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return BalanceURL{}, err
	}
	r, err := a.recipientIdentity(ctx, scope, ref)
	if err != nil {
		return BalanceURL{}, err
	}
	u, err := a.BalanceWithdrawalURL(ctx, scope, r.ID, BalanceURLOptions{})
	if err != nil {
		return BalanceURL{}, err
	}
	// Minting writes nothing (the signed token is the grant): the audit entry is the only row.
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		return a.audit(ctx, tx, ac, "recipient.portal_link", "recipient", r.ID, string(mode)+" until "+u.URLExpiryTimestamp)
	})
	return u, err
}

// DashboardAccountLink mints, for support, seed 004's account link (onboarding or the payouts
// portal) for a recipient, shown once and audited without its token.
func (a *App) DashboardAccountLink(ctx context.Context, ac Actor, mode tenant.Mode, ref string, in AccountLinkInput) (AccountLink, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return AccountLink{}, err
	}
	r, err := a.recipientIdentity(ctx, scope, ref)
	if err != nil {
		return AccountLink{}, err
	}
	in.CompanyID = r.ID
	l, err := a.CreateAccountLink(ctx, dashKey(scope), in)
	if err != nil {
		return AccountLink{}, err
	}
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		return a.audit(ctx, tx, ac, "recipient.account_link", "recipient", r.ID, string(mode)+" "+in.UseCase+" until "+l.ExpiresAt.UTC().Format(time.RFC3339))
	})
	return l, err
}

// DashboardLinks lists the payment links of the actor's org in a mode, newest first, with the
// total that match the filter.
func (a *App) DashboardLinks(ctx context.Context, ac Actor, mode tenant.Mode, f store.LinkFilter) ([]LinkView, int64, string, error) {
	scope, err := dashScope(ac, mode)
	if err != nil {
		return nil, 0, "", err
	}
	if f.Status != "" && !slices.Contains([]link.Status{link.Active, link.Paid, link.Revoked, link.Expired}, f.Status) {
		return nil, 0, "", invalid("status", "status must be one of active, paid, revoked, expired")
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	return a.ListLinks(ctx, dashKey(scope), scope.OrgID, f)
}

// DashboardCreateLink creates a payment link of the actor's org (emailed like one the API
// creates), audited in its transaction.
func (a *App) DashboardCreateLink(ctx context.Context, ac Actor, mode tenant.Mode, in CreateLinkInput) (LinkView, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return LinkView{}, err
	}
	in.OrgID = scope.OrgID
	return a.createLink(ctx, dashKey(scope), in, func(ctx context.Context, tx store.Tx, l link.Link) error {
		return a.audit(ctx, tx, ac, "payment_link.create", "payment_link", l.ID, string(mode)+" "+l.Email)
	})
}

// errPreviewDone rolls back the transaction of a link preview.
var errPreviewDone = errors.New("preview rendered")

// DashboardPreviewLink renders the email a link created from in would send, from the same
// function and template the mailer's job uses, without creating it: the creation runs with
// all its checks and is rolled back.
func (a *App) DashboardPreviewLink(ctx context.Context, ac Actor, mode tenant.Mode, in CreateLinkInput) (mail.Message, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return mail.Message{}, err
	}
	in.OrgID = scope.OrgID
	var msg mail.Message
	_, err = a.createLink(ctx, dashKey(scope), in, func(ctx context.Context, tx store.Tx, l link.Link) error {
		o, err := tx.GetOrg(ctx, l.Scope.OrgID)
		if err != nil {
			return err
		}
		if msg, err = a.linkEmail(l, o, false, a.now()); err != nil {
			return err
		}
		return errPreviewDone
	})
	if errors.Is(err, errPreviewDone) {
		err = nil
	}
	return msg, err
}

// DashboardResendLink emails an active link of the actor's org again, now, audited.
func (a *App) DashboardResendLink(ctx context.Context, ac Actor, mode tenant.Mode, linkID string) (LinkView, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return LinkView{}, err
	}
	var v LinkView
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		l, err := tx.GetLink(ctx, linkID, true)
		if err != nil {
			return mapNotFound(err, "payment link")
		}
		if l.Scope != scope {
			return notFound("payment link")
		}
		now := a.now()
		if why := l.Usable(now); why != "" {
			return &Error{Kind: Conflict, Code: "not_active", Message: "the link is " + why + ": it cannot be sent again"}
		}
		o, err := tx.GetOrg(ctx, l.Scope.OrgID)
		if err != nil {
			return err
		}
		msg, err := a.linkEmail(l, o, false, now)
		if err != nil {
			return err
		}
		if l.SentAt == nil {
			l.SentAt, l.UpdatedAt = &now, now
			if err := tx.UpdateLink(ctx, l); err != nil {
				return err
			}
		}
		if err := a.enqueue(ctx, tx, SendEmailArgs{Message: msg}, nil); err != nil {
			return err
		}
		v = a.viewLink(l)
		return a.audit(ctx, tx, ac, "payment_link.resend", "payment_link", l.ID, l.Email)
	})
	return v, err
}

// DashboardRevokeLinks revokes one link (linkID) or every active link of an email (email) in
// the actor's org and mode, through RevokeLinks, with one audit entry per link revoked.
func (a *App) DashboardRevokeLinks(ctx context.Context, ac Actor, mode tenant.Mode, linkID, email string) ([]LinkView, error) {
	scope, err := dashWriteScope(ac, mode)
	if err != nil {
		return nil, err
	}
	return a.revokeLinks(ctx, dashKey(scope), linkID, email, func(ctx context.Context, tx store.Tx, revoked []LinkView) error {
		for _, l := range revoked {
			if err := a.audit(ctx, tx, ac, "payment_link.revoke", "payment_link", l.ID, l.Email); err != nil {
				return err
			}
		}
		return nil
	})
}
