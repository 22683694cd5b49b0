package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/payport/payport/internal/store/storetest"
)

// verifyFromJWKS checks a token the way a platform would: fetch the JWKS, find the token's kid,
// verify with a standard JOSE library, and return the claims as a map.
func (en *env) verifyFromJWKS(token string) (map[string]any, string) {
	en.t.Helper()
	r := en.must(200, "GET", "/.well-known/jwks.json", "", nil)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(r.Body, &set); err != nil {
		en.t.Fatal(err)
	}
	sig, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		en.t.Fatalf("parse token: %v", err)
	}
	kid := sig.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		en.t.Fatalf("kid %q not in the JWKS %s", kid, r.Body)
	}
	payload, err := sig.Verify(keys[0])
	if err != nil {
		en.t.Fatalf("signature does not verify with the published key: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		en.t.Fatal(err)
	}
	return claims, kid
}

func tokenOf(t *testing.T, balanceURL string) string {
	t.Helper()
	u, err := url.Parse(balanceURL)
	if err != nil || !strings.HasPrefix(u.Path, "/auth/ext/") {
		t.Fatalf("balance_withdrawal_url %q", balanceURL)
	}
	return strings.TrimPrefix(u.Path, "/auth/ext/")
}

func TestBalanceWithdrawalURL(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		r := en.createRecipient(en.key, "site_1", "EUR")
		en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"email":"ada@example.com"}`)
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"allowed_origin":"*.axle.energy","redirect_allowlist":["axle://"]}}}`)

		// Seed 001's Python example sends Python booleans: True / False.
		res := en.must(200, "GET", "/rewards/site_1/url/balance?enforce_two_factor_auth=True&redirect_uri=%2Frewards%2Fbalance&hide_transactions=False&auto_redirect_to_setup=False", en.key, nil).obj(t)
		token := tokenOf(t, res["balance_withdrawal_url"].(string))
		claims, kid := en.verifyFromJWKS(token)
		var names []string
		for k := range claims {
			names = append(names, k)
		}
		sort.Strings(names)
		if got := strings.Join(names, ","); got != "allowed_origin,aud,auto_redirect_to_setup,exp,hide_transactions,iat,internal_site_id,iss,jti,permitted_url_stubs,redirect_uri,sub,two_factor_auth,type" {
			t.Fatalf("claims %s", got)
		}
		if claims["sub"] != "Acme Energy" || claims["internal_site_id"] != r["id"] || claims["type"] != "rewards" ||
			claims["two_factor_auth"] != true || claims["redirect_uri"] != "/rewards/balance" || claims["allowed_origin"] != "*.axle.energy" ||
			claims["hide_transactions"] != false || claims["auto_redirect_to_setup"] != false {
			t.Fatalf("claims %v", claims)
		}
		if stubs := claims["permitted_url_stubs"].([]any); len(stubs) != 1 || stubs[0] != "/rewards" {
			t.Fatalf("stubs %v", stubs)
		}
		exp, iat := claims["exp"].(float64), claims["iat"].(float64)
		if exp-iat != 3600 {
			t.Fatalf("lifetime %v s, want the default 3600", exp-iat)
		}
		expiry, err := time.Parse(time.RFC3339, res["url_expiry_timestamp"].(string))
		if err != nil || expiry.Unix() != int64(exp) || !strings.HasSuffix(res["url_expiry_timestamp"].(string), "Z") {
			t.Fatalf("url_expiry_timestamp %v (exp %v)", res["url_expiry_timestamp"], exp)
		}

		// Refusals, each naming its parameter.
		wantProblem(t, en.do("GET", "/rewards/nope/url/balance", en.key, nil), 404, "not_found", "")
		en.must(201, "POST", "/api/recipients", en.key, `{"external_id":"site_2","currency":"EUR"}`) // no email
		wantProblem(t, en.do("GET", "/rewards/site_2/url/balance?enforce_two_factor_auth=true", en.key, nil), 422, "validation_failed", "enforce_two_factor_auth")
		for _, bad := range []string{"https://evil.example/", "javascript:alert(1)", "//evil.example", "/admin"} {
			wantProblem(t, en.do("GET", "/rewards/site_1/url/balance?redirect_uri="+url.QueryEscape(bad), en.key, nil), 422, "validation_failed", "redirect_uri")
		}
		en.must(200, "GET", "/rewards/site_1/url/balance?redirect_uri="+url.QueryEscape("axle://wallet")+"&expires_in=600", en.key, nil)
		en.must(200, "GET", "/rewards/site_1/url/balance?redirect_uri=payport:close", en.key, nil)
		wantProblem(t, en.do("GET", "/rewards/site_1/url/balance?expires_in=999999", en.key, nil), 422, "validation_failed", "expires_in")

		// Rotation: the old key keeps verifying its tokens; new tokens carry the new kid.
		newKid, err := en.app.RotateSigningKeys(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, k := en.verifyFromJWKS(token); k != kid {
			t.Fatalf("old token now names %s", k)
		}
		res2 := en.must(200, "GET", "/rewards/site_1/url/balance", en.key, nil).obj(t)
		if _, k := en.verifyFromJWKS(tokenOf(t, res2["balance_withdrawal_url"].(string))); k != newKid || k == kid {
			t.Fatalf("token after rotation signed by %s, want %s", k, newKid)
		}
	})
}
