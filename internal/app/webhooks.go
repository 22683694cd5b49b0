package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/webhook"
)

// Webhooks (issue 6). Events are written to the outbox (the events table) in the transaction
// of their change. A dispatcher turns new events into messages, one per destination (each
// enabled endpoint whose filter wants the event, or the payment's own webhookUrl), in one
// transaction that also marks the events dispatched; a sender leases due messages, delivers
// them signed (Standard Webhooks, the event id as webhook-id on every attempt), logs each
// attempt and schedules the next per the specification's retry schedule. Both run in every
// `payport serve` process; on PostgreSQL SKIP LOCKED keeps them from taking the same rows, and
// a lease expiring hands a crashed sender's messages to another. Delivery is at least once.

// Event types of webhook endpoints themselves.
const (
	WebhookEndpointDisabled event.Type = "webhook_endpoint.disabled"
)

// KnownEventTypes is the catalogue (docs/EVENTS.md) an endpoint may filter on.
var KnownEventTypes = []string{
	string(event.RecipientCreated), string(event.RecipientUpdated), string(event.BalanceCredited), string(event.BalanceAdjusted),
	string(PayoutMethodCreated), string(PayoutMethodUpdated), string(PayoutMethodRemoved),
	string(PaymentCreated), string(PaymentProcessing), string(PaymentSucceeded), string(PaymentFailed), string(PaymentCanceled),
	string(PaymentExpired), string(WithdrawalRequested), string(WithdrawalSucceeded), string(WithdrawalFailed), string(WithdrawalCanceled),
	string(WebhookEndpointDisabled), string(RailFileExported),
	"payment_link.created", "payment_link.revoked", "payment_link.expired", "payment_link.paid",
}

// WebhookConfig is the operator's webhook policy.
type WebhookConfig struct {
	// AllowPrivate lets webhooks reach private and loopback addresses in both modes
	// (development only).
	AllowPrivate bool
	// DenyTestLoopback keeps test-mode webhooks from this machine's loopback (127.0.0.1, ::1,
	// localhost). By default test mode may reach it, so that integrators run their receiver
	// beside Payport; an operator sharing a server between orgs sets this.
	DenyTestLoopback bool
	// Timeout bounds one delivery (default 15 s).
	Timeout time.Duration
	// PollInterval is how often an idle dispatcher looks for new events (default 50 ms).
	PollInterval time.Duration
	// Concurrency is how many deliveries run at once per process (default 64).
	Concurrency int
	// Lease is how long a sender owns the messages it took before another may send them
	// again (default 2 minutes); it must stay well above Timeout. The crash soak shortens
	// it so that a killed sender's messages come back within its bounded run.
	Lease time.Duration
}

// policy is the address policy of a mode.
func (c WebhookConfig) policy(mode tenant.Mode) webhook.Policy {
	p := webhook.Policy{AllowPrivate: c.AllowPrivate, Timeout: c.Timeout}
	if mode == tenant.Test {
		p.AllowHTTP, p.AllowLoopback = true, !c.DenyTestLoopback
	}
	return p
}

// secretRotationOverlap is how long a rotated-out secret keeps signing.
const secretRotationOverlap = 24 * time.Hour

