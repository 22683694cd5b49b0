package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
)

type balanceURLIn struct {
	SiteID              string `path:"site_id" maxLength:"255" doc:"The recipient's external id (your site id) or its UUID."`
	TwoFactor           string `query:"enforce_two_factor_auth" doc:"true: the user enters a code emailed to the site's address first. Default: the org setting."`
	RedirectURI         string `query:"redirect_uri" maxLength:"2048" doc:"Where the user goes afterwards: a portal path such as /rewards/balance, payport:close for a modal, or a URL or app deep link on the org's redirect allowlist."`
	HideTransactions    string `query:"hide_transactions" doc:"true hides the transaction history. Default: the org setting."`
	AutoRedirectToSetup string `query:"auto_redirect_to_setup" doc:"true sends a user without a bank account straight to bank set-up. Default: the org setting."`
	ExpiresIn           int    `query:"expires_in" minimum:"0" doc:"Lifetime in seconds (default 3600, at most the org's maximum)."`
}

// queryBool reads an optional boolean query parameter the way clients send them: true, false,
// True, False (Python's requests), 1, 0.
func queryBool(field, v string) (*bool, error) {
	switch strings.ToLower(v) {
	case "":
		return nil, nil
	case "true", "1":
		t := true
		return &t, nil
	case "false", "0":
		f := false
		return &f, nil
	}
	return nil, &app.Error{Kind: app.Invalid, In: "query", Field: field, Code: "validation_failed", Message: field + " must be true or false"}
}

func (s *Server) routeGrants() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-balance-withdrawal-url", Method: http.MethodGet, Path: "/rewards/{site_id}/url/balance", Tags: []string{"Rewards"},
		Summary:     "Get Balance Withdrawal URL",
		Description: "Seed 001's Get Balance Withdrawal URL: a short-lived, single-use portal URL for the site's user. The URL carries a JWT signed with EdDSA (key id in the header), verifiable with the keys at /.well-known/jwks.json. Its claims: sub (org name), internal_site_id, allowed_origin, type \"rewards\", permitted_url_stubs [\"/rewards\"], two_factor_auth, redirect_uri, hide_transactions, auto_redirect_to_setup, exp, iat, jti, iss, aud.",
		Errors:      []int{404, 422},
	}, access{scope: org.ScopeRewards}), func(ctx context.Context, in *balanceURLIn) (*struct{ Body app.BalanceURL }, error) {
		opts := app.BalanceURLOptions{RedirectURI: in.RedirectURI, Lifetime: time.Duration(in.ExpiresIn) * time.Second}
		var err error
		if opts.TwoFactor, err = queryBool("enforce_two_factor_auth", in.TwoFactor); err != nil {
			return nil, s.fail(ctx, err)
		}
		if opts.HideTransactions, err = queryBool("hide_transactions", in.HideTransactions); err != nil {
			return nil, s.fail(ctx, err)
		}
		if opts.AutoRedirectToSetup, err = queryBool("auto_redirect_to_setup", in.AutoRedirectToSetup); err != nil {
			return nil, s.fail(ctx, err)
		}
		v, err := s.app.BalanceWithdrawalURL(ctx, scopeFrom(ctx), in.SiteID, opts)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.BalanceURL }{v}, nil
	})

	s.mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		set, err := s.app.JWKS(r.Context())
		if err != nil {
			s.log.Error("jwks", "err", err)
			writeProblem(w, r, &Problem{Status: 503, Code: "unavailable", Detail: "signing keys are not available", headers: http.Header{"Retry-After": {"5"}}})
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		// Short: a rotated-in key must reach verifiers before its first tokens do.
		w.Header().Set("Cache-Control", "public, max-age=300")
		_ = json.NewEncoder(w).Encode(set)
	})
}
