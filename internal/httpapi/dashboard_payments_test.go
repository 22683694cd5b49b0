package httpapi_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// The dashboard's payments, recipients and payment links pages (issue 9, items 3 to 5), on
// every engine.

// dashPaymentViewerForms are a form for each write route of those pages (the sample ids of
// dashboard.WritePaths); TestDashboardViewerChangesNothing posts them too.
var dashPaymentViewerForms = map[string]url.Values{
	"/dashboard/payments/pay_x/cancel":           {"mode": {"test"}},
	"/dashboard/payments/pay_x/redeliver":        {"mode": {"test"}, "event": {"evt_x"}, "attempt": {"wat_x"}},
	"/dashboard/recipients/rcp_x/balance":        {"mode": {"test"}, "kind": {"credit"}, "amount": {"1.00"}, "currency": {"EUR"}, "reason": {"x"}},
	"/dashboard/recipients/rcp_x/portal-link":    {"mode": {"test"}},
	"/dashboard/recipients/rcp_x/account-link":   {"mode": {"test"}, "use_case": {"account_onboarding"}, "return_url": {"http://localhost/r"}, "refresh_url": {"http://localhost/f"}},
	"/dashboard/links":                           {"mode": {"test"}, "email": {"c@example.com"}},
	"/dashboard/links/pl_x/resend":               {"mode": {"test"}},
	"/dashboard/links/pl_x/revoke":               {"mode": {"test"}},
	"/dashboard/links/revoke":                    {"mode": {"test"}, "email": {"c@example.com"}},
	"/dashboard/recipients/rcp_x/balance?adjust": {"mode": {"test"}, "kind": {"adjust"}, "amount": {"-1.00"}, "currency": {"EUR"}, "reason": {"x"}},
}

// payoutReady gives a recipient money and a bank account (key's mode).
func (en *env) payoutReady(key, site, amount string) {
	en.t.Helper()
	en.createRecipient(key, site, "EUR")
	en.credit(key, site, amount, "EUR")
	en.must(201, "POST", "/api/recipients/"+site+"/payout_methods", key, fmt.Sprintf(`{"holder_name":"Ada","iban":%q}`, ibanEnding("3000")))
}

// liveSEPA sets the org's SEPA debtor account: live EUR payouts go into SEPA files and stay
// pending until one is made.
func (en *env) liveSEPA(liveKey string) {
	en.t.Helper()
	en.must(200, "PATCH", "/api/org", liveKey, `{"settings":{"sepa":{"name":"Acme Energy GmbH","iban":"DE89370400440532013000","bic":"COBADEFFXXX"}}}`)
}

// adminDash is a signed-in org-admin of the env's org, and its member id.
func adminDash(en *env, sink *smtpSink) (*dash, string) {
	id := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
	return en.signIn(sink, "admin@acme.example"), id
}

func mustStatus(t *testing.T, what string, res *http.Response, body string, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: %d, want %d\n%s", what, res.StatusCode, want, body)
	}
}

