// Package id makes identifiers. They are UUIDv7 values, so they sort by creation time; that
// lets cursor pagination and "newest first" listings use the primary key alone.
package id

import (
	"fmt"
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
