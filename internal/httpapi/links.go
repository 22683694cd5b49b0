package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/link"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
)

// createLinkBody is seed 002's request, plus the fields a real service needs.
type createLinkBody struct {
	Email          string          `json:"email" maxLength:"254" doc:"The customer's email; the link is sent there."`
	OrgID          string          `json:"org_id" maxLength:"64" doc:"Your org's id; an org-admin key may only name its own."`
	TransactionID  string          `json:"transaction_id,omitempty" maxLength:"64" doc:"A pending payin payment (pay_...) of the org that the link pays; amount and currency, if given, must match it."`
	PaymentAmount  app.JSONNumber  `json:"payment_amount,omitempty" doc:"A JSON number (seed 002: float), parsed exactly: 10.5 is 10.50. Omitted: the customer enters the amount."`
	Currency       string          `json:"currency,omitempty" maxLength:"3" example:"NGN"`
	ScheduledAt    *time.Time      `json:"scheduled_at,omitempty" doc:"When to email the link (ISO 8601); at once when absent or past. Reminders (POST /payment-links/scheduled) look at it too."`
	OTP            string          `json:"otp,omitempty" maxLength:"12" doc:"A code the customer received from POST /payment-links/otp and typed in your app: checked and used up here, and the link is then pre-verified (its page asks for no second code)."`
	OTPRequired    *bool           `json:"otp_required,omitempty" doc:"Gate the link's page behind a code emailed to the customer (default false: a direct link)."`
	ExpiresInHours *int            `json:"expires_in_hours,omitempty" doc:"Lifetime; default and maximum are org settings (168 and 720 hours unless set)."`
	Reference      string          `json:"reference,omitempty" maxLength:"255" doc:"Shown to the customer and on the payin."`
	Metadata       json.RawMessage `json:"metadata,omitempty" doc:"A JSON object of at most 4 KB; kept on the link and its payin."`
}

// LinkPage is a page of links with the number that match.
type LinkPage struct {
	Items      []app.LinkView `json:"items"`
	Total      int64          `json:"total" doc:"How many links match the filters, over every page."`
	HasMore    bool           `json:"has_more"`
	NextCursor *string        `json:"next_cursor"`
}

// AuthorizationHeader is an optional bearer credential of the public link endpoints.
type AuthorizationHeader struct {
	Authorization string `header:"Authorization" doc:"Bearer <token of PUT /payment-links/otp> (or an API key of the link's org) to see an OTP-gated link."`
}

// linkProof reads the optional credential of a public link endpoint.
func (s *Server) linkProof(ctx context.Context, header string) app.LinkProof {
	token, ok := strings.CutPrefix(header, "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return app.LinkProof{}
	}
	if strings.HasPrefix(token, "pp_") {
		if key, err := s.app.Authenticate(ctx, token); err == nil {
			return app.LinkProof{Key: &key}
		}
		return app.LinkProof{}
	}
	return app.LinkProof{Email: s.app.LinkTokenEmail(ctx, token)}
}

// remoteIPKey carries the client address into huma handlers.
type remoteIPKey struct{}

func remoteIP(ctx context.Context) string {
	ip, _ := ctx.Value(remoteIPKey{}).(string)
	return ip
}

