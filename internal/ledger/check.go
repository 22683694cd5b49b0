package ledger

import (
	"fmt"
	"sort"

	"github.com/payport/payport/internal/tenant"
)

// AccountTotals is an account with the sums of the transfers into and out of it, as read by
// the invariant check.
type AccountTotals struct {
	Account
	In  int64
	Out int64
}

// Violation is one broken ledger invariant, in words an operator can act on.
type Violation struct {
	Rule    string `json:"rule"`
	Subject string `json:"subject"`
	Detail  string `json:"detail"`
}

// The invariant names, stable for scripts reading `payport ledger check --json`.
const (
	RuleBalanceEqualsTransfers = "balance_equals_transfers"
	RuleNonNegative            = "non_negative"
	RuleZeroSum                = "zero_sum_per_currency"
)

// Check verifies the ledger invariants over every account:
//   - each cached balance equals the sum of its incoming minus outgoing transfers (accounts
//     that may go negative cache none: their balance is that sum);
//   - accounts that may not go negative are not negative;
//   - per org, mode and currency, all balances sum to zero (money is only ever moved).
func Check(accounts []AccountTotals) []Violation {
	var out []Violation
	type key struct {
		scope    tenant.Scope
		currency string
	}
	sums := map[key]int64{}
	for _, a := range accounts {
		if a.AllowNegative {
			// Uncached: the balance is the sum of the transfers.
			sums[key{a.Ref.Scope, a.Ref.Currency}] += a.In - a.Out
			continue
		}
		if a.Balance != a.In-a.Out {
			out = append(out, Violation{RuleBalanceEqualsTransfers, a.ID,
				fmt.Sprintf("balance %d but transfers in %d minus out %d = %d (%s)", a.Balance, a.In, a.Out, a.In-a.Out, a.Ref)})
		}
		if a.Balance < 0 {
			out = append(out, Violation{RuleNonNegative, a.ID, fmt.Sprintf("balance %d below zero (%s)", a.Balance, a.Ref)})
		}
		sums[key{a.Ref.Scope, a.Ref.Currency}] += a.Balance
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.scope.OrgID != b.scope.OrgID {
			return a.scope.OrgID < b.scope.OrgID
		}
		if a.scope.Mode != b.scope.Mode {
			return a.scope.Mode < b.scope.Mode
		}
		return a.currency < b.currency
	})
	for _, k := range keys {
		if s := sums[k]; s != 0 {
			out = append(out, Violation{RuleZeroSum, fmt.Sprintf("%s/%s/%s", k.scope.OrgID, k.scope.Mode, k.currency),
				fmt.Sprintf("balances sum to %d, not 0", s)})
		}
	}
	return out
}
