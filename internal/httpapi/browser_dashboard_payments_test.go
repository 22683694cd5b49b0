package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// TestDashboardPaymentsInChromium creates a payment link in a real browser (after previewing
// its email) and revokes it, and takes screenshots of the payments, payment, recipients,
// recipient and links pages at phone and desktop widths (artifacts/screenshots/dashpay-*).
func TestDashboardPaymentsInChromium(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		ctx := browserContext(t)
		en, sink := dashEnv(t, e)
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		en.payoutReady(en.key, "site_1", "250.00")
		en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"name":"Ada Lovelace"}`)
		w := en.must(201, "POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"30.00","currency":"EUR","description":"October rewards"}`).obj(t)
		en.waitPayment(en.key, str(t, w, "id"), "succeeded")
		en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": "12.30", "currency": "EUR", "externalId": "order-1", "description": "Energy bill"})
		en.createRecipient(en.key, "site_2", "USD")

		shoot := func(name string) {
			t.Helper()
			for _, w := range []struct {
				name          string
				width, height int64
			}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
				run(t, ctx, chromedp.EmulateViewport(w.width, w.height))
				screenshot(t, ctx, "dashpay-"+name+"-"+w.name)
			}
		}

		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/"), chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), "admin@acme.example"), chromedp.SendKeys(chromedp.ID("password"), goodPassword),
			chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("code")))
		code := dashCode.FindStringSubmatch(sink.mailAfter(t, "admin@acme.example", "verification code", 0).Subject)[1]
		run(t, ctx, chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")), chromedp.WaitVisible(chromedp.ID("recipients")))

		run(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/dashboard/payments"]`)), chromedp.WaitVisible(chromedp.ID("payments")))
		shoot("01-payments")
		run(t, ctx, chromedp.Click(chromedp.CSS(`#payments a[href^="/dashboard/payments/`+str(t, w, "id")+`"]`)), chromedp.WaitVisible(chromedp.ID("transitions")))
		shoot("02-payment")
		run(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/dashboard/recipients"]`)), chromedp.WaitVisible(chromedp.ID("recipients")))
		shoot("03-recipients")
		run(t, ctx, chromedp.Click(chromedp.CSS(`#recipients a[href*="/dashboard/recipients/"]`)), chromedp.WaitVisible(chromedp.ID("balances")))
		shoot("04-recipient")

		// Create a link: preview its email first, then create it.
		run(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/dashboard/links"]`)), chromedp.WaitVisible(chromedp.ID("l-email")),
			chromedp.SendKeys(chromedp.ID("l-email"), "customer@example.com"), chromedp.SendKeys(chromedp.ID("l-amount"), "49.90"),
			chromedp.SendKeys(chromedp.ID("l-currency"), "EUR"), chromedp.SendKeys(chromedp.ID("l-reference"), "Invoice 2026-11"),
			chromedp.Click(chromedp.ID("preview")), chromedp.WaitVisible(chromedp.ID("email-preview")))
		subject, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("preview-subject")))
		if err != nil || !strings.Contains(subject, "49.90 EUR") {
			t.Fatalf("preview subject %q (%v)", subject, err)
		}
		shoot("05-link-preview")
		// The form kept what was typed; create sends it.
		run(t, ctx, chromedp.Click(chromedp.ID("create-link")), chromedp.WaitVisible(chromedp.ID("done")))
		sent := sink.mailAfter(t, "customer@example.com", "payment link", 0)
		if sent.Subject != subject {
			t.Fatalf("sent %q, previewed %q", sent.Subject, subject)
		}
		var linkID string
		en.db.ReaderDB().QueryRow(`SELECT id FROM payment_links WHERE email = 'customer@example.com'`).Scan(&linkID)
		if linkID == "" {
			t.Fatal("no link was created")
		}
		shoot("06-link-created")
		run(t, ctx, chromedp.Click(chromedp.ID("revoke-"+linkID)))
		// Polled from here: an in-page poll ends with an error when the page navigates.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			shown, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#link-`+linkID+` .s-revoked")`))
			if shown {
				break
			}
			if time.Now().After(deadline) {
				page, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
				t.Fatalf("the link list does not show the revocation:\n%s", page)
			}
		}
		var status string
		en.db.ReaderDB().QueryRow(`SELECT status FROM payment_links WHERE id = $1`, linkID).Scan(&status)
		if status != "revoked" {
			t.Fatalf("the link is %s", status)
		}
		shoot("07-links")
	})
}
