package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// waitFor polls a condition in the page from Go (an in-page poll ends with an error when the
// page navigates).
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); ok {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("waited for %s:\n%s", what, html)
		}
	}
}

// browserSignIn signs a member in with the password and the emailed code.
func browserSignIn(t *testing.T, ctx context.Context, en *env, sink *smtpSink, email string) {
	t.Helper()
	n := sink.count(email, "verification code")
	run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/signin"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), goodPassword),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("code")))
	code := dashCode.FindStringSubmatch(sink.mailAfter(t, email, "verification code", n).Subject)[1]
	run(t, ctx, chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")), chromedp.WaitVisible(chromedp.ID("recipients")))
}

// TestDashboardOpsInChromium: a webhook secret rotated in the browser signs the next delivery;
// branding changed on the settings page shows on the hosted pay form; a viewer is offered none
// of the changes and is refused one forced anyway; screenshots of each page at phone and
// desktop widths (artifacts/screenshots/dashboard-ops-*).
func TestDashboardOpsInChromium(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		if e.Name != "sqlite" {
			t.Skip("the browser journey runs once, on SQLite; storage is covered by the HTTP tests on both engines")
		}
		ctx := browserContext(t)
		en, sink := dashEnv(t, e)
		en.withWebhooks()
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		en.newMember(en.orgID, "viewer@acme.example", member.RoleViewer)
		rcv := newReceiver(t, 200)
		en.withBankAccount()
		for _, amount := range []string{"10.00", "5.00"} {
			en.must(201, "POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"`+amount+`","currency":"EUR"}`)
		}
		live, _ := en.liveNACHA()
		en.must(201, "POST", "/api/rails/nacha/files", live, nil)

		shoot := func(name string) {
			t.Helper()
			for _, w := range []struct {
				name          string
				width, height int64
			}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
				run(t, ctx, chromedp.EmulateViewport(w.width, w.height))
				screenshot(t, ctx, "dashboard-ops-"+name+"-"+w.name)
			}
		}
		browserSignIn(t, ctx, en, sink, "admin@acme.example")

		// A webhook endpoint, then its secret rotated: the secret shown signs the next delivery.
		run(t, ctx, chromedp.Click(chromedp.CSS(`a[href="/dashboard/webhooks"]`)), chromedp.WaitVisible(chromedp.ID("url")),
			chromedp.SendKeys(chromedp.ID("url"), rcv.srv.URL), chromedp.SendKeys(chromedp.ID("description"), "Our CRM"),
			chromedp.Click(chromedp.ID("create-endpoint")), chromedp.WaitVisible(chromedp.ID("secret")))
		shoot("01-webhooks")
		run(t, ctx, chromedp.Click(chromedp.CSS(`#endpoints a`)), chromedp.WaitVisible(chromedp.ID("rotate")))
		shoot("02-endpoint")
		run(t, ctx, chromedp.Click(chromedp.ID("rotate")), chromedp.WaitVisible(chromedp.ID("secret")))
		rotated, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("secret")))
		if err != nil || !strings.HasPrefix(rotated, "whsec_") {
			t.Fatalf("rotated secret %q (%v)", rotated, err)
		}
		shoot("03-rotated")
		// During the day of overlap both secrets sign; the one shown is among them.
		en.createRecipient(en.key, "site_2", "EUR")
		verify(t, rotated, rcv.wait(t, 1)[0])

		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/events"), chromedp.WaitVisible(chromedp.ID("events")))
		shoot("04-events")
		run(t, ctx, chromedp.Click(chromedp.CSS(`#events tbody tr:first-child a`)), chromedp.WaitVisible(chromedp.ID("payload")))
		shoot("05-event")
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/rails?mode=live"), chromedp.WaitVisible(chromedp.ID("files")))
		shoot("06-rails")

		// Branding: colour and the pay form's text, saved, then seen on the hosted pay form.
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/settings"), chromedp.WaitVisible(chromedp.ID("brand_color")),
			chromedp.SetValue(chromedp.ID("brand_color"), "blue"), chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("err-brand_color")))
		shoot("07-settings-error")
		run(t, ctx, chromedp.SetValue(chromedp.ID("brand_color"), "#1a7f37"), chromedp.SetValue(chromedp.ID("pay_text"), "Thank you for topping up."),
			chromedp.SetValue(chromedp.ID("display_name"), "Axle Rewards"), chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("saved")))
		shoot("08-settings")
		pay := en.must(201, "POST", "/api/payments", en.key, `{"amount":"20.00","currency":"EUR","description":"Top-up"}`).obj(t)
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/checkout/"+str(t, pay, "id")), chromedp.WaitVisible(chromedp.ID("brand-note")))
		note := mustText(t, ctx, "#brand-note")
		bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("pay")).backgroundColor`))
		if note != "Thank you for topping up." || err != nil || bg != "rgb(26, 127, 55)" {
			t.Fatalf("the pay form shows %q with a %s button (%v)", note, bg, err)
		}
		shoot("09-pay-form-branded")

		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/"), chromedp.WaitVisible(chromedp.ID("charts")))
		shoot("10-overview-charts")
		run(t, ctx, chromedp.Click(chromedp.CSS(`form.signout button`)), chromedp.WaitVisible(chromedp.ID("password")))

		// A viewer: nothing to change is offered, and a change forced anyway is refused.
		browserSignIn(t, ctx, en, sink, "viewer@acme.example")
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/webhooks"), chromedp.WaitVisible(chromedp.ID("endpoints")))
		for _, sel := range []string{"#url", "#create-endpoint"} {
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("`+sel+`").length`)); n != 0 {
				t.Errorf("a viewer is offered %s", sel)
			}
		}
		run(t, ctx, chromedp.Click(chromedp.CSS(`#endpoints a`)), chromedp.WaitVisible(chromedp.ID("deliveries")))
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#rotate, #disable").length`)); n != 0 {
			t.Error("a viewer is offered rotate or disable")
		}
		shoot("11-viewer-endpoint")
		before := en.auditDetails(en.orgID)
		// The signed-out form's token is the session's: forge the rotation with it.
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[any](`(() => { const f = document.createElement("form"); f.method = "post";
			f.action = location.pathname + "/rotate"; const c = document.querySelector("form.signout input[name=csrf]").cloneNode();
			f.appendChild(c); document.body.appendChild(f); f.submit(); return 0; })()`))
		waitFor(t, ctx, "the refusal", `!!document.querySelector("#message") && document.querySelector("#message").textContent.includes("does not allow")`)
		if en.auditDetails(en.orgID) != before {
			t.Fatal("a viewer's forced rotation changed something")
		}
		run(t, ctx, chromedp.Navigate(en.srv.URL+"/dashboard/settings"), chromedp.WaitVisible(chromedp.ID("brand_color")))
		if disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("brand_color").matches(":disabled") && !document.getElementById("save")`)); !disabled {
			t.Error("a viewer may edit the settings")
		}
		shoot("12-viewer-settings")
	})
}

func mustText(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}
