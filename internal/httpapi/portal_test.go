package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/store/storetest"
)

// browser is an HTTP client with cookies that does not follow redirects.
func (en *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (en *env) portalURL(query string) string {
	en.t.Helper()
	res := en.must(200, "GET", "/rewards/site_1/url/balance?"+query, en.key, nil).obj(en.t)
	return en.srv.URL + strings.TrimPrefix(res["balance_withdrawal_url"].(string), "http://127.0.0.1:8080")
}

func visit(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res, b.String()
}

func TestPortalExchange(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "12.34", "EUR")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"20.00"},"portal":{"allowed_origin":"*.axle.energy"}}}`)

		link := en.portalURL("redirect_uri=%2Frewards%2Fbalance")
		b := en.browser()
		res, _ := visit(t, b, link)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/rewards/balance" {
			t.Fatalf("exchange: %d %v", res.StatusCode, res.Header)
		}
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "pp_portal" {
				cookie = c
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v", cookie)
		}
		res, body := visit(t, b, en.srv.URL+"/rewards/balance")
		if res.StatusCode != 200 || !strings.Contains(body, "12.34 EUR") || !strings.Contains(body, "The minimum withdrawal is 20.00 EUR") ||
			!strings.Contains(body, `aria-disabled="true"`) {
			t.Fatalf("balance page %d:\n%s", res.StatusCode, body)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://*.axle.energy") || strings.Contains(csp, "script-src") {
			t.Fatalf("CSP %q", csp)
		}
		if !strings.Contains(body, "Transactions") {
			t.Fatal("transactions hidden without hide_transactions")
		}

		// The same link again: refused, and no session for the second browser.
		b2 := en.browser()
		if res, body := visit(t, b2, link); res.StatusCode != http.StatusGone || !strings.Contains(body, "already used") {
			t.Fatalf("replay: %d %s", res.StatusCode, body)
		}
		if res, _ := visit(t, b2, en.srv.URL+"/rewards/balance"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("balance without a session: %d", res.StatusCode)
		}

		// A forged token (payload changed) and garbage.
		token := link[strings.LastIndex(link, "/")+1:]
		parts := strings.Split(token, ".")
		forged := parts[0] + "." + parts[1][:len(parts[1])-2] + "AA." + parts[2]
		for _, bad := range []string{forged, "garbage", parts[0] + "." + parts[1] + "."} {
			if res, _ := visit(t, en.browser(), en.srv.URL+"/auth/ext/"+bad); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("bad token %q: %d", bad, res.StatusCode)
			}
		}

		// An expired link: minted, then the clock moves past its 60 s lifetime.
		short := en.portalURL("expires_in=60")
		en.clock.Set(time.Now().Add(2 * time.Minute))
		if res, body := visit(t, en.browser(), short); res.StatusCode != http.StatusGone || !strings.Contains(body, "expired") {
			t.Fatalf("expired link: %d %s", res.StatusCode, body)
		}
		en.clock.Set(time.Now())

		// hide_transactions hides them.
		hidden := en.browser()
		visit(t, hidden, en.portalURL("hide_transactions=true"))
		if _, body := visit(t, hidden, en.srv.URL+"/rewards/balance"); strings.Contains(body, "Transactions") {
			t.Fatal("transactions shown with hide_transactions=true")
		}
	})
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// latestCode waits for the newest email to an address in the development outbox and returns
// the code in it.
func (en *env) latestCode(to string, after int) string {
	en.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var msgs []struct{ To, Subject, Text, HTML string }
		r := en.must(200, "GET", "/dev/outbox.json", "", nil)
		if err := json.Unmarshal(r.Body, &msgs); err != nil {
			en.t.Fatal(err)
		}
		if len(msgs) > after && msgs[0].To == to {
			m := codeRE.FindStringSubmatch(msgs[0].Text)
			if m == nil || !strings.Contains(msgs[0].HTML, m[1]) {
				en.t.Fatalf("email without a code in both parts: %+v", msgs[0])
			}
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	en.t.Fatal("no email arrived in the outbox")
	return ""
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestPortalTwoFactor(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"email":"ada@example.com"}`)
		en.credit(en.key, "site_1", "5.00", "EUR")

		b := en.browser()
		res, _ := visit(t, b, en.portalURL("enforce_two_factor_auth=true"))
		if res.Header.Get("Location") != "/rewards/verify" {
			t.Fatalf("2FA link lands on %q", res.Header.Get("Location"))
		}
		// Nothing is shown before the code.
		if res, _ := visit(t, b, en.srv.URL+"/rewards/balance"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/rewards/verify" {
			t.Fatalf("balance before the code: %d %v", res.StatusCode, res.Header.Get("Location"))
		}
		res, page := visit(t, b, en.srv.URL+"/rewards/verify")
		if res.StatusCode != 200 || !strings.Contains(page, "a••@example.com") {
			t.Fatalf("verify page %d:\n%s", res.StatusCode, page)
		}
		csrf := csrfRE.FindStringSubmatch(page)[1]
		code := en.latestCode("ada@example.com", 0)
		if _, outbox := visit(t, en.browser(), en.srv.URL+"/dev/outbox"); !strings.Contains(outbox, code) || !strings.Contains(outbox, "to ada@example.com") {
			t.Fatalf("outbox page does not show the code:\n%s", outbox)
		}

		post := func(path string, form url.Values) (*http.Response, string) { return en.postForm(b, path, form) }
		// Without the CSRF token the form is refused.
		if res, _ := post("/rewards/verify", url.Values{"code": {code}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("verify without CSRF: %d", res.StatusCode)
		}
		wrong := "000000"
		if wrong == code {
			wrong = "111111"
		}
		if res, body := post("/rewards/verify", url.Values{"code": {wrong}, "csrf": {csrf}}); res.StatusCode != 422 || !strings.Contains(body, "not right") {
			t.Fatalf("wrong code: %d %s", res.StatusCode, body)
		}
		// A resend within the cool-down is refused.
		if res, _ := post("/rewards/verify/resend", url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("resend within a minute: %d", res.StatusCode)
		}
		if res, _ := post("/rewards/verify", url.Values{"code": {code}, "csrf": {csrf}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/rewards/balance" {
			t.Fatalf("right code: %d %v", res.StatusCode, res.Header)
		}
		if res, body := visit(t, b, en.srv.URL+"/rewards/balance"); res.StatusCode != 200 || !strings.Contains(body, "5.00 EUR") {
			t.Fatalf("balance after the code: %d", res.StatusCode)
		}

		// auto_redirect_to_setup survives the code step: no bank account, so set-up comes next.
		ab := en.browser()
		visit(t, ab, en.portalURL("enforce_two_factor_auth=true&auto_redirect_to_setup=true"))
		_, apage := visit(t, ab, en.srv.URL+"/rewards/verify")
		acsrf := csrfRE.FindStringSubmatch(apage)[1]
		acode := en.latestCode("ada@example.com", 1)
		ares, _ := en.postForm(ab, "/rewards/verify", url.Values{"code": {acode}, "csrf": {acsrf}})
		if ares.Header.Get("Location") != "/rewards/setup" {
			t.Fatalf("after the code with auto_redirect_to_setup: %q", ares.Header.Get("Location"))
		}

		// Brute force: five wrong codes lock the code, and then even the right one is refused.
		b = en.browser()
		visit(t, b, en.portalURL("enforce_two_factor_auth=true"))
		_, page = visit(t, b, en.srv.URL+"/rewards/verify")
		csrf = csrfRE.FindStringSubmatch(page)[1]
		code = en.latestCode("ada@example.com", 2)
		for i := range 5 {
			guess := fmt.Sprintf("%06d", i)
			if guess == code {
				guess = "999999"
			}
			post("/rewards/verify", url.Values{"code": {guess}, "csrf": {csrf}})
		}
		if res, body := post("/rewards/verify", url.Values{"code": {code}, "csrf": {csrf}}); res.StatusCode != 422 || !strings.Contains(body, "too many wrong codes") {
			t.Fatalf("right code after five wrong ones: %d %s", res.StatusCode, body)
		}
	})
}

