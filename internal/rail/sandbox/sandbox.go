// Package sandbox is the default rail: it pays out nothing real, settles after a configurable
// delay, and decides outcomes by documented magic values, the way card networks publish test
// card numbers. See docs/SANDBOX.md.
package sandbox

import (
	"context"
	"strings"
	"time"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/rail"
)

// Rail is the sandbox rail.
type Rail struct {
	// SettleAfter is how long a payout stays processing before its outcome.
	SettleAfter time.Duration
}

// SettleDelay implements rail.Settler.
func (r Rail) SettleDelay() time.Duration { return r.SettleAfter }

// Name implements rail.Rail.
func (Rail) Name() string { return "sandbox" }

// Supports implements rail.Rail: the sandbox accepts every scheme and currency.
func (Rail) Supports(bank.Scheme, string) bool { return true }

// Submit implements rail.Rail. The reference derives from the payment id, so submitting twice
// is harmless.
func (Rail) Submit(_ context.Context, p rail.Payout) (string, error) {
	return "sbx_" + strings.TrimPrefix(p.PaymentID, "pay_"), nil
}

// MagicEndings maps the last four digits of the account number (or IBAN) to an outcome.
// Anything else succeeds.
var MagicEndings = map[string]string{
	"1111": payment.FailNoAccount,
	"2222": payment.FailAccountClosed,
	"3333": payment.FailInsufficientFunds,
	"4444": payment.FailAccountFrozen,
	"5555": payment.FailDeclined,
	"6666": payment.FailInvalidAccountNumber,
	"7777": payment.FailCouldNotProcess,
}

// HoldEnding keeps a payout processing until an operator settles or fails it.
const HoldEnding = "8888"

// Outcome implements rail.Settler.
func (Rail) Outcome(p rail.Payout) (rail.Outcome, bool) {
	number := p.Details.AccountNumber
	if p.Details.Scheme == bank.IBAN {
		number = p.Details.IBAN
	}
	end := number
	if len(end) > 4 {
		end = end[len(end)-4:]
	}
	if end == HoldEnding {
		return rail.Outcome{}, true
	}
	if code, ok := MagicEndings[end]; ok {
		return rail.Outcome{FailureCode: code, Detail: "sandbox account ending " + end}, false
	}
	return rail.Outcome{Settled: true}, false
}
