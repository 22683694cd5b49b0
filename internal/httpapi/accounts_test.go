package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// jwksClaims verifies a token with go-jose against the served JWKS and decodes its claims.
func (en *env) jwksClaims(token string) map[string]any {
	en.t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(en.must(200, "GET", "/.well-known/jwks.json", "", nil).Body, &set); err != nil {
		en.t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		en.t.Fatal(err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		en.t.Fatalf("kid %q not in the JWKS", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		en.t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		en.t.Fatal(err)
	}
	return c
}

func TestAccessTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		r := en.createRecipient(en.key, "site_1", "EUR")
		tok := en.must(201, "POST", "/api/access_tokens", en.key, map[string]any{"company_id": "site_1"}).obj(t)
		c := en.jwksClaims(str(t, tok, "token"))
		exp, _ := time.Parse(time.RFC3339, str(t, tok, "expires_at"))
		if c["type"] != "embedded" || c["sub"] != r["id"] || c["aud"] != "payport-embed" || c["org_id"] != en.orgID ||
			int64(c["exp"].(float64)) != exp.Unix() || time.Until(exp) < 59*time.Minute || time.Until(exp) > 61*time.Minute {
			t.Fatalf("claims %v, expires %v", c, exp)
		}
		if fmt.Sprint(c["scopes"]) != "[rewards payouts links]" {
			t.Fatalf("scopes %v", c["scopes"])
		}
		// The org itself is a company too; three hours at most; scopes only from the key.
		if c := en.jwksClaims(str(t, en.must(201, "POST", "/api/access_tokens", en.key, map[string]any{"company_id": en.orgID, "expires_in": 10800}).obj(t), "token")); c["sub"] != en.orgID {
			t.Fatalf("org token %v", c)
		}
		wantProblem(t, en.do("POST", "/api/access_tokens", en.key, map[string]any{"company_id": "site_1", "expires_in": 10801}), 422, "validation_failed", "expires_in")
		linksOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "links")
		wantProblem(t, en.do("POST", "/api/access_tokens", linksOnly, map[string]any{"company_id": "site_1", "scopes": []string{"payouts"}}), 403, "scope_exceeds_key", "scopes")
		if c := en.jwksClaims(str(t, en.must(201, "POST", "/api/access_tokens", linksOnly, map[string]any{"company_id": "site_1"}).obj(t), "token")); fmt.Sprint(c["scopes"]) != "[links]" {
			t.Fatalf("links-only token %v", c["scopes"])
		}
		wantProblem(t, en.do("POST", "/api/access_tokens", en.key, map[string]any{"company_id": "nobody"}), 404, "not_found", "")
		_, other := en.newOrg("Other")
		wantProblem(t, en.do("POST", "/api/access_tokens", other, map[string]any{"company_id": "site_1"}), 404, "not_found", "")
	})
}

