package cache

import (
	"fmt"
	"testing"
)

// TestBoundedStartsOverWhenFull: the map never holds more than its limit, keeps what was
// stored since it last started over, and its zero value uses DefaultLimit.
func TestBoundedStartsOverWhenFull(t *testing.T) {
	b := Bounded[string, int]{Limit: 3}
	for i := range 10 {
		k := fmt.Sprint("k", i)
		b.Store(k, i)
		if n := b.Len(); n > 3 {
			t.Fatalf("after %d stores the map holds %d entries, limit 3", i+1, n)
		}
		if v, ok := b.Load(k); !ok || v != i {
			t.Fatalf("%s just stored reads %d, %v", k, v, ok)
		}
	}
	// Stores 1-3 filled it, 4 started over, 7 again, 10 again: k9 alone is left.
	if _, ok := b.Load("k8"); ok || b.Len() != 1 {
		t.Errorf("after 10 stores: k8 kept %v, %d entries; want only k9", ok, b.Len())
	}
	var z Bounded[int, int]
	for i := range DefaultLimit {
		z.Store(i, i)
	}
	if z.Len() != DefaultLimit {
		t.Fatalf("zero value holds %d of %d before its limit", z.Len(), DefaultLimit)
	}
	z.Store(-1, -1)
	if z.Len() != 1 {
		t.Errorf("zero value past DefaultLimit holds %d entries, want 1", z.Len())
	}
}
