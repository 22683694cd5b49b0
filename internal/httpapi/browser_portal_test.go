package httpapi_test

// Issue 4's journeys in Chromium beyond the one in browser_test.go: seed 001's redirects back to
// the platform (an app's deep link; the modal's payport:close, inside an iframe), hidden
// transactions, auto_redirect_to_setup, and links that no longer open the portal. Each runs
// once, on SQLite: the HTTP tests cover storage on both engines. Screenshots go to
// artifacts/screenshots/, at phone width and, for the main pages, at desktop width too.

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/store/storetest"
)

// onSQLite runs fn once, on SQLite.
func onSQLite(t *testing.T, fn func(t *testing.T, en *env)) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("browser journeys run once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		fn(t, newEnv(t, e))
	})
}

// phoneScreen makes the tab a 390x844 phone screen. (Headless Chromium does not make its window
// narrower than 500 px, whatever WindowSize says, so the width is emulated.)
func phoneScreen() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)
}

// screenshotWide saves the page at phone width and at desktop width (1280x800), then goes
// back to phone width.
func screenshotWide(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	run(t, ctx, phoneScreen())
	screenshot(t, ctx, name+"-phone")
	run(t, ctx, chromedp.EmulateViewport(1280, 800))
	screenshot(t, ctx, name+"-desktop")
	run(t, ctx, phoneScreen())
}

// visibleText is the visible text of the first element sel matches.
func visibleText(t *testing.T, ctx context.Context, sel string, opts ...chromedp.QueryOption) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), opts...))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// openPage navigates to u and returns the HTTP response of the page it ends on (after redirects).
func openPage(t *testing.T, ctx context.Context, u string) *network.Response {
	t.Helper()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil || res == nil {
		t.Fatalf("open %s: %v", u, err)
	}
	return res
}

// sessionCookie is the browser's portal session cookie for the server, or nil.
func sessionCookie(t *testing.T, ctx context.Context, en *env) *network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{en.srv.URL + "/rewards/balance"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == "pp_portal" {
			return c
		}
	}
	return nil
}

// waitStatus reloads a withdrawal's status page until it shows want.
func waitStatus(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("status"), "data-status"))
		if status.Value == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("withdrawal status %q, waited for %q", status.Value, want)
		}
		time.Sleep(100 * time.Millisecond)
		run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("status")))
	}
}

// withBankAccount creates site_1 with a German bank account and 50.00 EUR.
func (en *env) withBankAccount() {
	en.t.Helper()
	en.createRecipient(en.key, "site_1", "EUR")
	en.credit(en.key, "site_1", "50.00", "EUR")
	en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, fmt.Sprintf(`{"holder_name":"Ada Lovelace","iban":%q}`, ibanEnding("0000")))
}

