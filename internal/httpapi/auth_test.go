package httpapi_test

import (
	"strings"
	"testing"

	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

func TestAuthWithoutKeyIs401WithChallenge(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		for _, tc := range []struct{ name, method, path, auth string }{
			{"no header", "GET", "/api/recipients", ""},
			{"no header on balance info", "GET", "/rewards/site_1/info", ""},
			{"no header on a write", "POST", "/api/recipients/site_1/credits", ""},
			{"basic scheme", "GET", "/api/recipients", "Basic dXNlcjpwYXNz"},
			{"empty bearer", "GET", "/api/recipients", "Bearer "},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var hdr []string
				if tc.auth != "" {
					hdr = []string{"Authorization", tc.auth}
				}
				var body any
				if tc.method == "POST" {
					body = map[string]any{"amount": "1.00", "currency": "EUR"}
				}
				r := en.do(tc.method, tc.path, "", body, hdr...)
				wantProblem(t, r, 401, "unauthenticated", "")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
		if got := en.balance(en.key, "site_1"); got != "0.00" {
			t.Errorf("an unauthenticated credit moved money: balance %s", got)
		}
	})
}

func TestAuthUnknownKeyIs401(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		for _, secret := range []string{
			"pp_test_" + strings.Repeat("A", 32), // well-formed, never issued
			"pp_live_" + strings.Repeat("b", 32),
			"sk_test_123",          // not a Payport key at all
			en.key[:len(en.key)-1], // a real key, truncated
			en.key + "x",           // a real key with a character more
		} {
			r := en.do("GET", "/api/recipients", secret, nil)
			wantProblem(t, r, 401, "unauthenticated", "")
			if !strings.Contains(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("key %q: WWW-Authenticate = %q, want a Bearer challenge", secret, r.Header.Get("WWW-Authenticate"))
			}
		}
		// The genuine key still works.
		en.must(200, "GET", "/api/recipients", en.key, nil)
	})
}

func TestAuthRevokedKeyIsRefusedFromTheNextRequest(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		nk := en.must(201, "POST", "/api/api_keys", en.key, map[string]any{"name": "ci"}).obj(t)
		secret, keyID := str(t, nk, "secret"), str(t, nk, "id")
		en.must(200, "GET", "/api/recipients", secret, nil)

		r := en.do("DELETE", "/api/api_keys/"+keyID, en.key, nil)
		if r.Status != 204 || len(r.Body) != 0 {
			t.Fatalf("revoke: got %s, want 204 with no body", r)
		}
		wantProblem(t, en.do("GET", "/api/recipients", secret, nil), 401, "unauthenticated", "")
		wantProblem(t, en.do("POST", "/api/recipients", secret, map[string]any{"external_id": "x", "currency": "EUR"}), 401, "unauthenticated", "")
		if n := en.count("recipients"); n != 0 {
			t.Errorf("a revoked key created %d recipients", n)
		}

		// The listing shows the key as revoked; the revoking key itself still works.
		var keys []map[string]any
		en.must(200, "GET", "/api/api_keys", en.key, nil).into(t, &keys)
		found := false
		for _, k := range keys {
			if k["id"] == keyID {
				found = true
				if k["revoked_at"] == nil {
					t.Errorf("revoked key listed with revoked_at null: %v", k)
				}
			}
		}
		if !found {
			t.Errorf("revoked key %s missing from the listing", keyID)
		}
		// Revoking an unknown key is a 404.
		wantProblem(t, en.do("DELETE", "/api/api_keys/key_doesnotexist", en.key, nil), 404, "not_found", "")
	})
}

func TestAuthOrgCannotRevokeAnotherOrgsKey(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		_, otherKey := en.newOrg("Other Co")
		nk := en.must(201, "POST", "/api/api_keys", en.key, map[string]any{"name": "victim"}).obj(t)
		wantProblem(t, en.do("DELETE", "/api/api_keys/"+str(t, nk, "id"), otherKey, nil), 404, "not_found", "")
		en.must(200, "GET", "/api/recipients", str(t, nk, "secret"), nil)
	})
}