func TestDashboardPaymentsListFiltersAndCSV(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		a, _ := adminDash(en, sink)
		en.payoutReady(en.key, "site_1", "100.00")
		w := en.must(201, "POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"30.00","currency":"EUR"}`).obj(t)
		en.waitPayment(en.key, str(t, w, "id"), "succeeded")
		p1 := en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": "12.30", "currency": "EUR", "externalId": "order-1",
			"description": `=1+2, "quoted"`, "customer": map[string]any{"id": "cus_9"}}).obj(t)
		p2 := en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": "0.05", "currency": "EUR", "description": "-5 refund\nline two"}).obj(t)

		_, body := a.get("/dashboard/payments")
		for _, id := range []string{str(t, w, "id"), str(t, p1, "id"), str(t, p2, "id")} {
			if !strings.Contains(body, `id="pay-`+id+`"`) {
				t.Fatalf("the list lacks %s:\n%s", id, body)
			}
		}
		rows := func(query string) []string {
			t.Helper()
			res, body := a.get("/dashboard/payments?" + query)
			mustStatus(t, query, res, body, 200)
			var ids []string
			for _, m := range regexp.MustCompile(`<tr id="pay-([^"]+)"`).FindAllStringSubmatch(body, -1) {
				ids = append(ids, m[1])
			}
			return ids
		}
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
		for q, want := range map[string][]string{
			"status=succeeded":                    {str(t, w, "id")},
			"status=pending&type=payin":           {str(t, p2, "id"), str(t, p1, "id")},
			"type=payout":                         {str(t, w, "id")},
			"recipient=site_1":                    {str(t, w, "id")},
			"recipient=nobody":                    nil,
			"external_id=order-1":                 {str(t, p1, "id")},
			"customer=cus_9":                      {str(t, p1, "id")},
			"created_from=" + tomorrow:            nil,
			"created_before=" + tomorrow:          {str(t, p2, "id"), str(t, p1, "id"), str(t, w, "id")},
			"mode=live":                           nil,
			"created_before=" + tomorrow + "&x=1": {str(t, p2, "id"), str(t, p1, "id"), str(t, w, "id")},
		} {
			if got := rows(q); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: %v, want %v", q, got, want)
			}
		}
		if res, body := a.get("/dashboard/payments?created_from=yesterday"); res.StatusCode != 422 || !strings.Contains(body, `id="error"`) {
			t.Fatalf("a bad date: %d\n%s", res.StatusCode, body)
		}
		if res, _ := a.get("/dashboard/payments?status=lost"); res.StatusCode != 422 {
			t.Fatalf("a bad status: %d", res.StatusCode)
		}

		// The CSV of the filtered list: exact decimals, quoted where needed, formulas defused.
		res, csvBody := a.get("/dashboard/payments.csv?type=payin")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="payments-test-`) {
			t.Fatalf("export: %d %v", res.StatusCode, res.Header)
		}
		row := func(p map[string]any, cells string) string {
			get := en.must(200, "GET", "/api/payments/"+str(t, p, "id"), en.key, nil).obj(t)
			ts := func(k string) string {
				v, err := time.Parse(time.RFC3339Nano, str(t, get, k))
				if err != nil {
					t.Fatal(err)
				}
				return v.UTC().Format(time.RFC3339)
			}
			return fmt.Sprintf(cells, str(t, p, "id"), ts("createdAt"), ts("updatedAt"))
		}
		want := "id,createdAt,type,status,amount,currency,externalId,recipientId,source,rail,description,failureCode,updatedAt\n" +
			row(p2, "%s,%s,payin,pending,0.05,EUR,,,api,,\"'-5 refund\nline two\",,%s\n") +
			row(p1, "%s,%s,payin,pending,12.30,EUR,order-1,,api,,\"'=1+2, \"\"quoted\"\"\",,%s\n")
		if csvBody != want {
			t.Fatalf("CSV:\n%q\nwant\n%q", csvBody, want)
		}
		records := func(body string) int {
			t.Helper()
			rs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatalf("the export is not CSV: %v\n%s", err, body)
			}
			return len(rs)
		}
		if _, all := a.get("/dashboard/payments.csv"); records(all) != 4 {
			t.Fatalf("unfiltered CSV:\n%s", all)
		}
		if _, none := a.get("/dashboard/payments.csv?recipient=nobody"); none != "id,createdAt,type,status,amount,currency,externalId,recipientId,source,rail,description,failureCode,updatedAt\n" {
			t.Fatalf("empty CSV: %q", none)
		}

		// Cursor pages.
		for i := range 50 {
			en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": fmt.Sprintf("%d.00", i+1), "currency": "EUR"})
		}
		_, first := a.get("/dashboard/payments?type=payin")
		older := regexp.MustCompile(`id="older" href="([^"]+)"`).FindStringSubmatch(first)
		if older == nil || strings.Count(first, `<tr id="pay-`) != 50 {
			t.Fatalf("first page: %d rows, older link %v", strings.Count(first, `<tr id="pay-`), older)
		}
		_, second := a.get(strings.ReplaceAll(older[1], "&amp;", "&"))
		if n := strings.Count(second, `<tr id="pay-`); n != 2 || !strings.Contains(second, str(t, p1, "id")) || strings.Contains(second, str(t, w, "id")) {
			t.Fatalf("second page of payins: %d rows\n%s", n, second)
		}
		if _, big := a.get("/dashboard/payments.csv?type=payin"); records(big) != 53 {
			t.Fatalf("the export of 52 payins has %d records", records(big))
		}
	})
}

