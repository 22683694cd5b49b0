package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/store/storetest"
)

// embedPost posts JSON to an /embed endpoint as the frame's script would.
func (en *env) embedPost(b *http.Client, path string, body any, hdr ...string) (*http.Response, map[string]any) {
	en.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", en.srv.URL+path, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := b.Do(req)
	if err != nil {
		en.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

func TestEmbeddedSessions(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		host := "http://127.0.0.1:5555"
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"allowed_origin":"`+host+`"}}}`)
		en.createRecipient(en.key, "site_1", "EUR")
		en.createRecipient(en.key, "site_2", "EUR")
		en.credit(en.key, "site_1", "12.00", "EUR")
		token := func(company string, expiresIn int) string {
			return str(t, en.must(201, "POST", "/api/access_tokens", en.key, map[string]any{"company_id": company, "expires_in": expiresIn}).obj(t), "token")
		}
		tok := token("site_1", 600)

		res, body := visit(t, en.browser(), en.srv.URL+"/embed/frame")
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors *") ||
			!strings.Contains(body, `src="/portal/embed-shell.js"`) {
			t.Fatalf("frame %d %v", res.StatusCode, res.Header)
		}
		b := en.browser()
		if res, out := en.embedPost(b, "/embed/session", map[string]any{"token": tok, "origin": "https://evil.example"}); res.StatusCode != 403 || out["code"] != "origin_not_allowed" {
			t.Fatalf("wrong origin: %d %v", res.StatusCode, out)
		}
		if res, out := en.embedPost(b, "/embed/session", map[string]any{"token": tok + "x", "origin": host}); res.StatusCode != 401 || out["code"] != "invalid_token" {
			t.Fatalf("forged token: %d %v", res.StatusCode, out)
		}
		// An access token is no portal link.
		if res, _ := visit(t, en.browser(), en.srv.URL+"/auth/ext/"+tok); res.StatusCode != 401 {
			t.Fatalf("access token at /auth/ext: %d", res.StatusCode)
		}
		if res, out := en.embedPost(b, "/embed/session", map[string]any{"token": tok, "origin": host, "redirect_url": "https://evil.example/done"}); res.StatusCode != 422 ||
			out["field"] != "redirect_url" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("redirect_url off the allowlist: %d %v %s", res.StatusCode, out, res.Header.Get("Content-Type"))
		}
		res, out := en.embedPost(b, "/embed/session", map[string]any{"token": tok, "origin": host, "redirect_url": "http://localhost:3000/verified"})
		if res.StatusCode != 200 || out["next"] != "/rewards/balance" {
			t.Fatalf("embedded session: %d %v", res.StatusCode, out)
		}
		res, body = visit(t, b, en.srv.URL+"/rewards/balance")
		if res.StatusCode != 200 || !strings.Contains(body, "12.00 EUR") || !strings.Contains(body, `data-origin="`+host+`"`) ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors "+host) {
			t.Fatalf("embedded balance %d %s\n%s", res.StatusCode, res.Header.Get("Content-Security-Policy"), body)
		}
		csrf := formCSRF(t, strings.Replace(body, `data-csrf="`, `name="csrf" value="`, 1))
		if _, page := visit(t, b, en.srv.URL+"/account/identity"); !strings.Contains(page, `href="http://localhost:3000/verified"`) {
			t.Fatalf("the identity page does not lead to redirectUrl:\n%s", page)
		}
		// The currency option: a currency the recipient has no account in falls back to its own;
		// one it has is shown.
		en.credit(en.key, "site_1", "5.00", "GBP")
		if res, out := en.embedPost(b, "/embed/session/options", map[string]any{"currency": "usd"}, "X-Payport-CSRF", csrf); res.StatusCode != 422 {
			t.Fatalf("a malformed currency: %d %v", res.StatusCode, out)
		}
		en.embedPost(b, "/embed/session/options", map[string]any{"currency": "JPY"}, "X-Payport-CSRF", csrf)
		if _, body := visit(t, b, en.srv.URL+"/rewards/balance"); !strings.Contains(body, "12.00 EUR") {
			t.Fatalf("JPY without an account did not fall back to EUR:\n%s", body)
		}
		if res, _ := en.embedPost(b, "/embed/session/options", map[string]any{"currency": "GBP"}, "X-Payport-CSRF", csrf); res.StatusCode != 200 {
			t.Fatalf("currency option: %d", res.StatusCode)
		}
		if _, body := visit(t, b, en.srv.URL+"/rewards/balance"); !strings.Contains(body, "5.00 GBP") {
			t.Fatalf("the GBP balance is not shown:\n%s", body)
		}
		// The same token opens a second session (a remount); it is not single-use.
		if res, _ := en.embedPost(en.browser(), "/embed/session", map[string]any{"token": tok, "origin": host}); res.StatusCode != 200 {
			t.Fatalf("second session from one token: %d", res.StatusCode)
		}

		// Refresh: a fresh token of the same company extends the session; others are refused.
		if res, _ := en.embedPost(b, "/embed/session/refresh", map[string]any{"token": token("site_1", 3600)}, "X-Payport-CSRF", "wrong"); res.StatusCode != 401 {
			t.Fatalf("refresh without the session's token: %d", res.StatusCode)
		}
		if res, _ := en.embedPost(b, "/embed/session/refresh", map[string]any{"token": token("site_2", 3600)}, "X-Payport-CSRF", csrf); res.StatusCode != 401 {
			t.Fatalf("refresh with another company's token: %d", res.StatusCode)
		}
		res, out = en.embedPost(b, "/embed/session/refresh", map[string]any{"token": token("site_1", 7200)}, "X-Payport-CSRF", csrf)
		exp, _ := time.Parse(time.RFC3339, fmt.Sprint(out["expires_at"]))
		if res.StatusCode != 200 || time.Until(exp) < 119*time.Minute {
			t.Fatalf("refresh: %d %v", res.StatusCode, out)
		}
		// After the first token's expiry the session lives on.
		en.clock.Set(time.Now().Add(15 * time.Minute))
		if res, _ := visit(t, b, en.srv.URL+"/rewards/balance"); res.StatusCode != 200 {
			t.Fatalf("after refresh: %d", res.StatusCode)
		}
		en.clock.Set(time.Now().Add(3 * time.Hour))
		if res, _ := visit(t, b, en.srv.URL+"/rewards/balance"); res.StatusCode != 401 {
			t.Fatalf("after the refreshed expiry: %d", res.StatusCode)
		}
	})
}

// TestEmbeddedOrgAccount: with company_id = the org's id, the component shows the platform's own
// account, which its payins credit.
func TestEmbeddedOrgAccount(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		host := "http://127.0.0.1:5556"
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"allowed_origin":"`+host+`"}}}`)
		p := en.must(201, "POST", "/api/payments", en.key, `{"amount":"42.00","currency":"EUR"}`).obj(t)
		b := en.browser()
		_, page := visit(t, b, en.srv.URL+"/checkout/"+str(t, p, "id"))
		res, _ := en.postForm(b, "/checkout/"+str(t, p, "id")+"/card", url.Values{"csrf": {formCSRF(t, page)}, "card_number": {"4242424242424242"},
			"card_expiry": {"12/" + time.Now().AddDate(2, 0, 0).Format("06")}, "card_cvc": {"123"}, "card_holder": {"Ada"}})
		if res.StatusCode != 303 {
			t.Fatalf("payin: %d", res.StatusCode)
		}
		if info := en.info(en.key, en.orgID); str(t, info, "balance.amount") != "42.00" {
			t.Fatalf("the org's own balance %v", info)
		}
		tok := str(t, en.must(201, "POST", "/api/access_tokens", en.key, map[string]any{"company_id": en.orgID}).obj(t), "token")
		frame := en.browser()
		if res, out := en.embedPost(frame, "/embed/session", map[string]any{"token": tok, "origin": host}); res.StatusCode != 200 {
			t.Fatalf("org session: %d %v", res.StatusCode, out)
		}
		if res, body := visit(t, frame, en.srv.URL+"/rewards/balance"); res.StatusCode != 200 || !strings.Contains(body, "42.00 EUR") {
			t.Fatalf("the org's portal %d:\n%s", res.StatusCode, body)
		}
	})
}