func TestAuthScopesAreEnforced(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "5.00", "EUR")
		linksOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "links")

		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", linksOnly,
			map[string]any{"amount": "1.00", "currency": "EUR"}), 403, "forbidden", "")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/adjustments", linksOnly,
			map[string]any{"amount": "-1.00", "currency": "EUR", "description": "x"}), 403, "forbidden", "")
		wantProblem(t, en.do("GET", "/rewards/site_1/info", linksOnly, nil), 403, "forbidden", "")
		wantProblem(t, en.do("GET", "/api/recipients/site_1/transactions", linksOnly, nil), 403, "forbidden", "")
		sameCounts(t, "links-only key", before, en.counts())
		if got := en.balance(en.key, "site_1"); got != "5.00" {
			t.Errorf("balance %s after refused credits, want 5.00", got)
		}

		// A rewards key may do both.
		rewards := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "rewards")
		en.must(201, "POST", "/api/recipients/site_1/credits", rewards, map[string]any{"amount": "1.00", "currency": "EUR"})
		en.must(200, "GET", "/rewards/site_1/info", rewards, nil)
	})
}

func TestAuthReadOnlyKeyReadsButCannotWrite(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		rec := en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "5.00", "EUR")
		ro := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "read_only")

		en.must(200, "GET", "/api/recipients", ro, nil)
		en.must(200, "GET", "/api/recipients/"+str(t, rec, "id"), ro, nil)
		en.must(200, "GET", "/api/recipients/site_1/transactions", ro, nil)
		if got := str(t, en.info(ro, "site_1"), "balance.amount"); got != "5.00" {
			t.Errorf("read-only key sees balance %s, want 5.00", got)
		}
		en.must(200, "GET", "/api/org", ro, nil)

		before := en.counts()
		for _, w := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/recipients", map[string]any{"external_id": "site_2", "currency": "EUR"}},
			{"PATCH", "/api/recipients/site_1", map[string]any{"email": "new@example.com"}},
			{"POST", "/api/recipients/site_1/credits", map[string]any{"amount": "1.00", "currency": "EUR"}},
			{"POST", "/api/recipients/site_1/adjustments", map[string]any{"amount": "-1.00", "currency": "EUR", "description": "x"}},
			{"PATCH", "/api/org", map[string]any{"name": "Renamed"}},
			{"POST", "/api/api_keys", map[string]any{"name": "escalate"}},
		} {
			wantProblem(t, en.do(w.method, w.path, ro, w.body), 403, "forbidden", anyField)
		}
		sameCounts(t, "read-only key", before, en.counts())
		if got := str(t, en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t), "email"); got != "ada@example.com" {
			t.Errorf("read-only PATCH changed the email to %q", got)
		}
		if got := str(t, en.must(200, "GET", "/api/org", en.key, nil).obj(t), "name"); got != "Acme Energy" {
			t.Errorf("read-only PATCH renamed the org to %q", got)
		}
	})
}

func TestAuthOrgEndpointsNeedInternalAdmin(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		before := en.count("orgs")
		wantProblem(t, en.do("POST", "/api/orgs", en.key, map[string]any{"name": "Sneaky"}), 403, "forbidden", "")
		wantProblem(t, en.do("GET", "/api/orgs", en.key, nil), 403, "forbidden", "")
		if n := en.count("orgs"); n != before {
			t.Fatalf("an org-admin key created an org (%d -> %d)", before, n)
		}

		admin := en.newKey(en.orgID, tenant.Test, org.RoleInternalAdmin)
		created := en.must(201, "POST", "/api/orgs", admin, map[string]any{"name": "Beta Power"}).obj(t)
		if got := str(t, created, "org.name"); got != "Beta Power" {
			t.Errorf("created org name %q", got)
		}
		secret := str(t, created, "api_key.secret")
		if !strings.HasPrefix(secret, "pp_test_") {
			t.Errorf("new org's key %q is not a test key", secret)
		}
		if got := str(t, created, "api_key.role"); got != "org-admin" {
			t.Errorf("new org's key role %q, want org-admin", got)
		}
		// The new key acts in the new org.
		if got := str(t, en.must(200, "GET", "/api/org", secret, nil).obj(t), "id"); got != str(t, created, "org.id") {
			t.Errorf("new key acts in org %s, want %s", got, str(t, created, "org.id"))
		}
		live := en.must(201, "POST", "/api/orgs", admin, map[string]any{"name": "Gamma", "live": true}).obj(t)
		if s := str(t, live, "api_key.secret"); !strings.HasPrefix(s, "pp_live_") {
			t.Errorf("live org's key %q is not a live key", s)
		}
		wantProblem(t, en.do("POST", "/api/orgs", admin, map[string]any{"name": ""}), 422, "validation_failed", "name")

		var orgs []map[string]any
		en.must(200, "GET", "/api/orgs", admin, nil).into(t, &orgs)
		names := map[string]bool{}
		for _, o := range orgs {
			names[o["name"].(string)] = true
		}
		for _, n := range []string{"Acme Energy", "Beta Power", "Gamma"} {
			if !names[n] {
				t.Errorf("GET /api/orgs misses %q: %v", n, names)
			}
		}
	})
}

