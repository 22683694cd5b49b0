// Package event defines the records of the event outbox. Every state change that a platform may
// want to hear about writes an Event in the same database transaction as the change itself, so
// an event exists if and only if its change committed; delivery (webhooks) reads the outbox.
package event

import (
	"encoding/json"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// Type names an event kind. The catalogue is documented in docs/EVENTS.md.
type Type string

// Event types recorded by the foundation. Later packages add their own.
const (
	RecipientCreated Type = "recipient.created"
	RecipientUpdated Type = "recipient.updated"
	BalanceCredited  Type = "balance.credited"
	BalanceAdjusted  Type = "balance.adjusted"
)

// Event is one outbox row: the full object as it was right after the change.
type Event struct {
	ID        string
	Scope     tenant.Scope
	Type      Type
	ObjectID  string
	Data      json.RawMessage
	CreatedAt time.Time
	// EndpointsOnly says the event can reach only its scope's webhook endpoints (no webhook
	// URL of its own object). The store records such an event as already dispatched when the
	// scope has no endpoint, so the dispatcher never has to route it: most orgs that only
	// credit balances take no webhooks.
	EndpointsOnly bool
	// Dispatched says its writer made the event's webhook messages itself, in the same
	// transaction (an export's payment.processing events): the store records it as dispatched.
	Dispatched bool
}
