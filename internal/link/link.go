// Package link is the payment link of seed 002: a shareable, time-limited page where a customer
// pays an org, emailed to the customer, optionally gated by a one-time code sent to that email.
// Paying goes through the Payments API's payin checkout; the link only says who may pay what,
// until when.
package link

import (
	"encoding/json"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// Status is a link's state.
type Status string

// Statuses. Only an active link can be paid; the others are final.
const (
	Active  Status = "active"
	Paid    Status = "paid"
	Revoked Status = "revoked"
	Expired Status = "expired"
)

// Link is one payment link.
type Link struct {
	ID    string
	Scope tenant.Scope
	Email string
	// TransactionID ties the link to an existing payin payment of the org (seed 002's
	// transaction_id); empty when the link makes its own payment when paid.
	TransactionID string
	// Amount is in minor units of Currency; nil lets the customer enter the amount.
	Amount   *int64
	Currency string
	// ScheduledAt is when the link is emailed (nil: at once) and the time reminders look at.
	ScheduledAt *time.Time
	// OTPRequired gates the page behind a code emailed to Email.
	OTPRequired bool
	// PreVerified is set when the link was created with a code the customer had just verified
	// (seed 002's optional otp): the page does not ask for another.
	PreVerified bool
	Reference   string
	Metadata    json.RawMessage
	Status      Status
	// PaymentID is the payin that paid (or is paying) the link.
	PaymentID string
	ExpiresAt time.Time
	SentAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Usable says why the link cannot be used at now ("" when it can): expired from the exact
// second of its expiry, whether or not the expiry job has run.
func (l Link) Usable(now time.Time) string {
	switch {
	case l.Status != Active:
		return string(l.Status)
	case !now.Before(l.ExpiresAt):
		return string(Expired)
	}
	return ""
}