// TestPortalDeepLinkInChromium: a withdrawal made in the browser, then "Done" sends the user to
// the app's deep link with the outcome appended and signed (payport_result, verifiable from the
// JWKS). The main pages are photographed at phone and desktop width on the way.
func TestPortalDeepLinkInChromium(t *testing.T) {
	onSQLite(t, func(t *testing.T, en *env) {
		ctx := browserContext(t)
		run(t, ctx, phoneScreen())
		en.withPayouts()
		en.withBankAccount()
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"10.00"},"portal":{"redirect_allowlist":["myapp://"]}}}`)
		recipientID := str(t, en.info(en.key, "site_1"), "internal_site_id")

		// The deep link cannot load in a browser: it is seen as the request the redirect makes.
		deepLink := make(chan string, 1)
		if err := chromedp.Listen(ctx, func(ev any) {
			if ev, ok := ev.(*network.EventRequestWillBeSent); ok && strings.HasPrefix(ev.Request.URL, "myapp:") {
				select {
				case deepLink <- ev.Request.URL:
				default:
				}
			}
		}); err != nil {
			t.Fatal(err)
		}

		res := openPage(t, ctx, en.portalURL("redirect_uri="+url.QueryEscape("myapp://done")))
		if res.Status != 200 || !strings.HasSuffix(res.URL, "/rewards/balance") {
			t.Fatalf("the link opens %s (%d), want the balance page", res.URL, res.Status)
		}
		if got := visibleText(t, ctx, ".amount"); got != "50.00 EUR" {
			t.Fatalf("balance shows %q", got)
		}
		screenshotWide(t, ctx, "10-balance")
		run(t, ctx, chromedp.Click(chromedp.CSS("a.btn[href='/rewards/withdraw']")), chromedp.WaitVisible(chromedp.ID("amount")))
		screenshotWide(t, ctx, "11-withdraw")
		run(t, ctx, chromedp.Clear(chromedp.ID("amount")), chromedp.SendKeys(chromedp.ID("amount"), "15.00"),
			chromedp.Submit(chromedp.ID("amount")), chromedp.WaitVisible(chromedp.ID("confirm")))
		if got := visibleText(t, ctx, "#confirm-amount"); got != "15.00 EUR" {
			t.Fatalf("confirmation shows %q", got)
		}
		screenshotWide(t, ctx, "12-confirm")
		run(t, ctx, chromedp.Click(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.ID("status")))
		waitStatus(t, ctx, "succeeded")
		screenshotWide(t, ctx, "13-status-paid")
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		u, _ := url.Parse(loc)
		withdrawalID := u.Query().Get("id")
		if !strings.HasPrefix(withdrawalID, "pay_") {
			t.Fatalf("status page at %s", loc)
		}
		// "Done" goes through /rewards/done, which signs the outcome when it is pressed and
		// redirects to the deep link.
		done, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("done"), "href"))
		if got := visibleText(t, ctx, "#done"); got != "Done" || done.Value != "/rewards/done?id="+withdrawalID {
			t.Fatalf("the way back to the app reads %q and leads to %q", got, done.Value)
		}

		run(t, ctx, chromedp.Click(chromedp.ID("done")))
		var back string
		select {
		case back = <-deepLink:
		case <-time.After(10 * time.Second):
			t.Fatal("Done did not send the browser to the app's deep link")
		}
		d, err := url.Parse(back)
		if err != nil || d.Scheme != "myapp" || d.Host != "done" {
			t.Fatalf("sent back to %q, want myapp://done", back)
		}
		q := d.Query()
		if q.Get("status") != "succeeded" || q.Get("withdrawal_id") != withdrawalID {
			t.Fatalf("deep link %q: want status=succeeded and withdrawal_id=%s", back, withdrawalID)
		}
		claims, _ := en.verifyFromJWKS(q.Get("payport_result"))
		if claims["aud"] != "payport-redirect" || claims["status"] != "succeeded" || claims["withdrawal_id"] != withdrawalID ||
			claims["internal_site_id"] != recipientID {
			t.Fatalf("payport_result claims %v", claims)
		}
		if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 600 || time.Unix(int64(exp), 0).Before(time.Now()) {
			t.Fatalf("payport_result lifetime: iat %v exp %v, want 10 minutes from now", iat, exp)
		}
		if got := en.balance(en.key, "site_1"); got != "35.00" {
			t.Fatalf("balance %s after withdrawing 15.00 of 50.00", got)
		}
	})
}

// TestPortalCloseInIframeInChromium: the modal case of seed 001. The platform's page (on the
// origin the org allows) frames the portal; the user withdraws inside the frame and presses
// "Done"; the platform's page receives {type: "payport:close"} with the outcome. A page on
// another origin cannot frame the portal.
func TestPortalCloseInIframeInChromium(t *testing.T) {
	onSQLite(t, func(t *testing.T, en *env) {
		ctx := browserContext(t)
		run(t, ctx, phoneScreen())
		en.withPayouts()
		en.withBankAccount()
		// The platform's page frames ?src= and records every message it receives.
		platform := func() *httptest.Server {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!doctype html><html><head><title>Platform app</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0;font-family:sans-serif"><p style="padding:4px 8px;margin:0;background:#222;color:#fff">Platform app (modal)</p>
<script>window.received = []; window.addEventListener("message", function (e) { window.received.push({origin: e.origin, data: e.data}); });</script>
<iframe id="portal" src="%s" style="width:100%%;height:760px;border:0"></iframe></body></html>`, html.EscapeString(r.URL.Query().Get("src")))
			}))
			t.Cleanup(s.Close)
			return s
		}
		app, stranger := platform(), platform()
		en.must(200, "PATCH", "/api/org", en.key, fmt.Sprintf(`{"settings":{"minimum_withdrawal":{"EUR":"10.00"},"portal":{"allowed_origin":%q}}}`, app.URL))

		// The CSP of every portal document loaded in the frame.
		var mu sync.Mutex
		csp := map[string]string{}
		if err := chromedp.Listen(ctx, func(ev any) {
			if ev, ok := ev.(*network.EventResponseReceived); ok && ev.Type == network.ResourceTypeDocument && strings.HasPrefix(ev.Response.URL, en.srv.URL) {
				mu.Lock()
				defer mu.Unlock()
				u, _ := url.Parse(ev.Response.URL)
				if v, ok := ev.Response.Headers["Content-Security-Policy"].(string); ok {
					csp[u.Path] = v
				}
			}
		}); err != nil {
			t.Fatal(err)
		}

		run(t, ctx, chromedp.Navigate(app.URL+"/?src="+url.QueryEscape(en.portalURL("redirect_uri=payport:close"))))
		// frame finds the iframe's element anew: its document changes at each navigation.
		frame := func() chromedp.QueryOption {
			nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.ID("portal")))
			if err != nil || len(nodes) != 1 {
				t.Fatalf("the platform page has no portal frame: %v", err)
			}
			return chromedp.FromNode(nodes[0])
		}
		// waitInFrame waits until sel shows in the frame, looking the frame up anew at each try.
		waitInFrame := func(sel string) {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for {
				c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				_, err := chromedp.Run(c, chromedp.WaitVisible(chromedp.CSS(sel), frame()))
				cancel()
				if err == nil {
					return
				}
				if time.Now().After(deadline) {
					loc, _ := chromedp.Run(ctx, chromedp.Location())
					t.Fatalf("%s never showed in the portal frame of %s", sel, loc)
				}
			}
		}
		waitInFrame("a.btn[href='/rewards/withdraw']")
		screenshot(t, ctx, "20-modal-balance")
		run(t, ctx, chromedp.Click(chromedp.CSS("a.btn[href='/rewards/withdraw']"), frame()))
		waitInFrame("#amount")
		run(t, ctx, chromedp.Submit(chromedp.ID("amount"), frame()))
		waitInFrame("#confirm")
		run(t, ctx, chromedp.Click(chromedp.ID("confirm"), frame()))
		// The status page refreshes itself inside the frame until the payout is final.
		waitInFrame("#done")
		if got := visibleText(t, ctx, "#status", frame()); !strings.Contains(got, "paid to your bank account") {
			t.Fatalf("status in the frame: %q", got)
		}
		tree, err := chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{})
		if err != nil || len(tree.FrameTree.ChildFrames) != 1 {
			t.Fatalf("frame tree: %v", err)
		}
		statusURL, _ := url.Parse(tree.FrameTree.ChildFrames[0].Frame.URL)
		payID := statusURL.Query().Get("id")
		if statusURL.Path != "/rewards/withdrawal" || !strings.HasPrefix(payID, "pay_") {
			t.Fatalf("the frame shows %s, want a withdrawal's status page", statusURL)
		}
		screenshot(t, ctx, "21-modal-status")
		run(t, ctx, chromedp.Click(chromedp.ID("done"), frame()))

		type message struct {
			Origin string `json:"origin"`
			Data   struct {
				Type         string `json:"type"`
				Status       string `json:"status"`
				WithdrawalID string `json:"withdrawal_id"`
			} `json:"data"`
		}
		var got []message
		deadline := time.Now().Add(10 * time.Second)
		for len(got) == 0 {
			var err error
			if got, err = chromedp.Run(ctx, chromedp.Evaluate[[]message](`window.received`)); err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatal("the platform page received no message after Done")
			}
			time.Sleep(50 * time.Millisecond)
		}
		screenshot(t, ctx, "22-modal-closed")
		if len(got) != 1 || got[0].Origin != en.srv.URL || got[0].Data.Type != "payport:close" ||
			got[0].Data.Status != "succeeded" || got[0].Data.WithdrawalID != payID {
			t.Fatalf("the platform page received %+v, want one payport:close from %s for %s", got, en.srv.URL, payID)
		}
		mu.Lock()
		for _, path := range []string{"/rewards/balance", "/rewards/done"} {
			found := false
			for _, directive := range strings.Split(csp[path], ";") {
				found = found || strings.TrimSpace(directive) == "frame-ancestors "+app.URL
			}
			if !found {
				t.Errorf("%s in the frame had CSP %q, want frame-ancestors %s", path, csp[path], app.URL)
			}
		}
		mu.Unlock()

		// A page on an origin the org does not allow: Chromium refuses to show the portal in it.
		run(t, ctx, chromedp.Navigate(stranger.URL+"/?src="+url.QueryEscape(en.portalURL("redirect_uri=payport:close"))))
		if tree, err = chromedp.Call(ctx, page.GetFrameTree, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		if len(tree.FrameTree.ChildFrames) != 1 {
			t.Fatalf("the page on %s has %d frames", stranger.URL, len(tree.FrameTree.ChildFrames))
		}
		// Chromium replaces a refused frame's document with its error page.
		if f := tree.FrameTree.ChildFrames[0].Frame; !strings.HasPrefix(f.URL, "chrome-error:") {
			t.Fatalf("a page on %s framed the portal: the frame shows %s", stranger.URL, f.URL)
		}
		screenshot(t, ctx, "23-modal-refused-origin")
	})
}

