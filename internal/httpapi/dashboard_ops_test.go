package httpapi_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/dashboard"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// The dashboard's operations pages (issue 9, items 6 to 9) over HTTP, on every engine:
// webhooks and events, bank files, settings and the overview's charts.

// upload posts a multipart form (the page's CSRF token unless fields set one) with one file.
func (d *dash) upload(path string, fields url.Values, fileField, filename string, content []byte) (*http.Response, string) {
	d.en.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if _, ok := fields["csrf"]; !ok {
		_ = mw.WriteField("csrf", d.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if fileField != "" {
		fw, _ := mw.CreateFormFile(fileField, filename)
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", d.en.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := d.c.Do(req)
	if err != nil {
		d.en.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := dashCSRF.FindStringSubmatch(string(b)); m != nil {
		d.csrf = m[1]
	}
	return res, string(b)
}

var (
	shownSecret = regexp.MustCompile(`<code id="secret">(whsec_[^<]+)</code>`)
	endpointRow = regexp.MustCompile(`href="/dashboard/webhooks/(we_[0-9a-f]+)\?mode=test"`)
)

// auditDetails are the details of an org's audit rows, joined.
func (en *env) auditDetails(orgID string) string {
	en.t.Helper()
	rows, err := en.db.ReaderDB().Query(`SELECT action || ' ' || detail FROM audit_log WHERE org_id = $1`, orgID)
	if err != nil {
		en.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

func TestDashboardWebhooks(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.withWebhooks()
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		a := en.signIn(sink, "admin@acme.example")
		rcv := newReceiver(t, 200)
		other := newReceiver(t, 200)

		a.get("/dashboard/webhooks")
		before := en.count("webhook_endpoints")
		if res, body := a.post("/dashboard/webhooks", url.Values{"url": {"ftp://nope.example"}, "mode": {"test"}}); res.StatusCode != 422 || !strings.Contains(body, `id="error"`) {
			t.Fatalf("a bad URL: %d\n%s", res.StatusCode, body)
		}
		if en.count("webhook_endpoints") != before {
			t.Fatal("a refused endpoint was stored")
		}
		res, body := a.post("/dashboard/webhooks", url.Values{"url": {rcv.srv.URL}, "description": {"CRM"}, "event_type": {"recipient.created"}, "mode": {"test"}})
		m := shownSecret.FindStringSubmatch(body)
		if res.StatusCode != 201 || m == nil {
			t.Fatalf("create endpoint: %d\n%s", res.StatusCode, body)
		}
		old := html.UnescapeString(m[1])
		epID := endpointRow.FindStringSubmatch(body)[1]
		if _, page := a.get("/dashboard/webhooks"); strings.Contains(page, old) {
			t.Fatal("the secret is shown again")
		}
		// A second endpoint, through the API, to know when an event has been sent.
		en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": other.srv.URL})

		en.createRecipient(en.key, "site_1", "EUR")
		verify(t, old, rcv.wait(t, 1)[0])

		// Rotation: the new secret is shown once and signs the next delivery (beside the old
		// one for a day; after that alone).
		a.get("/dashboard/webhooks/" + epID)
		res, body = a.post("/dashboard/webhooks/"+epID+"/rotate", url.Values{"mode": {"test"}})
		m = shownSecret.FindStringSubmatch(body)
		if res.StatusCode != 200 || m == nil || html.UnescapeString(m[1]) == old {
			t.Fatalf("rotate: %d\n%s", res.StatusCode, body)
		}
		fresh := html.UnescapeString(m[1])
		en.clock.Set(time.Now().Add(25 * time.Hour))
		en.createRecipient(en.key, "site_2", "EUR")
		d := rcv.wait(t, 2)[1]
		if sigs := strings.Fields(d.header.Get("webhook-signature")); len(sigs) != 1 {
			t.Fatalf("signatures after the overlap: %q", d.header.Get("webhook-signature"))
		}
		verify(t, fresh, d)
		// Back to today (pinned: the clock cannot be let go), where the session still lives.
		en.clock.Set(time.Now())

		// The delivery log shows each attempt with its status and latency.
		en.waitAttempts(epID, 2)
		_, page := a.get("/dashboard/webhooks/" + epID)
		if !strings.Contains(page, `id="deliveries"`) || strings.Count(page, `<span class="good">200</span>`) != 2 || !strings.Contains(page, " ms</td>") {
			t.Fatalf("delivery log:\n%s", page)
		}

		// Disabled, it gets nothing more; the other endpoint shows the event was sent.
		if res, _ := a.post("/dashboard/webhooks/"+epID+"/disable", url.Values{"mode": {"test"}}); res.StatusCode != 303 {
			t.Fatalf("disable: %d", res.StatusCode)
		}
		n := other.count()
		en.createRecipient(en.key, "site_3", "EUR")
		other.wait(t, n+1)
		time.Sleep(100 * time.Millisecond)
		if rcv.count() != 2 {
			t.Fatalf("a disabled endpoint got %d deliveries", rcv.count())
		}
		a.get("/dashboard/webhooks/" + epID)
		if res, _ := a.post("/dashboard/webhooks/"+epID+"/enable", url.Values{"mode": {"test"}}); res.StatusCode != 303 {
			t.Fatalf("enable: %d", res.StatusCode)
		}

		// The event browser: by type, with the payload; redelivery makes a new attempt with the
		// same webhook-id.
		_, page = a.get("/dashboard/events?mode=test&type=recipient.created")
		evIDs := regexp.MustCompile(`href="/dashboard/events/(evt_[0-9a-f]+)\?mode=test"`).FindAllStringSubmatch(page, -1)
		if len(evIDs) != 3 {
			t.Fatalf("recipient.created events listed: %d\n%s", len(evIDs), page)
		}
		if _, page = a.get("/dashboard/events?mode=test&type=balance.credited"); strings.Contains(page, "recipient.created</code>") {
			t.Fatal("the type filter shows other types")
		}
		first := evIDs[len(evIDs)-1][1]
		_, page = a.get("/dashboard/events/" + first + "?mode=test")
		if !strings.Contains(page, `id="payload"`) || !strings.Contains(page, "site_1") || !strings.Contains(page, first) {
			t.Fatalf("event page:\n%s", page)
		}
		n = rcv.count()
		res, _ = a.post("/dashboard/events/"+first+"/redeliver", url.Values{"mode": {"test"}})
		if res.StatusCode != 303 {
			t.Fatalf("redeliver: %d", res.StatusCode)
		}
		again := rcv.wait(t, n+1)[n]
		if again.header.Get("webhook-id") != first {
			t.Fatalf("redelivered with webhook-id %q, want %q", again.header.Get("webhook-id"), first)
		}
		verify(t, fresh, again)
		if _, page = a.get(res.Header.Get("Location")); !strings.Contains(page, `id="redelivered"`) {
			t.Fatalf("no word of the redelivery:\n%s", page)
		}

		for _, action := range []string{"webhook_endpoint.create", "webhook_endpoint.rotate_secret", "webhook_endpoint.disable", "webhook_endpoint.enable", "event.redeliver"} {
			if en.auditRows(adminID, action) != 1 {
				t.Errorf("audit rows of %s: %d, want 1", action, en.auditRows(adminID, action))
			}
		}
		if details := en.auditDetails(en.orgID); strings.Contains(details, "whsec_") {
			t.Fatalf("a secret in the audit log:\n%s", details)
		}
	})
}

// liveNACHA gives the org a live key and NACHA settings, a US recipient with 200.00 USD and a
// withdrawal of 123.54 waiting for a file (as TestNACHAFilesOverHTTP); it returns the key and
// the withdrawal's id.
func (en *env) liveNACHA() (string, string) {
	en.t.Helper()
	live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
	en.must(200, "PATCH", "/api/org", live, `{"settings":{"nacha":{"company_name":"Acme","company_id":"1234567890","immediate_origin":"091400606",
		"immediate_origin_name":"FIRST BANK","immediate_destination":"011000015","immediate_destination_name":"FED","odfi_identification":"09140060",
		"entry_class":"PPD","entry_description":"PAYOUT"}}}`)
	en.createRecipient(live, "us_1", "USD")
	en.credit(live, "us_1", "200.00", "USD")
	en.must(201, "POST", "/api/recipients/us_1/payout_methods", live,
		`{"holder_name":"Paul Jones","routing_number":"091000019","account_number":"123456789","account_type":"checking"}`)
	w := en.must(201, "POST", "/api/recipients/us_1/withdrawals", live, `{"amount":"123.54","currency":"USD"}`).obj(en.t)
	return live, w["id"].(string)
}

func TestDashboardRails(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		live, payoutID := en.liveNACHA()
		a := en.signIn(sink, "admin@acme.example")

		a.get("/dashboard/rails?mode=live")
		res, body := a.post("/dashboard/rails/nacha/export", url.Values{"mode": {"live"}})
		if res.StatusCode != 201 || !strings.Contains(body, `id="exported"`) {
			t.Fatalf("export: %d\n%s", res.StatusCode, body)
		}
		fileID := regexp.MustCompile(`id="file-(rf_[0-9a-f]+|[a-z]+_[0-9a-f]+)"`).FindStringSubmatch(body)
		if fileID == nil {
			t.Fatalf("no file listed:\n%s", body)
		}
		// Nothing left: the page says so and exports nothing.
		files := en.count("rail_files")
		if res, body := a.post("/dashboard/rails/nacha/export", url.Values{"mode": {"live"}}); res.StatusCode != 409 || !strings.Contains(body, `id="error"`) {
			t.Fatalf("a second export: %d\n%s", res.StatusCode, body)
		}
		if en.count("rail_files") != files {
			t.Fatal("an empty file was stored")
		}

		// The download is the stored file, byte for byte.
		dl, err := a.c.Get(en.srv.URL + "/dashboard/rails/files/" + fileID[1] + "?mode=live")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(dl.Body)
		dl.Body.Close()
		want := en.must(200, "GET", "/api/rails/files/"+fileID[1]+"/content", live, nil).Body
		var stored []byte
		if err := en.db.ReaderDB().QueryRow(`SELECT content FROM rail_files WHERE id = $1`, fileID[1]).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if dl.StatusCode != 200 || !bytes.Equal(got, want) || !bytes.Equal(got, stored) || !strings.Contains(dl.Header.Get("Content-Disposition"), ".ach") {
			t.Fatalf("download %d %v: %d bytes, stored %d", dl.StatusCode, dl.Header, len(got), len(stored))
		}
		// In test mode the live file is not there.
		if res, _ := a.get("/dashboard/rails/files/" + fileID[1] + "?mode=test"); res.StatusCode != 404 {
			t.Fatalf("the live file in test mode: %d", res.StatusCode)
		}

		// The bank's return file fails the payout; the same file again is a duplicate.
		returns, err := os.ReadFile("../rail/nacha/testdata/return-WEB.ach")
		if err != nil {
			t.Fatal(err)
		}
		if res, body := a.upload("/dashboard/rails/nacha/import", url.Values{"mode": {"live"}}, "file", "empty.ach", nil); res.StatusCode != 422 || !strings.Contains(body, `id="error"`) {
			t.Fatalf("an empty upload: %d\n%s", res.StatusCode, body)
		}
		res, body = a.upload("/dashboard/rails/nacha/import", url.Values{"mode": {"live"}}, "file", "return-WEB.ach", returns)
		if res.StatusCode != 200 || !strings.Contains(body, `id="result-failed"`) || !strings.Contains(body, payoutID) || strings.Contains(body, `id="duplicate"`) {
			t.Fatalf("import: %d\n%s", res.StatusCode, body)
		}
		p := en.must(200, "GET", "/api/payments/"+payoutID, live, nil).obj(t)
		if p["status"] != "failed" || p["failureCode"] != "insufficient_funds" {
			t.Fatalf("returned payout %v", p)
		}
		res, body = a.upload("/dashboard/rails/nacha/import", url.Values{"mode": {"live"}}, "file", "return-WEB.ach", returns)
		if res.StatusCode != 200 || !strings.Contains(body, `id="duplicate"`) {
			t.Fatalf("second import: %d\n%s", res.StatusCode, body)
		}
		if got := en.balance(live, "us_1"); got != "200.00" {
			t.Fatalf("balance after the return %s, want 200.00", got)
		}
		// Larger than the limit: refused before it is read, nothing imported.
		if res, _ := a.upload("/dashboard/rails/nacha/import", url.Values{"mode": {"live"}}, "file", "big.ach", bytes.Repeat([]byte("9"), 12<<20)); res.StatusCode != 413 {
			t.Fatalf("a 12 MB upload: %d", res.StatusCode)
		}
		if en.auditRows(adminID, "rail_file.export") != 1 || en.auditRows(adminID, "rail_file.import") != 2 {
			t.Fatalf("audit: export %d, import %d", en.auditRows(adminID, "rail_file.export"), en.auditRows(adminID, "rail_file.import"))
		}
		if details := en.auditDetails(en.orgID); strings.Contains(details, "123456789") {
			t.Fatalf("an account number in the audit log:\n%s", details)
		}
	})
}

// orgRow is the org's stored row, to see that a refused change wrote nothing.
func (en *env) orgRow(orgID string) string {
	en.t.Helper()
	var name, settings string
	if err := en.db.ReaderDB().QueryRow(`SELECT name, CAST(settings AS TEXT) FROM orgs WHERE id = $1`, orgID).Scan(&name, &settings); err != nil {
		en.t.Fatal(err)
	}
	return name + "|" + settings
}

func TestDashboardSettings(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		adminID := en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		a := en.signIn(sink, "admin@acme.example")
		_, page := a.get("/dashboard/settings")
		if !strings.Contains(page, `value="Acme Energy"`) {
			t.Fatalf("settings page:\n%s", page)
		}
		good := url.Values{"name": {"Acme Energy"}, "display_name": {"Axle Rewards"}, "brand_color": {"#1a7f37"},
			"portal_text": {"Questions? help@axle.example"}, "payout_text": {"Where should we send your refund?"}, "pay_text": {"Thank you for topping up."},
			"minimum_withdrawal": {"EUR 10.00"}, "minimum_wait_days": {"3"}, "two_factor": {"1"}, "allowed_origin": {"https://app.axle.example"},
			"redirect_allowlist": {"https://app.axle.example/\r\naxle://"}, "link_default_hours": {"48"}, "link_max_hours": {"96"},
			"portal_url_minutes": {"60"}, "require_identity": {"1"}}
		with := func(k, v string) url.Values {
			f := url.Values{}
			for kk, vv := range good {
				f[kk] = vv
			}
			f.Set(k, v)
			return f
		}
		// Each refusal names its field, next to it, and writes nothing.
		row := en.orgRow(en.orgID)
		for field, bad := range map[string]string{"brand_color": "blue", "minimum_withdrawal": "EUR ten", "minimum_wait_days": "400",
			"redirect_allowlist": "javascript:alert(1)", "link_default_hours": "200", "name": " ", "portal_text": strings.Repeat("x", 501),
			"portal_url_minutes": "x"} {
			res, body := a.upload("/dashboard/settings", with(field, bad), "", "", nil)
			if res.StatusCode != 422 || !strings.Contains(body, `id="err-`+field+`"`) || !strings.Contains(body, `aria-describedby="err-`+field) {
				t.Errorf("%s=%q: %d\n%s", field, bad, res.StatusCode, body)
			}
			if en.orgRow(en.orgID) != row {
				t.Fatalf("a refused %s was written", field)
			}
		}
		// A logo that is not an image is refused as the logo.
		if res, body := a.upload("/dashboard/settings", good, "logo", "logo.png", []byte("not a png")); res.StatusCode != 422 || !strings.Contains(body, `id="err-logo"`) {
			t.Fatalf("a bad logo: %d\n%s", res.StatusCode, body)
		}
		if en.orgRow(en.orgID) != row {
			t.Fatal("a refused logo was written")
		}
		// The preview shows the unsaved branding through the portal's templates.
		res, body := a.upload("/dashboard/settings/preview", with("kind", "payout"), "logo", "logo.png", pngOf(t, 8, 8, false))
		if res.StatusCode != 200 || !strings.Contains(body, "Where should we send your refund?") || !strings.Contains(body, "#1a7f37") ||
			!strings.Contains(body, `src="data:image/png;base64,`) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("preview: %d %v\n%s", res.StatusCode, res.Header, body)
		}
		if en.orgRow(en.orgID) != row {
			t.Fatal("a preview was saved")
		}

		res, body = a.upload("/dashboard/settings", good, "logo", "logo.png", pngOf(t, 8, 8, false))
		if res.StatusCode != 303 {
			t.Fatalf("save: %d\n%s", res.StatusCode, body)
		}
		o := en.must(200, "GET", "/api/org", en.key, nil).obj(t)
		s := o["settings"].(map[string]any)
		p := s["portal"].(map[string]any)
		if p["brand_color"] != "#1a7f37" || p["display_name"] != "Axle Rewards" || p["two_factor"] != true || p["allowed_origin"] != "https://app.axle.example" ||
			fmt.Sprint(p["redirect_allowlist"]) != "[https://app.axle.example/ axle://]" || fmt.Sprint(p["max_url_minutes"]) != "60" ||
			!strings.HasPrefix(fmt.Sprint(p["logo"]), "data:image/png;base64,") || s["require_verified_identity"] != true ||
			fmt.Sprint(s["minimum_wait_days"]) != "3" || fmt.Sprint(s["minimum_withdrawal"]) != "map[EUR:10.00]" ||
			fmt.Sprint(s["payment_links"]) != "map[default_expiry_hours:48 max_expiry_hours:96]" {
			t.Fatalf("saved settings %v", o)
		}
		if _, page := a.get("/dashboard/settings?saved=1"); !strings.Contains(page, `id="saved"`) || !strings.Contains(page, `value="EUR 10.00"`) {
			t.Fatalf("settings after saving:\n%s", page)
		}
		if en.auditRows(adminID, "org.settings") != 1 {
			t.Fatal("the change is not in the audit log")
		}
		if details := en.auditDetails(en.orgID); strings.Contains(details, "base64") || !strings.Contains(details, "brand_color") {
			t.Fatalf("audit details:\n%s", details)
		}

		// The hosted pages show the branding: the portal and the pay form.
		en.withBankAccount()
		// Two-factor is now the default: the portal asks for the emailed code first.
		b := en.browser()
		visit(t, b, en.mint(en.key, "site_1", ""))
		_, page = visit(t, b, en.srv.URL+"/rewards/verify")
		if !strings.Contains(page, "Questions? help@axle.example") || !strings.Contains(page, "#1a7f37") || !strings.Contains(page, `alt="Axle Rewards"`) {
			t.Fatalf("portal page:\n%s", page)
		}
		pay := en.must(201, "POST", "/api/payments", en.key, `{"amount":"20.00","currency":"EUR","description":"Top-up"}`).obj(t)
		if _, page = visit(t, en.browser(), en.srv.URL+"/checkout/"+str(t, pay, "id")); !strings.Contains(page, "Thank you for topping up.") || !strings.Contains(page, "#1a7f37") {
			t.Fatalf("pay form:\n%s", page)
		}
	})
}