func TestDashboardPaymentTimelineCancelRedeliver(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.clock.Set(time.Now()) // scheduled webhook retries never come due by themselves
		en.withWebhooks()
		rcv := newReceiver(t, 500, 200)
		en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": rcv.srv.URL + "/hook", "event_types": []string{"payment.*"}})
		a, adminID := adminDash(en, sink)
		en.payoutReady(en.key, "site_1", "100.00")
		w := en.must(201, "POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"30.00","currency":"EUR"}`).obj(t)
		id := str(t, w, "id")
		en.waitPayment(en.key, id, "succeeded")
		rcv.wait(t, 1)

		// The timeline: each status change, the ledger transfers, the events and their
		// deliveries with status codes.
		deadline := time.Now().Add(10 * time.Second)
		var body string
		for {
			_, body = a.get("/dashboard/payments/" + id)
			if strings.Contains(body, `class="bad">500<`) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, want := range []string{"pending → processing", "processing → succeeded", "<code>withdrawal</code>", "recipient available → recipient pending",
			"recipient pending → org external", "<code>payment.succeeded</code>", `class="bad">500<`, "/redeliver", "30.00 EUR"} {
			if !strings.Contains(body, want) {
				t.Fatalf("the payment page lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, `id="cancel"`) {
			t.Fatal("a succeeded payout offers cancel")
		}
		if res, _ := a.post("/dashboard/payments/"+id+"/cancel", url.Values{"mode": {"test"}}); res.StatusCode != http.StatusConflict {
			t.Fatalf("cancel a succeeded payout: %d", res.StatusCode)
		}

		// Retry the failed delivery: a new attempt, answered 200 this time.
		m := regexp.MustCompile(`name="event" value="([^"]+)"><input type="hidden" name="attempt" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no retry form:\n%s", body)
		}
		n := rcv.count()
		var before int
		en.db.ReaderDB().QueryRow(`SELECT COUNT(*) FROM webhook_attempts WHERE event_id = $1`, m[1]).Scan(&before)
		res, _ := a.post("/dashboard/payments/"+id+"/redeliver", url.Values{"mode": {"test"}, "event": {m[1]}, "attempt": {m[2]}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=retry") {
			t.Fatalf("redeliver: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		rcv.wait(t, n+1)
		deadline = time.Now().Add(10 * time.Second)
		for {
			var after int
			en.db.ReaderDB().QueryRow(`SELECT COUNT(*) FROM webhook_attempts WHERE event_id = $1 AND status_code = 200`, m[1]).Scan(&after)
			if after == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no new successful attempt for %s (attempts before: %d)", m[1], before)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if en.auditRows(adminID, "webhook.redeliver") != 1 {
			t.Fatal("the retry is not in the audit log")
		}
		_, body = a.get("/dashboard/payments/" + id + "?done=retry")
		if !strings.Contains(body, `class="good">200<`) || !strings.Contains(body, `id="done"`) {
			t.Fatalf("the new attempt is not shown:\n%s", body)
		}
		// A delivered attempt is not retried. (The attempt is this event's: the page shows
		// other events' delivered attempts too, and another event's attempt is a 404.)
		var okAttempt string
		if err := en.db.ReaderDB().QueryRow(`SELECT id FROM webhook_attempts WHERE event_id = $1 AND status_code = 200`, m[1]).Scan(&okAttempt); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, `id="att-`+okAttempt+`"`) {
			t.Fatalf("the delivered attempt %s is not shown:\n%s", okAttempt, body)
		}
		if res, _ := a.post("/dashboard/payments/"+id+"/redeliver", url.Values{"mode": {"test"}, "event": {m[1]}, "attempt": {okAttempt}}); res.StatusCode != http.StatusConflict {
			t.Fatalf("retrying a delivered attempt: %d", res.StatusCode)
		}

		// Cancel a pending payout (live mode: its bank-file rail keeps it pending until a file).
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		en.liveSEPA(live)
		en.payoutReady(live, "live_1", "100.00")
		lw := en.must(201, "POST", "/api/recipients/live_1/withdrawals", live, `{"amount":"40.00","currency":"EUR"}`).obj(t)
		lid := str(t, lw, "id")
		if got := en.balance(live, "live_1"); got != "60.00" {
			t.Fatalf("balance with a pending withdrawal: %s", got)
		}
		_, body = a.get("/dashboard/payments/" + lid + "?mode=live")
		if !strings.Contains(body, `id="cancel"`) {
			t.Fatalf("a pending payout offers no cancel:\n%s", body)
		}
		// Without its CSRF token: refused, nothing changes.
		if res, _ := a.post("/dashboard/payments/"+lid+"/cancel", url.Values{"mode": {"live"}, "csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("cancel without the CSRF token: %d", res.StatusCode)
		}
		if p := en.must(200, "GET", "/api/payments/"+lid, live, nil).obj(t); p["status"] != "pending" {
			t.Fatalf("a forged cancel changed the payment: %v", p["status"])
		}
		a.get("/dashboard/payments/" + lid + "?mode=live")
		res, _ = a.post("/dashboard/payments/"+lid+"/cancel", url.Values{"mode": {"live"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel: %d", res.StatusCode)
		}
		if p := en.must(200, "GET", "/api/payments/"+lid, live, nil).obj(t); p["status"] != "canceled" {
			t.Fatalf("after cancel: %v", p["status"])
		}
		if got := en.balance(live, "live_1"); got != "100.00" {
			t.Fatalf("the money did not come back: %s", got)
		}
		if v, _, err := en.app.CheckLedger(context.Background()); err != nil || len(v) != 0 {
			t.Fatalf("ledger check after cancel: %v %v", v, err)
		}
		if en.auditRows(adminID, "payment.cancel") != 1 {
			t.Fatal("the cancel is not in the audit log")
		}
		_, body = a.get("/dashboard/payments/" + lid + "?mode=live&done=canceled")
		if !strings.Contains(body, "pending → canceled") || !strings.Contains(body, "<code>withdrawal_canceled</code>") || strings.Contains(body, `id="cancel"`) {
			t.Fatalf("the canceled payout's page:\n%s", body)
		}
		if res, _ := a.post("/dashboard/payments/"+lid+"/cancel", url.Values{"mode": {"live"}}); res.StatusCode != http.StatusConflict {
			t.Fatalf("a second cancel: %d", res.StatusCode)
		}
		// The payment is not found in the other mode.
		if res, _ := a.get("/dashboard/payments/" + lid); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a live payment in test mode: %d", res.StatusCode)
		}
	})
}

func TestDashboardRecipients(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		a, adminID := adminDash(en, sink)
		en.payoutReady(en.key, "site_1", "100.00")
		en.createRecipient(en.key, "site_2", "USD")
		r1 := en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t)
		rid := str(t, r1, "id")

		_, body := a.get("/dashboard/recipients")
		row1 := regexp.MustCompile(`(?s)<tr id="rcp-` + rid + `">.*?</tr>`).FindString(body)
		if !strings.Contains(row1, "100.00 EUR") || !strings.Contains(row1, ">yes<") || !strings.Contains(row1, "not submitted") {
			t.Fatalf("site_1's row: %s\n%s", row1, body)
		}
		if !strings.Contains(body, "site_2") {
			t.Fatalf("site_2 missing:\n%s", body)
		}

		// The detail: masked methods, never the whole account number.
		_, body = a.get("/dashboard/recipients/" + rid)
		if !strings.Contains(body, "•••• 3000") || strings.Contains(body, ibanEnding("3000")) || !strings.Contains(body, `id="avail-EUR">100.00<`) {
			t.Fatalf("the recipient page:\n%s", body)
		}

		// A credit needs a reason; a refused one writes nothing.
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)[1]
		before := en.counts()
		auditBefore := en.count("audit_log")
		res, body := a.post("/dashboard/recipients/"+rid+"/balance", url.Values{"mode": {"test"}, "key": {key}, "kind": {"credit"}, "amount": {"12.34"}, "currency": {"EUR"}, "reason": {" "}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="balance-error"`) {
			t.Fatalf("a credit without a reason: %d\n%s", res.StatusCode, body)
		}
		if res, _ := a.post("/dashboard/recipients/"+rid+"/balance", url.Values{"mode": {"test"}, "kind": {"credit"}, "amount": {"12.345"}, "currency": {"EUR"}, "reason": {"x"}}); res.StatusCode != 422 {
			t.Fatalf("three decimals in EUR: %d", res.StatusCode)
		}
		sameCounts(t, "refused credits", before, en.counts())
		if en.count("audit_log") != auditBefore {
			t.Fatal("a refused credit was audited")
		}
		form := url.Values{"mode": {"test"}, "key": {key}, "kind": {"credit"}, "amount": {"12.34"}, "currency": {"EUR"}, "reason": {"Goodwill for ticket 42"}}
		res, body = a.post("/dashboard/recipients/"+rid+"/balance", form)
		if res.StatusCode != http.StatusCreated || !strings.Contains(body, "Moved 12.34 EUR. Available now: 112.34.") {
			t.Fatalf("credit: %d\n%s", res.StatusCode, body)
		}
		// The same form again moves nothing.
		transfers := en.count("ledger_transfers")
		res, body = a.post("/dashboard/recipients/"+rid+"/balance", form)
		if res.StatusCode != http.StatusCreated || !strings.Contains(body, "nothing moved again") || en.count("ledger_transfers") != transfers {
			t.Fatalf("the form sent twice: %d\n%s", res.StatusCode, body)
		}
		if got := en.balance(en.key, "site_1"); got != "112.34" {
			t.Fatalf("balance after the credit: %s", got)
		}
		key2 := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)[1]
		res, body = a.post("/dashboard/recipients/"+rid+"/balance", url.Values{"mode": {"test"}, "key": {key2}, "kind": {"adjust"}, "amount": {"-2.34"}, "currency": {"EUR"}, "reason": {"Double credit"}})
		if res.StatusCode != http.StatusCreated || !strings.Contains(body, "Moved -2.34 EUR. Available now: 110.00.") {
			t.Fatalf("adjust: %d\n%s", res.StatusCode, body)
		}
		if en.auditRows(adminID, "balance.credit") != 1 || en.auditRows(adminID, "balance.adjust") != 1 {
			t.Fatal("the credit and the adjustment are not in the audit log under the member")
		}
		var detail string
		en.db.ReaderDB().QueryRow(`SELECT detail FROM audit_log WHERE member_id = $1 AND action = 'balance.adjust'`, adminID).Scan(&detail)
		if !strings.Contains(detail, "-2.34 EUR") || !strings.Contains(detail, "Double credit") {
			t.Fatalf("audit detail %q", detail)
		}
		_, audit := a.get("/dashboard/audit")
		if !strings.Contains(audit, "balance.credit") || !strings.Contains(audit, "Goodwill for ticket 42") {
			t.Fatalf("the audit page lacks the credit:\n%s", audit)
		}
		if v, _, err := en.app.CheckLedger(context.Background()); err != nil || len(v) != 0 {
			t.Fatalf("ledger check: %v %v", v, err)
		}

		// Transactions are paged.
		for range 24 {
			en.credit(en.key, "site_1", "1.00", "EUR")
		}
		_, body = a.get("/dashboard/recipients/" + rid)
		if strings.Contains(body, "Goodwill for ticket 42") || strings.Count(body, "<code>credit</code>") != 24 || !strings.Contains(body, "<code>adjustment</code>") {
			t.Fatalf("first page of transactions (the 25 newest):\n%s", body)
		}
		older := regexp.MustCompile(`id="older" href="([^"]+)"`).FindStringSubmatch(body)
		if older == nil {
			t.Fatalf("no older page:\n%s", body)
		}
		_, body = a.get(strings.ReplaceAll(older[1], "&amp;", "&"))
		if !strings.Contains(body, "Goodwill for ticket 42") {
			t.Fatalf("the second page lacks the first credit:\n%s", body)
		}

		// Support links: shown once, audited without their token.
		res, body = a.post("/dashboard/recipients/"+rid+"/portal-link", url.Values{"mode": {"test"}})
		u := regexp.MustCompile(`<code id="link-url">(http://127\.0\.0\.1:8080/auth/ext/[^<]+)</code>`).FindStringSubmatch(body)
		if res.StatusCode != http.StatusCreated || u == nil {
			t.Fatalf("portal link: %d\n%s", res.StatusCode, body)
		}
		if _, again := a.get("/dashboard/recipients/" + rid); strings.Contains(again, u[1]) {
			t.Fatal("the portal link is shown again")
		}
		res, body = a.post("/dashboard/recipients/"+rid+"/account-link", url.Values{"mode": {"test"}, "use_case": {"account_onboarding"},
			"return_url": {"http://localhost:3000/done"}, "refresh_url": {"http://localhost:3000/again"}})
		if res.StatusCode != http.StatusCreated || !strings.Contains(body, "/auth/ext/") {
			t.Fatalf("account link: %d\n%s", res.StatusCode, body)
		}
		if res, body := a.post("/dashboard/recipients/"+rid+"/account-link", url.Values{"mode": {"test"}, "use_case": {"account_onboarding"}}); res.StatusCode != 422 || !strings.Contains(body, `id="link-error"`) {
			t.Fatalf("account link without URLs: %d", res.StatusCode)
		}
		rows, _ := en.db.ReaderDB().Query(`SELECT detail FROM audit_log WHERE member_id = $1 AND action IN ('recipient.portal_link', 'recipient.account_link')`, adminID)
		n := 0
		for rows.Next() {
			var d string
			rows.Scan(&d)
			if strings.Contains(d, "/auth/ext/") || strings.Contains(d, "eyJ") {
				t.Errorf("a link's token in the audit log: %q", d)
			}
			n++
		}
		rows.Close()
		if n != 2 {
			t.Fatalf("%d support links audited, want 2", n)
		}
		if res, _ := a.get("/dashboard/recipients/nobody"); res.StatusCode != 404 {
			t.Fatalf("a missing recipient: %d", res.StatusCode)
		}
	})
}

func TestDashboardPaymentLinks(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		a, adminID := adminDash(en, sink)
		a.get("/dashboard/links")
		form := url.Values{"mode": {"test"}, "email": {"Cust@Example.com"}, "amount": {"12.50"}, "currency": {"EUR"}, "reference": {"Invoice 7"}}

		// The preview renders the email from the mailer's template and writes nothing.
		links, events := en.count("payment_links"), en.count("events")
		pv := url.Values{"preview": {"1"}}
		for k, v := range form {
			pv[k] = v
		}
		res, body := a.post("/dashboard/links", pv)
		subject := regexp.MustCompile(`<dd id="preview-subject">([^<]+)</dd>`).FindStringSubmatch(body)
		if res.StatusCode != 200 || subject == nil || !strings.Contains(body, "Invoice 7") || !strings.Contains(body, `value="Invoice 7"`) {
			t.Fatalf("preview: %d\n%s", res.StatusCode, body)
		}
		if en.count("payment_links") != links || en.count("events") != events {
			t.Fatal("the preview wrote rows")
		}
		if res, body := a.post("/dashboard/links", url.Values{"mode": {"test"}, "email": {"not an email"}}); res.StatusCode != 422 || !strings.Contains(body, `id="form-error"`) {
			t.Fatalf("a bad email: %d", res.StatusCode)
		}

		res, body = a.post("/dashboard/links", form)
		if res.StatusCode != http.StatusCreated || !strings.Contains(body, "cust@example.com") {
			t.Fatalf("create: %d\n%s", res.StatusCode, body)
		}
		sent := sink.mailAfter(t, "cust@example.com", "payment link", 0)
		if html := strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(subject[1]); sent.Subject != html {
			t.Fatalf("the sent subject %q differs from the preview %q", sent.Subject, html)
		}
		var linkID string
		en.db.ReaderDB().QueryRow(`SELECT id FROM payment_links WHERE email = 'cust@example.com'`).Scan(&linkID)
		if !strings.Contains(body, `id="link-`+linkID+`"`) || !strings.Contains(body, "12.50 EUR") || !strings.Contains(body, "Links that match: 1.") {
			t.Fatalf("the new link is not listed:\n%s", body)
		}
		// Two more for another email, then filters and the total.
		a.post("/dashboard/links", url.Values{"mode": {"test"}, "email": {"x@example.com"}})
		a.post("/dashboard/links", url.Values{"mode": {"test"}, "email": {"x@example.com"}, "amount": {"3"}, "currency": {"EUR"}})
		if _, body := a.get("/dashboard/links?email=x@example.com"); !strings.Contains(body, "Links that match: 2.") || strings.Contains(body, linkID) {
			t.Fatalf("filtered by email:\n%s", body)
		}

		// Resend: another email, audited.
		res, _ = a.post("/dashboard/links/"+linkID+"/resend", url.Values{"mode": {"test"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("resend: %d", res.StatusCode)
		}
		sink.mailAfter(t, "cust@example.com", "payment link", 1)

		// Revoke one, then every active link of an email.
		a.get("/dashboard/links")
		if res, _ := a.post("/dashboard/links/"+linkID+"/revoke", url.Values{"mode": {"test"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		if l := en.must(200, "GET", "/orgs/"+en.orgID+"/payment-links?status=revoked", en.key, nil).obj(t); num(t, l, "total") != 1 {
			t.Fatalf("revoked links: %v", l)
		}
		if res, _ := a.post("/dashboard/links/"+linkID+"/resend", url.Values{"mode": {"test"}}); res.StatusCode != http.StatusConflict {
			t.Fatalf("resending a revoked link: %d", res.StatusCode)
		}
		res, _ = a.post("/dashboard/links/revoke", url.Values{"mode": {"test"}, "email": {"X@example.com"}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "n=2") {
			t.Fatalf("revoke all: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if _, body := a.get("/dashboard/links?status=active"); !strings.Contains(body, "Links that match: 0.") {
			t.Fatalf("active links after revoking all:\n%s", body)
		}
		if _, body := a.get("/dashboard/links?done=revoked&n=2"); !strings.Contains(body, "Links revoked: 2.") {
			t.Fatalf("no revoke message:\n%s", body)
		}
		for action, want := range map[string]int{"payment_link.create": 3, "payment_link.resend": 1, "payment_link.revoke": 3} {
			if got := en.auditRows(adminID, action); got != want {
				t.Errorf("%s audited %d times, want %d", action, got, want)
			}
		}
	})
}

func TestDashboardPaymentsViewerChangesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		viewerID := en.newMember(en.orgID, "viewer@acme.example", member.RoleViewer)
		v := en.signIn(sink, "viewer@acme.example")
		en.payoutReady(en.key, "site_1", "100.00")
		rid := str(t, en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t), "id")
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		en.liveSEPA(live)
		en.payoutReady(live, "live_1", "100.00")
		pid := str(t, en.must(201, "POST", "/api/recipients/live_1/withdrawals", live, `{"amount":"40.00","currency":"EUR"}`).obj(t), "id")
		l := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "c@example.com", "org_id": en.orgID}).obj(t)
		lid := str(t, l, "id")

		tables := []string{"payments", "payment_transitions", "ledger_transfers", "events", "payment_links", "webhook_messages", "audit_log", "idempotency_records"}
		before := map[string]int{}
		for _, tbl := range tables {
			before[tbl] = en.count(tbl)
		}
		// The viewer sees every page, with no form that changes anything.
		for _, page := range []string{"/dashboard/payments", "/dashboard/payments/" + pid + "?mode=live", "/dashboard/recipients", "/dashboard/recipients/" + rid, "/dashboard/links"} {
			res, body := v.get(page)
			if res.StatusCode != 200 {
				t.Fatalf("viewer %s: %d", page, res.StatusCode)
			}
			for _, form := range []string{"/cancel", "/redeliver", "/balance", "/portal-link", "/account-link", `method="post" action="/dashboard/links"`, "/resend", "/revoke"} {
				if strings.Contains(body, form) {
					t.Errorf("viewer %s offers %s", page, form)
				}
			}
		}
		if res, _ := v.get("/dashboard/payments.csv"); res.StatusCode != 200 {
			t.Fatalf("viewer export: %d", res.StatusCode)
		}
		replace := strings.NewReplacer("pay_x", pid, "rcp_x", rid, "pl_x", lid, "?adjust", "")
		for path, form := range dashPaymentViewerForms {
			if strings.Contains(path, "pay_x") {
				form = url.Values{"mode": {"live"}}
			}
			if res, body := v.post(replace.Replace(path), form); res.StatusCode != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d\n%s", path, res.StatusCode, body)
			}
		}
		for _, tbl := range tables {
			if n := en.count(tbl); n != before[tbl] {
				t.Errorf("a viewer's POSTs changed %s: %d -> %d rows", tbl, before[tbl], n)
			}
		}

		// The use cases refuse a viewer themselves, whatever page calls them.
		ctx := context.Background()
		ac := app.Actor{MemberID: viewerID, Role: member.RoleViewer, OrgID: en.orgID}
		_, err1 := en.app.DashboardCancelPayment(ctx, ac, tenant.Live, pid)
		err2 := en.app.DashboardRedeliver(ctx, ac, tenant.Test, "evt_x", "wat_x")
		_, _, err3 := en.app.DashboardChangeBalance(ctx, ac, tenant.Test, rid, app.BalanceChange{Amount: "1.00", Currency: "EUR", Reason: "x"})
		_, _, err4 := en.app.DashboardChangeBalance(ctx, ac, tenant.Test, rid, app.BalanceChange{Adjust: true, Amount: "-1.00", Currency: "EUR", Reason: "x"})
		_, err5 := en.app.DashboardPortalLink(ctx, ac, tenant.Test, rid)
		_, err6 := en.app.DashboardAccountLink(ctx, ac, tenant.Test, rid, app.AccountLinkInput{UseCase: "account_onboarding", ReturnURL: "http://localhost/r", RefreshURL: "http://localhost/f"})
		_, err7 := en.app.DashboardCreateLink(ctx, ac, tenant.Test, app.CreateLinkInput{Email: "c@example.com"})
		_, err8 := en.app.DashboardPreviewLink(ctx, ac, tenant.Test, app.CreateLinkInput{Email: "c@example.com"})
		_, err9 := en.app.DashboardResendLink(ctx, ac, tenant.Test, lid)
		_, err10 := en.app.DashboardRevokeLinks(ctx, ac, tenant.Test, lid, "")
		_, err11 := en.app.DashboardRevokeLinks(ctx, ac, tenant.Test, "", "c@example.com")
		for i, err := range []error{err1, err2, err3, err4, err5, err6, err7, err8, err9, err10, err11} {
			var ae *app.Error
			if !errors.As(err, &ae) || ae.Kind != app.Forbidden {
				t.Errorf("use case #%d for a viewer: %v, want forbidden", i+1, err)
			}
		}
		for _, tbl := range tables {
			if n := en.count(tbl); n != before[tbl] {
				t.Errorf("a viewer's use cases changed %s: %d -> %d rows", tbl, before[tbl], n)
			}
		}
		if p := en.must(200, "GET", "/api/payments/"+pid, live, nil).obj(t); p["status"] != "pending" {
			t.Fatalf("the payout a viewer tried to cancel is %v", p["status"])
		}
	})
}