func TestAuthAnotherOrgsRecipientIsNotFound(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		mine := en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "5.00", "EUR")
		id := str(t, mine, "id")
		_, other := en.newOrg("Other Co")

		before := en.counts()
		for _, ref := range []string{id, "site_1"} {
			wantProblem(t, en.do("GET", "/api/recipients/"+ref, other, nil), 404, "not_found", "")
			wantProblem(t, en.do("PATCH", "/api/recipients/"+ref, other, map[string]any{"email": "evil@example.com"}), 404, "not_found", "")
			wantProblem(t, en.do("POST", "/api/recipients/"+ref+"/credits", other, map[string]any{"amount": "1.00", "currency": "EUR"}), 404, "not_found", "")
			wantProblem(t, en.do("POST", "/api/recipients/"+ref+"/adjustments", other,
				map[string]any{"amount": "-5.00", "currency": "EUR", "description": "steal"}), 404, "not_found", "")
			wantProblem(t, en.do("GET", "/api/recipients/"+ref+"/transactions", other, nil), 404, "not_found", "")
			wantProblem(t, en.do("GET", "/rewards/"+ref+"/info", other, nil), 404, "not_found", "")
		}
		list := en.must(200, "GET", "/api/recipients", other, nil).obj(t)
		if items := get(t, list, "items").([]any); len(items) != 0 {
			t.Errorf("another org lists %d of my recipients", len(items))
		}
		sameCounts(t, "another org's requests", before, en.counts())
		if got := en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t)["email"]; got != "ada@example.com" {
			t.Errorf("another org changed my recipient's email to %v", got)
		}
		if got := en.balance(en.key, "site_1"); got != "5.00" {
			t.Errorf("balance %s after another org's requests, want 5.00", got)
		}

		// External ids are per org: the other org may use site_1 for its own recipient.
		theirs := en.createRecipient(other, "site_1", "GBP")
		if str(t, theirs, "id") == id {
			t.Fatal("two orgs share a recipient")
		}
		if got := str(t, en.must(200, "GET", "/api/recipients/site_1", other, nil).obj(t), "currency"); got != "GBP" {
			t.Errorf("other org's site_1 has currency %s, want its own GBP", got)
		}
	})
}

func TestAuthLiveAndTestModesAreSeparate(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		if !strings.HasPrefix(live, "pp_live_") {
			t.Fatalf("live key %q", live)
		}
		testRec := en.createRecipient(en.key, "site_t", "EUR")
		liveRec := en.createRecipient(live, "site_l", "EUR")
		if testRec["livemode"] != false || liveRec["livemode"] != true {
			t.Errorf("livemode: test recipient %v, live recipient %v", testRec["livemode"], liveRec["livemode"])
		}
		for _, ref := range []string{str(t, testRec, "id"), "site_t"} {
			wantProblem(t, en.do("GET", "/api/recipients/"+ref, live, nil), 404, "not_found", "")
			wantProblem(t, en.do("GET", "/rewards/"+ref+"/info", live, nil), 404, "not_found", "")
			wantProblem(t, en.do("POST", "/api/recipients/"+ref+"/credits", live, map[string]any{"amount": "1.00", "currency": "EUR"}), 404, "not_found", "")
		}
		for _, ref := range []string{str(t, liveRec, "id"), "site_l"} {
			wantProblem(t, en.do("GET", "/api/recipients/"+ref, en.key, nil), 404, "not_found", "")
			wantProblem(t, en.do("GET", "/rewards/"+ref+"/info", en.key, nil), 404, "not_found", "")
		}
		// Each mode lists only its own.
		for key, want := range map[string]string{en.key: "site_t", live: "site_l"} {
			items := get(t, en.must(200, "GET", "/api/recipients", key, nil).obj(t), "items").([]any)
			if len(items) != 1 || str(t, items[0], "external_id") != want {
				t.Errorf("listing shows %v, want only %s", items, want)
			}
		}
		// The same external id may exist once per mode.
		en.createRecipient(live, "site_t", "EUR")
	})
}

