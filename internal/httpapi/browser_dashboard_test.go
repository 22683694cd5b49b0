package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// TestDashboardInChromium signs in with the password and the emailed code in a real browser,
// creates a key with only the links checkbox (refused a payout over the API), copies it with
// the copy button, revokes it, and takes screenshots of each page at phone and desktop widths
// (artifacts/screenshots/dashboard-*).
func TestDashboardInChromium(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		ctx := browserContext(t)
		en, sink := dashEnv(t, e)
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "12.50", "EUR")

		shoot := func(name string) {
			t.Helper()
			for _, w := range []struct {
				name          string
				width, height int64
			}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
				run(t, ctx, chromedp.EmulateViewport(w.width, w.height))
				screenshot(t, ctx, "dashboard-"+name+"-"+w.name)
			}
		}

		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/"), chromedp.WaitVisible(chromedp.ID("email")))
		shoot("01-signin")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("email"), "admin@acme.example"), chromedp.SendKeys(chromedp.ID("password"), goodPassword),
			chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("code")))
		shoot("02-code")
		code := dashCode.FindStringSubmatch(sink.mailAfter(t, "admin@acme.example", "verification code", 0).Subject)[1]
		run(t, ctx, chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")), chromedp.WaitVisible(chromedp.ID("recipients")))
		shoot("03-overview")

		run(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/dashboard/keys"]`)), chromedp.WaitVisible(chromedp.ID("scope-links")),
			chromedp.SendKeys(chromedp.ID("name"), "Links only"), chromedp.Click(chromedp.ID("scope-links")),
			chromedp.Click(chromedp.ID("create-key")), chromedp.WaitVisible(chromedp.ID("secret")))
		secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("secret")))
		if err != nil || !regexp.MustCompile(`^pp_test_[0-9A-Za-z]{32}$`).MatchString(secret) {
			t.Fatalf("shown secret %q (%v)", secret, err)
		}
		shoot("04-key-created")
		// The copy button (dashboard.js, an external file the CSP allows) says it copied.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`navigator.clipboard.writeText = () => Promise.resolve(), 0`)); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`button[data-copy="secret"]`)))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('button[data-copy="secret"]').textContent === "Copied"`)); err != nil {
			t.Fatalf("the copy button did not say it copied: %v", err)
		}
		r := en.do("POST", "/api/payments", secret, map[string]any{"amount": "10.00", "currency": "EUR", "type": "payout"})
		wantProblem(t, r, http.StatusForbidden, "", anyField)

		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/keys"), chromedp.WaitVisible(chromedp.ID("keys")))
		page, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.ID("keys")))
		if strings.Contains(page, secret) {
			t.Fatal("the secret is shown again")
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`button[aria-label^="Revoke `+secret[:12]+`"]`)))
		// The page after the revocation (not the one the click was on) shows it.
		// Polled from here: an in-page poll ends with an error when the page navigates.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			shown, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#keys") && document.querySelector("#keys").textContent.includes("revoked")`))
			if shown {
				break
			}
			if time.Now().After(deadline) {
				page, _ = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.ID("keys")))
				t.Fatalf("the key list does not show the revocation:\n%s", page)
			}
		}
		if r := en.do("GET", "/orgs/"+en.orgID+"/payment-links", secret, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("a revoked key answered %d", r.Status)
		}
		shoot("05-keys")
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/members"), chromedp.WaitVisible(chromedp.ID("members")))
		shoot("06-members")
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
		shoot("07-audit")
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/sessions"), chromedp.WaitVisible(chromedp.ID("sessions")))
		shoot("08-sessions")
		run(t, ctx, chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.ID("password")))
	})
}