// TestPortalTransactionsInChromium: the balance page lists the newest 20 transactions; with
// hide_transactions (the org's default here, or the URL's flag) it shows the balance alone.
func TestPortalTransactionsInChromium(t *testing.T) {
	onSQLite(t, func(t *testing.T, en *env) {
		ctx := browserContext(t)
		run(t, ctx, phoneScreen())
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		for i := 1; i <= 25; i++ {
			en.must(201, "POST", "/api/recipients/site_1/credits", en.key,
				map[string]any{"amount": "1.00", "currency": "EUR", "description": fmt.Sprintf("Reward %02d", i)})
		}
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"hide_transactions":true}}}`)

		// The URL's flag overrides the org's default.
		openPage(t, ctx, en.portalURL("hide_transactions=false"))
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("table tr td:first-child")).map(td => td.innerText.split("\n")[0])`))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 20 || rows[0] != "Reward 25" || rows[19] != "Reward 06" {
			t.Fatalf("transactions shown: %q, want the newest 20 (Reward 25 down to Reward 06)", rows)
		}
		if got := visibleText(t, ctx, "table tr:first-child td.r"); got != "1.00 EUR" {
			t.Fatalf("newest transaction's amount reads %q", got)
		}
		screenshotWide(t, ctx, "30-transactions")

		// The org's default: hidden.
		openPage(t, ctx, en.portalURL(""))
		body := visibleText(t, ctx, "main")
		if !strings.Contains(body, "25.00 EUR") || strings.Contains(body, "Transactions") || strings.Contains(body, "Reward") {
			t.Fatalf("with hide_transactions the page reads:\n%s", body)
		}
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table").length`)); err != nil || n != 0 {
			t.Fatalf("%d tables with hide_transactions (%v)", n, err)
		}
		screenshot(t, ctx, "31-transactions-hidden-phone")
	})
}

