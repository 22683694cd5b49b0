package httpapi_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formCSRF reads the form token out of a hosted form page.
func formCSRF(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

func TestCheckinFormOverHTTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"portal":{"display_name":"Acme Rewards","allowed_origin":"https://app.acme.example"}}}`)
		p := en.must(201, "POST", "/api/payments", en.key, `{"amount":"12.50","currency":"EUR","type":"payout","description":"Order #7",
			"customer":{"id":"cust-1","name":"Ada"},"redirectUrl":"https://shop.example.com/back"}`).obj(t)
		id := str(t, p, "id")
		b := en.browser()
		res, page := visit(t, b, en.srv.URL+"/checkin/"+id)
		if res.StatusCode != 200 || !strings.Contains(page, "Acme Rewards is paying you") || !strings.Contains(page, "12.50 EUR") ||
			!strings.Contains(page, "Order #7") {
			t.Fatalf("checkin page %d:\n%s", res.StatusCode, page)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://app.acme.example") {
			t.Errorf("CSP %q", csp)
		}
		// A payout's form is not a payin's, and an unknown id is 404.
		if res, _ := visit(t, b, en.srv.URL+"/checkout/"+id); res.StatusCode != 404 {
			t.Errorf("checkout of a payout: %d", res.StatusCode)
		}
		if res, _ := visit(t, b, en.srv.URL+"/checkin/pay_nope"); res.StatusCode != 404 {
			t.Errorf("unknown payment: %d", res.StatusCode)
		}
		csrf := formCSRF(t, page)
		good := url.Values{"csrf": {csrf}, "country": {"DE"}, "holder_name": {"Ada Lovelace"}, "iban": {ibanEnding("0000")}}
		// Without the form token nothing happens.
		noToken := url.Values{"country": {"DE"}, "holder_name": {"Ada"}, "iban": {ibanEnding("0000")}}
		if res, _ := en.postForm(b, "/checkin/"+id, noToken); res.StatusCode != 403 {
			t.Fatalf("post without token: %d", res.StatusCode)
		}
		bad := url.Values{"csrf": {csrf}, "country": {"DE"}, "holder_name": {"Ada"}, "iban": {"DE89370400440532013001"}}
		res, page = en.postForm(b, "/checkin/"+id, bad)
		if res.StatusCode != 422 || !strings.Contains(page, `id="iban-error"`) || !strings.Contains(page, `aria-invalid="true"`) {
			t.Fatalf("bad IBAN %d:\n%s", res.StatusCode, page)
		}
		res, _ = en.postForm(b, "/checkin/"+id, good)
		loc, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || loc.Host != "shop.example.com" || loc.Query().Get("payment_id") != id ||
			loc.Query().Get("payport_result") == "" {
			t.Fatalf("after checkin %d %s", res.StatusCode, loc)
		}
		// A second submission finds the form used: it funds nothing and ends where the first
		// did, back at the platform.
		res, _ = en.postForm(b, "/checkin/"+id, good)
		if again, _ := url.Parse(res.Header.Get("Location")); res.StatusCode != http.StatusSeeOther || again.Host != "shop.example.com" ||
			again.Query().Get("payment_id") != id {
			t.Fatalf("second submission %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		en.waitPayment(en.key, id, "succeeded")
		res, page = visit(t, b, en.srv.URL+"/checkin/"+id)
		if res.StatusCode != 200 || !strings.Contains(page, "Payment complete") || !strings.Contains(page, `id="return"`) ||
			strings.Contains(page, `name="iban"`) {
			t.Fatalf("status page %d:\n%s", res.StatusCode, page)
		}
		if n := en.count("payout_methods"); n != 1 {
			t.Fatalf("%d payout methods, want 1", n)
		}
		// The customer's next payout offers the saved account.
		p2 := en.must(201, "POST", "/api/payments", en.key, `{"amount":"1.00","currency":"EUR","type":"payout","customer":{"id":"cust-1"}}`).obj(t)
		_, page = visit(t, b, en.srv.URL+"/checkin/"+str(t, p2, "id"))
		if !strings.Contains(page, "Your saved accounts") || !strings.Contains(page, "•••• 0000") || strings.Contains(page, ibanEnding("0000")) {
			t.Fatalf("saved accounts:\n%s", page)
		}
		m := regexp.MustCompile(`name="saved_method_id" value="([^"]+)"`).FindStringSubmatch(page)
		res, _ = en.postForm(b, "/checkin/"+str(t, p2, "id"), url.Values{"csrf": {formCSRF(t, page)}, "saved_method_id": {m[1]}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/checkin/"+str(t, p2, "id") {
			t.Fatalf("saved account payout %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		en.waitPayment(en.key, str(t, p2, "id"), "succeeded")
		// Another payment's token does not open this form.
		p3 := en.must(201, "POST", "/api/payments", en.key, `{"amount":"1.00","currency":"EUR","type":"payout"}`).obj(t)
		if res, _ := en.postForm(b, "/checkin/"+str(t, p3, "id"), good); res.StatusCode != 403 {
			t.Fatalf("another form's token: %d", res.StatusCode)
		}
	})
}

func TestCheckoutFormOverHTTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		b := en.browser()
		expiry := "12/" + time.Now().AddDate(2, 0, 0).Format("06")
		p := en.must(201, "POST", "/api/payments", en.key, `{"amount":"20.00","currency":"EUR","description":"Top-up"}`).obj(t)
		id := str(t, p, "id")
		res, page := visit(t, b, en.srv.URL+"/checkout/"+id)
		if res.StatusCode != 200 || !strings.Contains(page, "Pay Acme Energy") || !strings.Contains(page, "Pay 20.00 EUR") {
			t.Fatalf("checkout page %d:\n%s", res.StatusCode, page)
		}
		csrf := formCSRF(t, page)
		res, page = en.postForm(b, "/checkout/"+id+"/card", url.Values{"csrf": {csrf}, "card_number": {"4242 4242 4242 4241"},
			"card_expiry": {expiry}, "card_cvc": {"123"}, "card_holder": {"Ada"}})
		if res.StatusCode != 422 || !strings.Contains(page, `id="card_number-error"`) || strings.Contains(page, "4242 4242 4242 4241") {
			t.Fatalf("bad card %d:\n%s", res.StatusCode, page)
		}
		res, _ = en.postForm(b, "/checkout/"+id+"/card", url.Values{"csrf": {csrf}, "card_number": {"4242424242424242"},
			"card_expiry": {expiry}, "card_cvc": {"123"}, "card_holder": {"Ada"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("pay: %d", res.StatusCode)
		}
		got := en.must(200, "GET", "/api/payments/"+id, en.key, nil).obj(t)
		if got["status"] != "succeeded" || got["paymentMethod"] != "Visa •••• 4242" {
			t.Fatalf("paid payin %v", got)
		}
		if strings.Contains(fmt.Sprint(en.dump("payments")), "4242424242424242") {
			t.Fatal("the card number reached the database")
		}
		// A declined card fails the payment and says why.
		d := en.must(201, "POST", "/api/payments", en.key, `{"amount":"5.00","currency":"EUR"}`).obj(t)
		_, page = visit(t, b, en.srv.URL+"/checkout/"+str(t, d, "id"))
		en.postForm(b, "/checkout/"+str(t, d, "id")+"/card", url.Values{"csrf": {formCSRF(t, page)}, "card_number": {"4000000000000002"},
			"card_expiry": {expiry}, "card_cvc": {"123"}, "card_holder": {"Ada"}})
		_, page = visit(t, b, en.srv.URL+"/checkout/"+str(t, d, "id"))
		if !strings.Contains(page, "Payment failed") || !strings.Contains(page, "The card was declined.") {
			t.Fatalf("declined page:\n%s", page)
		}
		// Bank transfer: a reference, pending, then marked received by the operator.
		bt := en.must(201, "POST", "/api/payments", en.key, `{"amount":"30.00","currency":"EUR"}`).obj(t)
		_, page = visit(t, b, en.srv.URL+"/checkout/"+str(t, bt, "id"))
		res, _ = en.postForm(b, "/checkout/"+str(t, bt, "id")+"/bank_transfer", url.Values{"csrf": {formCSRF(t, page)}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("bank transfer: %d", res.StatusCode)
		}
		_, page = visit(t, b, en.srv.URL+"/checkout/"+str(t, bt, "id"))
		ref := regexp.MustCompile(`id="reference">(PP[0-9A-Z-]+)<`).FindStringSubmatch(page)
		if ref == nil || !strings.Contains(page, "Waiting for your transfer") {
			t.Fatalf("transfer page:\n%s", page)
		}
		wantProblem(t, en.do("POST", "/api/payments/"+ref[1]+"/mark_received", en.key, nil), 403, "forbidden", "")
		op := en.newKey(en.orgID, tenant.Test, org.RoleInternalAdmin)
		if got := en.must(200, "POST", "/api/payments/"+ref[1]+"/mark_received", op, nil).obj(t); got["status"] != "succeeded" {
			t.Fatalf("marked %v", got)
		}
	})
}

// dump reads every row of a table as text, to look for what must never be stored.
func (en *env) dump(table string) []string {
	en.t.Helper()
	rows, err := en.db.WriterDB().Query("SELECT * FROM " + table)
	if err != nil {
		en.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			en.t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}
