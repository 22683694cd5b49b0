package httpapi_test

import (
	"net/http"
	"net/http/cookiejar"
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
