package ledger

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/tenant"
)

// Store is what posting needs from one database transaction. The storage engines implement it.
type Store interface {
	// EnsureAccounts returns the ids of the referenced accounts, creating missing ones; created
	// holds the ids it created in this transaction.
	EnsureAccounts(ctx context.Context, refs []AccountRef) (ids map[AccountRef]string, created map[string]bool, err error)
	// DeleteAccounts removes accounts this transaction created and no transfer used, so that a
	// refused posting leaves nothing behind.
	DeleteAccounts(ctx context.Context, ids []string) error
	// LockAccounts reads the accounts and holds them against concurrent change until the
	// transaction ends (row locks in ascending id order on PostgreSQL; SQLite has one writer).
	LockAccounts(ctx context.Context, ids []string) (map[string]Account, error)
	// TransfersByKey returns the already-posted transfers with these keys.
	TransfersByKey(ctx context.Context, scope tenant.Scope, keys []string) (map[string]Transfer, error)
	// InsertTransfers stores new transfers.
	InsertTransfers(ctx context.Context, transfers []Transfer) error
	// SetBalances writes the new cached balances.
	SetBalances(ctx context.Context, balances map[string]int64) error
}

// Result is the outcome of one posting of a batch.
type Result struct {
	Transfer Transfer
	// Replayed is true when a transfer with the same key already existed: nothing moved.
	Replayed bool
	// SourceBalance and DestinationBalance are the two accounts' balances right after this
	// posting (for a replay: their current balances). Accounts that may go negative have no
	// cached balance; theirs reads 0.
	SourceBalance, DestinationBalance int64
	// Err is the posting's own failure (ErrInsufficientFunds, ErrInvalidPosting); the other
	// postings of the batch are unaffected.
	Err error
}

// Post applies postings in order inside the caller's transaction. Each posting succeeds or
// fails on its own: a posting that would overdraw its source fails with ErrInsufficientFunds
// and the rest go on, which lets callers batch many requests into one transaction.
// The returned error is a storage failure, after which the transaction must roll back.
func Post(ctx context.Context, s Store, now time.Time, postings []Posting) ([]Result, error) {
	results := make([]Result, len(postings))
	var refs []AccountRef
	keysByScope := map[tenant.Scope][]string{}
	for i, p := range postings {
		if err := p.Validate(); err != nil {
			results[i].Err = err
			continue
		}
		refs = append(refs, p.Source, p.Destination)
		if p.Key != "" {
			keysByScope[p.Source.Scope] = append(keysByScope[p.Source.Scope], p.Key)
		}
	}
	if len(refs) == 0 {
		return results, nil
	}
	accountIDs, created, err := s.EnsureAccounts(ctx, refs)
	if err != nil {
		return nil, err
	}
	// Only accounts with a rule (no negative balance) are locked and have cached balances.
	ids := make([]string, 0, len(accountIDs))
	unbounded := map[string]bool{}
	for ref, v := range accountIDs {
		if ref.Kind.AllowsNegative() {
			unbounded[v] = true
			continue
		}
		ids = append(ids, v)
	}
	sort.Strings(ids)
	ids = compactSorted(ids)
	// Lock before looking up keys: a concurrent twin with the same key then waits here and sees
	// the first one's transfer once it commits.
	accounts := map[string]Account{}
	if len(ids) > 0 {
		if accounts, err = s.LockAccounts(ctx, ids); err != nil {
			return nil, err
		}
	}
	existing := map[tenant.Scope]map[string]Transfer{}
	for scope, keys := range keysByScope {
		found, err := s.TransfersByKey(ctx, scope, keys)
		if err != nil {
			return nil, err
		}
		existing[scope] = found
	}

	balances := map[string]int64{}
	for id, a := range accounts {
		balances[id] = a.Balance
	}
	changed := map[string]int64{}
	seenKeys := map[tenant.Scope]map[string]int{}
	var inserts []Transfer
	for i, p := range postings {
		if results[i].Err != nil {
			continue
		}
		if p.Key != "" {
			if t, ok := existing[p.Source.Scope][p.Key]; ok {
				results[i] = Result{Transfer: t, Replayed: true,
					SourceBalance: balances[t.SourceID], DestinationBalance: balances[t.DestinationID]}
				continue
			}
			if j, ok := seenKeys[p.Source.Scope][p.Key]; ok {
				// The same key twice in one batch: the second is a replay of the first.
				results[i] = results[j]
				results[i].Replayed = true
				continue
			}
			if seenKeys[p.Source.Scope] == nil {
				seenKeys[p.Source.Scope] = map[string]int{}
			}
			seenKeys[p.Source.Scope][p.Key] = i
		}
		srcID, dstID := accountIDs[p.Source], accountIDs[p.Destination]
		for _, id := range []string{srcID, dstID} {
			if _, ok := accounts[id]; !ok && !unbounded[id] {
				return nil, fmt.Errorf("ledger: account %s vanished while locked", id)
			}
		}
		// Unbounded accounts start from 0 here: only the bounded side's balance is real.
		newSrc, err := ApplyDelta(balances[srcID], -p.Amount, unbounded[srcID])
		if err != nil {
			results[i].Err = err
			continue
		}
		newDst, err := ApplyDelta(balances[dstID], p.Amount, unbounded[dstID])
		if err != nil {
			results[i].Err = err
			continue
		}
		for id, v := range map[string]int64{srcID: newSrc, dstID: newDst} {
			if !unbounded[id] {
				balances[id], changed[id] = v, v
			}
		}
		t := Transfer{
			ID: id.New("tr"), Scope: p.Source.Scope, Kind: p.Kind, Currency: p.Source.Currency,
			Amount: p.Amount, SourceID: srcID, DestinationID: dstID, Key: p.Key,
			Description: p.Description, Metadata: p.Metadata, ReversesTransferID: p.ReversesTransferID,
			PaymentID: p.PaymentID, CreatedAt: now,
		}
		if len(t.Metadata) == 0 {
			t.Metadata = []byte("{}")
		}
		inserts = append(inserts, t)
		results[i] = Result{Transfer: t, SourceBalance: newSrc, DestinationBalance: newDst}
	}
	if len(inserts) > 0 {
		if err := s.InsertTransfers(ctx, inserts); err != nil {
			return nil, err
		}
		if err := s.SetBalances(ctx, changed); err != nil {
			return nil, err
		}
	}
	if len(created) > 0 {
		used := map[string]bool{}
		for _, t := range inserts {
			used[t.SourceID], used[t.DestinationID] = true, true
		}
		var unused []string
		for id := range created {
			if !used[id] {
				unused = append(unused, id)
			}
		}
		if len(unused) > 0 {
			sort.Strings(unused)
			if err := s.DeleteAccounts(ctx, unused); err != nil {
				return nil, err
			}
		}
	}
	return results, nil
}

// PostOne posts a single posting and returns its own failure as the error.
func PostOne(ctx context.Context, s Store, now time.Time, p Posting) (Result, error) {
	rs, err := Post(ctx, s, now, []Posting{p})
	if err != nil {
		return Result{}, err
	}
	return rs[0], rs[0].Err
}

func compactSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
