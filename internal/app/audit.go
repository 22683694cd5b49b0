package app

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// AuditActor is who makes a request, as the audit log names it. The HTTP layer puts one in the
// request's context (httpapi's key check for API keys, the portal's session check for
// recipients, the command line for operators); every change a use case then makes is audited
// under it in the change's own transaction: recordEvent writes the entry of any change that
// records an event, and auditTx that of a change without one (keys, endpoints, settings).
// Dashboard members act through Actor and audit.
type AuditActor struct {
	// Type is member.ActorAPIKey, member.ActorPortalSession, member.ActorSystem or
	// member.ActorMember.
	Type string
	// ID is the key's id, the portal session's grant id, the member's id, or which part of
	// Payport acted ("cli", a job's kind).
	ID string
	// RecipientID is the recipient a portal session acts for.
	RecipientID string
	// IP is the client's address ("" when there is none).
	IP string
}

type auditCtxKey struct{}

// auditRequest is one request's audit state: its actor and the entry it has buffered in the
// transaction it is being run in. A request writes one entry per transaction that changes
// something, however many events that transaction records (a withdrawal records
// payment.created and withdrawal.requested): who did what to which object, once. A retried
// transaction is a new Tx, so its entry is written again there, and a rolled-back one takes
// its entry with it.
type auditRequest struct {
	actor AuditActor

	mu       sync.Mutex
	tx       store.Tx
	entryID  string
	objectID string
	explicit bool
}

// WithAuditActor returns a context whose changes are audited under ac.
func WithAuditActor(ctx context.Context, ac AuditActor) context.Context {
	return context.WithValue(ctx, auditCtxKey{}, &auditRequest{actor: ac})
}

// AuditActorFrom returns the actor of a context, if it has one.
func AuditActorFrom(ctx context.Context) (AuditActor, bool) {
	if r := auditOf(ctx); r != nil {
		return r.actor, true
	}
	return AuditActor{}, false
}

func auditOf(ctx context.Context) *auditRequest {
	r, _ := ctx.Value(auditCtxKey{}).(*auditRequest)
	return r
}

// carryAudit gives ctx the audit state of from: the ledger batcher runs a request's callback
// under the batch's context, which must still audit under the request's actor.
func carryAudit(ctx, from context.Context) context.Context {
	if r := auditOf(from); r != nil {
		return context.WithValue(ctx, auditCtxKey{}, r)
	}
	return ctx
}

// claim decides the id of the request's entry in tx and whether to write it. The first
// entry in a transaction is written; an explicit one (auditTx, audit) replaces an entry made
// from an event, since it says more; a later event on the same object replaces the entry of
// an earlier one (withdrawal.requested after payment.created); anything else is part of the
// change already audited.
func (r *auditRequest) claim(tx store.Tx, explicit bool, objectID string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tx != tx {
		r.tx, r.entryID, r.objectID, r.explicit = tx, id.New("aud"), objectID, explicit
		return r.entryID, true
	}
	switch {
	case r.explicit && explicit:
		return id.New("aud"), true // a second explicit entry is a second action
	case r.explicit:
		return "", false
	case explicit || r.objectID == objectID:
		r.objectID, r.explicit = objectID, explicit
		return r.entryID, true
	}
	return "", false
}

// entry is an audit entry of the actor.
func (ac AuditActor) entry(entryID, orgID string, mode tenant.Mode, action, objectType, objectID, detail string, at time.Time) member.AuditEntry {
	e := member.AuditEntry{ID: entryID, OrgID: orgID, Mode: string(mode), ActorType: ac.Type, ActorID: ac.ID,
		RecipientID: ac.RecipientID, Action: action, ObjectType: objectType, ObjectID: objectID, Detail: detail,
		IP: ac.IP, CreatedAt: at}
	if ac.Type == member.ActorMember {
		e.MemberID = ac.ID
	}
	return e
}

// auditEvent audits, under the context's actor, the change an event reports (called by
// recordEvent, so no use case that records an event can forget its entry). Without an actor
// (a job, a test calling the app directly) nothing is written.
func (a *App) auditEvent(ctx context.Context, tx store.Tx, scope tenant.Scope, typ event.Type, objectID string, at time.Time) error {
	r := auditOf(ctx)
	if r == nil {
		return nil
	}
	entryID, write := r.claim(tx, false, objectID)
	if !write {
		return nil
	}
	return tx.InsertAudit(ctx, r.actor.entry(entryID, scope.OrgID, scope.Mode, string(typ), eventObjectType(typ), objectID, "", at))
}

// auditTx audits, under the context's actor, a change that records no event (or says more
// than its event). mode is the mode of the changed object, "" for an org-wide change. detail
// must hold no secret, token or full bank detail.
func (a *App) auditTx(ctx context.Context, tx store.Tx, orgID string, mode tenant.Mode, action, objectType, objectID, detail string) error {
	r := auditOf(ctx)
	if r == nil {
		return nil
	}
	entryID, write := r.claim(tx, true, objectID)
	if !write {
		return nil
	}
	return tx.InsertAudit(ctx, r.actor.entry(entryID, orgID, mode, action, objectType, objectID, detail, a.now()))
}

