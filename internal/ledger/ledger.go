// Package ledger is Payport's double-entry ledger: accounts owned by an org or a recipient, and
// immutable transfers that move an amount from one account to another in one currency.
//
// Balances are derived from transfers; the stored balance on an account is a cache updated in
// the same transaction as each transfer, so that "available never goes below zero" can be
// enforced under a row lock. Invariants (see Check) prove the cache right.
package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// OwnerType says who an account belongs to.
type OwnerType string

// Account owners.
const (
	OwnerOrg       OwnerType = "org"
	OwnerRecipient OwnerType = "recipient"
)

// Kind is what an account holds.
type Kind string

// Account kinds. Funding and external accounts may go negative: they mirror money outside the
// ledger (the org's own funds, the banking system).
const (
	// Available is money a recipient may withdraw (or an org may spend).
	Available Kind = "available"
	// Pending holds the money of payouts from their request until they settle or fail.
	Pending Kind = "pending"
	// Funding is the org's source of credits: it goes negative by what the org owes.
	Funding Kind = "funding"
	// InTransit held payouts submitted to a rail until migration 00019 moved that money back
	// to Pending (a payout's status, not its account, says whether a rail has it). No new
	// transfer uses it; the ledger check still counts it with Pending.
	InTransit Kind = "in_transit"
	// External is the outside world: settled payouts end here, payins start here.
	External Kind = "external"
)

// AllowsNegative reports whether accounts of this kind may hold a negative balance.
//
// Such accounts have no rule to enforce, so posting neither locks them nor caches their
// balance: their balance is, by definition, the sum of their transfers. This matters because
// one funding account takes part in every credit of an org; locking it would serialise them.
func (k Kind) AllowsNegative() bool { return k == Funding || k == External }

// AccountRef names an account by what it is; the ledger creates it on first use.
type AccountRef struct {
	Scope     tenant.Scope
	OwnerType OwnerType
	OwnerID   string
	Kind      Kind
	Currency  string
}

// String is a readable form for errors and logs.
func (r AccountRef) String() string {
	return fmt.Sprintf("%s:%s:%s:%s", r.OwnerType, r.OwnerID, r.Kind, r.Currency)
}

// Account is a ledger account. Balance is the cached balance in minor units for accounts that
// may not go negative; for the others it is not maintained (see Kind.AllowsNegative) and the
// balance is the sum of their transfers.
type Account struct {
	ID            string
	Ref           AccountRef
	Balance       int64
	AllowNegative bool
	CreatedAt     time.Time
}

// TransferKind classifies a transfer for listings and reports.
type TransferKind string

// Transfer kinds used so far.
const (
	KindCredit     TransferKind = "credit"
	KindAdjustment TransferKind = "adjustment"
	KindReversal   TransferKind = "reversal"
)

// Transfer is an immutable movement of Amount (minor units, > 0) from Source to Destination.
type Transfer struct {
	ID            string
	Scope         tenant.Scope
	Kind          TransferKind
	Currency      string
	Amount        int64
	SourceID      string
	DestinationID string
	// Key makes posting idempotent: a second posting with the same key in the same scope
	// returns the first transfer and moves nothing.
	Key                string
	Description        string
	Metadata           json.RawMessage
	ReversesTransferID string
	// PaymentID links the transfer to the payment it moved money for, if any.
	PaymentID string
	CreatedAt time.Time
}

// Posting asks the ledger to move money between two accounts named by reference.
type Posting struct {
	Kind               TransferKind
	Source             AccountRef
	Destination        AccountRef
	Amount             int64
	Key                string
	Description        string
	Metadata           json.RawMessage
	ReversesTransferID string
	PaymentID          string
}

// Errors a posting can fail with.
var (
	// ErrInsufficientFunds means the source account may not go negative and holds less than
	// the amount.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrInvalidPosting means the posting itself is malformed (a programming error upstream).
	ErrInvalidPosting = errors.New("invalid posting")
)

// Validate checks the posting's shape; the ledger never stores a malformed transfer.
func (p Posting) Validate() error {
	switch {
	case p.Amount <= 0:
		return fmt.Errorf("%w: amount must be positive", ErrInvalidPosting)
	case p.Source.Currency != p.Destination.Currency:
		return fmt.Errorf("%w: currencies differ", ErrInvalidPosting)
	case p.Source.Scope != p.Destination.Scope:
		return fmt.Errorf("%w: scopes differ", ErrInvalidPosting)
	case p.Source == p.Destination:
		return fmt.Errorf("%w: source and destination are the same account", ErrInvalidPosting)
	case p.Kind == "":
		return fmt.Errorf("%w: kind is required", ErrInvalidPosting)
	}
	return nil
}

// ApplyDelta returns the balance after adding delta, or ErrInsufficientFunds if the account may
// not go negative and would. Overflow is refused too: a balance beyond int64 is not money.
func ApplyDelta(balance, delta int64, allowNegative bool) (int64, error) {
	next := balance + delta
	if (delta > 0 && next < balance) || (delta < 0 && next > balance) {
		return balance, fmt.Errorf("%w: balance overflow", ErrInvalidPosting)
	}
	if next < 0 && !allowNegative {
		return balance, ErrInsufficientFunds
	}
	return next, nil
}