func (s *Server) routeLinks() {
	tags := []string{"Payment links"}
	linkAccess := access{scope: org.ScopeLinks}
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-payment-link", Method: http.MethodPost, Path: "/payment-links", Tags: tags,
		Summary:     "Create a payment link (seed 002)",
		Description: "Creates a link to /pay/{id} and emails it to the customer, at once or at scheduled_at. Needs an org-admin key of org_id (another org's id answers 404) or an internal-admin key.",
		Errors:      []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
	}, linkAccess), func(ctx context.Context, in *struct{ Body createLinkBody }) (*struct{ Body app.LinkView }, error) {
		b := in.Body
		v, err := s.app.CreateLink(ctx, keyFrom(ctx), app.CreateLinkInput{Email: b.Email, OrgID: b.OrgID, TransactionID: b.TransactionID,
			PaymentAmount: b.PaymentAmount, Currency: b.Currency, ScheduledAt: b.ScheduledAt, OTP: b.OTP, OTPRequired: b.OTPRequired,
			ExpiresInHours: b.ExpiresInHours, Reference: b.Reference, Metadata: b.Metadata})
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.LinkView }{v}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "send-payment-link-otp", Method: http.MethodPost, Path: "/payment-links/otp", Tags: tags,
		Summary:     "Email a code to a customer",
		Description: "Sends a 6-digit code (10 minutes, 5 attempts) to the email if it has an active link. The answer is the same either way, so nobody can probe for customers; 429 only when this address asks too often.",
		Errors:      []int{422, 429}, DefaultStatus: http.StatusAccepted,
	}, func(ctx context.Context, in *struct {
		Body struct {
			Email string `json:"email" maxLength:"254"`
		}
	}) (*struct {
		Body struct {
			Message string `json:"message"`
		}
	}, error) {
		if err := s.app.SendLinkCode(ctx, in.Body.Email, remoteIP(ctx)); err != nil {
			if errors.Is(err, app.ErrCodeLimit) {
				return nil, &Problem{Type: problemType("rate_limited"), Title: "Too Many Requests", Status: http.StatusTooManyRequests,
					Detail: "too many codes were requested from this address; try again later", Code: "rate_limited"}
			}
			return nil, s.fail(ctx, err)
		}
		out := &struct {
			Body struct {
				Message string `json:"message"`
			}
		}{}
		out.Body.Message = "If this email has an active payment link, a code is on its way."
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "verify-payment-link-otp", Method: http.MethodPut, Path: "/payment-links/otp", Tags: tags,
		Summary:     "Exchange a code for a payment-link token",
		Description: "Answers a JWT (type payment_link, 24 hours, EdDSA, verifiable from /.well-known/jwks.json) that opens this email's OTP-gated links: send it as Authorization: Bearer.",
		Errors:      []int{422},
	}, func(ctx context.Context, in *struct {
		Body struct {
			Email string `json:"email" maxLength:"254"`
			OTP   string `json:"otp" maxLength:"12"`
		}
	}) (*struct{ Body app.LinkToken }, error) {
		tok, err := s.app.VerifyLinkCode(ctx, in.Body.Email, in.Body.OTP)
		if errors.Is(err, app.ErrLinkCode) {
			return nil, s.fail(ctx, &app.Error{Kind: app.Invalid, Field: "otp", Code: "otp_invalid", Message: err.Error()})
		}
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.LinkToken }{tok}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-payment-link", Method: http.MethodGet, Path: "/payment-links/{link_id}", Tags: tags,
		Summary: "Get a payment link (public)",
		Description: "The full link object for anyone holding the id of a direct link. An OTP-gated link needs Authorization: Bearer with a token of its email " +
			"(PUT /payment-links/otp) or an API key of its org; without one it answers 401. See docs/PAYMENT_LINKS.md for what is public.",
		Errors: []int{401, 404},
	}, func(ctx context.Context, in *struct {
		LinkRefParam
		AuthorizationHeader
	}) (*struct{ Body app.LinkView }, error) {
		v, err := s.app.GetLink(ctx, in.LinkID, s.linkProof(ctx, in.Authorization))
		if errors.Is(err, app.ErrLinkProofNeeded) {
			return nil, &Problem{Type: problemType("otp_required"), Title: "Unauthorized", Status: http.StatusUnauthorized, Code: "otp_required",
				Detail: err.Error()}
		}
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.LinkView }{v}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "verify-payment-link", Method: http.MethodPost, Path: "/payment-links/verify", Tags: tags,
		Summary:     "Check whether a link can be used (public)",
		Description: "valid is false with reason expired, revoked or paid. link is the full object, or null for an OTP-gated link without a credential (see GET).",
		Errors:      []int{404},
	}, func(ctx context.Context, in *struct {
		AuthorizationHeader
		Body struct {
			LinkID string `json:"link_id" maxLength:"64"`
		}
	}) (*struct{ Body app.LinkValidity }, error) {
		v, err := s.app.VerifyLink(ctx, in.Body.LinkID, s.linkProof(ctx, in.Authorization))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.LinkValidity }{v}, nil
	})

	type revokeBody struct {
		Email string `json:"email,omitempty" maxLength:"254" doc:"Revoke every active link of this customer in the org (or, with a link id, check the link is theirs)."`
	}
	type revokeOut struct {
		Body struct {
			Revoked []app.LinkView `json:"revoked"`
		}
	}
	revoke := func(ctx context.Context, linkID string, body *revokeBody) (*revokeOut, error) {
		email := ""
		if body != nil {
			email = body.Email
		}
		ls, err := s.app.RevokeLinks(ctx, keyFrom(ctx), linkID, email)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := &revokeOut{}
		out.Body.Revoked = ls
		if out.Body.Revoked == nil {
			out.Body.Revoked = []app.LinkView{}
		}
		return out, nil
	}
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "revoke-payment-link", Method: http.MethodDelete, Path: "/payment-links/{link_id}", Tags: tags,
		Summary: "Revoke a payment link", Description: "Immediate on its page and in verify. Same roles as creation.", Errors: []int{404, 409},
	}, linkAccess), func(ctx context.Context, in *struct {
		LinkRefParam
		Body *revokeBody `required:"false"`
	}) (*revokeOut, error) {
		return revoke(ctx, in.LinkID, in.Body)
	})
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "revoke-payment-links-of-email", Method: http.MethodDelete, Path: "/payment-links", Tags: tags,
		Summary: "Revoke a customer's payment links", Description: "Every active link of the email in the key's org. The email is required (422 otherwise).", Errors: []int{422},
	}, linkAccess), func(ctx context.Context, in *struct {
		Body *revokeBody `required:"false"`
	}) (*revokeOut, error) {
		return revoke(ctx, "", in.Body)
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-payment-links", Method: http.MethodGet, Path: "/orgs/{org_id}/payment-links", Tags: tags,
		Summary: "List an org's payment links", Description: "Newest first, with the total that match the filters.", Errors: []int{404},
	}, linkAccess), func(ctx context.Context, in *struct {
		OrgID string `path:"org_id" maxLength:"64"`
		ListQuery
		Status     string    `query:"status" enum:"active,paid,revoked,expired"`
		Email      string    `query:"email" maxLength:"254"`
		CreatedGTE time.Time `query:"created_gte"`
		CreatedLT  time.Time `query:"created_lt"`
	}) (*struct{ Body LinkPage }, error) {
		f := store.LinkFilter{Status: link.Status(in.Status), Email: in.Email, Before: in.Cursor, Limit: in.Limit}
		if !in.CreatedGTE.IsZero() {
			f.CreatedFrom = &in.CreatedGTE
		}
		if !in.CreatedLT.IsZero() {
			f.CreatedTo = &in.CreatedLT
		}
		items, total, next, err := s.app.ListLinks(ctx, keyFrom(ctx), in.OrgID, f)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		p := page(items, next)
		return &struct{ Body LinkPage }{LinkPage{Items: p.Items, Total: total, HasMore: p.HasMore, NextCursor: p.NextCursor}}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "dispatch-payment-link-reminders", Method: http.MethodPost, Path: "/payment-links/scheduled", Tags: tags,
		Summary: "Dispatch scheduled reminders (operator)",
		Description: "Emails a reminder for every active link whose scheduled_at falls in [scheduled_at, scheduled_at + period hours), exactly once per link and " +
			"window even when called twice or from two processes. Payport runs this itself every hour (PAYPORT_LINK_REMINDERS_EVERY).",
		Errors: []int{422},
	}, access{operatorOnly: true}), func(ctx context.Context, in *struct {
		Body struct {
			ScheduledAt time.Time `json:"scheduled_at" doc:"Start of the window (ISO 8601)."`
			Period      *int      `json:"period,omitempty" doc:"Window length in hours (default 24)."`
		}
	}) (*struct {
		Body struct {
			Dispatched int `json:"dispatched"`
		}
	}, error) {
		period := 24
		if in.Body.Period != nil {
			period = *in.Body.Period
		}
		n, err := s.app.DispatchReminders(ctx, in.Body.ScheduledAt, time.Duration(period)*time.Hour)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := &struct {
			Body struct {
				Dispatched int `json:"dispatched"`
			}
		}{}
		out.Body.Dispatched = n
		return out, nil
	})
}

// LinkRefParam names a payment link in the path (exported: huma reads embedded structs only
// when exported).
type LinkRefParam struct {
	LinkID string `path:"link_id" maxLength:"64"`
}

// withRemoteIP puts the peer address in the request context for handlers that count by it.
func withRemoteIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), remoteIPKey{}, host)))
	})
}
