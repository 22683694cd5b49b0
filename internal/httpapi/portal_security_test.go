package httpapi_test

// Attacks on the hosted portal over HTTP, on every engine: forged and confused tokens, the edge
// of expiry, racing replays, a portal session reaching beyond /rewards, forms without their CSRF
// token, open redirects at minting, parallel code guessing, and crossing from one org (or one
// recipient) to another. Cases portal_test.go and grants_test.go already cover are not repeated.

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/payport/payport/internal/httpapi"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

var b64 = base64.RawURLEncoding

// mint asks for a portal URL for site with key and returns it on the test server.
func (en *env) mint(key, site, query string) string {
	en.t.Helper()
	res := en.must(200, "GET", "/rewards/"+url.PathEscape(site)+"/url/balance?"+query, key, nil).obj(en.t)
	return en.srv.URL + strings.TrimPrefix(res["balance_withdrawal_url"].(string), "http://127.0.0.1:8080")
}

// forgeClaims returns the base64url JWT payload seg with the claims in set changed.
func forgeClaims(t *testing.T, seg string, set map[string]any) string {
	t.Helper()
	raw, err := b64.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		claims[k] = v
	}
	out, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return b64.EncodeToString(out)
}

// jws assembles a compact JWS from a header and a payload segment, signed by sign.
func jws(header map[string]any, payload string, sign func(signingInput []byte) []byte) string {
	h, _ := json.Marshal(header)
	input := b64.EncodeToString(h) + "." + payload
	return input + "." + b64.EncodeToString(sign([]byte(input)))
}

// hasSessionCookie reports whether a response sets the portal session cookie.
func hasSessionCookie(res *http.Response) bool {
	for _, c := range res.Cookies() {
		if c.Name == "pp_portal" && c.Value != "" {
			return true
		}
	}
	return false
}