func TestChangeCountryAndReset(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, fmt.Sprintf(`{"holder_name":"Ada","iban":%q}`, ibanEnding("0000")))
		en.must(202, "POST", "/api/recipients/site_1/identity", en.key, map[string]any{"kind": "individual", "legal_name": "Ada Lovelace",
			"date_of_birth": "1990-12-10", "address_line1": "1 St", "city": "Berlin", "postal_code": "10115", "country": "DE"})
		pl := en.must(201, "POST", "/api/account_links", en.key, map[string]any{"company_id": "site_1", "use_case": "payouts_portal",
			"return_url": "http://localhost:3000/done", "refresh_url": "http://localhost:3000/refresh"}).obj(t)
		b := en.browser()
		visit(t, b, en.srv.URL+strings.TrimPrefix(str(t, pl, "url"), "http://127.0.0.1:8080"))
		res, body := visit(t, b, en.srv.URL+"/account/country")
		if res.StatusCode != 200 || !strings.Contains(body, "Change account country") {
			t.Fatalf("country page %d", res.StatusCode)
		}
		csrf := formCSRF(t, body)
		if res, body := en.postForm(b, "/account/country", url.Values{"csrf": {csrf}, "country": {"GB"}}); res.StatusCode != 422 || !strings.Contains(body, "Tick the box") {
			t.Fatalf("without confirmation: %d", res.StatusCode)
		}
		if n := en.methodCount("site_1"); n != 1 {
			t.Fatalf("an unconfirmed change removed methods: %d left", n)
		}
		res, _ = en.postForm(b, "/account/country", url.Values{"csrf": {csrf}, "country": {"GB"}, "confirm": {"yes"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/rewards/setup" {
			t.Fatalf("change country: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if r := en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t); r["country"] != "GB" {
			t.Fatalf("recipient %v", r)
		}
		if n := en.methodCount("site_1"); n != 0 {
			t.Fatalf("%d methods left after the country change", n)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			id := en.must(200, "GET", "/api/recipients/site_1/identity", en.key, nil).obj(t)
			if id["status"] == "unverified" && id["reason"] == "country_changed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("identity after the country change %v", id)
			}
			time.Sleep(20 * time.Millisecond)
			// The verification job may finish after the change; change again to archive it.
			en.postForm(b, "/account/country", url.Values{"csrf": {csrf}, "country": {"GB"}, "confirm": {"yes"}})
		}
		// Reset: a new method, then everything cleared; the balance stays.
		en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, `{"holder_name":"Ada","sort_code":"12-34-56","account_number":"12340000"}`)
		en.credit(en.key, "site_1", "3.00", "EUR")
		if res, _ := en.postForm(b, "/account/reset", url.Values{"csrf": {csrf}, "confirm": {"yes"}}); res.StatusCode != 303 {
			t.Fatalf("reset: %d", res.StatusCode)
		}
		if n := en.methodCount("site_1"); n != 0 {
			t.Fatalf("%d methods left after the reset", n)
		}
		if got := en.balance(en.key, "site_1"); got != "3.00" {
			t.Fatalf("balance after reset %s", got)
		}
	})
}

// methodCount is how many active payout methods a recipient has.
func (en *env) methodCount(ref string) int {
	en.t.Helper()
	var ms []any
	if err := json.Unmarshal(en.must(200, "GET", "/api/recipients/"+ref+"/payout_methods", en.key, nil).Body, &ms); err != nil {
		en.t.Fatal(err)
	}
	return len(ms)
}
