package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/store/storetest"
)

// hostPage is a platform's page on its own origin that embeds the component loaded from
// Payport, with a token function fetching fresh tokens from the platform's server. It records
// every message the frame sends and every component event.
const hostPage = `<!doctype html><html><head><meta charset="utf-8"><title>Host</title></head><body>
<h1>Acme app</h1><div id="payouts"></div>
<script type="module">
import { createPayoutsSession } from "%[1]s/embed/payouts-session.js";
window.msgs = []; window.events = []; const t0 = performance.now();
window.addEventListener("message", (e) => { if (e.origin === %[2]q) window.msgs.push(e.data); });
const s = createPayoutsSession(document.getElementById("payouts"), {
  payportUrl: %[1]q, companyId: "site_1", currency: "EUR", redirectUrl: "http://localhost:3000/verified",
  token: () => fetch("/token").then((r) => r.text()),
});
for (const ev of ["ready", "tokenRefreshed", "tokenRefreshError", "optionsUpdated", "error"]) s.on(ev, () => window.events.push(ev));
s.on("ready", () => { window.mountToReady = performance.now() - t0; });
window.session = s;
</script></body></html>`

// TestBrowserEmbeddedComponent embeds the component in a page of another origin and drives it:
// ready, the balance in the frame, adding a bank account and withdrawing through the modals,
// the change-country and reset modals, and a token refreshed mid-session.
func TestBrowserEmbeddedComponent(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite")
		}
		ctx := browserContext(t)
		en := newEnv(t, e)
		en.withPayouts()
		var tokens atomic.Int32
		host := httptest.NewServer(nil)
		t.Cleanup(host.Close)
		host.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/":
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprintf(w, hostPage, en.srv.URL, en.srv.URL)
			case "/token":
				// The platform's server mints a short token (it is refreshed a minute before
				// expiry, so after about 5 s here).
				tokens.Add(1)
				res := en.must(201, "POST", "/api/access_tokens", en.key, map[string]any{"company_id": "site_1", "expires_in": 65})
				_, _ = io.WriteString(w, str(t, res.obj(t), "token"))
			case "/refresh":
				_, _ = io.WriteString(w, "minting a new account link")
			default:
				http.NotFound(w, r)
			}
		})
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"allowed_origin":"`+host.URL+`"}}}`)
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "50.00", "EUR")

		run(t, ctx, chromedp.Navigate(host.URL+"/"))
		waitUntil(t, ctx, `window.events && window.events.includes("ready")`)
		framePage := func(page string) {
			t.Helper()
			waitUntil(t, ctx, fmt.Sprintf(`window.msgs.some((m) => m.type === "payport:ready" && m.page === %q)`, page))
		}
		framePage("/rewards/balance")
		// docs/BENCHMARKS.md records this figure.
		t.Logf("mount to ready: %.1f ms", eval[float64](t, ctx, `window.mountToReady`))
		if src := eval[string](t, ctx, `document.querySelector("#payouts iframe").src`); !strings.HasPrefix(src, en.srv.URL+"/embed/frame") {
			t.Fatalf("iframe src %q", src)
		}
		frame := func() *chromedp.Node {
			t.Helper()
			nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#payouts iframe")))
			if err != nil || len(nodes) != 1 {
				t.Fatalf("the component's iframe: %v", err)
			}
			return nodes[0]
		}
		inFrame := func(sel string) string {
			t.Helper()
			got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.FromNode(frame())))
			if err != nil {
				t.Fatalf("text of %s in the frame: %v", sel, err)
			}
			return got
		}
		frameDo := func(actions ...func(*chromedp.Node) chromedp.Action[chromedp.Void]) {
			t.Helper()
			n := frame()
			for _, a := range actions {
				run(t, ctx, a(n))
			}
		}
		if s := inFrame("main"); !strings.Contains(s, "50.00 EUR") {
			t.Fatalf("the frame shows %q", s)
		}
		screenshot(t, ctx, "embed-01-balance")

		// The add-payout-method modal, then the withdraw modal.
		eval[any](t, ctx, `window.session.showAddPayoutMethodModal(), null`)
		framePage("/rewards/setup")
		frameDo(
			func(n *chromedp.Node) chromedp.Action[chromedp.Void] {
				return chromedp.Click(chromedp.CSS(`a[href="/rewards/setup?country=DE"]`), chromedp.FromNode(n))
			},
		)
		time.Sleep(300 * time.Millisecond)
		frameDo(
			func(n *chromedp.Node) chromedp.Action[chromedp.Void] {
				return chromedp.SendKeys(chromedp.CSS("#holder_name"), "Ada Lovelace", chromedp.FromNode(n))
			},
			func(n *chromedp.Node) chromedp.Action[chromedp.Void] {
				return chromedp.SendKeys(chromedp.CSS("#iban"), ibanEnding("0000"), chromedp.FromNode(n))
			},
			func(n *chromedp.Node) chromedp.Action[chromedp.Void] {
				return chromedp.Submit(chromedp.CSS("#iban"), chromedp.FromNode(n))
			},
		)
		waitUntil(t, ctx, `window.msgs.filter((m) => m.type === "payport:ready" && m.page === "/rewards/balance").length >= 2`)
		if n := en.methodCount("site_1"); n != 1 {
			t.Fatalf("%d payout methods after the modal", n)
		}
		screenshot(t, ctx, "embed-02-after-setup")
		eval[any](t, ctx, `window.session.showWithdrawModal(), null`)
		framePage("/rewards/withdraw")
		screenshot(t, ctx, "embed-03-withdraw")
		frameDo(func(n *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Submit(chromedp.CSS("#amount"), chromedp.FromNode(n))
		})
		framePage("/rewards/withdraw/confirm")
		frameDo(func(n *chromedp.Node) chromedp.Action[chromedp.Void] {
			return chromedp.Click(chromedp.CSS("#confirm"), chromedp.FromNode(n))
		})
		framePage("/rewards/withdrawal")
		page := en.must(200, "GET", "/api/payments?recipient=site_1", en.key, nil).obj(t)
		if items := page["items"].([]any); len(items) != 1 || items[0].(map[string]any)["amount"] != "50.00" {
			t.Fatalf("withdrawals after the modal: %v", items)
		}
		screenshot(t, ctx, "embed-03b-withdrawal")

		// The change-country and reset modals open their pages in the frame.
		eval[any](t, ctx, `window.session.showChangeAccountCountryModal(), null`)
		framePage("/account/country")
		if s := inFrame("main"); !strings.Contains(s, "Change account country") {
			t.Fatalf("country modal shows %q", s)
		}
		screenshot(t, ctx, "embed-04-country")
		eval[any](t, ctx, `window.session.showResetAccountModal(), null`)
		framePage("/account/reset")
		screenshot(t, ctx, "embed-05-reset")

		// updateOptions reaches the frame and is acknowledged.
		eval[any](t, ctx, `window.session.updateOptions({currency: "EUR"}), null`)
		waitUntil(t, ctx, `window.events.includes("optionsUpdated")`)

		// The token is refreshed before it expires, without the user noticing.
		waitUntil(t, ctx, `window.events.includes("tokenRefreshed")`)
		if n := tokens.Load(); n < 2 {
			t.Fatalf("the token function was called %d times", n)
		}
		if eval[bool](t, ctx, `window.events.includes("error") || window.events.includes("tokenRefreshError")`) {
			t.Fatalf("events %v", eval[[]any](t, ctx, `window.events`))
		}
		// An account link that expired sends the browser to the platform's refresh_url.
		link := en.must(201, "POST", "/api/account_links", en.key, map[string]any{"company_id": "site_1", "use_case": "payouts_portal",
			"return_url": host.URL + "/done", "refresh_url": host.URL + "/refresh", "expires_in": 30}).obj(t)
		en.clock.Set(time.Now().Add(31 * time.Second))
		run(t, ctx, chromedp.Navigate(en.srv.URL+strings.TrimPrefix(str(t, link, "url"), "http://127.0.0.1:8080")))
		waitUntil(t, ctx, `document.body.innerText.includes("minting a new account link")`)
		if loc := location(t, ctx); loc.String() != host.URL+"/refresh" {
			t.Fatalf("expired account link landed on %s", loc)
		}
		// The frame's pages refuse to be framed by any other origin.
		res, _ := en.send("GET", "/embed/frame", "", nil)
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors *") {
			t.Fatalf("shell CSP %q", res.Header.Get("Content-Security-Policy"))
		}
	})
}