// TestPortalSecurityForgedTokens: tokens an attacker can make without Payport's private key are
// refused at the door with 401, no cookie and no row written, and a real link still works.
func TestPortalSecurityForgedTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		other := en.createRecipient(en.key, "site_2", "EUR")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"redirect_allowlist":["myapp://"]}}}`)

		link := en.portalURL("enforce_two_factor_auth=true")
		parts := strings.Split(tokenOf(t, link), ".")
		_, kid := en.verifyFromJWKS(strings.Join(parts, "."))
		var jwks jose.JSONWebKeySet
		en.must(200, "GET", "/.well-known/jwks.json", "", nil).into(t, &jwks)
		pub := jwks.Key(kid)[0].Key.(ed25519.PublicKey)
		_, attacker, _ := ed25519.GenerateKey(rand.Reader)
		edSign := func(in []byte) []byte { return ed25519.Sign(attacker, in) }
		hmacWith := func(key []byte) func([]byte) []byte {
			return func(in []byte) []byte { m := hmac.New(sha256.New, key); m.Write(in); return m.Sum(nil) }
		}
		attackerJWK, _ := json.Marshal(jose.JSONWebKey{Key: attacker.Public(), KeyID: kid, Algorithm: "EdDSA"})
		var embedded map[string]any
		_ = json.Unmarshal(attackerJWK, &embedded)

		// An outcome token is signed by Payport's real key, but for the platform (aud
		// payport-redirect), not for the portal door.
		b := en.browser()
		visit(t, b, en.portalURL("redirect_uri="+url.QueryEscape("myapp://done")))
		res, _ := visit(t, b, en.srv.URL+"/rewards/done")
		loc, _ := url.Parse(res.Header.Get("Location"))
		outcome := loc.Query().Get("payport_result")
		if outcome == "" {
			t.Fatalf("no payport_result in %q", res.Header.Get("Location"))
		}

		before := map[string]int{"grants": en.count("grants"), "portal_sessions": en.count("portal_sessions")}
		for name, token := range map[string]string{
			"payload changed: another site":   parts[0] + "." + forgeClaims(t, parts[1], map[string]any{"internal_site_id": other["id"]}) + "." + parts[2],
			"payload changed: no two-factor":  parts[0] + "." + forgeClaims(t, parts[1], map[string]any{"two_factor_auth": false}) + "." + parts[2],
			"payload changed: longer expiry":  parts[0] + "." + forgeClaims(t, parts[1], map[string]any{"exp": time.Now().Add(240 * time.Hour).Unix()}) + "." + parts[2],
			"alg none, no signature":          jws(map[string]any{"alg": "none", "kid": kid, "typ": "JWT"}, parts[1], func([]byte) []byte { return nil }),
			"alg none, signature kept":        jws(map[string]any{"alg": "none", "kid": kid}, parts[1], func([]byte) []byte { s, _ := b64.DecodeString(parts[2]); return s }),
			"HS256 keyed with the public key": jws(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"}, parts[1], hmacWith(pub)),
			"HS256 keyed with the JWK's x":    jws(map[string]any{"alg": "HS256", "kid": kid}, parts[1], hmacWith([]byte(b64.EncodeToString(pub)))),
			"unknown kid":                     jws(map[string]any{"alg": "EdDSA", "kid": "k_0000000000000000", "typ": "JWT"}, parts[1], edSign),
			"no kid":                          jws(map[string]any{"alg": "EdDSA", "typ": "JWT"}, parts[1], edSign),
			"known kid, attacker's key":       jws(map[string]any{"alg": "EdDSA", "kid": kid, "typ": "JWT"}, parts[1], edSign),
			"attacker's key embedded as jwk":  jws(map[string]any{"alg": "EdDSA", "kid": kid, "jwk": embedded}, parts[1], edSign),
			"outcome token (wrong audience)":  outcome,
			"signature of another token":      parts[0] + "." + parts[1] + "." + strings.Split(outcome, ".")[2],
		} {
			res, body := visit(t, en.browser(), en.srv.URL+"/auth/ext/"+token)
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "This link is not valid") || hasSessionCookie(res) {
				t.Errorf("%s: %d, session cookie %v:\n%s", name, res.StatusCode, hasSessionCookie(res), body)
			}
		}
		for tbl, n := range before {
			if got := en.count(tbl); got != n {
				t.Errorf("refused tokens wrote %d rows to %s", got-n, tbl)
			}
		}
		// The real link, untouched, still opens the portal (at the code step).
		if res, _ := visit(t, en.browser(), link); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/rewards/verify" || !hasSessionCookie(res) {
			t.Fatalf("the genuine link: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

// TestPortalSecurityExpiryEdge: a link works until the second before its exp and not at exp,
// and an expired link writes nothing.
func TestPortalSecurityExpiryEdge(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		minted := time.Now().Truncate(time.Second)
		en.clock.Set(minted)
		early, late := en.portalURL("expires_in=60"), en.portalURL("expires_in=60")
		en.clock.Set(minted.Add(59 * time.Second))
		if res, _ := visit(t, en.browser(), early); res.StatusCode != http.StatusSeeOther || !hasSessionCookie(res) {
			t.Fatalf("a 60 s link opened after 59 s: %d", res.StatusCode)
		}
		en.clock.Set(minted.Add(60 * time.Second))
		res, body := visit(t, en.browser(), late)
		if res.StatusCode != http.StatusGone || !strings.Contains(body, "This link has expired") || hasSessionCookie(res) {
			t.Fatalf("a 60 s link opened after 60 s: %d, cookie %v", res.StatusCode, hasSessionCookie(res))
		}
		if n := en.count("grants"); n != 1 {
			t.Fatalf("%d grants recorded, want 1 (the expired link must write nothing)", n)
		}
	})
}

// TestPortalSecurityReplayRace: one link opened many times at once (a link leaked to another
// device, a prefetcher) gives exactly one session.
func TestPortalSecurityReplayRace(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		link := en.portalURL("")
		const n = 8
		var wg sync.WaitGroup
		statuses := make([]int, n)
		cookies := make([]bool, n)
		for i := range n {
			wg.Go(func() {
				res, err := en.browser().Get(link)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				statuses[i], cookies[i] = res.StatusCode, hasSessionCookie(res)
			})
		}
		wg.Wait()
		opened := 0
		for i := range n {
			switch {
			case statuses[i] == http.StatusSeeOther && cookies[i]:
				opened++
			case statuses[i] == http.StatusGone && !cookies[i]:
			default:
				t.Errorf("open %d: status %d, session cookie %v", i, statuses[i], cookies[i])
			}
		}
		if opened != 1 || en.count("portal_sessions") != 1 {
			t.Fatalf("%d of %d simultaneous opens got a session (%d stored), want exactly 1", opened, n, en.count("portal_sessions"))
		}
	})
}

// TestPortalSecurityStubEscape: a portal session cookie opens /rewards pages and nothing else:
// not the API (not even the API routes under /rewards), not other paths, not through traversal.
func TestPortalSecurityStubEscape(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		rec := en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "12.34", "EUR")
		b := en.browser()
		visit(t, b, en.portalURL(""))
		if res, _ := visit(t, b, en.srv.URL+"/rewards/balance"); res.StatusCode != 200 {
			t.Fatalf("the session does not open the balance page: %d", res.StatusCode)
		}
		// This client follows redirects, with the session cookie.
		follow := &http.Client{Jar: b.Jar}
		secrets := []string{en.orgID, rec["id"].(string), "ada@example.com", "12.34"}
		for _, path := range []string{
			"/api/org", "/api/recipients", "/api/recipients/site_1", "/api/payments", "/api/api_keys", "/api/orgs",
			"/rewards/site_1/info", "/rewards/site_1/url/balance", "/rewards/" + rec["id"].(string) + "/info",
			"/checkout/pay_1", "/checkout/../api/org",
			"/rewards/../api/org", "/rewards/%2e%2e/api/org", "/rewards/..%2fapi%2forg", "/rewards/balance/../../api/recipients",
			"/rewards//api/org", "/rewards/%2fapi/org", "/rewards/balance/..%2f..%2fapi%2forg",
		} {
			req, _ := http.NewRequest("GET", en.srv.URL+path, nil)
			req.URL.Opaque = path // sent exactly as written, dots and escapes included
			res, err := follow.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode < 400 {
				t.Errorf("GET %s with a portal session: %d %s (ended at %s)", path, res.StatusCode, body, res.Request.URL.Path)
			}
			for _, s := range secrets {
				if strings.Contains(string(body), s) {
					t.Errorf("GET %s with a portal session (%d) shows %q:\n%s", path, res.StatusCode, s, body)
				}
			}
		}
		// Writes through the API with the cookie: refused, nothing written.
		before := en.counts()
		req, _ := http.NewRequest("POST", en.srv.URL+"/api/recipients/site_1/credits", strings.NewReader(`{"amount":"1000.00","currency":"EUR"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := follow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("credit with a portal session cookie: %d", res.StatusCode)
		}
		sameCounts(t, "an API write with a portal cookie", before, en.counts())
	})
}

