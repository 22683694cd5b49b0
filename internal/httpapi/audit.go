package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/store"
)

// auditListIn are the filters of GET /api/audit.
type auditListIn struct {
	ListQuery
	ActorType  string    `query:"actor_type" enum:"member,api_key,portal_session,system" doc:"Only changes made by this kind of actor."`
	ActorID    string    `query:"actor_id" maxLength:"64" doc:"Only changes made by this member, API key or portal session (its grant id)."`
	ObjectID   string    `query:"object_id" maxLength:"64" doc:"Only changes to this object (a recipient, payment, transfer, link, key...)."`
	Action     string    `query:"action" maxLength:"64" doc:"Only this action, e.g. balance.credited or api_key.create."`
	CreatedGTE time.Time `query:"created_gte" doc:"Only changes made at or after this time (ISO 8601)."`
	CreatedLT  time.Time `query:"created_lt" doc:"Only changes made before this time (ISO 8601)."`
}

func (s *Server) routeAudit() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-audit-entries", Method: http.MethodGet, Path: "/api/audit", Tags: []string{"Audit log"},
		Summary: "List the audit log",
		Description: "Who changed what, to which object, and when: every change made through the API (the key), the hosted " +
			"portal or embedded component (the portal session and its recipient), the dashboard (the member) or Payport's " +
			"command line, written in the same transaction as the change. Newest first. A key reads its org's entries of its " +
			"own mode; a live key also the org-wide ones (settings, the dashboard's), which may name live objects. Details never hold secrets, tokens or full bank details.",
		Errors: []int{422},
	}, access{}), func(ctx context.Context, in *auditListIn) (*struct{ Body Page[app.AuditEntryView] }, error) {
		f := store.AuditFilter{ActorType: in.ActorType, ActorID: in.ActorID, ObjectID: in.ObjectID, Action: in.Action,
			Before: in.Cursor, Limit: in.Limit}
		if !in.CreatedGTE.IsZero() {
			f.From = &in.CreatedGTE
		}
		if !in.CreatedLT.IsZero() {
			f.To = &in.CreatedLT
		}
		items, next, err := s.app.ListAuditEntries(ctx, scopeFrom(ctx), f)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body Page[app.AuditEntryView] }{page(items, next)}, nil
	})
}
