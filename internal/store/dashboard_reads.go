package store

import (
	"context"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/tenant"
)

// DashboardReads are the queries of the dashboard's payment and recipient pages (issue 9)
// that the API's own reads do not cover.
type DashboardReads interface {
	// TransfersOfPayment lists the ledger transfers a payment made, oldest first.
	TransfersOfPayment(ctx context.Context, scope tenant.Scope, paymentID string) ([]ledger.Transfer, error)
	// EventsOfObject lists up to limit events about one object, oldest first, whose ids are
	// at least since: ids sort by creation time, so the object's own id (minus a margin)
	// bounds the read to the events written after it.
	EventsOfObject(ctx context.Context, scope tenant.Scope, objectID, since string, limit int) ([]event.Event, error)
	// RecipientFacts reads, for a page of recipients, their ledger accounts, whether each
	// has an active payout method, and its identity status.
	RecipientFacts(ctx context.Context, scope tenant.Scope, recipientIDs []string) (map[string]RecipientFacts, error)
}

// RecipientFacts are what a list of recipients shows beside each one.
type RecipientFacts struct {
	// Accounts are the recipient's ledger accounts (available, pending, in transit) in
	// every currency it used.
	Accounts []ledger.Account
	// HasPayoutMethod: at least one active payout method.
	HasPayoutMethod bool
	// IdentityStatus is "" when no identity was ever submitted.
	IdentityStatus string
}