// TestPortalAutoRedirectToSetupInChromium: seed 001's auto_redirect_to_setup. A user with no
// bank account skips the balance page and lands on bank set-up; once the account is saved, and
// on every later link, the user sees the balance page.
func TestPortalAutoRedirectToSetupInChromium(t *testing.T) {
	onSQLite(t, func(t *testing.T, en *env) {
		ctx := browserContext(t)
		run(t, ctx, phoneScreen())
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "50.00", "EUR")

		// Without the flag, no account: the balance page, which says why withdrawing waits.
		if res := openPage(t, ctx, en.portalURL("")); !strings.HasSuffix(res.URL, "/rewards/balance") {
			t.Fatalf("without auto_redirect_to_setup the link opens %s", res.URL)
		}
		if got := visibleText(t, ctx, "#add-account"); got != "Add a bank account" {
			t.Fatalf("balance page without an account offers %q", got)
		}

		res := openPage(t, ctx, en.portalURL("auto_redirect_to_setup=true"))
		if res.Status != 200 || !strings.HasSuffix(res.URL, "/rewards/setup") {
			t.Fatalf("with auto_redirect_to_setup and no account the link opens %s (%d), want /rewards/setup", res.URL, res.Status)
		}
		if got := visibleText(t, ctx, "h1"); got != "Where should we pay you?" {
			t.Fatalf("set-up page heading %q", got)
		}
		screenshotWide(t, ctx, "40-setup")
		run(t, ctx, chromedp.Click(chromedp.CSS("a[href='/rewards/setup?country=DE']")), chromedp.WaitVisible(chromedp.ID("iban")),
			chromedp.SendKeys(chromedp.ID("holder_name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("iban"), ibanEnding("0000")))
		screenshotWide(t, ctx, "41-setup-filled")
		run(t, ctx, chromedp.Submit(chromedp.ID("iban")), chromedp.WaitVisible(chromedp.CSS("a.btn[href='/rewards/withdraw']")))
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/rewards/balance") {
			t.Fatalf("after saving the account the user is at %s", loc)
		}

		// With an account, the same option opens the normal balance page.
		res = openPage(t, ctx, en.portalURL("auto_redirect_to_setup=true"))
		if res.Status != 200 || !strings.HasSuffix(res.URL, "/rewards/balance") {
			t.Fatalf("with an account the link opens %s (%d), want /rewards/balance", res.URL, res.Status)
		}
		if got := visibleText(t, ctx, ".amount"); got != "50.00 EUR" {
			t.Fatalf("balance shows %q", got)
		}
	})
}

// unpin lets the app's clock follow real time again.
func (c *clock) unpin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fixed = nil
}