// TestPortalSecurityCSRF: every portal form posted without the session's CSRF token, with an
// empty one, with another session's, or with the token in the query string instead of the
// body, is refused with 403 and writes nothing; the same form with the right token works.
func TestPortalSecurityCSRF(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withBankAccount()
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"10.00"}}}`)
		b := en.browser()
		visit(t, b, en.portalURL(""))
		_, page := visit(t, b, en.srv.URL+"/rewards/setup")
		csrf := csrfRE.FindStringSubmatch(page)[1]
		var methods []struct{ ID string }
		en.must(200, "GET", "/api/recipients/site_1/payout_methods", en.key, nil).into(t, &methods)
		mid := methods[0].ID
		// Another session of the same recipient: a real token, but not this session's.
		ob := en.browser()
		visit(t, ob, en.portalURL(""))
		_, opage := visit(t, ob, en.srv.URL+"/rewards/setup")
		otherCSRF := csrfRE.FindStringSubmatch(opage)[1]
		if otherCSRF == csrf {
			t.Fatal("two sessions share a CSRF token")
		}

		forms := map[string]url.Values{
			"/rewards/setup":            {"country": {"DE"}, "holder_name": {"Mallory"}, "iban": {ibanEnding("6666")}},
			"/rewards/setup/remove":     {"method_id": {mid}},
			"/rewards/withdraw/confirm": {"amount": {"20.00"}},
			"/rewards/withdraw":         {"amount": {"20.00"}, "form_id": {strings.Repeat("ab", 16)}},
			"/rewards/verify":           {"code": {"123456"}},
			"/rewards/verify/resend":    {},
		}
		tables := append([]string{"payout_methods", "payments", "otp_codes", "mail_outbox"}, countedTables...)
		counts := func() map[string]int {
			m := map[string]int{}
			for _, tbl := range tables {
				m[tbl] = en.count(tbl)
			}
			return m
		}
		before := counts()
		for path, form := range forms {
			for variant, token := range map[string][]string{"no token": nil, "empty token": {""}, "another session's token": {otherCSRF},
				"token with a changed letter": {csrf[:len(csrf)-1] + string(csrf[len(csrf)-1]^1)}} {
				f := url.Values{}
				for k, v := range form {
					f[k] = v
				}
				if token != nil {
					f["csrf"] = token
				}
				if res, body := en.postForm(b, path, f); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired") {
					t.Errorf("POST %s with %s: %d", path, variant, res.StatusCode)
				}
			}
			// The right token, but in the query string: a form's token travels in its body.
			if res, _ := en.postForm(b, path+"?csrf="+url.QueryEscape(csrf), form); res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with the token in the query string: %d", path, res.StatusCode)
			}
		}
		after := counts()
		for tbl, n := range before {
			if after[tbl] != n {
				t.Errorf("refused forms changed %s from %d to %d rows", tbl, n, after[tbl])
			}
		}
		if info := en.info(en.key, "site_1"); info["has_bank_account"] != true || str(t, info, "balance.amount") != "50.00" {
			t.Fatalf("refused forms changed the recipient: %v", info)
		}
		// The same forms with the right token do what they say.
		f := url.Values{"csrf": {csrf}}
		for k, v := range forms["/rewards/setup"] {
			f[k] = v
		}
		if res, _ := en.postForm(b, "/rewards/setup", f); res.StatusCode != http.StatusSeeOther || en.count("payout_methods") != before["payout_methods"]+1 {
			t.Fatalf("adding an account with the right token: %d", res.StatusCode)
		}
	})
}

// TestPortalSecurityTwoFactorGate: until the emailed code is entered, a session can post no form
// but the code's own, even with its valid CSRF token.
func TestPortalSecurityTwoFactorGate(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withBankAccount()
		b := en.browser()
		visit(t, b, en.portalURL("enforce_two_factor_auth=true"))
		_, page := visit(t, b, en.srv.URL+"/rewards/verify")
		csrf := csrfRE.FindStringSubmatch(page)[1]
		before := map[string]int{"payout_methods": en.count("payout_methods"), "payments": en.count("payments")}
		for path, form := range map[string]url.Values{
			"/rewards/setup":            {"csrf": {csrf}, "country": {"DE"}, "holder_name": {"Mallory"}, "iban": {ibanEnding("6666")}},
			"/rewards/withdraw/confirm": {"csrf": {csrf}, "amount": {"20.00"}},
			"/rewards/withdraw":         {"csrf": {csrf}, "amount": {"20.00"}, "form_id": {strings.Repeat("cd", 16)}},
		} {
			res, body := en.postForm(b, path, form)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/rewards/verify" || strings.Contains(body, "50.00") {
				t.Errorf("POST %s before the code: %d %q", path, res.StatusCode, res.Header.Get("Location"))
			}
		}
		for tbl, n := range before {
			if got := en.count(tbl); got != n {
				t.Errorf("posts before the code changed %s from %d to %d rows", tbl, n, got)
			}
		}
	})
}

// TestPortalSecurityOpenRedirect: redirect_uri values that would send the user somewhere the
// org did not allow are refused at minting (422 on redirect_uri). grants_test.go covers
// https://evil.example/, javascript:, //evil.example and /admin.
func TestPortalSecurityOpenRedirect(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"redirect_allowlist":["https://app.example.com/","myapp://"]}}}`)
		// An org whose allowlist entry has no trailing slash: its host must still end where the
		// entry ends.
		_, bareKey := en.newOrg("Bare")
		en.createRecipient(bareKey, "site_1", "EUR")
		en.must(200, "PATCH", "/api/org", bareKey, `{"settings":{"portal":{"redirect_allowlist":["https://app.example.com"]}}}`)

		refuse := func(key string, uris ...string) {
			t.Helper()
			for _, uri := range uris {
				r := en.do("GET", "/rewards/site_1/url/balance?redirect_uri="+url.QueryEscape(uri), key, nil)
				if r.Status != 422 {
					t.Errorf("redirect_uri %q: %s, want 422", uri, r)
					continue
				}
				wantProblem(t, r, 422, "validation_failed", "redirect_uri")
			}
		}
		accept := func(key string, uris ...string) {
			t.Helper()
			for _, uri := range uris {
				if r := en.do("GET", "/rewards/site_1/url/balance?redirect_uri="+url.QueryEscape(uri), key, nil); r.Status != 200 {
					t.Errorf("redirect_uri %q: %s, want 200", uri, r)
				}
			}
		}
		refuse(en.key, "https://evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "https:evil.example", "https:/evil.example",
			"https://app.example.com.evil.net/", "https://app.example.com@evil.net/", "http://app.example.com/", "HTTPS://evil.example/",
			" https://app.example.com/", "https://app.example.com/\r\nSet-Cookie: a=b", "JavaScript:alert(1)", "javascript://app.example.com/%0Aalert(1)",
			"data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "myapp:evil", "payport:close?x=https://evil.example",
			"/rewards/../api/org", "/rewards/%2e%2e/api/org", "/rewards/balance/../../dev/outbox", "/%2F/evil.example", "/%5Cevil.example")
		accept(en.key, "https://app.example.com/return?x=1", "myapp://done", "/rewards/setup", "/rewards/balance?tab=1", "payport:close")
		refuse(bareKey, "https://app.example.com.evil.net/", "https://app.example.com@evil.net/", "https://app.example.com:1@evil.net/",
			"https://app.example.company/", "https://app.example.com%2eevil.net/")
		accept(bareKey, "https://app.example.com", "https://app.example.com/", "https://app.example.com/return?x=1", "https://app.example.com?x=1")
	})
}

