package ledger

import (
	"testing"

	"github.com/payport/payport/internal/tenant"
)

func TestCheckFindsEachBrokenInvariant(t *testing.T) {
	scope := tenant.Scope{OrgID: "o1", Mode: tenant.Test}
	acct := func(id string, kind Kind, balance, in, out int64) AccountTotals {
		return AccountTotals{Account: Account{ID: id, Balance: balance, AllowNegative: kind.AllowsNegative(),
			Ref: AccountRef{Scope: scope, OwnerType: OwnerRecipient, OwnerID: "r", Kind: kind, Currency: "EUR"}}, In: in, Out: out}
	}
	healthy := []AccountTotals{acct("a", Funding, -500, 0, 500), acct("b", Available, 500, 500, 0)}
	if v := Check(healthy); len(v) != 0 {
		t.Fatalf("healthy ledger reported %v", v)
	}

	// A cached balance that drifted from its transfers breaks two rules at once.
	drifted := []AccountTotals{acct("a", Funding, -500, 0, 500), acct("b", Available, 501, 500, 0)}
	rules := map[string]bool{}
	for _, v := range Check(drifted) {
		rules[v.Rule] = true
	}
	if !rules[RuleBalanceEqualsTransfers] || !rules[RuleZeroSum] || len(rules) != 2 {
		t.Fatalf("drifted ledger: got rules %v", rules)
	}

	// An available balance below zero.
	overdrawn := []AccountTotals{acct("a", Funding, 100, 100, 0), acct("b", Available, -100, 0, 100)}
	v := Check(overdrawn)
	if len(v) != 1 || v[0].Rule != RuleNonNegative || v[0].Subject != "b" {
		t.Fatalf("overdrawn ledger: got %v", v)
	}
}

func TestApplyDelta(t *testing.T) {
	if _, err := ApplyDelta(5, -6, false); err != ErrInsufficientFunds {
		t.Fatalf("overdraw allowed: %v", err)
	}
	if b, err := ApplyDelta(5, -6, true); err != nil || b != -1 {
		t.Fatalf("negative-allowed account: %d %v", b, err)
	}
	if _, err := ApplyDelta(1<<62, 1<<62, false); err == nil {
		t.Fatal("overflow accepted")
	}
}
