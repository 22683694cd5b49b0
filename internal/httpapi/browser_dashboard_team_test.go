package httpapi_test

import (
	"context"
	"encoding/base32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/dashboard"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// computed reads one computed CSS property of the first element a selector finds: through
// the browser's CSS domain, not a script of the page (which may not run).
func computed(t *testing.T, ctx context.Context, sel, prop string) string {
	t.Helper()
	props, err := chromedp.Run(ctx, chromedp.ComputedStyle(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("computed style of %s: %v", sel, err)
	}
	for _, p := range props {
		if p.Name == prop {
			return p.Value
		}
	}
	return ""
}

// TestDashboardTeamInChromium invites a member and accepts the invitation, changes the
// member's role and removes it, is refused demoting the last org-admin, previews a payment
// link's email in its sandboxed frame, and takes screenshots of the reset, password, members
// and orgs pages at phone and desktop widths (artifacts/screenshots/dashteam-*).
func TestDashboardTeamInChromium(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		ctx := browserContext(t)
		en, sink := dashEnv(t, e)
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		en.newMember("", "op@payport.example", member.RoleInternalAdmin)

		shoot := func(name string) {
			t.Helper()
			for _, w := range []struct {
				name          string
				width, height int64
			}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
				run(t, ctx, chromedp.EmulateViewport(w.width, w.height))
				screenshot(t, ctx, "dashteam-"+name+"-"+w.name)
			}
		}
		signIn := func(email string) {
			t.Helper()
			run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/signin"), chromedp.WaitVisible(chromedp.ID("email")),
				chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), goodPassword),
				chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("code")))
			code := dashCode.FindStringSubmatch(sink.mailAfter(t, email, "verification code", 0).Subject)[1]
			// The code page has a heading too: wait for it to be gone, or the next navigation
			// may abort the one the submit started (net::ERR_ABORTED on a fast machine).
			run(t, ctx, chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")),
				chromedp.WaitNotPresent(chromedp.ID("code")), chromedp.WaitVisible(chromedp.CSS("main h1")))
		}
		// waitText polls (from here: a page that navigates ends an in-page poll) until the
		// element with id shows want.
		waitText := func(id, want string) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById(`+"`"+id+"`"+`) || {}).textContent || ""`))
				if strings.Contains(got, want) {
					return
				}
				if time.Now().After(deadline) {
					page, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
					t.Fatalf("#%s does not show %q:\n%s", id, want, page)
				}
			}
		}

		// The reset page, before and after asking.
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/reset"), chromedp.WaitVisible(chromedp.ID("email")))
		shoot("01-reset")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("email"), "nobody@acme.example"), chromedp.Submit(chromedp.ID("email")), chromedp.WaitVisible(chromedp.ID("sent")))
		shoot("02-reset-sent")

		// Invite, then accept in the same browser (the password page needs no session).
		signIn("admin@acme.example")
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/members"), chromedp.WaitVisible(chromedp.ID("members")),
			chromedp.SendKeys(chromedp.ID("email"), "vera@acme.example"), chromedp.Submit(chromedp.ID("email")), chromedp.WaitVisible(chromedp.ID("sent")))
		link := dashLinkRE.FindStringSubmatch(sink.mailAfter(t, "vera@acme.example", "invited", 0).Text)[1]
		run(t, ctx, chromedp.Navigate(en.srv.URL+link), chromedp.WaitVisible(chromedp.ID("password")))
		shoot("03-password")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("password"), "vera@acme.example"), chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("error")))
		shoot("04-password-error")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("password"), goodPassword), chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("saved")))
		shoot("05-password-saved")
		var veraID string
		en.db.ReaderDB().QueryRow(`SELECT id FROM members WHERE email = 'vera@acme.example'`).Scan(&veraID)

		// Make the new member an org-admin, then remove it.
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/members"), chromedp.WaitVisible(chromedp.ID("member-"+veraID)))
		shoot("06-members")
		run(t, ctx, chromedp.SetValue(chromedp.ID("role-"+veraID), "org-admin"), chromedp.Click(chromedp.CSS(`#member-`+veraID+` form.member-role button`)))
		waitText("done", "role of vera@acme.example was changed")
		if role, _ := en.memberRole(veraID); role != "org-admin" {
			t.Fatalf("vera is %s", role)
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`button[aria-label="Remove vera@acme.example from the org"]`)))
		waitText("done", "vera@acme.example was removed")
		if _, removed := en.memberRole(veraID); !removed {
			t.Fatal("vera was not removed")
		}
		// The last org-admin cannot step down.
		run(t, ctx, chromedp.SetValue(chromedp.ID("role-"+adminID), "viewer"), chromedp.Click(chromedp.CSS(`#member-`+adminID+` form.member-role button`)))
		waitText("error", "at least one org-admin")
		shoot("07-members-last-admin")
		if role, _ := en.memberRole(adminID); role != "org-admin" {
			t.Fatalf("the last org-admin became %s", role)
		}

		// An authenticator app, set up from the Sessions page.
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/sessions"), chromedp.WaitVisible(chromedp.ID("totp-start")),
			chromedp.Click(chromedp.ID("totp-start")), chromedp.WaitVisible(chromedp.ID("totp-key")))
		shoot("08-totp-setup")
		key, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-key")))
		if err != nil {
			t.Fatal(err)
		}
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ReplaceAll(key, " ", ""))
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		run(t, ctx, chromedp.SendKeys(chromedp.ID("totp-code"), member.TOTPCode(secret, member.TOTPStep(time.Now()))),
			chromedp.Submit(chromedp.ID("totp-code")), chromedp.WaitVisible(chromedp.ID("totp-disable")))
		shoot("09-totp-on")

		// A payment link's email, previewed as sent: its HTML in a sandboxed frame.
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/links"), chromedp.WaitVisible(chromedp.ID("l-email")),
			chromedp.SendKeys(chromedp.ID("l-email"), "customer@example.com"), chromedp.SendKeys(chromedp.ID("l-amount"), "49.90"),
			chromedp.SendKeys(chromedp.ID("l-currency"), "EUR"), chromedp.Click(chromedp.ID("preview")), chromedp.WaitVisible(chromedp.ID("preview-html")))
		frame, err := chromedp.Run(ctx, chromedp.Attributes(chromedp.ID("preview-html")))
		if err != nil || frame["sandbox"] != "" || !strings.HasPrefix(frame["src"], "/dashboard/links/preview?") {
			t.Fatalf("the preview frame: %v (%v)", frame, err)
		}
		// Sandboxed without allow-same-origin: the dashboard's page cannot reach into it.
		if reach, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("preview-html").contentDocument === null`)); err != nil || !reach {
			t.Fatalf("the dashboard reaches into the preview frame (%v)", err)
		}
		shoot("10-link-preview")
		// The frame's document, opened on its own: the email's inline styles apply.
		run(t, ctx, chromedp.Navigate(en.srv.URL+frame["src"]), chromedp.WaitVisible(chromedp.CSS("a")))
		if bg := computed(t, ctx, "a", "background-color"); bg != "rgb(11, 87, 208)" {
			t.Fatalf("the preview's button is %q: its inline style did not apply", bg)
		}
		if n := en.count("payment_links"); n != 0 {
			t.Fatalf("the preview made %d links", n)
		}

		// The preview's policy, on a document that tries to run scripts: styles apply, no
		// script runs.
		probe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", dashboard.PreviewCSP)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, `<!doctype html><p id="p" style="color: rgb(1, 2, 3)">untouched</p>
<script>document.getElementById("p").textContent = "script ran"</script>
<img src="data:," alt="" onerror="document.getElementById('p').textContent = 'handler ran'">`)
		}))
		defer probe.Close()
		run(t, ctx, chromedp.Navigate(probe.URL), chromedp.WaitVisible(chromedp.ID("p")))
		if text, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("p"))); err != nil || text != "untouched" {
			t.Fatalf("under the preview's policy the page says %q (%v)", text, err)
		}
		if c := computed(t, ctx, "#p", "color"); c != "rgb(1, 2, 3)" {
			t.Fatalf("under the preview's policy an inline style gives %q", c)
		}

		// The operator's orgs page.
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/members"), chromedp.WaitVisible(chromedp.CSS(`form.signout button`)),
			chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.ID("password")))
		signIn("op@payport.example")
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/orgs"), chromedp.WaitVisible(chromedp.ID("orgs")))
		shoot("11-orgs")
		run(t, ctx, chromedp.SendKeys(chromedp.ID("org-name-input"), "Brand New Co"), chromedp.Submit(chromedp.ID("org-name-input")),
			chromedp.WaitVisible(chromedp.ID("secret")))
		shoot("12-org-created")
	})
}