func TestDashboardPaymentsOrgIsolation(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		otherOrg, otherKey := en.newOrg("Other Corp")
		en.payoutReady(otherKey, "other_site", "77.00")
		otherRcp := str(t, en.must(200, "GET", "/api/recipients/other_site", otherKey, nil).obj(t), "id")
		op := en.must(201, "POST", "/api/payments", otherKey, map[string]any{"amount": "9.99", "currency": "EUR", "externalId": "other-order"}).obj(t)
		otherPay := str(t, op, "id")
		ol := en.must(201, "POST", "/payment-links", otherKey, map[string]any{"email": "victim@other.example", "org_id": otherOrg}).obj(t)
		otherLink := str(t, ol, "id")
		// The first org has its own of each.
		en.payoutReady(en.key, "site_1", "5.00")
		en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": "1.00", "currency": "EUR"})
		en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "mine@acme.example", "org_id": en.orgID})

		a, _ := adminDash(en, sink)
		leaks := []string{otherPay, otherRcp, otherLink, "other_site", "other-order", "victim@other.example", "77.00", "9.99", otherOrg}
		for _, page := range []string{"/dashboard/payments", "/dashboard/payments?mode=live", "/dashboard/payments.csv", "/dashboard/payments?recipient=other_site",
			"/dashboard/recipients", "/dashboard/recipients?mode=live", "/dashboard/links", "/dashboard/links?email=victim@other.example", "/dashboard/links?mode=live"} {
			res, body := a.get(page)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", page, res.StatusCode)
			}
			for _, leak := range leaks {
				if strings.Contains(body, leak) && !strings.Contains(page, leak) { // a filter shows what was typed
					t.Errorf("%s shows %q of another org", page, leak)
				}
			}
		}
		if _, body := a.get("/dashboard/links?email=victim@other.example"); !strings.Contains(body, "Links that match: 0.") {
			t.Errorf("another org's links are counted:\n%s", body)
		}
		for _, page := range []string{"/dashboard/payments/" + otherPay, "/dashboard/recipients/" + otherRcp, "/dashboard/recipients/other_site"} {
			if res, _ := a.get(page); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", page, res.StatusCode)
			}
		}
		a.get("/dashboard/links")
		transfers, audit := en.count("ledger_transfers"), en.count("audit_log")
		for path, form := range map[string]url.Values{
			"/dashboard/payments/" + otherPay + "/cancel":        {"mode": {"test"}},
			"/dashboard/payments/" + otherPay + "/redeliver":     {"mode": {"test"}, "event": {"evt_x"}, "attempt": {"wat_x"}},
			"/dashboard/recipients/" + otherRcp + "/balance":     {"mode": {"test"}, "kind": {"credit"}, "amount": {"1.00"}, "currency": {"EUR"}, "reason": {"x"}},
			"/dashboard/recipients/other_site/balance":           {"mode": {"test"}, "kind": {"adjust"}, "amount": {"-1.00"}, "currency": {"EUR"}, "reason": {"x"}},
			"/dashboard/recipients/" + otherRcp + "/portal-link": {"mode": {"test"}},
			"/dashboard/recipients/" + otherRcp + "/account-link": {"mode": {"test"}, "use_case": {"account_onboarding"},
				"return_url": {"http://localhost/r"}, "refresh_url": {"http://localhost/f"}},
			"/dashboard/links/" + otherLink + "/resend": {"mode": {"test"}},
			"/dashboard/links/" + otherLink + "/revoke": {"mode": {"test"}},
		} {
			if res, body := a.post(path, form); res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d, want 404\n%s", path, res.StatusCode, body)
			}
		}
		if res, _ := a.post("/dashboard/links/revoke", url.Values{"mode": {"test"}, "email": {"victim@other.example"}}); !strings.Contains(res.Header.Get("Location"), "n=0") {
			t.Errorf("revoking another org's email's links: %s", res.Header.Get("Location"))
		}
		if en.count("ledger_transfers") != transfers || en.count("audit_log") != audit {
			t.Error("actions on another org's objects wrote rows")
		}
		if l := en.must(200, "GET", "/orgs/"+otherOrg+"/payment-links?status=active", otherKey, nil).obj(t); num(t, l, "total") != 1 {
			t.Errorf("another org's link was touched: %v", l)
		}
		if p := en.must(200, "GET", "/api/payments/"+otherPay, otherKey, nil).obj(t); p["status"] != "pending" {
			t.Errorf("another org's payment is %v", p["status"])
		}
		if got := en.balance(otherKey, "other_site"); got != "77.00" {
			t.Errorf("another org's balance moved: %s", got)
		}
	})
}
