package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/store/storetest"
)

// TestBrowserLinks walks an OTP-gated payment link (seed 002) in Chromium at phone width, as
// the customer sees it: the emailed link, a gate that hides the amount until a code emailed to
// the link's address is typed (a wrong code first), the checkout paid by card, the paid link,
// a second browser without the cookie, and an expired link.
func TestBrowserLinks(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		ctx := browserContext(t)
		// Headless Chromium's window is at least 500 px wide: the phone's width is emulated.
		run(t, ctx, chromedp.EmulateViewport(390, 844))
		en := newEnv(t, e)
		en.withPayouts()
		sink := en.withSMTP()
		const email = "ada@example.com"
		expiry := "12/" + time.Now().AddDate(2, 0, 0).Format("06")

		// codeAt waits for the n-th code emailed to the customer (1 is the first) and returns it.
		codeAt := func(n int) string {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); sink.count(email, "verification code") < n; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%d codes emailed to %s, waited for %d", sink.count(email, "verification code"), email, n)
				}
			}
			sink.mu.Lock()
			defer sink.mu.Unlock()
			i := 0
			for _, m := range sink.got {
				if m.To == email && strings.Contains(m.Subject, "verification code") {
					if i++; i == n {
						return codeRE.FindString(m.Subject)
					}
				}
			}
			return ""
		}
		// html is the page's whole markup, hidden parts too.
		html := func() string { t.Helper(); return eval[string](t, ctx, "document.documentElement.outerHTML") }
		// navigate opens a page in the browser and answers its HTTP status.
		navigate := func(u string) int64 {
			t.Helper()
			res, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
			if err != nil {
				t.Fatalf("opening %s: %v", u, err)
			}
			return res.Status
		}
		// click clicks a button that posts a form and waits for the next page to meet cond (or its
		// alternative outcome), never for the page it leaves: that one is marked first.
		click := func(sel chromedp.ID, cond string) {
			t.Helper()
			eval[bool](t, ctx, "window.linksLeft = true")
			run(t, ctx, chromedp.Click(sel))
			waitUntil(t, ctx, "window.linksLeft === undefined && ("+cond+")")
		}

		// 1. The org creates an OTP-gated link; it is emailed through the SMTP server.
		l := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": email, "org_id": en.orgID, "otp_required": true,
			"payment_amount": 25, "currency": "EUR", "reference": "Invoice 42"}).obj(t)
		id := str(t, l, "id")
		if l["otp_required"] != true || l["status"] != "active" {
			t.Fatalf("created link %v", l)
		}

		// 2. The customer opens the link from the email's text: the gate, not the amount.
		m := sink.waitMail(t, email, "sent you a payment link")
		found := regexp.MustCompile(`https?://[^\s]+/pay/[A-Za-z0-9_]+`).FindString(m.Text)
		if found != "http://127.0.0.1:8080/pay/"+id {
			t.Fatalf("the email's link is %q, want the public URL of %s:\n%s", found, id, m.Text)
		}
		page := en.srv.URL + strings.TrimPrefix(found, "http://127.0.0.1:8080")
		if st := navigate(page); st != http.StatusOK {
			t.Fatalf("the link page answers %d", st)
		}
		run(t, ctx, chromedp.WaitVisible(chromedp.ID("send-code")))
		main := text(t, ctx, chromedp.CSS("main"))
		if !strings.Contains(main, "Acme Energy asks you to pay") || !strings.Contains(main, "enter the code we email to a••@example.com") ||
			text(t, ctx, chromedp.ID("send-code")) != "Email me a code" || present(t, ctx, "code") {
			t.Fatalf("the gated page says %q", main)
		}
		if h := html(); strings.Contains(h, "25.00") || strings.Contains(h, "EUR") || strings.Contains(h, "Invoice 42") ||
			strings.Contains(h, email) || present(t, ctx, "pay") || present(t, ctx, "amount-due") {
			t.Fatalf("the gated page shows the amount, reference or address:\n%s", h)
		}
		shot(t, ctx, "links-01-gate")

		// 3. A code by email; a wrong one is refused and marks the field; the right one opens the link.
		// Each step waits for what should come or for what should not, so a wrong turn fails at once.
		click("send-code", "document.getElementById('code') !== null || document.getElementById('form-error') !== null")
		if present(t, ctx, "form-error") {
			t.Fatalf("asking for a code: %q", text(t, ctx, chromedp.ID("form-error")))
		}
		code := codeAt(1)
		if len(code) != 6 {
			t.Fatalf("code %q", code)
		}
		if text(t, ctx, chromedp.ID("send-code")) != "Send a new code" || attr(t, ctx, chromedp.ID("code"), "aria-invalid") != "" || present(t, ctx, "form-error") {
			t.Fatal("after sending a code the page does not ask for it")
		}
		shot(t, ctx, "links-02-code-sent")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		run(t, ctx, chromedp.SendKeys(chromedp.ID("code"), wrong))
		click("verify", "document.getElementById('form-error') !== null || document.getElementById('pay') !== null")
		if present(t, ctx, "pay") {
			t.Fatalf("the wrong code %s (the right one is %s) opened the link", wrong, code)
		}
		if text(t, ctx, chromedp.ID("form-error")) != "That code is not valid; check the latest email or ask for a new code." ||
			attr(t, ctx, chromedp.ID("form-error"), "role") != "alert" || attr(t, ctx, chromedp.ID("code"), "aria-invalid") != "true" ||
			attr(t, ctx, chromedp.ID("code"), "aria-describedby") != "form-error" {
			t.Fatalf("a wrong code shows %q", text(t, ctx, chromedp.ID("form-error")))
		}
		if h := html(); strings.Contains(h, "25.00") || strings.Contains(h, "Invoice 42") || present(t, ctx, "pay") {
			t.Fatal("a wrong code opened the link")
		}
		shot(t, ctx, "links-03-wrong-code")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("code"), code))
		click("verify", "document.getElementById('pay') !== null || document.getElementById('form-error') !== null")
		if loc := location(t, ctx); loc.Path != "/pay/"+id || !present(t, ctx, "amount-due") {
			t.Fatalf("after the right code the browser is at %s: %q", loc, text(t, ctx, chromedp.CSS("main")))
		}
		main = text(t, ctx, chromedp.CSS("main"))
		if text(t, ctx, chromedp.ID("amount-due")) != "25.00 EUR" || !strings.Contains(main, "Invoice 42") ||
			text(t, ctx, chromedp.ID("pay")) != "Continue to payment" || present(t, ctx, "code") || present(t, ctx, "send-code") {
			t.Fatalf("the opened link says %q", main)
		}
		// The proof is a cookie scripts cannot read.
		if eval[bool](t, ctx, "document.cookie.includes('pp_link')") {
			t.Fatal("the page's scripts can read the link cookie")
		}
		shot(t, ctx, "links-04-open")

		// 6 (before paying, while the gate is the only thing between a stranger and the amount).
		// Another browser profile, without the cookie, sees the gate; the first still sees the link.
		ctx2, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancel()
		run(t, ctx2, chromedp.EmulateViewport(390, 844), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("main")))
		if h := eval[string](t, ctx2, "document.documentElement.outerHTML"); strings.Contains(h, "25.00") || strings.Contains(h, "Invoice 42") ||
			!strings.Contains(h, "a••@example.com") || eval[bool](t, ctx2, "document.getElementById('pay') !== null") ||
			!eval[bool](t, ctx2, "document.getElementById('send-code') !== null") {
			t.Fatalf("a browser without the code sees:\n%s", h)
		}
		shot(t, ctx2, "links-05-other-browser-gate")
		cancel()
		run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main")))
		if !present(t, ctx, "amount-due") || !present(t, ctx, "pay") {
			t.Fatal("the other browser's visit closed the link in the first")
		}

		// 4. Continue to the checkout and pay by card.
		click("pay", "document.getElementById('card_number') !== null || document.getElementById('form-error') !== null")
		if !present(t, ctx, "card_number") {
			t.Fatalf("continue to payment shows %q", text(t, ctx, chromedp.CSS("main")))
		}
		checkout := location(t, ctx)
		payID := strings.TrimPrefix(checkout.Path, "/checkout/")
		if !strings.HasPrefix(payID, "pay_") {
			t.Fatalf("continue to payment went to %s", checkout)
		}
		main = text(t, ctx, chromedp.CSS("main"))
		if !strings.Contains(main, "Pay Acme Energy") || !strings.Contains(main, "25.00 EUR") || !strings.Contains(main, "Invoice 42") ||
			text(t, ctx, chromedp.ID("pay")) != "Pay 25.00 EUR" {
			t.Fatalf("the checkout says %q", main)
		}
		shot(t, ctx, "links-06-checkout")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("card_number"), "4242 4242 4242 4242"), chromedp.SendKeys(chromedp.ID("card_expiry"), expiry),
			chromedp.SendKeys(chromedp.ID("card_cvc"), "123"), chromedp.SendKeys(chromedp.ID("card_holder"), "Ada Lovelace"))
		click("pay", "document.getElementById('status-heading') !== null || document.getElementById('form-error') !== null")
		if present(t, ctx, "form-error") {
			t.Fatalf("the card was refused: %q", text(t, ctx, chromedp.ID("form-error")))
		}
		waitHeading(t, ctx, checkout.String(), "Payment complete")
		if s := text(t, ctx, chromedp.CSS("main")); !strings.Contains(s, "25.00 EUR") || !strings.Contains(s, "Visa •••• 4242") || present(t, ctx, "card_number") {
			t.Fatalf("the paid checkout says %q", s)
		}
		shot(t, ctx, "links-07-paid-checkout")
		got := en.must(200, "GET", "/payment-links/"+id, en.key, nil).obj(t)
		if got["status"] != "paid" || got["payment_id"] != payID {
			t.Fatalf("the link after payment: %v", got)
		}
		if p := en.must(200, "GET", "/api/payments/"+payID, en.key, nil).obj(t); p["status"] != "succeeded" || p["amount"] != "25.00" || p["currency"] != "EUR" {
			t.Fatalf("the link's payin %v", p)
		}
		events := en.must(200, "GET", "/api/events?type=payment_link.paid", en.key, nil).obj(t)["items"].([]any)
		if len(events) != 1 || !strings.Contains(fmt.Sprint(events[0]), id) {
			t.Fatalf("payment_link.paid events: %v", events)
		}

		// 5. The link again: paid, nothing to pay.
		if st := navigate(page); st != http.StatusOK {
			t.Fatalf("the paid link answers %d", st)
		}
		if !present(t, ctx, "link-status") {
			t.Fatalf("the paid link shows %q", text(t, ctx, chromedp.CSS("main")))
		}
		if s := text(t, ctx, chromedp.ID("link-status")); !strings.HasPrefix(s, "This link has been paid.") || present(t, ctx, "pay") ||
			present(t, ctx, "send-code") || eval[int](t, ctx, "document.querySelectorAll('form, button').length") != 0 {
			t.Fatalf("the paid link says %q", s)
		}
		shot(t, ctx, "links-08-paid-link")

		// 7. An expired link: 410 and says so, in the browser and to a plain GET.
		ex := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": email, "org_id": en.orgID, "otp_required": true,
			"payment_amount": 5, "currency": "EUR", "expires_in_hours": 1}).obj(t)
		exID := str(t, ex, "id")
		if r, _ := en.fetch("/pay/" + exID); r.StatusCode != http.StatusOK {
			t.Fatalf("a fresh link answers %d", r.StatusCode)
		}
		exp, err := time.Parse(time.RFC3339Nano, str(t, ex, "expires_at"))
		if err != nil {
			t.Fatal(err)
		}
		en.clock.Set(exp.Add(time.Second))
		r, body := en.fetch("/pay/" + exID)
		if r.StatusCode != http.StatusGone || !strings.Contains(string(body), "This link has expired") {
			t.Fatalf("an expired link answers %d:\n%s", r.StatusCode, body)
		}
		if st := navigate(en.srv.URL + "/pay/" + exID); st != http.StatusGone {
			t.Fatalf("the browser got %d for an expired link, want 410", st)
		}
		if !present(t, ctx, "link-status") {
			t.Fatalf("the expired link shows %q", text(t, ctx, chromedp.CSS("main")))
		}
		if s := text(t, ctx, chromedp.ID("link-status")); !strings.HasPrefix(s, "This link has expired") || present(t, ctx, "pay") || present(t, ctx, "send-code") {
			t.Fatalf("the expired link says %q", s)
		}
		shot(t, ctx, "links-09-expired")
	})
}