// WebhookEndpointView is an endpoint as the API shows it. Secret is set only in the answers
// that create one (creation, rotation): it is never shown again.
type WebhookEndpointView struct {
	ID             string     `json:"id" example:"we_0193..."`
	URL            string     `json:"url"`
	Description    string     `json:"description"`
	EventTypes     []string   `json:"event_types" doc:"The event types sent; empty means all. \"payment.*\" matches a family."`
	Enabled        bool       `json:"enabled"`
	DisabledReason string     `json:"disabled_reason,omitempty" doc:"Why Payport disabled it (410 Gone, or failing for 5 days)."`
	FailingSince   *time.Time `json:"failing_since,omitempty" doc:"When deliveries started failing without a success since."`
	Secret         string     `json:"secret,omitempty" doc:"The signing secret (whsec_...), shown only at creation and rotation."`
	Livemode       bool       `json:"livemode"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func viewEndpoint(e webhook.Endpoint) WebhookEndpointView {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	return WebhookEndpointView{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: types, Enabled: e.Enabled,
		DisabledReason: e.DisabledReason, FailingSince: e.FailingSince, Livemode: e.Scope.Mode == tenant.Live,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// WebhookEndpointInput creates or changes an endpoint; nil fields stay as they are.
type WebhookEndpointInput struct {
	URL         *string
	Description *string
	EventTypes  *[]string
	Enabled     *bool
}

func (in WebhookEndpointInput) apply(e *webhook.Endpoint, cfg WebhookConfig) error {
	if in.URL != nil {
		if err := webhook.CheckURL(*in.URL, cfg.policy(e.Scope.Mode)); err != nil {
			return invalid("url", "%s", err.Error())
		}
		e.URL = *in.URL
	}
	if in.Description != nil {
		if len(*in.Description) > 500 {
			return invalid("description", "description must be at most 500 characters")
		}
		e.Description = *in.Description
	}
	if in.EventTypes != nil {
		if len(*in.EventTypes) > 100 {
			return invalid("event_types", "at most 100 event types")
		}
		for _, t := range *in.EventTypes {
			if !webhook.ValidEventType(t, KnownEventTypes) {
				return invalid("event_types", "%q is not an event type (see docs/EVENTS.md; \"payment.*\" matches a family)", t)
			}
		}
		e.EventTypes = *in.EventTypes
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
		if e.Enabled {
			e.DisabledReason, e.FailingSince = "", nil
		}
	}
	return nil
}

func endpointAAD(id string) []byte { return []byte("webhook_endpoint:" + id) }

func orgSecretAAD(s tenant.Scope) []byte {
	return []byte("webhook_org_secret:" + s.OrgID + ":" + string(s.Mode))
}

// CreateWebhookEndpoint registers a URL for the org's events and answers its secret, once.
func (a *App) CreateWebhookEndpoint(ctx context.Context, scope tenant.Scope, in WebhookEndpointInput) (WebhookEndpointView, error) {
	if in.URL == nil {
		return WebhookEndpointView{}, invalid("url", "url is required")
	}
	return a.createEndpoint(ctx, scope, in, func(tx store.Tx, e webhook.Endpoint) error {
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "webhook_endpoint.create", "webhook_endpoint", e.ID, auditURL(e.URL))
	})
}

// createEndpoint checks and stores a new endpoint with a fresh sealed secret; audit writes its
// audit entry in the same transaction (never the URL's query or user info, which may hold a
// token: auditURL).
func (a *App) createEndpoint(ctx context.Context, scope tenant.Scope, in WebhookEndpointInput,
	audit func(tx store.Tx, e webhook.Endpoint) error) (WebhookEndpointView, error) {
	if a.Sealer == nil {
		return WebhookEndpointView{}, errors.New("no master key to seal webhook secrets with")
	}
	now := a.now()
	e := webhook.Endpoint{ID: id.New("we"), Scope: scope, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&e, a.WebhookConfig); err != nil {
		return WebhookEndpointView{}, err
	}
	secret, sealed, err := a.newWebhookSecret(endpointAAD(e.ID))
	if err != nil {
		return WebhookEndpointView{}, err
	}
	e.SecretSealed = sealed
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.InsertWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		return audit(tx, e)
	})
	v := viewEndpoint(e)
	v.Secret = secret
	return v, err
}

func (a *App) newWebhookSecret(aad []byte) (secret, sealed string, err error) {
	if secret, err = webhook.NewSecret(); err != nil {
		return "", "", err
	}
	sealed, err = a.Sealer.Seal([]byte(secret), aad)
	return secret, sealed, err
}

// ListWebhookEndpoints pages through the org's endpoints, oldest first.
func (a *App) ListWebhookEndpoints(ctx context.Context, scope tenant.Scope, cursor string, limit int) (items []WebhookEndpointView, next string, err error) {
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		es, err := tx.ListWebhookEndpoints(ctx, scope, cursor, limit+1)
		items, next = pageOf(es, limit, func(e webhook.Endpoint) string { return e.ID }, viewEndpoint)
		return err
	})
	return items, next, err
}

// GetWebhookEndpoint reads one endpoint.
func (a *App) GetWebhookEndpoint(ctx context.Context, scope tenant.Scope, endpointID string) (WebhookEndpointView, error) {
	var v WebhookEndpointView
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		e, err := tx.GetWebhookEndpoint(ctx, scope, endpointID, false)
		v = viewEndpoint(e)
		return mapNotFound(err, "webhook endpoint")
	})
	return v, err
}

// changeEndpoint runs fn on a locked endpoint and saves it, audited as action.
func (a *App) changeEndpoint(ctx context.Context, scope tenant.Scope, endpointID, action string, fn func(e *webhook.Endpoint) error) (WebhookEndpointView, error) {
	var v WebhookEndpointView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		e, err := tx.GetWebhookEndpoint(ctx, scope, endpointID, true)
		if err != nil {
			return mapNotFound(err, "webhook endpoint")
		}
		if err := fn(&e); err != nil {
			return err
		}
		e.UpdatedAt = a.now()
		v = viewEndpoint(e)
		if !e.Enabled {
			if err := tx.CancelEndpointMessages(ctx, e.ID, e.UpdatedAt); err != nil {
				return err
			}
		}
		if err := tx.UpdateWebhookEndpoint(ctx, e); err != nil {
			return err
		}
		detail := auditURL(e.URL)
		if !e.Enabled {
			detail += " (disabled)"
		}
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, action, "webhook_endpoint", e.ID, detail)
	})
	return v, err
}

// UpdateWebhookEndpoint changes an endpoint. Enabling it again clears why it was disabled.
func (a *App) UpdateWebhookEndpoint(ctx context.Context, scope tenant.Scope, endpointID string, in WebhookEndpointInput) (WebhookEndpointView, error) {
	return a.changeEndpoint(ctx, scope, endpointID, "webhook_endpoint.update", func(e *webhook.Endpoint) error { return in.apply(e, a.WebhookConfig) })
}

// DeleteWebhookEndpoint removes an endpoint; its pending messages are canceled and its
// delivery log kept.
func (a *App) DeleteWebhookEndpoint(ctx context.Context, scope tenant.Scope, endpointID string) error {
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.DeleteWebhookEndpoint(ctx, scope, endpointID, a.now()); err != nil {
			return mapNotFound(err, "webhook endpoint")
		}
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "webhook_endpoint.delete", "webhook_endpoint", endpointID, "")
	})
}

// RotateEndpointSecret gives an endpoint a new secret, answered once; the old one keeps
// signing beside it for 24 hours, so receivers can switch without losing a delivery.
func (a *App) RotateEndpointSecret(ctx context.Context, scope tenant.Scope, endpointID string) (WebhookEndpointView, error) {
	secret, sealed, err := a.newWebhookSecret(endpointAAD(endpointID))
	if err != nil {
		return WebhookEndpointView{}, err
	}
	v, err := a.changeEndpoint(ctx, scope, endpointID, "webhook_endpoint.rotate_secret", func(e *webhook.Endpoint) error {
		until := a.now().Add(secretRotationOverlap)
		e.PreviousSecretSealed, e.PreviousSecretUntil, e.SecretSealed = e.SecretSealed, &until, sealed
		return nil
	})
	v.Secret = secret
	return v, err
}

// WebhookSecretView answers /api/webhook_secret.
type WebhookSecretView struct {
	Secret string `json:"secret" doc:"Signs the webhooks sent to payments' own webhookUrl. Shown once; rotate to get a new one."`
	// PreviousValidUntil is when the previous secret stops signing (rotation only).
	PreviousValidUntil *time.Time `json:"previous_valid_until,omitempty"`
}

// RevealWebhookSecret answers the org's secret for payments' webhookUrl, creating it on first
// use. It is shown once: a second read answers 409, and a rotation gives a new one.
func (a *App) RevealWebhookSecret(ctx context.Context, scope tenant.Scope) (WebhookSecretView, error) {
	var v WebhookSecretView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		s, err := a.orgSecretTx(ctx, tx, scope)
		if err != nil {
			return err
		}
		if s.Revealed {
			return &Error{Kind: Conflict, Code: "secret_already_shown",
				Message: "the webhook secret was already shown once; rotate it (POST /api/webhook_secret/rotate) to get a new one"}
		}
		plain, err := a.Sealer.Open(s.SecretSealed, orgSecretAAD(scope))
		if err != nil {
			return err
		}
		s.Revealed, v.Secret = true, string(plain)
		if err := tx.PutWebhookSecret(ctx, s); err != nil {
			return err
		}
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "webhook_secret.reveal", "webhook_secret", scope.OrgID, "")
	})
	return v, err
}

// RotateWebhookSecret replaces the org's webhookUrl secret and answers the new one; the old one
// keeps signing beside it for 24 hours.
func (a *App) RotateWebhookSecret(ctx context.Context, scope tenant.Scope) (WebhookSecretView, error) {
	var v WebhookSecretView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		s, err := a.orgSecretTx(ctx, tx, scope)
		if err != nil {
			return err
		}
		secret, sealed, err := a.newWebhookSecret(orgSecretAAD(scope))
		if err != nil {
			return err
		}
		until := a.now().Add(secretRotationOverlap)
		s.PreviousSecretSealed, s.PreviousSecretUntil, s.SecretSealed, s.Revealed = s.SecretSealed, &until, sealed, true
		v = WebhookSecretView{Secret: secret, PreviousValidUntil: &until}
		if err := tx.PutWebhookSecret(ctx, s); err != nil {
			return err
		}
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "webhook_secret.rotate", "webhook_secret", scope.OrgID, "")
	})
	return v, err
}

// orgSecretTx reads (locked) or creates the org's webhookUrl secret.
func (a *App) orgSecretTx(ctx context.Context, tx store.Tx, scope tenant.Scope) (webhook.OrgSecret, error) {
	if a.Sealer == nil {
		return webhook.OrgSecret{}, errors.New("no master key to seal webhook secrets with")
	}
	s, err := tx.GetWebhookSecret(ctx, scope, true)
	if !errors.Is(err, store.ErrNotFound) {
		return s, err
	}
	_, sealed, err := a.newWebhookSecret(orgSecretAAD(scope))
	if err != nil {
		return s, err
	}
	s = webhook.OrgSecret{Scope: scope, SecretSealed: sealed, CreatedAt: a.now()}
	return s, tx.PutWebhookSecret(ctx, s)
}

// EventView is an event as the API and webhooks show it: the versioned envelope.
type EventView struct {
	ID        string          `json:"id" example:"evt_0193..."`
	Type      string          `json:"type" example:"payment.succeeded"`
	Version   int             `json:"version" doc:"Envelope version; 1 so far."`
	CreatedAt string          `json:"created_at" example:"2026-11-22T10:00:00.123456Z"`
	Livemode  bool            `json:"livemode"`
	Data      json.RawMessage `json:"data" doc:"The full object right after the change."`
}

func viewEvent(e event.Event) EventView {
	return EventView{ID: e.ID, Type: string(e.Type), Version: 1, CreatedAt: e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z"),
		Livemode: e.Scope.Mode == tenant.Live, Data: e.Data}
}

// ListEvents pages through the org's events: newest first from before (a cursor), or oldest
// first after an event id (for following new events, as `payport webhooks listen` does).
func (a *App) ListEvents(ctx context.Context, scope tenant.Scope, before, after, typ string, limit int) (items []EventView, next string, err error) {
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		var es []event.Event
		var err error
		if after != "" {
			es, err = tx.ListEvents(ctx, scope, after, limit+1)
		} else {
			es, err = tx.ListEventsBefore(ctx, scope, before, typ, limit+1)
		}
		items, next = pageOf(es, limit, func(e event.Event) string { return e.ID }, viewEvent)
		return err
	})
	return items, next, err
}

// GetEvent reads one event.
func (a *App) GetEvent(ctx context.Context, scope tenant.Scope, eventID string) (EventView, error) {
	var v EventView
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		e, err := tx.GetEvent(ctx, scope, eventID)
		v = viewEvent(e)
		return mapNotFound(err, "event")
	})
	return v, err
}

// RedeliverEvent sends an event again to its destinations as they are now, as new messages due
// at once; receivers see the same webhook-id and can drop what they already processed.
func (a *App) RedeliverEvent(ctx context.Context, scope tenant.Scope, eventID string) (int, error) {
	n := 0
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		e, err := tx.GetEvent(ctx, scope, eventID)
		if err != nil {
			return mapNotFound(err, "event")
		}
		ms, err := a.messagesFor(ctx, tx, []event.Event{e}, a.now())
		n = len(ms)
		if err != nil || n == 0 {
			return err
		}
		if err := tx.InsertWebhookMessages(ctx, ms); err != nil {
			return err
		}
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "event.redeliver", "event", e.ID, fmt.Sprintf("%s to %d destinations", e.Type, n))
	})
	a.wakeWebhooks()
	return n, err
}

// WebhookAttemptView is one logged delivery attempt.
type WebhookAttemptView struct {
	ID           string    `json:"id"`
	EventID      string    `json:"event_id"`
	EndpointID   string    `json:"endpoint_id,omitempty"`
	Attempt      int       `json:"attempt" doc:"1 for the first try of this message."`
	StatusCode   int       `json:"status_code" doc:"The receiver's HTTP status; 0 when no answer came."`
	LatencyMS    int64     `json:"latency_ms"`
	ResponseBody string    `json:"response_body" doc:"The first kilobyte of the answer."`
	Error        string    `json:"error,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// ListDeliveries pages an endpoint's attempt log, newest first.
func (a *App) ListDeliveries(ctx context.Context, scope tenant.Scope, endpointID, cursor string, limit int) (items []WebhookAttemptView, next string, err error) {
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		if _, err := tx.GetWebhookEndpoint(ctx, scope, endpointID, false); err != nil {
			return mapNotFound(err, "webhook endpoint")
		}
		as, err := tx.ListWebhookAttempts(ctx, scope, endpointID, "", cursor, limit+1)
		items, next = pageOf(as, limit, func(r webhook.AttemptRecord) string { return r.ID }, func(r webhook.AttemptRecord) WebhookAttemptView {
			return WebhookAttemptView{ID: r.ID, EventID: r.EventID, EndpointID: r.EndpointID, Attempt: r.Attempt, StatusCode: r.StatusCode,
				LatencyMS: r.LatencyMS, ResponseBody: r.ResponseBody, Error: r.Error, CreatedAt: r.CreatedAt}
		})
		return err
	})
	return items, next, err
}

