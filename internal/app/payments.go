package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/webhook"
)

// Transfer kinds of the Payments API. An API payout is funded from the org's funding account
// into the customer's pending balance when the customer completes the hosted form, then runs
// through the payout engine like a withdrawal; if it fails or is canceled the money goes back
// to the org's funding account (see paymentPosting). A payin moves money from the outside
// world (the org's external account) to the org's funding account.
const (
	KindPayoutFunded  ledger.TransferKind = "payout_funded"
	KindPayinReceived ledger.TransferKind = "payin_received"
)

// Limits of seed 003's fields.
const (
	maxDescription   = 255
	maxExternalID    = 255
	maxURL           = 2048
	maxMetadataBytes = 4096
	maxCustomerName  = 140
)

// CustomerInput is seed 003's customer: the platform's id of the person and a display name.
type CustomerInput struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// CreatePaymentInput is the body of POST /api/payments, as received.
type CreatePaymentInput struct {
	Amount      string
	Currency    string
	Type        string
	Description string
	// Metadata is the raw JSON value (nil when absent).
	Metadata    json.RawMessage
	ExternalID  string
	RedirectURL string
	WebhookURL  string
	Customer    *CustomerInput
	// CanPayout says whether the caller's key holds the payouts scope.
	CanPayout bool
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

// validate checks every field rule of seed 003 and returns the payment to create (id and
// times not yet set) and the hash of its canonical request.
func (in CreatePaymentInput) validate(mode tenant.Mode) (payment.Payment, error) {
	var p payment.Payment
	if !currencyCode.MatchString(in.Currency) {
		return p, invalid("currency", "currency must be an ISO 4217 code of three capital letters, such as EUR")
	}
	c, err := currencyField("currency", in.Currency)
	if err != nil {
		return p, err
	}
	if strings.Contains(in.Amount, ",") {
		return p, invalid("amount", "amount must use a dot as the decimal separator, such as \"10.00\"")
	}
	amount, err := amountField("amount", in.Amount, c)
	if err != nil {
		return p, err
	}
	if amount <= 0 {
		return p, invalid("amount", "amount must be greater than zero")
	}
	typ := payment.Type(in.Type)
	switch typ {
	case "":
		typ = payment.Payin
	case payment.Payin, payment.Payout:
	default:
		return p, invalid("type", "type must be \"payout\" or \"payin\" (the default)")
	}
	if typ == payment.Payout && !in.CanPayout {
		return p, &Error{Kind: Forbidden, Field: "type", Code: "missing_scope",
			Message: "creating payouts needs an API key with the payouts scope (the \"Payout\" checkbox)"}
	}
	if utf8.RuneCountInString(in.Description) > maxDescription {
		return p, invalid("description", "description must be at most %d characters", maxDescription)
	}
	meta, err := metadataField(in.Metadata)
	if err != nil {
		return p, err
	}
	if utf8.RuneCountInString(in.ExternalID) > maxExternalID {
		return p, invalid("externalId", "externalId must be at most %d characters", maxExternalID)
	}
	if in.ExternalID != "" && strings.TrimSpace(in.ExternalID) == "" {
		return p, invalid("externalId", "externalId must not be blank")
	}
	if err := httpsURLField("redirectUrl", in.RedirectURL, mode); err != nil {
		return p, err
	}
	if err := httpsURLField("webhookUrl", in.WebhookURL, mode); err != nil {
		return p, err
	}
	var cust CustomerInput
	if in.Customer != nil {
		cust = *in.Customer
		if utf8.RuneCountInString(cust.ID) > maxExternalID || (cust.ID != "" && !validExternalID(cust.ID)) {
			return p, invalid("customer.id", "customer.id must be 1 to 255 printable characters without spaces, '/', '?', '#', '%%' or '\\'")
		}
		if utf8.RuneCountInString(cust.Name) > maxCustomerName {
			return p, invalid("customer.name", "customer.name must be at most %d characters", maxCustomerName)
		}
	}
	p = payment.Payment{Type: typ, Status: payment.Pending, Amount: amount, Currency: c.Code(), Source: payment.SourceAPI,
		Description: in.Description, Metadata: meta, ExternalID: in.ExternalID, CustomerID: cust.ID, CustomerName: cust.Name,
		RedirectURL: in.RedirectURL, WebhookURL: in.WebhookURL}
	// The canonical request: field order fixed, metadata re-encoded (object keys sorted), so
	// the same payment asked for with other whitespace or key order hashes the same.
	canon, err := json.Marshal(struct {
		Amount      string          `json:"amount"`
		Currency    string          `json:"currency"`
		Type        string          `json:"type"`
		Description string          `json:"description"`
		Metadata    json.RawMessage `json:"metadata"`
		ExternalID  string          `json:"externalId"`
		RedirectURL string          `json:"redirectUrl"`
		WebhookURL  string          `json:"webhookUrl"`
		Customer    CustomerInput   `json:"customer"`
	}{money.Format(amount, c), c.Code(), string(typ), in.Description, meta, in.ExternalID, in.RedirectURL, in.WebhookURL, cust})
	if err != nil {
		return p, err
	}
	sum := sha256.Sum256(canon)
	p.RequestHash = hex.EncodeToString(sum[:])
	return p, nil
}

// metadataField enforces seed 003's metadata rules: a JSON object of at most 4 KB serialised,
// with no array and no null among its root values. It returns the object re-encoded with
// sorted keys (numbers keep their exact text).
func metadataField(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return json.RawMessage("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, invalid("metadata", "metadata must be a JSON object")
	}
	for k, v := range obj {
		switch v.(type) {
		case nil:
			return nil, invalid("metadata", "metadata.%s is null: null values are not allowed at the root of metadata", k)
		case []any:
			return nil, invalid("metadata", "metadata.%s is an array: arrays are not allowed at the root of metadata", k)
		}
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, invalid("metadata", "metadata must be a JSON object")
	}
	if len(out) > maxMetadataBytes {
		return nil, invalid("metadata", "metadata is %d bytes serialised; at most %d are allowed", len(out), maxMetadataBytes)
	}
	return out, nil
}

// httpsURLField accepts "" or an absolute HTTPS URL of at most 2 KB. In test mode plain HTTP
// to localhost is accepted too, so that integrators can develop against their own machine.
func httpsURLField(field, raw string, mode tenant.Mode) error {
	if raw == "" {
		return nil
	}
	if len(raw) > maxURL {
		return invalid(field, "%s must be at most %d bytes", field, maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return invalid(field, "%s must be an absolute https:// URL", field)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && mode == tenant.Test && isLoopbackHost(u.Hostname()):
		return nil
	}
	return invalid(field, "%s must use https (plain http is accepted only for localhost in test mode)", field)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// FormPath is the hosted form of an API payment: /checkin/{id} for payouts (the customer
// enters where the money goes), /checkout/{id} for payins (the customer pays).
func FormPath(p payment.Payment) string {
	if p.Type == payment.Payout {
		return "/checkin/" + p.ID
	}
	return CheckoutPath(p.ID)
}

// CheckoutPath is the payin checkout of a payment id.
func CheckoutPath(paymentID string) string { return "/checkout/" + paymentID }

// CreatePayment creates a payout or payin for the Payments API (seed 003). Repeats never make
// a second payment: with an Idempotency-Key the IETF rules apply (same body replays, another
// body 422, in flight 409); without one, an externalId already used answers that payment when
// the body is the same (replayed = true) and 409 naming it when it differs.
func (a *App) CreatePayment(ctx context.Context, scope tenant.Scope, in CreatePaymentInput, idem IdemRequest) (PaymentView, bool, error) {
	p, err := in.validate(scope.Mode)
	if err != nil {
		return PaymentView{}, false, err
	}
	if in.WebhookURL != "" {
		// The same address rules as webhook endpoints: no private or metadata addresses.
		if err := webhook.CheckURL(in.WebhookURL, a.WebhookConfig.policy(scope.Mode)); err != nil {
			return PaymentView{}, false, invalid("webhookUrl", "%s", err.Error())
		}
	}
	o, err := a.cachedGetOrg(ctx, scope.OrgID)
	if err != nil {
		return PaymentView{}, false, err
	}
	if p.ExternalID != "" && idem.Key == "" {
		// The common retry: answered from a read, without taking the writer. With an
		// Idempotency-Key the key's rules come first (a reused key with another body is 422).
		if v, ok, err := a.paymentByExternalID(ctx, scope, p); ok || err != nil {
			return v, true, err
		}
	}
	expiry := o.Settings.PaymentExpiryMinutes
	if expiry == 0 {
		expiry = org.DefaultPaymentExpiryMinutes
	}
	raced := false
	create := func(complete completeFunc[PaymentView]) (PaymentView, error) {
		var v PaymentView
		now := a.now()
		p := p
		p.ID, p.Scope, p.CreatedAt, p.UpdatedAt = id.New("pay"), scope, now, now
		exp := now.Add(time.Duration(expiry) * time.Minute)
		p.ExpiresAt = &exp
		err := a.Store.InTx(ctx, func(tx store.Tx) error {
			if err := tx.InsertPayment(ctx, p); err != nil {
				return err
			}
			if err := tx.InsertTransition(ctx, payment.Transition{ID: id.New("ptr"), PaymentID: p.ID, To: payment.Pending,
				Reason: "created through the Payments API", CreatedAt: now}); err != nil {
				return err
			}
			v = a.viewPayment(p)
			if err := a.recordEvent(ctx, tx, scope, PaymentCreated, p.ID, v, now); err != nil {
				return err
			}
			return complete(ctx, tx, v)
		})
		if errors.Is(err, store.ErrConflict) && p.ExternalID != "" {
			// A concurrent request with the same externalId won the race.
			v, ok, err := a.paymentByExternalID(ctx, scope, p)
			if ok {
				// Store this answer under the request's Idempotency-Key too (if any).
				raced = true
				err = a.Store.InTx(ctx, func(tx store.Tx) error { return complete(ctx, tx, v) })
			}
			if ok || err != nil {
				return v, err
			}
		}
		return v, err
	}
	v, replayed, err := runIdempotent(ctx, a, scope, idem, create)
	return v, replayed || raced, err
}

// paymentByExternalID answers a repeated externalId: the existing payment when the request is
// the same (ok), a 409 naming it when it differs.
func (a *App) paymentByExternalID(ctx context.Context, scope tenant.Scope, want payment.Payment) (PaymentView, bool, error) {
	var p payment.Payment
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		p, err = tx.GetPaymentByExternalID(ctx, scope, want.ExternalID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return PaymentView{}, false, nil
	}
	if err != nil {
		return PaymentView{}, false, err
	}
	if p.RequestHash != want.RequestHash {
		return PaymentView{}, false, &Error{Kind: Conflict, Field: "externalId", Code: "external_id_conflict",
			Message: fmt.Sprintf("externalId %q already belongs to payment %s, created with a different request", want.ExternalID, p.ID)}
	}
	return a.viewPayment(p), true, nil
}

// expirePaymentsArgs is the periodic job that expires hosted forms nobody completed.
type expirePaymentsArgs struct{}

// Kind implements river.JobArgs.
func (expirePaymentsArgs) Kind() string { return "payments_expire" }

// ExpirePayments moves pending API payments whose hosted form was never completed, and whose
// expiry has passed, to expired, recording payment.expired. It returns how many expired.
func (a *App) ExpirePayments(ctx context.Context) (int, error) {
	var due []payment.Payment
	if err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.ExpiringPayments(ctx, a.now(), 500)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		expired := false
		err := a.Store.InTx(ctx, func(tx store.Tx) error {
			p, err := tx.GetPayment(ctx, d.Scope, d.ID, true)
			if err != nil {
				return err
			}
			now := a.now()
			if p.Status != payment.Pending || p.ExpiresAt == nil || p.ExpiresAt.After(now) {
				return nil
			}
			tr, err := p.Move(payment.Expired, "the hosted form was not completed in time", now, func() string { return id.New("ptr") })
			if err != nil {
				return err
			}
			expired = true
			return a.savePaymentTx(ctx, tx, p, tr, PaymentExpired, "")
		})
		if err != nil {
			return n, err
		}
		if expired {
			n++
		}
	}
	return n, nil
}

// formClosed reports why a hosted form can no longer be used ("" when it can).
func formClosed(p payment.Payment, now time.Time) string {
	switch {
	case p.Status == payment.Pending && p.ExpiresAt != nil && !p.ExpiresAt.After(now):
		return "expired"
	case p.Status != payment.Pending:
		return string(p.Status)
	case p.Type == payment.Payout && p.PayoutMethodID != "":
		return "submitted"
	case p.Type == payment.Payin && p.PayinMethod != "":
		return "submitted"
	}
	return ""
}