func TestPortalBankSetup(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		b := en.browser()
		// auto_redirect_to_setup: no bank account yet, so the portal opens on set-up.
		res, _ := visit(t, b, en.portalURL("auto_redirect_to_setup=true"))
		if res.Header.Get("Location") != "/rewards/setup" {
			t.Fatalf("auto redirect lands on %q", res.Header.Get("Location"))
		}
		_, page := visit(t, b, en.srv.URL+"/rewards/setup?country=DE")
		if !strings.Contains(page, `name="iban"`) || strings.Contains(page, `name="sort_code"`) {
			t.Fatalf("German form:\n%s", page)
		}
		if _, gb := visit(t, b, en.srv.URL+"/rewards/setup?country=GB"); !strings.Contains(gb, `name="sort_code"`) {
			t.Fatal("UK form without a sort code")
		}
		csrf := csrfRE.FindStringSubmatch(page)[1]
		post := func(path string, form url.Values) (*http.Response, string) { return en.postForm(b, path, form) }
		// A bad IBAN is marked inline and nothing is stored.
		res, body := post("/rewards/setup", url.Values{"csrf": {csrf}, "country": {"DE"}, "holder_name": {"Ada Lovelace"}, "iban": {"DE89 3704 0044 0532 0130 01"}})
		if res.StatusCode != 422 || !strings.Contains(body, `id="iban-error"`) || !strings.Contains(body, `aria-invalid="true"`) ||
			!strings.Contains(body, `value="DE89 3704 0044 0532 0130 01"`) {
			t.Fatalf("bad IBAN: %d\n%s", res.StatusCode, body)
		}
		if n := en.count("payout_methods"); n != 0 {
			t.Fatalf("a refused account was stored (%d rows)", n)
		}
		// A good one is stored and shown masked.
		if res, _ := post("/rewards/setup", url.Values{"csrf": {csrf}, "country": {"DE"}, "holder_name": {"Ada Lovelace"}, "iban": {"DE89 3704 0044 0532 0130 00"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("good IBAN: %d", res.StatusCode)
		}
		_, page = visit(t, b, en.srv.URL+"/rewards/setup")
		if !strings.Contains(page, "•••• 3000") || strings.Contains(page, "0532013000") {
			t.Fatalf("stored account not masked:\n%s", page)
		}
		if info := en.info(en.key, "site_1"); info["has_bank_account"] != true {
			t.Fatal("has_bank_account false after set-up")
		}
		// With a bank account, auto_redirect_to_setup opens the balance page.
		b2 := en.browser()
		if res, _ := visit(t, b2, en.portalURL("auto_redirect_to_setup=true")); res.Header.Get("Location") != "/rewards/balance" {
			t.Fatalf("with an account, auto redirect lands on %q", res.Header.Get("Location"))
		}
		// Remove it again.
		id := regexp.MustCompile(`name="method_id" value="([^"]+)"`).FindStringSubmatch(page)[1]
		if res, _ := post("/rewards/setup/remove", url.Values{"csrf": {csrf}, "method_id": {id}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("remove: %d", res.StatusCode)
		}
		if info := en.info(en.key, "site_1"); info["has_bank_account"] != false {
			t.Fatal("has_bank_account true after removing the only account")
		}
	})
}

func TestPortalWithdrawal(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "50.00", "EUR")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"10.00"}}}`)
		en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, fmt.Sprintf(`{"holder_name":"Ada","iban":%q}`, ibanEnding("0000")))
		b := en.browser()
		visit(t, b, en.portalURL(""))
		_, page := visit(t, b, en.srv.URL+"/rewards/withdraw")
		if !strings.Contains(page, `value="50.00"`) {
			t.Fatalf("amount does not default to the whole balance:\n%s", page)
		}
		csrf := csrfRE.FindStringSubmatch(page)[1]
		post := func(path string, form url.Values) (*http.Response, string) { return en.postForm(b, path, form) }
		for amount, want := range map[string]string{"60.00": "at most 50.00 EUR", "5.00": "minimum withdrawal is 10.00 EUR", "abc": "Enter an amount"} {
			if res, body := post("/rewards/withdraw/confirm", url.Values{"csrf": {csrf}, "amount": {amount}}); res.StatusCode != 422 || !strings.Contains(body, want) {
				t.Fatalf("amount %s: %d, want %q", amount, res.StatusCode, want)
			}
		}
		res, body := post("/rewards/withdraw/confirm", url.Values{"csrf": {csrf}, "amount": {"20.00"}})
		if res.StatusCode != 200 || !strings.Contains(body, "20.00 EUR") {
			t.Fatalf("confirm: %d\n%s", res.StatusCode, body)
		}
		formID := regexp.MustCompile(`name="form_id" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
		form := url.Values{"csrf": {csrf}, "amount": {"20.00"}, "form_id": {formID}}
		// Double submit (double click, refresh, back and submit): one withdrawal.
		r1, _ := post("/rewards/withdraw", form)
		r2, _ := post("/rewards/withdraw", form)
		if r1.StatusCode != http.StatusSeeOther || r1.Header.Get("Location") != r2.Header.Get("Location") {
			t.Fatalf("two submits went to %q and %q", r1.Header.Get("Location"), r2.Header.Get("Location"))
		}
		status := r1.Header.Get("Location")
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, page := visit(t, b, en.srv.URL+status)
			if strings.Contains(page, `data-status="succeeded"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("withdrawal never succeeded:\n%s", page)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := en.balance(en.key, "site_1"); got != "30.00" {
			t.Fatalf("balance %s after one withdrawal of 20.00 submitted twice", got)
		}
	})
}

func TestPortalRedirects(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"allowed_origin":"https://app.axle.energy","redirect_allowlist":["axle://"]}}}`)

		// The modal magic string: a page that posts payport:close to its opener or parent.
		b := en.browser()
		visit(t, b, en.portalURL("redirect_uri=payport:close"))
		res, page := visit(t, b, en.srv.URL+"/rewards/done")
		if res.StatusCode != 200 || !strings.Contains(page, `data-target-origin="https://app.axle.energy"`) || !strings.Contains(page, `src="/portal/close.js"`) {
			t.Fatalf("close page %d:\n%s", res.StatusCode, page)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline'; script") {
			t.Fatalf("close page CSP %q", csp)
		}
		if res, js := visit(t, b, en.srv.URL+"/portal/close.js"); res.StatusCode != 200 || !strings.Contains(js, `type: "payport:close"`) {
			t.Fatalf("close.js %d", res.StatusCode)
		}

		// A deep link on the allowlist: the outcome is appended and signed.
		b = en.browser()
		visit(t, b, en.portalURL("redirect_uri="+url.QueryEscape("axle://wallet?tab=rewards")))
		res, _ = visit(t, b, en.srv.URL+"/rewards/done")
		loc, err := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || err != nil || loc.Scheme != "axle" || loc.Query().Get("tab") != "rewards" || loc.Query().Get("status") != "done" {
			t.Fatalf("deep link redirect %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		claims, _ := en.verifyFromJWKS(loc.Query().Get("payport_result"))
		if claims["aud"] != "payport-redirect" || claims["status"] != "done" {
			t.Fatalf("outcome claims %v", claims)
		}

		// An in-portal path stays in the portal.
		b = en.browser()
		visit(t, b, en.portalURL("redirect_uri=%2Frewards%2Fsetup"))
		if res, _ := visit(t, b, en.srv.URL+"/rewards/done"); res.Header.Get("Location") != "/rewards/setup" {
			t.Fatalf("in-portal redirect to %q", res.Header.Get("Location"))
		}
	})
}

func TestPortalBranding(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		wantProblem(t, en.do("PATCH", "/api/org", en.key, `{"settings":{"portal":{"brand_color":"red;}body{display:none"}}}`), 422, "validation_failed", anyField)
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"brand_color":"#1a7f37","display_name":"Axle <Rewards>"}}}`)
		b := en.browser()
		visit(t, b, en.portalURL(""))
		_, page := visit(t, b, en.srv.URL+"/rewards/balance")
		if !strings.Contains(page, "background:#1a7f37") || !strings.Contains(page, "Axle &lt;Rewards&gt;") {
			t.Fatalf("branding not applied (or not escaped):\n%s", page)
		}
	})
}

// postForm submits a form the way the browser client b would, without following redirects.
func (en *env) postForm(b *http.Client, path string, form url.Values) (*http.Response, string) {
	en.t.Helper()
	req, _ := http.NewRequest("POST", en.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.Do(req)
	if err != nil {
		en.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}
