// Package rail defines how payouts leave Payport: a Rail takes a payout to a bank account and
// reports how it ended. Rails are chosen per payout by the payout method's scheme, the
// currency and the org's configuration; test-mode money only ever moves through the sandbox.
package rail

import (
	"context"
	"errors"
	"time"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/tenant"
)

// Payout is what a rail needs to pay one payment out.
type Payout struct {
	PaymentID   string
	Scope       tenant.Scope
	Amount      int64
	Currency    string
	Details     bank.Details
	Description string
}

// Outcome is how a payout ended on its rail.
type Outcome struct {
	// Settled is true when the money arrived; false with FailureCode when it bounced.
	Settled     bool
	FailureCode string
	// Detail is the rail's own words (a return code, a status reason).
	Detail string
}

// Rail hands payouts to a payment network.
type Rail interface {
	// Name is the rail's identifier stored on the payment ("sandbox", "nacha", "sepa").
	Name() string
	// Supports reports whether the rail pays out to this scheme in this currency.
	Supports(scheme bank.Scheme, currency string) bool
	// Submit hands the payout over and returns the rail's reference. It must be idempotent by
	// PaymentID: after a crash the engine submits again, and the payout must not leave twice.
	Submit(ctx context.Context, p Payout) (reference string, err error)
}

// Settler is a rail that decides outcomes itself after a delay (the sandbox); file rails learn
// outcomes from imported bank files instead.
type Settler interface {
	Rail
	// Outcome tells how the payout ends; hold is true for a payout that never settles by
	// itself (it waits for an operator).
	Outcome(p Payout) (o Outcome, hold bool)
	// SettleDelay is how long a payout stays processing before its outcome.
	SettleDelay() time.Duration
}

// ErrNoRail means no configured rail can pay out this scheme and currency.
var ErrNoRail = errors.New("no rail pays out to this kind of account in this currency")

// Registry picks rails.
type Registry struct {
	Sandbox Settler
	// Live rails by name, consulted in order for live-mode payouts.
	Live []Rail
}

// For picks the rail of a payout: the sandbox in test mode; in live mode the first live rail
// that supports the scheme and currency.
func (r *Registry) For(mode tenant.Mode, scheme bank.Scheme, currency string) (Rail, error) {
	if mode == tenant.Test {
		if r.Sandbox != nil && r.Sandbox.Supports(scheme, currency) {
			return r.Sandbox, nil
		}
		return nil, ErrNoRail
	}
	for _, l := range r.Live {
		if l.Supports(scheme, currency) {
			return l, nil
		}
	}
	return nil, ErrNoRail
}

// ByName finds a rail by its stored name.
func (r *Registry) ByName(name string) (Rail, bool) {
	if r.Sandbox != nil && r.Sandbox.Name() == name {
		return r.Sandbox, true
	}
	for _, l := range r.Live {
		if l.Name() == name {
			return l, true
		}
	}
	return nil, false
}
