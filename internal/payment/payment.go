// Package payment is the one payment object behind every way money leaves or enters Payport:
// portal withdrawals, the Payouts API (seed 003), account-link payouts (seed 004) and payment
// links. Its state machine is enforced here, in one place.
//
//	pending ──> processing ──> succeeded
//	   │             └──────> failed
//	   ├──> canceled
//	   ├──> expired
//	   └──> failed   (refused before reaching a rail, e.g. its method was removed)
package payment

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// Type says which way the money goes.
type Type string

// Payment types (seed 003: type defaults to payin).
const (
	Payout Type = "payout"
	Payin  Type = "payin"
)

// Status is a payment's state.
type Status string

// Statuses.
const (
	Pending    Status = "pending"
	Processing Status = "processing"
	Succeeded  Status = "succeeded"
	Failed     Status = "failed"
	Canceled   Status = "canceled"
	Expired    Status = "expired"
)

// allowed lists every legal transition; nothing else may change a status.
var allowed = map[Status][]Status{
	Pending:    {Processing, Canceled, Expired, Failed},
	Processing: {Succeeded, Failed},
}

// CanTransition reports whether from -> to is legal.
func CanTransition(from, to Status) bool {
	for _, s := range allowed[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether no transition leaves s.
func (s Status) Final() bool { return len(allowed[s]) == 0 }

// Failure codes, modelled on what banks return, stable for platforms to branch on.
const (
	FailAccountClosed        = "account_closed"
	FailInvalidAccountNumber = "invalid_account_number"
	FailNoAccount            = "no_account"
	FailAccountFrozen        = "account_frozen"
	FailDeclined             = "declined"
	FailInsufficientFunds    = "insufficient_funds"
	FailCouldNotProcess      = "could_not_process"
	FailPayoutMethodRemoved  = "payout_method_removed"
	FailCardDeclined         = "card_declined"
	FailExpiredCard          = "expired_card"
	FailIncorrectCVC         = "incorrect_cvc"
	FailProcessingError      = "processing_error"
)

// FailureMessages are the sentences shown beside each code.
var FailureMessages = map[string]string{
	FailAccountClosed:        "The bank account is closed.",
	FailInvalidAccountNumber: "The account number is not valid at the receiving bank.",
	FailNoAccount:            "The bank could not find the account.",
	FailAccountFrozen:        "The bank account is frozen.",
	FailDeclined:             "The receiving bank declined the payment.",
	FailInsufficientFunds:    "The payment could not be funded.",
	FailCouldNotProcess:      "The bank could not process the payment.",
	FailPayoutMethodRemoved:  "The payout method was removed before the payout was sent.",
	FailCardDeclined:         "The card was declined.",
	FailExpiredCard:          "The card has expired.",
	FailIncorrectCVC:         "The card's security code is incorrect.",
	FailProcessingError:      "The card could not be charged because of a processing error.",
}

// Source says what created a payment.
type Source string

// Sources.
const (
	SourceWithdrawal Source = "withdrawal"
	SourceAPI        Source = "api"
)

// Payment is one payout or payin.
type Payment struct {
	ID             string
	Scope          tenant.Scope
	Type           Type
	Status         Status
	Amount         int64
	Currency       string
	RecipientID    string
	PayoutMethodID string
	Rail           string
	RailReference  string
	// RailFileID is the bank file that carried the payout (file rails).
	RailFileID     string
	Source         Source
	Description    string
	Metadata       json.RawMessage
	ExternalID     string
	FailureCode    string
	FailureMessage string
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// The Payments API's own fields (seed 003). CustomerID is the platform's id of the person;
	// for payouts it is also the external id of the recipient whose saved methods the hosted
	// form offers.
	CustomerID   string
	CustomerName string
	RedirectURL  string
	// WebhookURL overrides the org's webhook endpoints for this payment's events.
	WebhookURL string
	// ExpiresAt is when an unfinished hosted form stops working (nil: never).
	ExpiresAt *time.Time
	// RequestHash is the SHA-256 of the creating request's canonical body: a repeat with the
	// same externalId and the same hash is the same payment.
	RequestHash string
	// PayinMethod says how a payin is being paid: card or bank_transfer.
	PayinMethod string
	// MethodSummary describes the means without revealing it ("Visa •••• 4242").
	MethodSummary string
}

// Payin methods.
const (
	PayinCard         = "card"
	PayinBankTransfer = "bank_transfer"
)

// Transition is one recorded state change.
type Transition struct {
	ID        string
	PaymentID string
	From, To  Status
	Reason    string
	CreatedAt time.Time
}

// ErrIllegalTransition is returned for a change the state machine forbids.
var ErrIllegalTransition = errors.New("illegal payment transition")

// Move changes p's status to `to`, or refuses with ErrIllegalTransition. The caller persists p
// and the returned transition in the transaction that also posts the money.
func (p *Payment) Move(to Status, reason string, at time.Time, newID func() string) (Transition, error) {
	if !CanTransition(p.Status, to) {
		return Transition{}, fmt.Errorf("%w: %s -> %s", ErrIllegalTransition, p.Status, to)
	}
	t := Transition{ID: newID(), PaymentID: p.ID, From: p.Status, To: to, Reason: reason, CreatedAt: at}
	p.Status, p.UpdatedAt = to, at
	return t, nil
}

// Fail moves p to failed with a code and its sentence.
func (p *Payment) Fail(code, detail string, at time.Time, newID func() string) (Transition, error) {
	t, err := p.Move(Failed, code, at, newID)
	if err != nil {
		return t, err
	}
	p.FailureCode = code
	p.FailureMessage = FailureMessages[code]
	if p.FailureMessage == "" {
		p.FailureMessage = FailureMessages[FailCouldNotProcess]
	}
	if detail != "" {
		p.FailureMessage += " (" + detail + ")"
	}
	return t, nil
}