// TestPortalSecurityParallelGuesses: the five-attempt limit on an emailed code holds when the
// guesses arrive at once (portal_test.go tests them one after another).
func TestPortalSecurityParallelGuesses(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		b := en.browser()
		visit(t, b, en.portalURL("enforce_two_factor_auth=true"))
		_, page := visit(t, b, en.srv.URL+"/rewards/verify")
		csrf := csrfRE.FindStringSubmatch(page)[1]
		code := en.latestCode("ada@example.com", 0)
		const n = 20
		bodies := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			guess := fmt.Sprintf("%06d", 100000+i)
			if guess == code {
				guess = "999999"
			}
			wg.Go(func() {
				req, _ := http.NewRequest("POST", en.srv.URL+"/rewards/verify", strings.NewReader(url.Values{"csrf": {csrf}, "code": {guess}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := b.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				bodies[i] = string(body)
			})
		}
		wg.Wait()
		wrong, locked := 0, 0
		for _, body := range bodies {
			switch {
			case strings.Contains(body, "not right"):
				wrong++
			case strings.Contains(body, "too many wrong codes"):
				locked++
			}
		}
		// Every guess compared with the code counts one attempt.
		var attempts int
		if err := en.db.ReaderDB().QueryRow(`SELECT attempts FROM otp_codes`).Scan(&attempts); err != nil {
			t.Fatal(err)
		}
		if attempts > 5 || wrong > 4 || wrong+locked != n {
			t.Errorf("%d simultaneous wrong codes: %d compared with the code, %d answered \"not right\", %d \"too many\"; at most 5 may be compared", n, attempts, wrong, locked)
		}
		if res, body := en.postForm(b, "/rewards/verify", url.Values{"csrf": {csrf}, "code": {code}}); res.StatusCode != 422 || !strings.Contains(body, "too many wrong codes") {
			t.Fatalf("the right code after %d wrong ones: %d", n, res.StatusCode)
		}
	})
}