// TestPortalDeadLinksInChromium: an expired link, a link opened a second time (in the same
// browser and in another one) and a tampered link each show a friendly page with the right
// status, and give no session.
func TestPortalDeadLinksInChromium(t *testing.T) {
	onSQLite(t, func(t *testing.T, en *env) {
		ctx := browserContext(t)
		run(t, ctx, phoneScreen())
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		deadPage := func(ctx context.Context, res *network.Response, status int64, heading, says string) {
			t.Helper()
			if res.Status != status {
				t.Fatalf("%s: status %d, want %d", heading, res.Status, status)
			}
			if got := visibleText(t, ctx, "[role=alert] h1"); got != heading {
				t.Fatalf("page heading %q, want %q", got, heading)
			}
			if got := visibleText(t, ctx, "[role=alert] p"); !strings.Contains(got, says) || !strings.Contains(got, "Open the portal again from the app") {
				t.Fatalf("%s page says %q", heading, got)
			}
		}

		// Minted two minutes ago for the shortest lifetime the API allows (60 s).
		en.clock.Set(time.Now().Add(-2 * time.Minute))
		expired := en.portalURL("expires_in=60")
		en.clock.unpin()
		deadPage(ctx, openPage(t, ctx, expired), 410, "Link expired", "This link has expired.")
		if c := sessionCookie(t, ctx, en); c != nil {
			t.Fatalf("an expired link gave a session cookie %+v", c)
		}
		screenshot(t, ctx, "50-link-expired-phone")

		// Opened once: the portal. Opened again: refused, and the session is not renewed.
		link := en.portalURL("")
		if res := openPage(t, ctx, link); res.Status != 200 || !strings.HasSuffix(res.URL, "/rewards/balance") {
			t.Fatalf("first open: %s (%d)", res.URL, res.Status)
		}
		first := sessionCookie(t, ctx, en)
		if first == nil || !first.HTTPOnly || first.SameSite != network.CookieSameSiteLax {
			t.Fatalf("session cookie after the first open: %+v", first)
		}
		deadPage(ctx, openPage(t, ctx, link), 410, "Link already used", "This link was already used.")
		if again := sessionCookie(t, ctx, en); again == nil || again.Value != first.Value {
			t.Fatal("opening a used link changed the browser's session")
		}
		screenshot(t, ctx, "51-link-used-phone")

		// The same link in another browser (a forwarded link): refused, no session at all.
		other, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		run(t, other, phoneScreen())
		deadPage(other, openPage(t, other, link), 410, "Link already used", "This link was already used.")
		if c := sessionCookie(t, other, en); c != nil {
			t.Fatalf("a replayed link gave another browser a session cookie %+v", c)
		}
		res := openPage(t, other, en.srv.URL+"/rewards/balance")
		if got := visibleText(t, other, "[role=alert] h1"); res.Status != 401 || got != "Session ended" {
			t.Fatalf("balance page in the other browser: %d %q", res.Status, got)
		}

		// A link whose claims were changed after signing (a fresh jti, as a replay would need).
		token := link[strings.LastIndex(link, "/")+1:]
		parts := strings.Split(token, ".")
		tampered := en.srv.URL + "/auth/ext/" + parts[0] + "." + forgeClaims(t, parts[1], map[string]any{"jti": "grt_tampered"}) + "." + parts[2]
		deadPage(other, openPage(t, other, tampered), 401, "Link not valid", "This link is not valid.")
		if c := sessionCookie(t, other, en); c != nil {
			t.Fatalf("a tampered link gave a session cookie %+v", c)
		}
		screenshot(t, other, "52-link-invalid-phone")
	})
}