func TestAccountLinksAndOnboarding(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "50.00", "EUR")
		en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, fmt.Sprintf(`{"holder_name":"Ada","iban":%q}`, ibanEnding("0000")))
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"require_verified_identity":true,"portal":{"redirect_allowlist":["https://app.acme.example/"]}}}`)
		if info := en.info(en.key, "site_1"); info["can_withdraw"] != false || info["reason"] != "onboarding_incomplete" {
			t.Fatalf("balance info before onboarding %v", info)
		}
		wantProblem(t, en.do("POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"10.00","currency":"EUR"}`), 409, "onboarding_incomplete", "amount")

		link := func(key, useCase, ret, refresh string) response {
			return en.do("POST", "/api/account_links", key, map[string]any{"company_id": "site_1", "use_case": useCase, "return_url": ret, "refresh_url": refresh})
		}
		ok := "https://app.acme.example/back"
		for _, bad := range []string{"https://evil.example/back", "https://app.acme.example.evil.net/", "javascript:alert(1)", "/back", "data:text/html,x"} {
			wantProblem(t, link(en.key, "account_onboarding", bad, ok), 422, "validation_failed", "return_url")
			wantProblem(t, link(en.key, "account_onboarding", ok, bad), 422, "validation_failed", "refresh_url")
		}
		wantProblem(t, link(en.key, "kyc", ok, ok), 422, "validation_failed", anyField)
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		wantProblem(t, en.do("POST", "/api/account_links", live, map[string]any{"company_id": "site_1", "use_case": "payouts_portal",
			"return_url": "http://localhost:3000/back", "refresh_url": ok}), 422, "validation_failed", "return_url")
		// Test mode: localhost needs no allowlisting.
		l := link(en.key, "account_onboarding", "http://localhost:3000/done", "http://localhost:3000/refresh")
		if l.Status != 201 {
			t.Fatalf("account link %s", l)
		}
		u := str(t, l.obj(t), "url")
		exp, _ := time.Parse(time.RFC3339, str(t, l.obj(t), "expires_at"))
		if d := time.Until(exp); d < 4*time.Minute || d > 6*time.Minute {
			t.Fatalf("expires in %v, want 5 minutes", d)
		}
		b := en.browser()
		res, _ := visit(t, b, en.srv.URL+strings.TrimPrefix(u, "http://127.0.0.1:8080"))
		if res.StatusCode != 303 || res.Header.Get("Location") != "/account/identity" {
			t.Fatalf("onboarding link: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		// Used once: the second visit goes to refresh_url.
		res, _ = visit(t, en.browser(), en.srv.URL+strings.TrimPrefix(u, "http://127.0.0.1:8080"))
		if res.StatusCode != 303 || res.Header.Get("Location") != "http://localhost:3000/refresh" {
			t.Fatalf("used link: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		// An onboarding session opens identity pages only.
		if res, _ := visit(t, b, en.srv.URL+"/rewards/balance"); res.StatusCode != 403 {
			t.Fatalf("onboarding session on the balance page: %d", res.StatusCode)
		}
		res, body := visit(t, b, en.srv.URL+"/account/identity")
		if res.StatusCode != 200 || !strings.Contains(body, "Not verified yet.") || !strings.Contains(body, `href="http://localhost:3000/done"`) {
			t.Fatalf("identity page %d:\n%s", res.StatusCode, body)
		}
		csrf := formCSRF(t, body)
		form := url.Values{"csrf": {csrf}, "kind": {"individual"}, "legal_name": {"Ada Lovelace"}, "date_of_birth": {"2020-01-01"},
			"address_line1": {"1 Analytical St"}, "city": {"London"}, "postal_code": {"N1 1AA"}, "country": {"GB"}}
		res, body = en.postForm(b, "/account/identity", form)
		if res.StatusCode != 422 || !strings.Contains(body, `id="date_of_birth-error"`) {
			t.Fatalf("minor's date of birth: %d\n%s", res.StatusCode, body)
		}
		form.Set("date_of_birth", "1990-12-10")
		if res, _ = en.postForm(b, "/account/identity", form); res.StatusCode != 303 {
			t.Fatalf("submit identity: %d", res.StatusCode)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			id := en.must(200, "GET", "/api/recipients/site_1/identity", en.key, nil).obj(t)
			if id["status"] == "verified" {
				if id["kind"] != "individual" || id["country"] != "GB" || strings.Contains(fmt.Sprint(id), "Lovelace") {
					t.Fatalf("identity view %v", id)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("identity %v", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if info := en.info(en.key, "site_1"); info["can_withdraw"] != true {
			t.Fatalf("balance info after verification %v", info)
		}
		if r := en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t); get(t, r, "identity.status") != "verified" {
			t.Fatalf("GET /api/recipients/{id} %v", r)
		}
		if evs := en.must(200, "GET", "/api/events?type=recipient.identity_verified", en.key, nil).obj(t)["items"].([]any); len(evs) != 1 {
			t.Fatalf("identity events %v", evs)
		}
		if strings.Contains(fmt.Sprint(en.dump("recipient_identities")), "Lovelace") {
			t.Fatal("identity details stored in the clear")
		}

		// A payouts portal link opens the balance and the identity page; an expired one goes
		// to refresh_url.
		pl := link(en.key, "payouts_portal", ok, ok+"?refresh=1").obj(t)
		b2 := en.browser()
		res, _ = visit(t, b2, en.srv.URL+strings.TrimPrefix(str(t, pl, "url"), "http://127.0.0.1:8080"))
		if res.StatusCode != 303 || res.Header.Get("Location") != "/rewards/balance" {
			t.Fatalf("payouts portal link: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := visit(t, b2, en.srv.URL+"/account/identity"); res.StatusCode != 200 {
			t.Fatalf("payouts portal on identity: %d", res.StatusCode)
		}
		old := link(en.key, "payouts_portal", ok, ok+"?refresh=2").obj(t)
		en.clock.Set(time.Now().Add(6 * time.Minute))
		res, _ = visit(t, en.browser(), en.srv.URL+strings.TrimPrefix(str(t, old, "url"), "http://127.0.0.1:8080"))
		if res.StatusCode != 303 || res.Header.Get("Location") != ok+"?refresh=2" {
			t.Fatalf("expired link: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// TestIdentitySandboxOutcomes: the sandbox's magic legal names reject, and a rejected identity
// may be submitted again.
func TestIdentitySandboxOutcomes(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		// The verifier waits for the test, so that "pending" lasts as long as it must.
		gate := &gatedVerifier{release: make(chan struct{})}
		en.app.Verifier = gate
		en.createRecipient(en.key, "biz_1", "EUR")
		body := map[string]any{"kind": "business", "legal_name": "Acme Rejected", "registration_number": "HRB 1234",
			"address_line1": "Hauptstr. 1", "city": "Berlin", "postal_code": "10115", "country": "de"}
		wantProblem(t, en.do("POST", "/api/recipients/biz_1/identity", en.key, map[string]any{"kind": "business", "legal_name": "Acme",
			"address_line1": "x", "city": "y", "postal_code": "z", "country": "DE"}), 422, "validation_failed", "registration_number")
		en.must(202, "POST", "/api/recipients/biz_1/identity", en.key, body)
		wantProblem(t, en.do("POST", "/api/recipients/biz_1/identity", en.key, body), 409, "identity_pending", "")
		close(gate.release)
		wait := func(status string) map[string]any {
			deadline := time.Now().Add(10 * time.Second)
			for {
				id := en.must(200, "GET", "/api/recipients/biz_1/identity", en.key, nil).obj(t)
				if id["status"] == status {
					return id
				}
				if time.Now().After(deadline) {
					t.Fatalf("identity %v, waited for %s", id, status)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if id := wait("rejected"); id["reason"] != "document_mismatch" || id["country"] != "DE" {
			t.Fatalf("rejected %v", id)
		}
		body["legal_name"] = "Acme Review"
		en.must(202, "POST", "/api/recipients/biz_1/identity", en.key, body)
		if id := wait("rejected"); id["reason"] != "more_information_needed" {
			t.Fatalf("review %v", id)
		}
		body["legal_name"] = "Acme GmbH"
		en.must(202, "POST", "/api/recipients/biz_1/identity", en.key, body)
		wait("verified")
		wantProblem(t, en.do("POST", "/api/recipients/biz_1/identity", en.key, body), 409, "identity_verified", "")
	})
}

// gatedVerifier is the sandbox verifier, answering only once released.
type gatedVerifier struct{ release chan struct{} }

func (g *gatedVerifier) Name() string { return "sandbox" }

func (g *gatedVerifier) Verify(ctx context.Context, recipientID string, d identity.Details) (identity.Outcome, error) {
	select {
	case <-g.release:
	case <-ctx.Done():
		return identity.Outcome{}, ctx.Err()
	}
	return identity.Sandbox{}.Verify(ctx, recipientID, d)
}
