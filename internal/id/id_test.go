package id

import (
	"strings"
	"testing"
	"time"
)

// TestBeforeSortsByTime: ids made after t sort at or after Before(t), ids made before sort
// before it.
func TestBeforeSortsByTime(t *testing.T) {
	earlier := New("evt")
	time.Sleep(3 * time.Millisecond)
	cut := time.Now()
	time.Sleep(3 * time.Millisecond)
	later := New("evt")
	b := Before("evt", cut)
	if !(earlier < b) {
		t.Errorf("%s made before %v does not sort before %s", earlier, cut, b)
	}
	if !(later >= b) {
		t.Errorf("%s made after %v sorts before %s", later, cut, b)
	}
}

// TestSpanMembersSortBetween: a span's members sort after it, in their order, and before the
// next id made, even one made in the same millisecond.
func TestSpanMembersSortBetween(t *testing.T) {
	for range 200 {
		span := NewSpan("evt")
		next := New("evt")
		first, second, last := Member(span, 1), Member(span, 2), Member(span, MaxSpan)
		if !(span < first && first < second && second < last && last < next) {
			t.Fatalf("span %s, members %s %s %s, next %s: out of order", span, first, second, last, next)
		}
		if i, ok := MemberIndex(span, second); !ok || i != 2 {
			t.Fatalf("MemberIndex(%s, %s) = %d, %v; want 2", span, second, i, ok)
		}
		if _, ok := MemberIndex(span, next); ok {
			t.Fatalf("%s counted as a member of %s", next, span)
		}
		if len(first) != len(span) || !strings.HasPrefix(first, "evt_") {
			t.Fatalf("member %s is not shaped like %s", first, span)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Member(span, 0) did not panic")
		}
	}()
	Member(NewSpan("evt"), 0)
}
