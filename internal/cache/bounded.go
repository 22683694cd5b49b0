// Package cache holds Payport's in-process caches of facts that never change once true (a
// recipient's identity, a ledger account's id). Correctness never depends on them: a miss
// costs a database lookup, so a full cache simply starts over instead of tracking use.
package cache

import (
	"sync"
	"sync/atomic"
)

// DefaultLimit is a Bounded's size when its Limit is 0: entries take 200 to 250 bytes, so a
// cache stays near 5 MB however many recipients and accounts there are (a long mixed load's
// memory grew without end when the caches were not bounded).
const DefaultLimit = 20_000

// Bounded is a concurrent map of at most Limit entries: the store that would pass the limit
// empties the map first. Its zero value is ready to use; store only values that can never go
// stale. Under concurrent stores the bound may be passed by the few entries stored while the
// map is emptied.
type Bounded[K comparable, V any] struct {
	// Limit is the most entries held (0: DefaultLimit). Set it before the first Store.
	Limit int64
	m     sync.Map
	n     atomic.Int64
}

// Load returns the value stored for k.
func (b *Bounded[K, V]) Load(k K) (V, bool) {
	v, ok := b.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

// Store keeps v for k, emptying the map first when it is full.
func (b *Bounded[K, V]) Store(k K, v V) {
	limit := b.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if b.n.Add(1) > limit {
		b.m.Clear()
		b.n.Store(1) // the entry stored below
	}
	b.m.Store(k, v)
}

// Len counts the entries held (it walks the map: for tests and diagnostics).
func (b *Bounded[K, V]) Len() int {
	n := 0
	b.m.Range(func(any, any) bool { n++; return true })
	return n
}
