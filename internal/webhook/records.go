package webhook

import (
	"slices"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// Endpoint is a URL an org receives its events at. Its secrets are stored sealed; the app
// opens them to sign.
type Endpoint struct {
	ID          string
	Scope       tenant.Scope
	URL         string
	Description string
	// EventTypes filters what the endpoint receives; empty means every event.
	EventTypes     []string
	Enabled        bool
	DisabledReason string
	SecretSealed   string
	// PreviousSecretSealed keeps signing during a rotation, until PreviousSecretUntil.
	PreviousSecretSealed string
	PreviousSecretUntil  *time.Time
	// FailingSince is when deliveries to the endpoint started failing without a success since
	// (nil while it works); five days of it disable the endpoint.
	FailingSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Wants reports whether the endpoint receives events of type typ: listed, or a listed
// "prefix.*" wildcard, or no filter at all.
func (e Endpoint) Wants(typ string) bool {
	if len(e.EventTypes) == 0 {
		return true
	}
	for _, t := range e.EventTypes {
		if t == typ || t == "*" {
			return true
		}
		if prefix, ok := cutWildcard(t); ok && len(typ) > len(prefix) && typ[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

func cutWildcard(t string) (string, bool) {
	if len(t) > 2 && t[len(t)-2:] == ".*" {
		return t[:len(t)-1], true
	}
	return "", false
}

// OrgSecret is the org's signing secret for payments' own webhookUrl, one per org and mode.
type OrgSecret struct {
	Scope                tenant.Scope
	SecretSealed         string
	PreviousSecretSealed string
	PreviousSecretUntil  *time.Time
	// Revealed is set once the secret was shown: it is shown once.
	Revealed  bool
	CreatedAt time.Time
}

// Message statuses.
const (
	MessagePending   = "pending"
	MessageSucceeded = "succeeded"
	// MessageFailed: the retry schedule ran out.
	MessageFailed = "failed"
	// MessageCanceled: its endpoint was disabled or removed.
	MessageCanceled = "canceled"
)

// Message is one event on its way to one destination: an endpoint, or a payment's own
// webhookUrl (EndpointID empty). Every attempt carries the event id as webhook-id.
type Message struct {
	ID            string
	EventID       string
	Scope         tenant.Scope
	EndpointID    string
	URL           string
	Status        string
	Attempts      int
	NextAttemptAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// AttemptRecord is one logged delivery attempt.
type AttemptRecord struct {
	ID           string
	MessageID    string
	EventID      string
	EndpointID   string
	Scope        tenant.Scope
	Attempt      int
	StatusCode   int
	LatencyMS    int64
	ResponseBody string
	Error        string
	CreatedAt    time.Time
}

// ValidEventType reports whether t is a filter entry of the right shape ("payment.succeeded",
// "payment.*", "*") among known types.
func ValidEventType(t string, known []string) bool {
	if t == "*" || slices.Contains(known, t) {
		return true
	}
	if prefix, ok := cutWildcard(t); ok {
		for _, k := range known {
			if len(k) > len(prefix) && k[:len(prefix)] == prefix {
				return true
			}
		}
	}
	return false
}