// audit records an action of a dashboard member in tx. detail must hold no secret.
func (a *App) audit(ctx context.Context, tx store.Tx, ac Actor, action, objectType, objectID, detail string) error {
	entryID := id.New("aud")
	if r := auditOf(ctx); r != nil {
		var write bool
		if entryID, write = r.claim(tx, true, objectID); !write {
			return nil
		}
	}
	return tx.InsertAudit(ctx, member.AuditEntry{ID: entryID, OrgID: ac.OrgID, ActorType: member.ActorMember,
		ActorID: ac.MemberID, MemberID: ac.MemberID, Action: action, ObjectType: objectType, ObjectID: objectID,
		Detail: detail, IP: ac.IP, CreatedAt: a.now()})
}

// PortalActor is the audit actor of a portal session: named by its grant's id (its own key is
// the hash of its cookie, which the log must not keep), acting for its recipient.
func PortalActor(s store.PortalSession, ip string) AuditActor {
	return AuditActor{Type: member.ActorPortalSession, ID: s.GrantID, RecipientID: s.RecipientID, IP: ip}
}

// auditSessionOpen audits a portal session being opened from its grant: the session itself
// is the actor, as it is for everything done in it afterwards.
func (a *App) auditSessionOpen(ctx context.Context, tx store.Tx, s store.PortalSession) error {
	ip := ""
	if ac, ok := AuditActorFrom(ctx); ok {
		ip = ac.IP
	}
	return tx.InsertAudit(ctx, PortalActor(s, ip).entry(id.New("aud"), s.Scope.OrgID, s.Scope.Mode, "portal_session.open",
		"portal_session", s.GrantID, s.UseCase, s.CreatedAt))
}

// auditURL is a URL as the audit log keeps it: scheme, host and path, without the user
// information or query a receiver may have put a token in.
func auditURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// eventObjectType is the type of the object an event names by its object id.
func eventObjectType(typ event.Type) string {
	prefix, _, _ := strings.Cut(string(typ), ".")
	switch prefix {
	case "balance":
		return "transfer"
	case "withdrawal":
		return "payment"
	}
	return prefix
}

// AuditActorView is who made an audited change.
type AuditActorView struct {
	Type        string `json:"type" enum:"member,api_key,portal_session,system" doc:"A dashboard member, an API key, a recipient's portal session, or Payport itself."`
	ID          string `json:"id" doc:"The member's id, the API key's id, the portal session's grant id, or the part of Payport that acted (cli)."`
	RecipientID string `json:"recipient_id,omitempty" doc:"The recipient a portal session acted for."`
}

// AuditEntryView is one audit log entry: who did what to which object, and when.
type AuditEntryView struct {
	ID         string         `json:"id"`
	Actor      AuditActorView `json:"actor"`
	Action     string         `json:"action" example:"balance.credited" doc:"The event type of a change that records one (balance.credited, withdrawal.requested...), otherwise a verb such as api_key.create or org.settings."`
	ObjectType string         `json:"object_type" example:"transfer"`
	ObjectID   string         `json:"object_id"`
	Mode       string         `json:"mode,omitempty" enum:"test,live" doc:"The mode of the object; absent for org-wide changes (settings, keys revoked, dashboard sign-ins)."`
	Detail     string         `json:"detail" doc:"What changed, in words; never a secret, a token or full bank details."`
	IP         string         `json:"ip,omitempty" doc:"The address the change came from."`
	CreatedAt  time.Time      `json:"created_at"`
}

func viewAudit(e member.AuditEntry) AuditEntryView {
	return AuditEntryView{ID: e.ID, Actor: AuditActorView{Type: e.ActorType, ID: e.ActorID, RecipientID: e.RecipientID},
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Mode: e.Mode, Detail: e.Detail, IP: e.IP,
		CreatedAt: e.CreatedAt}
}

// ListAuditEntries pages the audit log of the scope's org, newest first: the entries of the
// scope's mode and the org-wide ones (a test key never reads what happened in live mode). f's
// OrgID and Mode are set here; its other fields filter.
func (a *App) ListAuditEntries(ctx context.Context, scope tenant.Scope, f store.AuditFilter) (items []AuditEntryView, next string, err error) {
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return nil, "", &Error{Kind: Invalid, In: "query", Field: "created_lt", Code: "validation_failed", Message: "created_lt must be after created_gte"}
	}
	f.OrgID, f.Mode = scope.OrgID, string(scope.Mode)
	limit := f.Limit
	f.Limit = limit + 1
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		es, err := tx.FindAudit(ctx, f)
		items, next = pageOf(es, limit, func(e member.AuditEntry) string { return e.ID }, viewAudit)
		return err
	})
	return items, next, err
}
