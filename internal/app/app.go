// Package app holds Payport's use cases: each public method is one thing a caller (the HTTP
// API, the CLI, later the portal and the dashboard) can do, run in one database transaction
// together with its ledger transfers, its events and its jobs. The HTTP layer stays thin: it
// decodes, calls one method here and encodes.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/payport/payport/internal/acquirer"
	"github.com/payport/payport/internal/cache"
	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/jobs"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// App is the set of use cases over one store.
type App struct {
	Store store.Store
	// Jobs may be nil in tools that only read.
	Jobs      *jobs.Queue
	Log       *slog.Logger
	PublicURL string
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Metrics counts what the use cases do; nil disables counting.
	Metrics *Metrics
	// Sealer encrypts bank details at rest.
	Sealer Sealer
	// Mailer sends email; nil keeps messages in the development outbox.
	Mailer mail.Mailer
	// Rails picks and runs payout rails.
	Rails *rail.Registry
	// Acquirer charges cards for payins (nil: the sandbox).
	Acquirer acquirer.Acquirer
	// Verifier checks identities (nil: the sandbox).
	Verifier identity.Verifier
	// LinkRemindersEvery is how often Payport dispatches payment link reminders itself (the
	// window of each run is that long; default an hour).
	LinkRemindersEvery time.Duration
	// WebhookConfig is the operator's webhook delivery policy.
	WebhookConfig WebhookConfig
	// LedgerCommitters is how many ledger batches commit at once on PostgreSQL (default 1).
	LedgerCommitters int
	// FileSettlementPeriod is how long a payout in an exported bank file waits for a return
	// before it counts as settled (default 3 days).
	FileSettlementPeriod time.Duration
	// Retention is how long finished sessions and delivered events are kept (zero fields:
	// the defaults).
	Retention Retention

	batcherOnce sync.Once
	batcher     *postingBatcher

	// keys caches the grant signing keys.
	keys keyCache

	// recipients caches recipient identities by reference (see recipientIdentity).
	recipients cache.Bounded[recipientKey, cachedRecipient]

	// apiKeys caches live API keys for Authenticate.
	apiKeys apiKeyCache
	// orgs caches orgs for hot read paths (see cachedGetOrg).
	orgs sync.Map

	// hooks is the webhook loop's state (see RunWebhooks).
	hooks webhookRunner
	// fanOutChunk overrides defaultFanOutChunk (tests).
	fanOutChunk int
}

// Close stops background work (the ledger's group-commit batcher) after finishing what was
// submitted.
func (a *App) Close() {
	a.batcherOnce.Do(func() {}) // no batcher may start after Close
	if a.batcher != nil {
		a.batcher.close()
	}
}

// New returns an App with a real clock.
func New(s store.Store, log *slog.Logger, publicURL string) *App {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &App{Store: s, Log: log, PublicURL: publicURL, Now: func() time.Time { return time.Now().UTC() }}
}

func (a *App) now() time.Time { return a.Now().UTC().Truncate(time.Microsecond) }

// Error is a use-case failure the caller should report to its user: a kind that maps to an
// HTTP status, the field at fault (a JSON name, "" when none) and a sentence.
type Error struct {
	Kind    Kind
	Field   string
	Message string
	// Code is a stable machine-readable reason (e.g. "insufficient_funds").
	Code string
	// In says where Field is: "body" (the default), "header", "query" or "path".
	In string
}

// Kind classifies use-case errors.
type Kind int

// Error kinds.
const (
	Invalid   Kind = iota // 422
	NotFound              // 404
	Conflict              // 409
	Forbidden             // 403
)

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func invalid(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...), Code: "validation_failed"}
}

func notFound(what string) *Error {
	return &Error{Kind: NotFound, Message: what + " not found", Code: "not_found"}
}

// mapNotFound turns the store's ErrNotFound into a user-facing 404 naming what was missing.
func mapNotFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound(what)
	}
	return err
}

// recordEvent writes an outbox event in tx, carrying obj as its data, and audits the change
// under the context's actor (see auditEvent).
func (a *App) recordEvent(ctx context.Context, tx store.Tx, scope tenant.Scope, typ event.Type, objectID string, obj any, at time.Time) error {
	if err := a.auditEvent(ctx, tx, scope, typ, objectID, at); err != nil {
		return err
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return tx.InsertEvent(ctx, event.Event{ID: id.New("evt"), Scope: scope, Type: typ, ObjectID: objectID, Data: data, CreatedAt: at,
		EndpointsOnly: !hasObjectWebhook(typ)})
}
