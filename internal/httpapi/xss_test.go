package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// xssPayload is what a hostile platform user or customer types into every free text: it
// closes an attribute and a tag, then opens a script and an event handler.
const xssPayload = `"'><script>window.pwned=1</script><img src=x onerror=alert(1)>`

// TestPlatformTextsAreEscapedEverywhere puts the payload into every text a platform, its
// members or its customers control (org name and hosted-page texts, recipient email and
// metadata, credit descriptions, payment descriptions and references, payment link
// references and metadata, webhook endpoint descriptions, API key names) and reads every page
// that shows them: the portal, the hosted pay form, the payment link page and each dashboard
// page, and the link's email. No page may carry the markup; the pages that show a text must show it escaped.
func TestPlatformTextsAreEscapedEverywhere(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		settings, _ := json.Marshal(map[string]any{"name": "Acme " + xssPayload, "settings": map[string]any{"portal": map[string]any{
			"display_name": "Acme " + xssPayload, "texts": map[string]any{"portal": xssPayload, "pay": xssPayload, "payout": xssPayload}}}})
		en.must(200, "PATCH", "/api/org", en.key, string(settings))
		rec := en.must(201, "POST", "/api/recipients", en.key, map[string]any{"external_id": "site_1", "currency": "EUR",
			"email": "ada@example.com", "metadata": map[string]any{"note": xssPayload}}).obj(t)
		en.must(201, "POST", "/api/recipients/site_1/credits", en.key, map[string]any{"amount": "25.00", "currency": "EUR", "description": xssPayload})
		en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, map[string]any{"holder_name": "Ada " + xssPayload, "iban": ibanEnding("0000")})
		pay := en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": "12.30", "currency": "EUR",
			"externalId": "order-1", "description": xssPayload}).obj(t)
		link := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "cy@example.com", "org_id": en.orgID,
			"payment_amount": 20, "currency": "EUR", "reference": xssPayload, "metadata": map[string]any{"note": xssPayload}}).obj(t)
		en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": "https://hooks.example.com/x", "description": xssPayload})
		en.must(201, "POST", "/api/api_keys", en.key, map[string]any{"name": xssPayload})

		pages := map[string]string{}
		// The portal, through a signed link.
		b := en.browser()
		res, _ := visit(t, b, en.portalURL("redirect_uri=%2Frewards%2Fbalance"))
		for res.StatusCode == http.StatusSeeOther {
			loc := res.Header.Get("Location")
			if !strings.HasPrefix(loc, "http") {
				loc = en.srv.URL + loc
			}
			var body string
			res, body = visit(t, b, loc)
			pages[loc] = body
		}
		for _, p := range []string{"/rewards/balance", "/rewards/withdraw", "/rewards/setup"} {
			_, pages[p] = visit(t, b, en.srv.URL+p)
		}
		// The hosted pay form and the payment link page.
		_, pages["checkout"] = visit(t, en.browser(), en.srv.URL+"/checkout/"+str(t, pay, "id"))
		_, pages["pay link"] = visit(t, en.browser(), en.srv.URL+"/pay/"+str(t, link, "id"))
		// Every dashboard page, as an org-admin.
		en.newMember(en.orgID, "ops@example.com", member.RoleOrgAdmin)
		d := en.signIn(sink, "ops@example.com")
		for _, p := range []string{"/dashboard/", "/dashboard/payments", "/dashboard/payments/" + str(t, pay, "id"),
			"/dashboard/recipients", "/dashboard/recipients/" + str(t, rec, "id"), "/dashboard/links", "/dashboard/webhooks",
			"/dashboard/events", "/dashboard/keys", "/dashboard/audit", "/dashboard/settings", "/dashboard/members"} {
			res, body := d.get(p)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s: %d", p, res.StatusCode)
			}
			pages[p] = body
		}

		// The payment link's email, HTML part.
		pages["link email"] = sink.waitMail(t, "cy@example.com", "").HTML

		escaped := 0
		for p, body := range pages {
			for _, raw := range []string{"<script>window.pwned", "<img src=x onerror", `"'><`} {
				if strings.Contains(body, raw) {
					t.Errorf("%s carries the markup %q unescaped", p, raw)
				}
			}
			if strings.Contains(body, "&lt;script&gt;window.pwned=1&lt;/script&gt;") {
				escaped++
			}
		}
		// Where the texts are shown, they are shown as text.
		for _, p := range []string{"/rewards/balance", "checkout", "pay link", "/dashboard/payments",
			"/dashboard/payments/" + str(t, pay, "id"), "/dashboard/webhooks", "/dashboard/keys", "/dashboard/settings", "link email"} {
			if !strings.Contains(pages[p], "&lt;script&gt;window.pwned=1&lt;/script&gt;") {
				t.Errorf("%s does not show the text (escaped); it should", p)
			}
		}
		t.Logf("%d pages read, %d show the text escaped", len(pages), escaped)
	})
}

// TestHostileBodies: a body past the size cap, one nested thousands of levels deep, and one
// that is not JSON at all each get a problem naming what is wrong, never a 500, and write
// nothing.
func TestHostileBodies(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.counts()
		deep := `{"amount":"1.00","currency":"EUR","metadata":{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`
		huge := `{"amount":"1.00","currency":"EUR","description":"` + strings.Repeat("x", 300<<10) + `"}`
		for name, tc := range map[string]struct {
			path, body string
			status     int
		}{
			"nested 20,000 deep":  {"/api/recipients/site_1/credits", deep, 400},
			"nested in a payment": {"/api/payments", `{"amount":"1.00","currency":"EUR","metadata":{"a":` + strings.Repeat(`{"b":`, 5000) + "1" + strings.Repeat("}", 5000) + `}}`, 422},
			"past the size cap":   {"/api/recipients/site_1/credits", huge, 413},
			"not JSON":            {"/api/recipients/site_1/credits", "\x00\xff{{", 400},
		} {
			r := en.do("POST", tc.path, en.key, []byte(tc.body))
			if r.Status >= 500 {
				t.Fatalf("%s: %s", name, r)
			}
			if r.Status != tc.status {
				t.Errorf("%s: status %d, want %d: %.300s", name, r.Status, tc.status, r.Body)
			}
		}
		sameCounts(t, "hostile bodies", before, en.counts())
	})
}