// messagesFor builds the messages of events: to the payment's own webhookUrl for a payment
// event whose payment has one (it overrides the org's endpoints), else to every enabled
// endpoint that wants the type.
// hasObjectWebhook says whether an event of the type may go to a webhook URL of its own object
// (a Payments API payment's webhook_url) rather than only to the scope's endpoints.
func hasObjectWebhook(typ event.Type) bool { return strings.HasPrefix(string(typ), "payment.") }

func (a *App) messagesFor(ctx context.Context, tx store.Tx, events []event.Event, now time.Time) ([]webhook.Message, error) {
	var paymentIDs []string
	for _, e := range events {
		if hasObjectWebhook(e.Type) {
			paymentIDs = append(paymentIDs, e.ObjectID)
		}
	}
	urls, err := tx.PaymentWebhookURLs(ctx, paymentIDs)
	if err != nil {
		return nil, err
	}
	endpoints := map[tenant.Scope][]webhook.Endpoint{}
	var out []webhook.Message
	for _, e := range events {
		msg := func(endpointID, url string) webhook.Message {
			return webhook.Message{ID: id.New("msg"), EventID: e.ID, Scope: e.Scope, EndpointID: endpointID, URL: url,
				Status: webhook.MessagePending, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now}
		}
		if u, ok := urls[e.ObjectID]; ok && hasObjectWebhook(e.Type) {
			out = append(out, msg("", u))
			continue
		}
		eps, ok := endpoints[e.Scope]
		if !ok {
			if eps, err = tx.EnabledEndpoints(ctx, e.Scope); err != nil {
				return nil, err
			}
			endpoints[e.Scope] = eps
		}
		for _, ep := range eps {
			if ep.Wants(string(e.Type)) {
				out = append(out, msg(ep.ID, ep.URL))
			}
		}
	}
	return out, nil
}