// TestPortalSecurityOtherOrg: an org's key cannot mint a link for another org's recipient (by
// site id or UUID, nor in the other mode), and a portal session sees nothing of another
// recipient: not its withdrawals, not their outcome, not its bank accounts.
func TestPortalSecurityOtherOrg(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withBankAccount()
		a := en.info(en.key, "site_1")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"redirect_allowlist":["myapp://"]}}}`)

		// Org B: its own site_1 (same external id), with a bank account and a paid withdrawal.
		_, keyB := en.newOrg("Other Org")
		en.must(201, "POST", "/api/recipients", keyB, `{"external_id":"site_1","currency":"EUR","email":"bob@example.com"}`)
		en.must(201, "POST", "/api/recipients", keyB, `{"external_id":"only_b","currency":"EUR"}`)
		en.credit(keyB, "site_1", "77.00", "EUR")
		methodB := en.must(201, "POST", "/api/recipients/site_1/payout_methods", keyB, fmt.Sprintf(`{"holder_name":"Bob","iban":%q}`, ibanEnding("0707"))).obj(t)
		payB := en.must(201, "POST", "/api/recipients/site_1/withdrawals", keyB, `{"amount":"33.00","currency":"EUR"}`).obj(t)
		en.waitPayment(keyB, payB["id"].(string), "succeeded")
		// Another recipient of org A, with its own withdrawal.
		en.createRecipient(en.key, "site_9", "EUR")
		en.credit(en.key, "site_9", "40.00", "EUR")
		en.must(201, "POST", "/api/recipients/site_9/payout_methods", en.key, fmt.Sprintf(`{"holder_name":"Nine","iban":%q}`, ibanEnding("0909")))
		pay9 := en.must(201, "POST", "/api/recipients/site_9/withdrawals", en.key, `{"amount":"21.00","currency":"EUR"}`).obj(t)

		// Minting across orgs: not found, whichever way the site is named.
		wantProblem(t, en.do("GET", "/rewards/only_b/url/balance", en.key, nil), 404, "not_found", "")
		wantProblem(t, en.do("GET", "/rewards/"+str(t, a, "internal_site_id")+"/url/balance", keyB, nil), 404, "not_found", "")
		liveA := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		wantProblem(t, en.do("GET", "/rewards/site_1/url/balance", liveA, nil), 404, "not_found", "")
		// The same external id in two orgs: each key opens its own recipient.
		bb := en.browser()
		visit(t, bb, en.mint(keyB, "site_1", ""))
		if _, page := visit(t, bb, en.srv.URL+"/rewards/balance"); !strings.Contains(page, "44.00 EUR") || strings.Contains(page, "50.00 EUR") {
			t.Fatalf("org B's link for site_1 shows:\n%s", page)
		}

		// Org A's recipient's session.
		b := en.browser()
		visit(t, b, en.portalURL("redirect_uri="+url.QueryEscape("myapp://done")))
		for _, id := range []string{payB["id"].(string), pay9["id"].(string)} {
			res, page := visit(t, b, en.srv.URL+"/rewards/withdrawal?id="+url.QueryEscape(id))
			if res.StatusCode != http.StatusNotFound || strings.Contains(page, "33.00") || strings.Contains(page, "21.00") {
				t.Errorf("status page of another recipient's withdrawal %s: %d\n%s", id, res.StatusCode, page)
			}
			res, _ = visit(t, b, en.srv.URL+"/rewards/done?id="+url.QueryEscape(id))
			loc, _ := url.Parse(res.Header.Get("Location"))
			if loc == nil || loc.Query().Get("withdrawal_id") != "" || loc.Query().Get("status") != "done" {
				t.Errorf("done with another recipient's withdrawal %s sends the user to %q", id, res.Header.Get("Location"))
			}
		}
		_, page := visit(t, b, en.srv.URL+"/rewards/setup")
		csrf := csrfRE.FindStringSubmatch(page)[1]
		if strings.Contains(page, "•••• 0707") || strings.Contains(page, "Bob") || strings.Contains(page, "•••• 0909") {
			t.Fatalf("set-up page shows another recipient's account:\n%s", page)
		}
		en.postForm(b, "/rewards/setup/remove", url.Values{"csrf": {csrf}, "method_id": {methodB["id"].(string)}})
		if info := en.info(keyB, "site_1"); info["has_bank_account"] != true {
			t.Fatal("org A's portal session removed org B's bank account")
		}
		if _, page := visit(t, b, en.srv.URL+"/rewards/balance"); !strings.Contains(page, "50.00 EUR") || strings.Contains(page, "44.00") {
			t.Fatalf("org A's balance page:\n%s", page)
		}
	})
}

// TestPortalCookieWhenFramed: over HTTPS, a portal that may be framed (the org has an
// allowed_origin) gets a partitioned SameSite=None cookie, so that the framing site's browser
// keeps it; without an allowed_origin the cookie stays SameSite=Lax. Both are Secure.
func TestPortalCookieWhenFramed(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e, withConfig(func(c *httpapi.Config) { c.App.PublicURL = "https://pay.example.com" }))
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		cookieOf := func() string {
			t.Helper()
			u := en.must(200, "GET", "/rewards/site_1/url/balance", en.key, nil).obj(t)["balance_withdrawal_url"].(string)
			res, _ := visit(t, en.browser(), en.srv.URL+strings.TrimPrefix(u, "https://pay.example.com"))
			return res.Header.Get("Set-Cookie")
		}
		if c := cookieOf(); !strings.Contains(c, "Secure") || !strings.Contains(c, "SameSite=Lax") || strings.Contains(c, "Partitioned") {
			t.Fatalf("unframed cookie %q", c)
		}
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"allowed_origin":"https://app.example.com"}}}`)
		if c := cookieOf(); !strings.Contains(c, "Secure") || !strings.Contains(c, "SameSite=None") || !strings.Contains(c, "Partitioned") {
			t.Fatalf("framed cookie %q", c)
		}
	})
}
