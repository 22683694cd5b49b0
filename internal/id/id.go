// Package id makes identifiers. They are UUIDv7 values, so they sort by creation time; that
// lets cursor pagination and "newest first" listings use the primary key alone.
package id

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// New returns prefix + "_" + 32 lower-case hex digits of a UUIDv7, e.g. "tr_0193...".
// The prefix tells a reader what an id refers to (tr, evt, pay, key...).
func New(prefix string) string {
	return prefix + "_" + strings.ReplaceAll(UUID(), "-", "")
}

// UUID returns a UUIDv7 in its canonical form. Orgs and recipients use plain UUIDs because the
// seeds' tokens carry them as such (the internal_site_id claim).
func UUID() string {
	u, err := uuid.NewV7()
	if err != nil {
		// NewV7 only fails when the system's random source fails; nothing safe can go on then.
		panic(err)
	}
	return u.String()
}

// IsUUID reports whether s is a canonical UUID, which is how paths tell a recipient's UUID from
// the platform's external id.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Before returns an id that sorts before every id New(prefix) makes at or after t (and after
// those made earlier): the prefix and t's 48-bit millisecond UUIDv7 timestamp. Retention uses
// it to find old rows through the primary key.
func Before(prefix string, t time.Time) string {
	return fmt.Sprintf("%s_%012x", prefix, uint64(t.UnixMilli())&(1<<48-1))
}

// spanBits is how many low bits of a span's id its members number.
const spanBits = 24

// MaxSpan is how many ids a span holds after its own.
const MaxSpan = 1<<spanBits - 1

// NewSpan returns a New id whose last 24 bits are zero. Member(span, i) for 1 <= i <= MaxSpan
// then sorts after it and before every other id: an event that stands for many (a bank file's
// export) can have those written later, in the place the first one holds in the order.
func NewSpan(prefix string) string {
	s := New(prefix)
	return s[:len(s)-spanBits/4] + strings.Repeat("0", spanBits/4)
}

// Member is the i-th id of span (1 <= i <= MaxSpan): the same id with i in its last 24 bits.
// It panics on an i out of range, which would break the order the span promises.
func Member(span string, i int) string {
	if i < 1 || i > MaxSpan {
		panic(fmt.Sprintf("id: span member %d out of range", i))
	}
	return fmt.Sprintf("%s%0*x", span[:len(span)-spanBits/4], spanBits/4, i)
}

// MemberIndex is the i of Member(span, i), or false when member is not one of span's.
func MemberIndex(span, member string) (int, bool) {
	k := len(span) - spanBits/4
	if k < 0 || len(member) != len(span) || member[:k] != span[:k] {
		return 0, false
	}
	n, err := strconv.ParseUint(member[k:], 16, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return int(n), true
}