// webhookRunner holds what the dispatch loop keeps between rounds.
type webhookRunner struct {
	once    sync.Once
	wake    chan struct{}
	clients map[tenant.Mode]*http.Client
	// slots bounds the deliveries in flight in this process (WebhookConfig.Concurrency),
	// including those a round stopped waiting for.
	slotsOnce sync.Once
	slots     chan struct{}
	// stragglers are deliveries still running after their round moved on.
	stragglers sync.WaitGroup
}

// wakeWebhooks makes the loop look for work now rather than at its next poll.
func (a *App) wakeWebhooks() {
	if a.hooks.wake == nil {
		return
	}
	select {
	case a.hooks.wake <- struct{}{}:
	default:
	}
}

// RunWebhooks dispatches and delivers webhooks until ctx ends. Run it once per process.
func (a *App) RunWebhooks(ctx context.Context) {
	cfg := a.WebhookConfig
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = 50 * time.Millisecond
	}
	a.hooks.once.Do(func() {
		a.hooks.wake = make(chan struct{}, 1)
		a.hooks.clients = map[tenant.Mode]*http.Client{tenant.Test: webhook.NewClient(cfg.policy(tenant.Test)),
			tenant.Live: webhook.NewClient(cfg.policy(tenant.Live))}
	})
	defer a.hooks.stragglers.Wait()
	for ctx.Err() == nil {
		n, err := a.WebhookRound(ctx)
		if err != nil && ctx.Err() == nil {
			a.Log.Error("webhooks", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
		case <-a.hooks.wake:
		case <-time.After(poll):
		}
	}
}