func TestCreateAPIKeyCannotEscalate(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		rewardsOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "rewards")
		before := en.counts()
		wantProblem(t, en.do("POST", "/api/api_keys", rewardsOnly, map[string]any{"scopes": []string{"payouts"}}), 403, "forbidden", "scopes")
		wantProblem(t, en.do("POST", "/api/api_keys", rewardsOnly, map[string]any{"scopes": []string{"rewards", "links"}}), 403, "forbidden", "scopes")
		wantProblem(t, en.do("POST", "/api/api_keys", rewardsOnly, map[string]any{"role": "internal-admin"}), 403, "forbidden", "role")
		wantProblem(t, en.do("POST", "/api/api_keys", en.key, map[string]any{"role": "internal-admin"}), 403, "forbidden", "role")
		wantProblem(t, en.do("POST", "/api/api_keys", en.key, map[string]any{"scopes": []string{"superuser"}}), 422, "validation_failed", "scopes")
		sameCounts(t, "refused key creation", before, en.counts())

		// Leaving scopes out must not hand a narrow key every scope.
		r := en.do("POST", "/api/api_keys", rewardsOnly, map[string]any{"name": "default scopes"})
		if r.Status == 201 {
			scopes := get(t, r.obj(t), "scopes").([]any)
			for _, s := range scopes {
				if s != "rewards" && s != "read_only" {
					t.Errorf("a rewards-only key minted a key with scope %v (scopes %v)", s, scopes)
				}
			}
		} else {
			wantProblem(t, r, 403, "forbidden", "scopes")
		}

		// Within its own scopes it may create keys, and read_only narrows further.
		nk := en.must(201, "POST", "/api/api_keys", rewardsOnly, map[string]any{"scopes": []string{"rewards"}}).obj(t)
		if sc := get(t, nk, "scopes").([]any); len(sc) != 1 || sc[0] != "rewards" {
			t.Errorf("scopes %v, want [rewards]", sc)
		}
		ro := str(t, en.must(201, "POST", "/api/api_keys", rewardsOnly, map[string]any{"scopes": []string{"rewards", "read_only"}}).obj(t), "secret")
		en.must(200, "GET", "/api/recipients", ro, nil)
		wantProblem(t, en.do("POST", "/api/recipients", ro, map[string]any{"external_id": "s", "currency": "EUR"}), 403, "forbidden", "")
	})
}

// A key asking for a read-only key ({"scopes":["read_only"]}) narrows its own rights; it asks
// for no scope it lacks, so a rewards-only key must be able to do it.
func TestCreateAPIKeyNarrowKeyCanMintReadOnlyKey(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		rewardsOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "rewards")
		r := en.do("POST", "/api/api_keys", rewardsOnly, map[string]any{"scopes": []string{"read_only"}})
		if r.Status != 201 {
			t.Fatalf("a rewards-only key asking for a read_only key got %s; want 201 with scopes [rewards read_only]", r)
		}
		scopes := get(t, r.obj(t), "scopes").([]any)
		for _, s := range scopes {
			if s != "rewards" && s != "read_only" {
				t.Errorf("the read-only key holds %v, a scope its creator lacks (scopes %v)", s, scopes)
			}
		}
		ro := str(t, r.obj(t), "secret")
		en.must(200, "GET", "/api/recipients", ro, nil)
		wantProblem(t, en.do("POST", "/api/recipients", ro, map[string]any{"external_id": "s", "currency": "EUR"}), 403, "forbidden", "")
	})
}

func TestCreateAPIKeySecretIsShownOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		nk := en.must(201, "POST", "/api/api_keys", en.key, map[string]any{"name": "ci"}).obj(t)
		secret, keyID, prefix := str(t, nk, "secret"), str(t, nk, "id"), str(t, nk, "prefix")
		if !strings.HasPrefix(secret, "pp_test_") || len(secret) < 32 {
			t.Fatalf("secret %q", secret)
		}
		if !strings.HasPrefix(secret, prefix) || len(prefix) >= len(secret) {
			t.Errorf("prefix %q does not start the secret or gives it away", prefix)
		}
		for _, key := range []string{en.key, secret} {
			r := en.must(200, "GET", "/api/api_keys", key, nil)
			if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), secret[len(prefix):]) {
				t.Errorf("GET /api/api_keys shows the secret: %s", r.Body)
			}
			if strings.Contains(string(r.Body), en.key[12:]) {
				t.Errorf("GET /api/api_keys shows the org's first secret: %s", r.Body)
			}
			if strings.Contains(string(r.Body), `"secret"`) {
				t.Errorf("GET /api/api_keys has a secret member: %s", r.Body)
			}
			if !strings.Contains(string(r.Body), keyID) {
				t.Errorf("GET /api/api_keys misses key %s", keyID)
			}
		}
		// The key works, and the listing then records its use.
		en.must(200, "GET", "/api/recipients", secret, nil)
		var keys []map[string]any
		en.must(200, "GET", "/api/api_keys", en.key, nil).into(t, &keys)
		for _, k := range keys {
			if k["id"] == keyID && k["last_used_at"] == nil {
				t.Errorf("key used but last_used_at is null: %v", k)
			}
		}
	})
}