// chartValue reads a table cell's figure: the row of a day (or label) in a chart's table.
func chartValue(t *testing.T, page, table, row string) int64 {
	t.Helper()
	i := strings.Index(page, `id="`+table+`"`)
	if i < 0 {
		t.Fatalf("no table %s", table)
	}
	rest := page[i:]
	rest = rest[:strings.Index(rest, "</table>")]
	m := regexp.MustCompile(`<tr><td>` + regexp.QuoteMeta(row) + `</td><td class="r" data-value="(-?\d+)"`).FindStringSubmatch(rest)
	if m == nil {
		t.Fatalf("no row %s in %s:\n%s", row, table, rest)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func TestDashboardCharts(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.withWebhooks()
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		ok, gone := newReceiver(t, 200), newReceiver(t, 500)
		en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": ok.srv.URL})
		bad := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": gone.srv.URL}).obj(t)
		en.withBankAccount()
		for _, amount := range []string{"10.00", "5.00"} {
			w := en.must(201, "POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"`+amount+`","currency":"EUR"}`).obj(t)
			en.waitPayment(en.key, str(t, w, "id"), "succeeded")
		}
		en.must(201, "POST", "/api/payments", en.key, `{"amount":"1.00","currency":"EUR","type":"payout"}`)
		en.waitAttempts(str(t, bad, "id"), 1)

		a := en.signIn(sink, "admin@acme.example")
		_, page := a.get("/dashboard/?mode=test")
		if !strings.Contains(page, `id="charts"`) || strings.Count(page, "<svg") < 4 || strings.Count(page, "<desc") < 4 {
			t.Fatalf("no charts:\n%s", page)
		}
		q := func(sql string, args ...any) int64 {
			var n int64
			if err := en.db.ReaderDB().QueryRow(sql, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		today := time.Now().UTC().Format(time.DateOnly)
		payouts := q(`SELECT COUNT(*) FROM payments WHERE org_id = $1 AND mode = 'test' AND type = 'payout'`, en.orgID)
		if got := chartValue(t, page, "count-table", today); got != payouts || got != 3 {
			t.Errorf("payouts today: table %d, data %d", got, payouts)
		}
		volume := q(`SELECT COALESCE(SUM(amount), 0) FROM payments WHERE org_id = $1 AND mode = 'test' AND type = 'payout' AND currency = 'EUR'`, en.orgID)
		if got := chartValue(t, page, "volume-EUR-table", today); got != volume || got != 1600 {
			t.Errorf("volume today: table %d, data %d", got, volume)
		}
		// The bars say the same: today's is the tallest, the days without payouts have none.
		if !strings.Contains(page, "<title>"+today+": 3</title>") || !strings.Contains(page, "<title>"+today+": 16.00</title>") {
			t.Errorf("the bars' figures differ from the tables")
		}
		succeeded := q(`SELECT COUNT(*) FROM payments WHERE org_id = $1 AND mode = 'test' AND type = 'payout' AND status = 'succeeded'`, en.orgID)
		if got := chartValue(t, page, "success-table", "Succeeded"); got != succeeded || got != 2 || !strings.Contains(page, `id="success-rate">100%<`) {
			t.Errorf("succeeded: table %d, data %d", got, succeeded)
		}
		// Deliveries may still be arriving (and the failing endpoint retries): compare a page
		// read between two equal counts of the attempts.
		attemptCounts := func() (int64, int64) {
			return q(`SELECT COUNT(*) FROM webhook_attempts WHERE org_id = $1 AND mode = 'test'`, en.orgID),
				q(`SELECT COUNT(*) FROM webhook_attempts WHERE org_id = $1 AND mode = 'test' AND status_code >= 200 AND status_code < 300`, en.orgID)
		}
		for try := 0; ; try++ {
			attempts, delivered := attemptCounts()
			_, health := a.get("/dashboard/?mode=test")
			if a2, d2 := attemptCounts(); a2 != attempts || d2 != delivered {
				if try == 20 {
					t.Fatal("webhook attempts never settled")
				}
				time.Sleep(100 * time.Millisecond)
				continue
			}
			rate := (delivered*100 + attempts/2) / attempts
			if !strings.Contains(health, fmt.Sprintf(`id="delivery-rate">%d%%<`, rate)) {
				t.Errorf("delivery rate: want %d%% (%d of %d)", rate, delivered, attempts)
			}
			break
		}
		owed := en.balance(en.key, "site_1")
		if !strings.Contains(page, "<td>EUR</td><td class=\"r\">"+owed+"</td>") {
			t.Errorf("owed %s not in the table", owed)
		}
		// Live mode is empty.
		if _, page = a.get("/dashboard/?mode=live"); !strings.Contains(page, `id="success-rate">—<`) || strings.Contains(page, "16.00") {
			t.Errorf("live charts show test figures")
		}
	})
}

func TestDashboardOpsViewer(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.withWebhooks()
		live, _ := en.liveNACHA()
		_ = live
		rcv := newReceiver(t, 200)
		ep := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": rcv.srv.URL}).obj(t)
		epID := str(t, ep, "id")
		en.createRecipient(en.key, "site_1", "EUR")
		rcv.wait(t, 1)
		var evID string
		en.db.ReaderDB().QueryRow(`SELECT id FROM events WHERE org_id = $1 AND mode = 'test' ORDER BY id LIMIT 1`, en.orgID).Scan(&evID)
		en.newMember(en.orgID, "viewer@acme.example", member.RoleViewer)
		v := en.signIn(sink, "viewer@acme.example")
		tables := []string{"webhook_endpoints", "webhook_messages", "rail_files", "orgs", "payments"}
		before := map[string]int{}
		for _, tbl := range tables {
			before[tbl] = en.count(tbl)
		}
		row := en.orgRow(en.orgID)
		returns, _ := os.ReadFile("../rail/nacha/testdata/return-WEB.ach")
		forms := map[string]url.Values{
			"/dashboard/webhooks":                      {"url": {"https://hooks.example/x"}, "mode": {"test"}},
			"/dashboard/webhooks/" + epID + "/rotate":  {"mode": {"test"}},
			"/dashboard/webhooks/" + epID + "/disable": {"mode": {"test"}},
			"/dashboard/webhooks/" + epID + "/enable":  {"mode": {"test"}},
			"/dashboard/events/" + evID + "/redeliver": {"mode": {"test"}},
			"/dashboard/rails/nacha/export":            {"mode": {"live"}},
			"/dashboard/rails/nacha/import":            {"mode": {"live"}},
			"/dashboard/settings":                      {"name": {"Viewer's name"}, "brand_color": {"#000000"}},
		}
		for _, p := range dashboard.OpsWritePaths {
			p = strings.NewReplacer("we_x", epID, "evt_x", evID).Replace(p)
			if _, ok := forms[p]; !ok {
				t.Errorf("no form for the write route %s", p)
			}
		}
		for path, form := range forms {
			v.get("/dashboard/settings")
			var res *http.Response
			var body string
			if strings.HasSuffix(path, "/import") || path == "/dashboard/settings" {
				res, body = v.upload(path, form, "file", "r.ach", returns)
			} else {
				res, body = v.post(path, form)
			}
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d\n%s", path, res.StatusCode, body)
			}
		}
		for _, tbl := range tables {
			if n := en.count(tbl); n != before[tbl] {
				t.Errorf("a viewer's POSTs changed %s: %d -> %d rows", tbl, before[tbl], n)
			}
		}
		if en.orgRow(en.orgID) != row {
			t.Error("a viewer changed the settings")
		}
		if got := en.must(200, "GET", "/api/webhook_endpoints/"+epID, en.key, nil).obj(t); got["enabled"] != true {
			t.Error("a viewer disabled the endpoint")
		}
		// It sees every page, with nothing to change on it.
		for _, page := range []string{"/dashboard/webhooks", "/dashboard/webhooks/" + epID, "/dashboard/events", "/dashboard/events/" + evID,
			"/dashboard/rails?mode=live", "/dashboard/settings", "/dashboard/"} {
			res, body := v.get(page)
			if res.StatusCode != 200 {
				t.Fatalf("viewer GET %s: %d", page, res.StatusCode)
			}
			for _, m := range regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindAllStringSubmatch(body, -1) {
				if m[1] != "/dashboard/signout" {
					t.Errorf("%s offers a viewer %s", page, m[1])
				}
			}
			if strings.Contains(body, `id="save"`) || strings.Contains(body, `id="rotate"`) {
				t.Errorf("%s offers a viewer a change", page)
			}
		}
	})
}