// WebhookRound dispatches new events and delivers due messages once; it returns how much it
// did (events dispatched plus messages attempted).
func (a *App) WebhookRound(ctx context.Context) (int, error) {
	// Look before taking the writer: an idle round then costs SQLite's single writer nothing.
	var due bool
	if err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		due, err = tx.WebhookWorkDue(ctx, a.now())
		return err
	}); err != nil || !due {
		return 0, err
	}
	dispatched, err := a.dispatchEvents(ctx)
	if err != nil {
		return dispatched, err
	}
	sent, err := a.sendDue(ctx)
	return dispatched + sent, err
}

const (
	dispatchBatch = 500
	sendBatch     = 500
	// sendLease is how long a sender owns the messages it took; a sender that dies leaves
	// them to another after it (well past the 15 s delivery timeout).
	sendLease = 2 * time.Minute
	// roundWait is how long a round waits for its deliveries before it records those that
	// finished and moves on; the others record themselves when they end. A receiver that
	// hangs (up to the 15 s timeout) then delays nobody else's webhooks by more than this.
	roundWait = time.Second
)

func (a *App) dispatchEvents(ctx context.Context) (int, error) {
	n := 0
	// Relaxed: delivery is at least once. A dispatch lost in a crash (its messages and its
	// marks together) is dispatched again; it never costs the credits waiting for the same
	// single SQLite writer an fsync of their own.
	err := a.Store.InTxRelaxed(ctx, func(tx store.Tx) error {
		n = 0 // the transaction may run again
		events, err := tx.UndispatchedEvents(ctx, dispatchBatch)
		if err != nil || len(events) == 0 {
			return err
		}
		now := a.now()
		// A file export's event waits until the payment.processing events it stands for are
		// written after it, a chunk a round; nothing after it is dispatched before them, even
		// by a dispatcher that skipped it because another holds it.
		fence, err := tx.FirstUndispatchedExport(ctx)
		if err != nil {
			return err
		}
		for i, e := range events {
			if fence != "" && e.ID > fence {
				events = events[:i]
				break
			}
			if e.Type != RailFileExported {
				continue
			}
			written, done, err := a.fanOutExport(ctx, tx, e, now)
			if err != nil {
				return err
			}
			n += written
			if events = events[:i+1]; !done {
				events = events[:i]
			}
			break
		}
		ms, err := a.messagesFor(ctx, tx, events, now)
		if err != nil {
			return err
		}
		if err := tx.InsertWebhookMessages(ctx, ms); err != nil {
			return err
		}
		ids := make([]string, len(events))
		for i, e := range events {
			ids[i] = e.ID
		}
		n += len(events)
		return tx.MarkEventsDispatched(ctx, ids, now)
	})
	return n, err
}

