package rail

import (
	"context"
	"encoding/json"
	"time"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/tenant"
)

// Batched is a rail that pays out by bank file: submitting only queues the payout; it moves to
// processing when a file carrying it is exported, and learns its outcome from the bank's
// return or status files (or from the settlement period passing without one).
type Batched interface {
	Rail
	// Currency is the one currency the rail's files carry.
	Currency() string
}

// File statuses.
const (
	FileExported = "exported"
	FileSettled  = "settled"
)

// File is an exported bank file.
type File struct {
	ID           string
	Scope        tenant.Scope
	Rail         string
	Filename     string
	Content      []byte
	PaymentCount int
	TotalAmount  int64
	Currency     string
	Status       string
	CreatedAt    time.Time
	SettledAt    *time.Time
}

// Import records one imported bank file (returns or a status report) and what it did.
type Import struct {
	ID          string
	Scope       tenant.Scope
	Rail        string
	Kind        string
	ContentHash string
	Result      json.RawMessage
	CreatedAt   time.Time
}

// fileRail is a Batched rail defined by the scheme and currency it pays.
type fileRail struct {
	name     string
	scheme   string
	currency string
}

func (f fileRail) Name() string     { return f.name }
func (f fileRail) Currency() string { return f.currency }

// Supports implements Rail.
func (f fileRail) Supports(scheme bank.Scheme, currency string) bool {
	return string(scheme) == f.scheme && currency == f.currency
}

// Submit implements Rail: a file rail's submission is its place in the next file, so there is
// nothing to send and nothing that could happen twice.
func (f fileRail) Submit(_ context.Context, p Payout) (string, error) { return "", nil }

// NACHA is the US ACH file rail (USD payouts to us_ach accounts).
var NACHA Batched = fileRail{name: "nacha", scheme: "us_ach", currency: "USD"}

// SEPA is the SEPA credit transfer file rail (EUR payouts to IBANs).
var SEPA Batched = fileRail{name: "sepa", scheme: "iban", currency: "EUR"}
