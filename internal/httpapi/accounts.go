package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/identity"
)

// identityBody is a recipient's identity as a platform submits it.
type identityBody struct {
	Kind               string `json:"kind" enum:"individual,business"`
	LegalName          string `json:"legal_name" maxLength:"140"`
	DateOfBirth        string `json:"date_of_birth,omitempty" doc:"Individuals: YYYY-MM-DD (18 or older)."`
	RegistrationNumber string `json:"registration_number,omitempty" maxLength:"40" doc:"Businesses."`
	AddressLine1       string `json:"address_line1" maxLength:"200"`
	City               string `json:"city" maxLength:"100"`
	PostalCode         string `json:"postal_code" maxLength:"20"`
	Country            string `json:"country" maxLength:"2" doc:"ISO 3166-1 alpha-2."`
}

func (s *Server) routeAccounts() {
	tags := []string{"Embedded portal and account links"}
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-access-token", Method: http.MethodPost, Path: "/api/access_tokens", Tags: tags,
		Summary: "Create an access token (seed 004)",
		Description: "A token for the embedded payouts component of one company: a recipient (UUID or external id), or the org itself (its id). " +
			"1 hour by default, at most 3; its scopes are the key's or a subset (asking for more is 403). A JWT verifiable from /.well-known/jwks.json.",
		Errors: []int{404, 422}, DefaultStatus: http.StatusCreated,
	}, access{}), func(ctx context.Context, in *struct {
		Body struct {
			CompanyID string   `json:"company_id" maxLength:"255"`
			ExpiresIn int      `json:"expires_in,omitempty" doc:"Seconds, 60 to 10800 (default 3600)."`
			Scopes    []string `json:"scopes,omitempty" doc:"A subset of the key's scopes (default: all of them)."`
		}
	}) (*struct{ Body app.AccessToken }, error) {
		t, err := s.app.CreateAccessToken(ctx, keyFrom(ctx), in.Body.CompanyID, time.Duration(in.Body.ExpiresIn)*time.Second, in.Body.Scopes)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.AccessToken }{t}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-account-link", Method: http.MethodPost, Path: "/api/account_links", Tags: tags,
		Summary: "Create an account link (seed 004)",
		Description: "A single-use link to the hosted payouts portal (payouts_portal: withdrawals, payout methods, identity) or to identity onboarding " +
			"(account_onboarding), 5 minutes by default. An expired or used link sends the user to refresh_url; leaving or finishing to return_url. " +
			"Both must be on the org's redirect allowlist (test-mode keys: http://localhost and http://127.0.0.1 need no allowlisting).",
		Errors: []int{404, 422}, DefaultStatus: http.StatusCreated,
	}, access{}), func(ctx context.Context, in *struct {
		Body struct {
			CompanyID  string `json:"company_id" maxLength:"255" doc:"The recipient (UUID or external id)."`
			UseCase    string `json:"use_case" enum:"account_onboarding,payouts_portal"`
			ReturnURL  string `json:"return_url" maxLength:"2048"`
			RefreshURL string `json:"refresh_url" maxLength:"2048"`
			ExpiresIn  int    `json:"expires_in,omitempty" doc:"Seconds, 30 to 3600 (default 300)."`
		}
	}) (*struct{ Body app.AccountLink }, error) {
		b := in.Body
		l, err := s.app.CreateAccountLink(ctx, keyFrom(ctx), app.AccountLinkInput{CompanyID: b.CompanyID, UseCase: b.UseCase,
			ReturnURL: b.ReturnURL, RefreshURL: b.RefreshURL, ExpiresIn: time.Duration(b.ExpiresIn) * time.Second})
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.AccountLink }{l}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-identity", Method: http.MethodGet, Path: "/api/recipients/{id}/identity", Tags: tags,
		Summary: "A recipient's identity status", Description: "unverified, pending, verified or rejected (with a reason). The details themselves are never returned.",
		Errors: []int{404},
	}, access{}), func(ctx context.Context, in *RecipientRef) (*struct{ Body app.IdentityView }, error) {
		r, err := s.app.GetRecipient(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		v, err := s.app.GetIdentity(ctx, scopeFrom(ctx), r.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.IdentityView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "submit-identity", Method: http.MethodPost, Path: "/api/recipients/{id}/identity", Tags: tags,
		Summary:     "Submit a recipient's identity",
		Description: "For a platform that collected the details itself; the onboarding pages do the same for the user. The status becomes pending and the verification provider (the sandbox in test mode, docs/SANDBOX.md) decides.",
		Errors:      []int{404, 409, 422}, DefaultStatus: http.StatusAccepted,
	}, access{}), func(ctx context.Context, in *struct {
		RecipientRef
		Body identityBody
	}) (*struct{ Body app.IdentityView }, error) {
		r, err := s.app.GetRecipient(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		b := in.Body
		v, err := s.app.SubmitIdentity(ctx, scopeFrom(ctx), r.ID, identity.Details{Kind: identity.Kind(b.Kind), LegalName: b.LegalName,
			DateOfBirth: b.DateOfBirth, RegistrationNumber: b.RegistrationNumber, AddressLine1: b.AddressLine1, City: b.City,
			PostalCode: b.PostalCode, Country: b.Country})
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.IdentityView }{v}, nil
	})
}
