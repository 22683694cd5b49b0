package httpapi_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/jobs"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/rail/sandbox"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// withPayouts gives the env's app a master key, the rails (sandbox settling at once; NACHA
// and SEPA for live mode) and a running job queue.
func (en *env) withPayouts() {
	en.t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	kr, err := secret.NewKeyring(key)
	if err != nil {
		en.t.Fatal(err)
	}
	en.app.Sealer = kr
	en.app.Rails = &rail.Registry{Sandbox: sandbox.Rail{}, Live: []rail.Rail{rail.NACHA, rail.SEPA}}
	ctx := context.Background()
	q, err := jobs.New(ctx, en.db.Engine(), en.db.WriterDB(), jobs.Config{Register: en.app.RegisterWorkers, PollInterval: 20 * time.Millisecond})
	if err != nil {
		en.t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		en.t.Fatal(err)
	}
	en.t.Cleanup(func() { q.Stop(context.Background()) })
	en.app.Jobs = q
}

func ibanEnding(ending string) string {
	bban := "37040044" + fmt.Sprintf("%010s", "053201"+ending)[:10]
	n, _ := new(big.Int).SetString(bban+"131400", 10)
	return fmt.Sprintf("DE%02d%s", 98-new(big.Int).Mod(n, big.NewInt(97)).Int64(), bban)
}

func (en *env) waitPayment(key, id, status string) map[string]any {
	en.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := en.must(200, "GET", "/api/payments/"+id, key, nil).obj(en.t)
		if p["status"] == status {
			return p
		}
		if time.Now().After(deadline) {
			en.t.Fatalf("payment %s is %v, waited for %s", id, p["status"], status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPayoutMethodsOverHTTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.count("payout_methods")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/payout_methods", en.key,
			`{"holder_name":"Ada","iban":"DE89 3704 0044 0532 0130 01"}`), 422, "validation_failed", "iban")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/payout_methods", en.key,
			`{"holder_name":"Ada","routing_number":"011000016","account_number":"1234567","account_type":"checking"}`), 422, "validation_failed", "routing_number")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/payout_methods", en.key,
			`{"holder_name":"Ada","sort_code":"12-34-5","account_number":"12345678"}`), 422, "validation_failed", "sort_code")
		linksOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "links")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/payout_methods", linksOnly,
			`{"holder_name":"Ada","iban":"DE89370400440532013000"}`), 403, "forbidden", "")
		if n := en.count("payout_methods"); n != before {
			t.Fatalf("rejected methods wrote %d rows", n-before)
		}
		m := en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key,
			`{"holder_name":"Ada Lovelace","iban":"de89 3704 0044 0532 0130 00","bic":"cobadeffxxx"}`).obj(t)
		if m["last4"] != "3000" || m["bank_code"] != "COBADEFFXXX" || m["is_default"] != true {
			t.Fatalf("method %v", m)
		}
		list := en.must(200, "GET", "/api/recipients/site_1/payout_methods", en.key, nil)
		if strings.Contains(string(list.Body), "0532013000") || strings.Contains(string(list.Body), "DE89") {
			t.Fatalf("the list shows the full IBAN: %s", list.Body)
		}
		if info := en.info(en.key, "site_1"); info["has_bank_account"] != true {
			t.Fatalf("has_bank_account false after adding an EUR account: %v", info)
		}
		// With an Idempotency-Key a retry replays the first answer; without one, the same account
		// again is a conflict naming the method.
		us := `{"holder_name":"Ada","routing_number":"011000015","account_number":"000123450000","account_type":"checking"}`
		first := en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, us, "Idempotency-Key", "pm-1")
		replay := en.must(200, "POST", "/api/recipients/site_1/payout_methods", en.key, us, "Idempotency-Key", "pm-1")
		if string(first.Body) != string(replay.Body) {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, replay.Body)
		}
		wantProblem(t, en.do("POST", "/api/recipients/site_1/payout_methods", en.key, us), 409, "duplicate_payout_method", "account_number")
		en.must(200, "DELETE", "/api/recipients/site_1/payout_methods/"+m["id"].(string), en.key, nil)
		en.must(200, "DELETE", "/api/recipients/site_1/payout_methods/"+first.obj(t)["id"].(string), en.key, nil)
		if info := en.info(en.key, "site_1"); info["has_bank_account"] != false {
			t.Fatalf("has_bank_account true after removing the only account")
		}
	})
}

func TestWithdrawalOverHTTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "100.00", "EUR")
		en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key,
			fmt.Sprintf(`{"holder_name":"Ada","iban":%q}`, ibanEnding("0000")))
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"25.00"}}}`)

		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"10.00","currency":"EUR"}`), 422, "below_minimum", "amount")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"100.01","currency":"EUR"}`), 409, "insufficient_funds", "amount")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/withdrawals", en.key, `{"amount":"30.00","currency":"EUR","payout_method_id":"pm_nope"}`), 404, "not_found", "payout_method_id")
		sameCounts(t, "refused withdrawals", before, en.counts())

		body := `{"amount":"30.00","currency":"EUR","description":"October rewards"}`
		first := en.do("POST", "/api/recipients/site_1/withdrawals", en.key, body, "Idempotency-Key", "w-1")
		if first.Status != 201 {
			t.Fatalf("withdrawal: %s", first)
		}
		replay := en.do("POST", "/api/recipients/site_1/withdrawals", en.key, body, "Idempotency-Key", "w-1")
		if replay.Status != 200 || string(replay.Body) != string(first.Body) {
			t.Fatalf("replay: %s\nfirst: %s", replay, first)
		}
		p := first.obj(t)
		done := en.waitPayment(en.key, p["id"].(string), "succeeded")
		if done["rail"] != "sandbox" || done["description"] != "October rewards" {
			t.Fatalf("payout %v", done)
		}
		if got := en.balance(en.key, "site_1"); got != "70.00" {
			t.Fatalf("balance %s, want 70.00 (one withdrawal despite the replay)", got)
		}
		// Another org cannot see the payment.
		_, otherKey := en.newOrg("Other")
		wantProblem(t, en.do("GET", "/api/payments/"+p["id"].(string), otherKey, nil), 404, "not_found", "")
		// The list filters by status and recipient.
		page := en.must(200, "GET", "/api/payments?status=succeeded&recipient=site_1", en.key, nil).obj(t)
		if items := page["items"].([]any); len(items) != 1 {
			t.Fatalf("list %v", page)
		}
		wantProblem(t, en.do("POST", "/api/payments/"+p["id"].(string)+"/cancel", en.key, nil), 409, "not_cancelable", "")
	})
}

func TestNACHAFilesOverHTTP(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		wantProblem(t, en.do("PATCH", "/api/org", live, `{"settings":{"nacha":{"company_name":"Acme","company_id":"123","immediate_origin":"091400606",
			"immediate_origin_name":"FIRST BANK","immediate_destination":"011000015","immediate_destination_name":"FED","odfi_identification":"09140060",
			"entry_class":"PPD","entry_description":"PAYOUT"}}}`), 422, "validation_failed", "settings.nacha")
		en.must(200, "PATCH", "/api/org", live, `{"settings":{"nacha":{"company_name":"Acme","company_id":"1234567890","immediate_origin":"091400606",
			"immediate_origin_name":"FIRST BANK","immediate_destination":"011000015","immediate_destination_name":"FED","odfi_identification":"09140060",
			"entry_class":"PPD","entry_description":"PAYOUT"}}}`)
		en.createRecipient(live, "us_1", "USD")
		en.credit(live, "us_1", "200.00", "USD")
		en.must(201, "POST", "/api/recipients/us_1/payout_methods", live,
			`{"holder_name":"Paul Jones","routing_number":"091000019","account_number":"123456789","account_type":"checking"}`)
		w := en.must(201, "POST", "/api/recipients/us_1/withdrawals", live, `{"amount":"123.54","currency":"USD"}`).obj(t)
		if w["rail"] != "nacha" {
			t.Fatalf("live USD payout on %v", w["rail"])
		}
		f := en.must(201, "POST", "/api/rails/nacha/files", live, nil).obj(t)
		content := en.must(200, "GET", "/api/rails/files/"+f["id"].(string)+"/content", live, nil)
		if !strings.HasPrefix(string(content.Body), "101") || !strings.Contains(content.Header.Get("Content-Disposition"), ".ach") {
			t.Fatalf("download %s %v", content.Body, content.Header)
		}
		wantProblem(t, en.do("POST", "/api/rails/nacha/files", live, nil), 409, "nothing_to_export", "")
		returns, err := os.ReadFile("../rail/nacha/testdata/return-WEB.ach")
		if err != nil {
			t.Fatal(err)
		}
		res := en.must(200, "POST", "/api/rails/nacha/imports", live, returns, "Content-Type", "application/octet-stream").obj(t)
		if failed := res["failed"].([]any); len(failed) != 1 {
			t.Fatalf("import %v", res)
		}
		p := en.must(200, "GET", "/api/payments/"+w["id"].(string), live, nil).obj(t)
		if p["status"] != "failed" || p["failureCode"] != "insufficient_funds" {
			t.Fatalf("returned payout %v", p)
		}
		again := en.must(200, "POST", "/api/rails/nacha/imports", live, returns, "Content-Type", "application/octet-stream").obj(t)
		if again["duplicate"] != true {
			t.Fatalf("second import %v", again)
		}
		if got := en.balance(live, "us_1"); got != "200.00" {
			t.Fatalf("balance after the return %s, want 200.00", got)
		}
		// The test key sees none of it.
		wantProblem(t, en.do("GET", "/api/payments/"+w["id"].(string), en.key, nil), 404, "not_found", "")
	})
}
