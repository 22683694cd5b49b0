// Package recipient holds the people and businesses an org owes money to (the seeds' sites and
// companies), and the rules that say whether one may withdraw.
package recipient

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// Recipient is one end user of a platform. ExternalID is the platform's own id for it (the
// seeds' site_id / company_id); ID is Payport's UUID (the internal_site_id claim).
type Recipient struct {
	ID         string
	Scope      tenant.Scope
	ExternalID string
	Email      string
	Name       string
	Country    string
	Currency   string
	// MinimumWithdrawal overrides the org's default threshold when set (minor units).
	MinimumWithdrawal *int64
	Metadata          json.RawMessage
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Balance is what the Balance Info endpoint reports for one currency, in minor units.
type Balance struct {
	Currency string
	// Available may be withdrawn now.
	Available int64
	// PendingWithdrawals are requested and not yet paid out.
	PendingWithdrawals int64
	// TotalEarnings is everything ever credited, net of reversals and negative adjustments.
	TotalEarnings     int64
	MinimumWithdrawal int64
	MinimumWaitDays   int
	HasBankAccount    bool
	// IdentityRequired is the org's rule that withdrawals need a verified identity;
	// IdentityVerified whether the recipient's is.
	IdentityRequired, IdentityVerified bool
	// Withdrawable is the part of Available past the minimum wait (equal to Available when
	// there is no wait).
	Withdrawable int64
}

// Reasons why a recipient cannot withdraw, stable for machines to branch on.
const (
	ReasonNoBalance         = "no_balance"
	ReasonBelowMinimum      = "below_minimum"
	ReasonNoBankAccount     = "no_bank_account"
	ReasonWaitPeriod        = "minimum_wait_period"
	ReasonOnboardingPending = "onboarding_incomplete"
)

// Eligibility says whether a withdrawal is possible and, when not, why in both a code and a
// sentence a platform can show its user as is (seed 001's recommended pattern).
type Eligibility struct {
	CanWithdraw bool
	Reason      string
	Message     string
}

// CanWithdraw decides withdrawal eligibility from a balance. format renders an amount in the
// balance's currency for the human message.
func CanWithdraw(b Balance, format func(int64) string) Eligibility {
	switch {
	case b.Available <= 0:
		return Eligibility{false, ReasonNoBalance, "There is no balance to withdraw yet."}
	case b.Withdrawable < b.Available && b.Withdrawable < max(b.MinimumWithdrawal, 1):
		return Eligibility{false, ReasonWaitPeriod, "Recent earnings become available to withdraw after " +
			strconv.Itoa(b.MinimumWaitDays) + " days."}
	case b.Withdrawable < b.MinimumWithdrawal:
		return Eligibility{false, ReasonBelowMinimum, "The minimum withdrawal is " + format(b.MinimumWithdrawal) + " " +
			b.Currency + "; the balance is " + format(b.Withdrawable) + " " + b.Currency + "."}
	case !b.HasBankAccount:
		return Eligibility{false, ReasonNoBankAccount, "Add a bank account to withdraw."}
	case b.IdentityRequired && !b.IdentityVerified:
		return Eligibility{false, ReasonOnboardingPending, "Verify your identity to withdraw."}
	}
	return Eligibility{CanWithdraw: true}
}
