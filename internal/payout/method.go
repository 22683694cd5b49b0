// Package payout holds payout methods: where a recipient's money goes. A method's full bank
// details are sealed at rest and never shown again after creation; only the masked form is.
package payout

import (
	"encoding/json"
	"time"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/tenant"
)

// MethodType is the kind of destination. Only bank accounts exist so far; PayPal or mobile
// wallets would be new types with their own details.
type MethodType string

// Method types.
const (
	BankAccount MethodType = "bank_account"
)

// Method statuses. Removed methods are archived, not deleted: past payments still name them.
const (
	StatusActive   = "active"
	StatusArchived = "archived"
)

// Method is a stored payout method.
type Method struct {
	ID          string
	Scope       tenant.Scope
	RecipientID string
	Type        MethodType
	Masked      bank.Masked
	// Sealed is the full bank.Details, encrypted and bound to ID.
	Sealed      string
	Fingerprint string
	IsDefault   bool
	Status      string
	// Notice holds what the bank told us about the account (a NACHA notification of change).
	Notice    json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SealAAD is the associated data binding a method's ciphertext to its row, so a ciphertext
// copied onto another method does not decrypt.
func SealAAD(methodID string) []byte { return []byte("payout_method:" + methodID) }
