package httpapi_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/payport/payport/internal/dashboard"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// TestDashboardLinkEmailPreviewFrame checks the route of the email preview's HTML part: the
// links page frames it (sandboxed), it answers the email's HTML under its own policy, it
// checks the form like the creation and writes nothing, and a viewer is refused it.
func TestDashboardLinkEmailPreviewFrame(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		a, _ := adminDash(en, sink)
		a.get("/dashboard/links")
		res, body := a.post("/dashboard/links", url.Values{"preview": {"1"}, "mode": {"test"}, "email": {"cust@example.com"},
			"amount": {"12.50"}, "currency": {"EUR"}, "reference": {"Invoice <7>"}})
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Fatalf("the links page's CSP: %q", csp)
		}
		src := regexp.MustCompile(`<iframe id="preview-html" class="email-frame" sandbox src="([^"]+)"`).FindStringSubmatch(body)
		if res.StatusCode != 200 || src == nil {
			t.Fatalf("preview: %d\n%s", res.StatusCode, body)
		}
		frame := html.UnescapeString(src[1])
		links, events := en.count("payment_links"), en.count("events")
		res, body = a.get(frame)
		if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") != dashboard.PreviewCSP || res.Header.Get("X-Frame-Options") != "SAMEORIGIN" ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "12.50 EUR") || !strings.Contains(body, "Invoice &lt;7&gt;") {
			t.Fatalf("the frame: %d %v\n%s", res.StatusCode, res.Header, body)
		}
		if !strings.Contains(dashboard.PreviewCSP, "sandbox;") || strings.Contains(dashboard.PreviewCSP, "allow-scripts") || strings.Contains(dashboard.PreviewCSP, "script-src") {
			t.Fatalf("the preview's policy lets scripts run: %q", dashboard.PreviewCSP)
		}
		// Checked like the creation: a bad email is a plain-text refusal.
		res, body = a.get("/dashboard/links/preview?mode=test&email=not+an+email")
		if res.StatusCode != 422 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") || res.Header.Get("Content-Security-Policy") != dashboard.PreviewCSP {
			t.Fatalf("a bad email: %d %v\n%s", res.StatusCode, res.Header, body)
		}
		if en.count("payment_links") != links || en.count("events") != events {
			t.Fatal("the preview frame wrote rows")
		}
		// A viewer cannot preview a creation it may not make.
		en.newMember(en.orgID, "viewer@acme.example", member.RoleViewer)
		v := en.signIn(sink, "viewer@acme.example")
		if res, _ := v.get(frame); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a viewer's preview: %d", res.StatusCode)
		}
	})
}
