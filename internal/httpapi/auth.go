package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/tenant"
)

// access is what an operation demands of the caller's key.
type access struct {
	// scope the key must hold ("" for none beyond a valid key).
	scope org.Scope
	// operatorOnly limits the operation to internal-admin keys.
	operatorOnly bool
	// changesState marks a GET that changes something (revealing a secret once), which a
	// read-only key may not do.
	changesState bool
}

type keyCtx struct{}

// keyFrom returns the authenticated key of a request.
func keyFrom(ctx context.Context) org.APIKey {
	k, _ := ctx.Value(keyCtx{}).(org.APIKey)
	return k
}

// scopeFrom is the org and mode a request acts in: the key's.
func scopeFrom(ctx context.Context) tenant.Scope { return keyFrom(ctx).Scope }

// authenticate checks the bearer key of operations that declare an access rule: 401 without
// a valid key, 403 when its role or scopes fall short.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	rule, ok := ctx.Operation().Metadata["access"].(access)
	if !ok {
		next(ctx)
		return
	}
	secret, found := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
	if !found || strings.TrimSpace(secret) == "" {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="payport"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "send an API key as Authorization: Bearer pp_test_...")
		return
	}
	key, err := s.app.Authenticate(ctx.Context(), strings.TrimSpace(secret))
	if errors.Is(err, app.ErrUnauthenticated) {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="payport", error="invalid_token"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "the API key is unknown or revoked")
		return
	}
	if err != nil {
		if errors.Is(err, app.ErrUnavailable) {
			s.unavailableLog.warn(s.log, time.Now(), "database unavailable", "where", "authenticate", "err", err)
		} else {
			s.log.Error("authenticate", "err", err)
		}
		ctx.SetHeader("Retry-After", unavailableRetryAfter)
		_ = huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "cannot check the API key right now; retry after the time in Retry-After")
		return
	}
	if ok, wait := s.keyLimit.allow(key.ID, time.Now()); !ok {
		ctx.SetHeader("Retry-After", retryAfter(wait))
		_ = huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, "this API key sent too many requests; retry after the time in Retry-After")
		return
	}
	write := (ctx.Method() != http.MethodGet && ctx.Method() != http.MethodHead) || rule.changesState
	switch {
	case rule.operatorOnly && key.Role != org.RoleInternalAdmin:
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden, "this operation needs an internal-admin key")
		return
	case write && key.Has(org.ScopeReadOnly):
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden, "this API key is read-only")
		return
	case !key.Allows(rule.scope, write):
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden, "this API key lacks the "+string(rule.scope)+" scope")
		return
	}
	// The key is the actor every change of this request is audited under.
	audited := app.WithAuditActor(ctx.Context(), app.AuditActor{Type: member.ActorAPIKey, ID: key.ID, IP: remoteIP(ctx.Context())})
	next(huma.WithValue(huma.WithContext(ctx, audited), keyCtx{}, key))
}

// secured marks an operation as needing a key with the given access and documents it so.
func (s *Server) secured(op huma.Operation, rule access) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["access"] = rule
	op.Security = []map[string][]string{{"apiKey": {}}}
	op.MaxBodyBytes = s.cfg.MaxBodyBytes
	op.Errors = append(op.Errors, 401, 403, 429, 503) // 503: the database is away (Retry-After)
	if rule.scope != "" {
		op.Description = strings.TrimSpace(op.Description + "\n\nNeeds a key with the `" + string(rule.scope) + "` scope.")
	}
	if rule.operatorOnly {
		op.Description = strings.TrimSpace(op.Description + "\n\nNeeds an `internal-admin` key.")
	}
	return op
}

// unavailableRetryAfter is the Retry-After (seconds) of a 503 while the database is away: a
// PostgreSQL restart takes a few seconds, and the pool reconnects on the next request.
const unavailableRetryAfter = "2"

// fail converts a use-case error to the problem the client sees; unexpected errors are
// logged with the request id and answered with a detail-free 500.
func (s *Server) fail(ctx context.Context, err error) error {
	if p := fromError(err); p != nil {
		return p
	}
	if errors.Is(err, context.Canceled) {
		return newProblem(499, "client closed the request")
	}
	if errors.Is(err, app.ErrUnavailable) {
		s.unavailableLog.warn(s.log, time.Now(), "database unavailable", "request_id", requestIDFrom(ctx), "err", err)
		p := newProblem(http.StatusServiceUnavailable, "the database is unavailable for now and nothing was done; send the same request again after the time in Retry-After").(*Problem)
		p.headers = http.Header{"Retry-After": {unavailableRetryAfter}}
		return p
	}
	s.log.Error("request failed", "request_id", requestIDFrom(ctx), "err", err)
	return newProblem(http.StatusInternalServerError, "an internal error occurred; quote the request id when reporting it")
}