// delivery is one message with what its attempt needs.
type delivery struct {
	msg      webhook.Message
	body     []byte
	secrets  []string
	endpoint *webhook.Endpoint
	result   webhook.Attempt
	at       time.Time
}

func (a *App) sendDue(ctx context.Context) (int, error) {
	a.hooks.slotsOnce.Do(func() {
		conc := a.WebhookConfig.Concurrency
		if conc <= 0 {
			conc = 64
		}
		a.hooks.slots = make(chan struct{}, conc)
	})
	free := cap(a.hooks.slots) - len(a.hooks.slots)
	if free <= 0 {
		return 0, nil // every slot holds a delivery that is still running
	}
	var ds []*delivery
	// Relaxed like the dispatch: a lease lost in a crash only means a redelivery.
	err := a.Store.InTxRelaxed(ctx, func(tx store.Tx) error {
		now := a.now()
		lease := a.WebhookConfig.Lease
		if lease <= 0 {
			lease = sendLease
		}
		ms, err := tx.ClaimDueMessages(ctx, now, now.Add(lease), min(sendBatch, free*8))
		if err != nil {
			return err
		}
		ds, err = a.prepareDeliveries(ctx, tx, ms)
		return err
	})
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	var (
		mu        sync.Mutex
		finished  []*delivery // recorded by this round
		roundOver bool        // after it, a delivery records itself
	)
	ended := make(chan struct{}, len(ds))
	launched := 0
	for _, d := range ds {
		if d.body == nil {
			finished = append(finished, d) // nothing to send (its endpoint is gone)
			continue
		}
		launched++
		a.hooks.slots <- struct{}{}
		a.hooks.stragglers.Add(1)
		go func() {
			defer func() { <-a.hooks.slots; a.hooks.stragglers.Done() }()
			d.at = a.now()
			// The signature's timestamp is the wall clock's, whatever clock the app runs on:
			// receivers compare it with theirs to refuse replays.
			d.result = webhook.Deliver(ctx, a.hooks.clients[d.msg.Scope.Mode], d.msg.URL, d.msg.EventID, time.Now(), d.body, d.secrets)
			mu.Lock()
			late := roundOver
			if !late {
				finished = append(finished, d)
			}
			mu.Unlock()
			if !late {
				ended <- struct{}{}
				return
			}
			if ctx.Err() == nil {
				if err := a.recordDeliveries(ctx, []*delivery{d}); err != nil {
					a.Log.Error("webhooks: record a late delivery", "message_id", d.msg.ID, "err", err)
				}
			}
		}()
	}
	timer := time.NewTimer(roundWait)
	defer timer.Stop()
wait:
	for range launched {
		select {
		case <-ended:
		case <-timer.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	mu.Lock()
	roundOver = true
	batch := finished
	mu.Unlock()
	if ctx.Err() != nil {
		return 0, ctx.Err() // the leases run out and another round retries
	}
	if len(batch) == 0 {
		return len(ds), nil
	}
	return len(ds), a.recordDeliveries(ctx, batch)
}

// prepareDeliveries loads each message's body (the event envelope) and signing secrets.
func (a *App) prepareDeliveries(ctx context.Context, tx store.Tx, ms []webhook.Message) ([]*delivery, error) {
	now := a.now()
	events := map[string][]byte{}
	var ids []string
	for _, m := range ms {
		if _, ok := events[m.EventID]; !ok {
			events[m.EventID] = nil
			ids = append(ids, m.EventID)
		}
	}
	evs, err := tx.EventsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if events[e.ID], err = json.Marshal(viewEvent(e)); err != nil {
			return nil, err
		}
	}
	endpoints := map[string]*webhook.Endpoint{}
	orgSecrets := map[tenant.Scope][]string{}
	out := make([]*delivery, 0, len(ms))
	for _, m := range ms {
		d := &delivery{msg: m}
		out = append(out, d)
		body := events[m.EventID]
		if m.EndpointID == "" {
			secrets, ok := orgSecrets[m.Scope]
			if !ok {
				s, err := a.orgSecretTx(ctx, tx, m.Scope)
				if err != nil {
					return nil, err
				}
				if secrets, err = a.openSecrets(s.SecretSealed, s.PreviousSecretSealed, s.PreviousSecretUntil, orgSecretAAD(m.Scope), now); err != nil {
					return nil, err
				}
				orgSecrets[m.Scope] = secrets
			}
			d.body, d.secrets = body, secrets
			continue
		}
		ep, ok := endpoints[m.EndpointID]
		if !ok {
			e, err := tx.GetWebhookEndpoint(ctx, m.Scope, m.EndpointID, false)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if err == nil {
				ep = &e
			}
			endpoints[m.EndpointID] = ep
		}
		if ep == nil || !ep.Enabled {
			continue
		}
		secrets, err := a.openSecrets(ep.SecretSealed, ep.PreviousSecretSealed, ep.PreviousSecretUntil, endpointAAD(ep.ID), now)
		if err != nil {
			return nil, err
		}
		d.body, d.secrets, d.endpoint = body, secrets, ep
	}
	return out, nil
}

// openSecrets opens the current secret and, during a rotation, the previous one.
func (a *App) openSecrets(current, previous string, until *time.Time, aad []byte, now time.Time) ([]string, error) {
	c, err := a.Sealer.Open(current, aad)
	if err != nil {
		return nil, fmt.Errorf("open webhook secret: %w", err)
	}
	out := []string{string(c)}
	if previous != "" && until != nil && now.Before(*until) {
		p, err := a.Sealer.Open(previous, aad)
		if err != nil {
			return nil, fmt.Errorf("open previous webhook secret: %w", err)
		}
		out = append(out, string(p))
	}
	return out, nil
}

// recordDeliveries logs the attempts and moves each message on: done, retried later, given
// up, or canceled with its endpoint. An endpoint answering 410 Gone, or failing for five days,
// is disabled (webhook_endpoint.disabled, and an email to the org's notification address).
//
// Relaxed: if a crash loses the record, the lease runs out and the message is delivered again
// (at least once, as the receivers are told to expect).
func (a *App) recordDeliveries(ctx context.Context, ds []*delivery) error {
	return a.Store.InTxRelaxed(ctx, func(tx store.Tx) error {
		now := a.now()
		var attempts []webhook.AttemptRecord
		var updates []webhook.Message
		changed := map[string]*webhook.Endpoint{}
		for _, d := range ds {
			m := d.msg
			m.UpdatedAt = now
			if d.body == nil {
				m.Status, m.NextAttemptAt = webhook.MessageCanceled, nil
				updates = append(updates, m)
				continue
			}
			m.Attempts++
			r := d.result
			attempts = append(attempts, webhook.AttemptRecord{ID: id.New("wha"), MessageID: m.ID, EventID: m.EventID, EndpointID: m.EndpointID,
				Scope: m.Scope, Attempt: m.Attempts, StatusCode: r.StatusCode, LatencyMS: r.Latency.Milliseconds(),
				ResponseBody: r.ResponseBody, Error: r.Err, CreatedAt: d.at})
			dec := webhook.Next(m.Attempts, r.StatusCode, r.RetryAfter, now)
			switch dec.Action {
			case webhook.Done:
				m.Status, m.NextAttemptAt = webhook.MessageSucceeded, nil
			case webhook.Retry:
				m.NextAttemptAt = &dec.RetryAt
			default: // GiveUp, Disable
				m.Status, m.NextAttemptAt = webhook.MessageFailed, nil
			}
			updates = append(updates, m)
			if d.endpoint == nil {
				continue
			}
			ep := changed[d.endpoint.ID]
			if ep == nil {
				e := *d.endpoint
				ep = &e
				changed[ep.ID] = ep
			}
			switch {
			case dec.Action == webhook.Done:
				ep.FailingSince = nil
			case dec.Action == webhook.Disable:
				ep.Enabled, ep.DisabledReason = false, "the endpoint answered 410 Gone"
			default:
				if ep.FailingSince == nil {
					t := d.at
					ep.FailingSince = &t
				} else if webhook.ShouldDisable(*ep.FailingSince, now) {
					ep.Enabled, ep.DisabledReason = false, "deliveries failed for 5 days without a success"
				}
			}
		}
		if err := tx.UpdateWebhookMessages(ctx, updates); err != nil {
			return err
		}
		if err := tx.InsertWebhookAttempts(ctx, attempts); err != nil {
			return err
		}
		for _, ep := range changed {
			if err := a.saveEndpointAfterDelivery(ctx, tx, ep, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// saveEndpointAfterDelivery writes an endpoint's failure state back, under its row lock so
// that a concurrent change through the API (say, enabling it) is not undone blindly.
func (a *App) saveEndpointAfterDelivery(ctx context.Context, tx store.Tx, ep *webhook.Endpoint, now time.Time) error {
	cur, err := tx.GetWebhookEndpoint(ctx, ep.Scope, ep.ID, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !cur.Enabled {
		return nil
	}
	disabling := !ep.Enabled
	if sameTimePtr(cur.FailingSince, ep.FailingSince) && !disabling {
		return nil
	}
	cur.FailingSince, cur.Enabled, cur.DisabledReason, cur.UpdatedAt = ep.FailingSince, ep.Enabled, ep.DisabledReason, now
	if err := tx.UpdateWebhookEndpoint(ctx, cur); err != nil {
		return err
	}
	if !disabling {
		return nil
	}
	if err := tx.CancelEndpointMessages(ctx, cur.ID, now); err != nil {
		return err
	}
	v := viewEndpoint(cur)
	if err := a.recordEvent(ctx, tx, cur.Scope, WebhookEndpointDisabled, cur.ID, v, now); err != nil {
		return err
	}
	o, err := tx.GetOrg(ctx, cur.Scope.OrgID)
	if err != nil || o.Settings.NotificationEmail == "" {
		return err
	}
	var html strings.Builder
	if err := disabledEmail.Execute(&html, map[string]string{"Org": o.Name, "URL": cur.URL, "Reason": cur.DisabledReason, "ID": cur.ID}); err != nil {
		return err
	}
	msg := mail.Message{ID: id.New("msg"), To: o.Settings.NotificationEmail, Subject: "Payport disabled a webhook endpoint of " + o.Name,
		Text: fmt.Sprintf("Payport disabled the webhook endpoint %s (%s) of %s: %s.\n\nFix the receiver, then enable it again with "+
			"PATCH /api/webhook_endpoints/%s {\"enabled\": true}. Events since are kept: redeliver them with POST /api/events/{id}/redeliver.\n",
			cur.ID, cur.URL, o.Name, cur.DisabledReason, cur.ID),
		HTML: html.String(), CreatedAt: now}
	return a.enqueue(ctx, tx, SendEmailArgs{Message: msg}, nil)
}

var disabledEmail = template.Must(template.New("disabled").Parse(`<p>Payport disabled the webhook endpoint <code>{{.ID}}</code>
(<code>{{.URL}}</code>) of {{.Org}}: {{.Reason}}.</p><p>Fix the receiver, then enable it again with
<code>PATCH /api/webhook_endpoints/{{.ID}}</code> and <code>{"enabled": true}</code>. Events since are kept: redeliver them
with <code>POST /api/events/{id}/redeliver</code>.</p>`))

func sameTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