func TestDashboardOpsIsolation(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.withWebhooks()
		otherOrg, otherKey := en.newOrg("Other Corp")
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		rcv := newReceiver(t, 200)
		ep := en.must(201, "POST", "/api/webhook_endpoints", otherKey, map[string]any{"url": rcv.srv.URL, "description": "other-endpoint"}).obj(t)
		otherEp := str(t, ep, "id")
		en.createRecipient(otherKey, "other_site", "EUR")
		en.credit(otherKey, "other_site", "77.00", "EUR")
		// Both events delivered: no message of theirs is still to come.
		rcv.wait(t, 2)
		var otherEv string
		en.db.ReaderDB().QueryRow(`SELECT id FROM events WHERE org_id = $1 ORDER BY id LIMIT 1`, otherOrg).Scan(&otherEv)
		otherLive := en.newKey(otherOrg, tenant.Live, org.RoleOrgAdmin)
		en.must(200, "PATCH", "/api/org", otherKey, `{"settings":{"portal":{"display_name":"Other Brand","brand_color":"#abcdef"}}}`)
		_ = otherLive

		messages := en.count("webhook_messages")
		a := en.signIn(sink, "admin@acme.example")
		leaks := []string{"Other Corp", "Other Brand", "#abcdef", otherEp, otherEv, rcv.srv.URL, "other-endpoint", "77.00", otherOrg}
		for _, page := range []string{"/dashboard/", "/dashboard/?mode=live", "/dashboard/webhooks", "/dashboard/webhooks?mode=live", "/dashboard/events",
			"/dashboard/events?mode=live", "/dashboard/rails", "/dashboard/rails?mode=live", "/dashboard/settings"} {
			res, body := a.get(page)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d", page, res.StatusCode)
			}
			for _, leak := range leaks {
				if strings.Contains(body, leak) {
					t.Errorf("%s shows %q of another org", page, leak)
				}
			}
		}
		for _, page := range []string{"/dashboard/webhooks/" + otherEp, "/dashboard/events/" + otherEv, "/dashboard/webhooks/" + otherEp + "?mode=live"} {
			if res, _ := a.get(page); res.StatusCode != 404 {
				t.Errorf("%s of another org: %d, want 404", page, res.StatusCode)
			}
		}
		a.get("/dashboard/webhooks")
		for _, path := range []string{"/dashboard/webhooks/" + otherEp + "/rotate", "/dashboard/webhooks/" + otherEp + "/disable", "/dashboard/events/" + otherEv + "/redeliver"} {
			if res, _ := a.post(path, url.Values{"mode": {"test"}}); res.StatusCode != 404 {
				t.Errorf("POST %s of another org: %d, want 404", path, res.StatusCode)
			}
		}
		if got := en.must(200, "GET", "/api/webhook_endpoints/"+otherEp, otherKey, nil).obj(t); got["enabled"] != true {
			t.Fatal("another org's endpoint was disabled")
		}
		if n := en.count("webhook_messages"); n != messages {
			t.Fatalf("another org's event was redelivered: %d messages", n)
		}
	})
}

func TestDashboardOpsCSRF(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		en.withWebhooks()
		en.newMember(en.orgID, "admin@acme.example", member.RoleOrgAdmin)
		a := en.signIn(sink, "admin@acme.example")
		row := en.orgRow(en.orgID)
		endpoints := en.count("webhook_endpoints")
		if res, _ := a.post("/dashboard/webhooks", url.Values{"csrf": {"forged"}, "url": {"https://hooks.example/x"}}); res.StatusCode != 403 {
			t.Errorf("a forged token: %d", res.StatusCode)
		}
		if res, _ := a.upload("/dashboard/settings", url.Values{"csrf": {""}, "name": {"Forged"}}, "", "", nil); res.StatusCode != 403 {
			t.Errorf("settings without a token: %d", res.StatusCode)
		}
		if res, _ := a.upload("/dashboard/rails/nacha/import", url.Values{"csrf": {"x"}, "mode": {"live"}}, "file", "r.ach", []byte("101")); res.StatusCode != 403 {
			t.Errorf("an upload with a forged token: %d", res.StatusCode)
		}
		if en.orgRow(en.orgID) != row || en.count("webhook_endpoints") != endpoints {
			t.Fatal("a forged form changed something")
		}
	})
}
