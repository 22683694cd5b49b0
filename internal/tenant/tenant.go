// Package tenant holds the two things every stored object is scoped by: the organisation that
// owns it and the mode (test or live) it was created in. Every query filters by a Scope, so an
// object of another org or another mode is simply not found.
package tenant

import "fmt"

// Mode separates test objects from live ones, as integrators know from hosted payment APIs:
// objects created with a test key are invisible to live keys, and test money only ever moves
// through the sandbox rail.
type Mode string

// The two modes.
const (
	Test Mode = "test"
	Live Mode = "live"
)

// ParseMode validates a mode name.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case Test, Live:
		return Mode(s), nil
	}
	return "", fmt.Errorf("mode must be %q or %q", Test, Live)
}

// Scope is the org and mode a request acts in.
type Scope struct {
	OrgID string
	Mode  Mode
}
