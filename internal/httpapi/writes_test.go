package httpapi_test

import (
	"strings"
	"testing"

	"github.com/payport/payport/internal/store/storetest"
)

// A rejected write request writes nothing: no recipient, no ledger account or transfer, no
// event and no idempotency record is left behind, and the problem names the field at fault.

func TestRejectedRecipientCreatesWriteNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		base := func(extra string) string {
			return `{"external_id":"site_2","currency":"EUR"` + extra + `}`
		}
		for _, tc := range []struct {
			name, body   string
			status       int
			code, field  string
			detailSubstr string
		}{
			{"bad email", base(`,"email":"not-an-email"`), 422, "validation_failed", "email", ""},
			{"email with a display name", base(`,"email":"Ada <ada@example.com>"`), 422, "validation_failed", "email", ""},
			{"unknown country XX", base(`,"country":"XX"`), 422, "validation_failed", "country", ""},
			{"lower-case country", base(`,"country":"gb"`), 422, "validation_failed", "country", ""},
			{"lower-case currency", `{"external_id":"site_2","currency":"eur"}`, 422, "validation_failed", "currency", ""},
			{"unknown currency", `{"external_id":"site_2","currency":"ABC"}`, 422, "validation_failed", "currency", ""},
			{"duplicate external_id", `{"external_id":"site_1","currency":"EUR"}`, 409, "external_id_taken", "external_id", ""},
			{"external_id with a slash", `{"external_id":"a/b","currency":"EUR"}`, 422, "validation_failed", "external_id", ""},
			{"empty external_id", `{"external_id":"","currency":"EUR"}`, 422, "validation_failed", "external_id", ""},
			{"minimum with too many decimals", base(`,"minimum_withdrawal_amount":"1.234"`), 422, "validation_failed", "minimum_withdrawal_amount", ""},
			{"negative minimum", base(`,"minimum_withdrawal_amount":"-1.00"`), 422, "validation_failed", "minimum_withdrawal_amount", ""},
			{"minimum not a number", base(`,"minimum_withdrawal_amount":"ten"`), 422, "validation_failed", "minimum_withdrawal_amount", ""},
			{"minimum with a comma", base(`,"minimum_withdrawal_amount":"1,50"`), 422, "validation_failed", "minimum_withdrawal_amount", ""},
			{"metadata is an array", base(`,"metadata":[1,2]`), 422, "validation_failed", "metadata", ""},
			{"metadata holds an array at its root", base(`,"metadata":{"tags":["a","b"]}`), 422, "validation_failed", "metadata.tags", ""},
			{"metadata holds null at its root", base(`,"metadata":{"gone":null}`), 422, "validation_failed", "metadata.gone", ""},
			{"metadata is a string", base(`,"metadata":"x"`), 422, "validation_failed", "metadata", ""},
			{"metadata over 4096 bytes", base(`,"metadata":{"note":"` + strings.Repeat("x", 4100) + `"}`), 422, "validation_failed", "metadata", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := en.counts()
				r := en.do("POST", "/api/recipients", en.key, tc.body)
				wantProblem(t, r, tc.status, tc.code, tc.field)
				sameCounts(t, tc.name, before, en.counts())
			})
		}
		// The existing recipient is untouched and site_2 does not exist.
		wantProblem(t, en.do("GET", "/api/recipients/site_2", en.key, nil), 404, "not_found", "")
		if got := str(t, en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t), "currency"); got != "EUR" {
			t.Errorf("site_1 currency became %s", got)
		}
		// Metadata of exactly 4096 bytes is fine.
		meta := `{"note":"` + strings.Repeat("x", 4096-len(`{"note":""}`)) + `"}`
		en.must(201, "POST", "/api/recipients", en.key, `{"external_id":"site_3","currency":"EUR","metadata":`+meta+`}`)
	})
}

func TestRejectedCreditsWriteNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "10.00", "EUR")
		for _, tc := range []struct {
			name, body  string
			status      int
			code, field string
		}{
			{"three decimals for EUR", `{"amount":"10.001","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"negative", `{"amount":"-1.00","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"zero", `{"amount":"0","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"zero with decimals", `{"amount":"0.00","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"empty", `{"amount":"","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"comma separator", `{"amount":"1,00","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"exponent", `{"amount":"1e3","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"unknown currency", `{"amount":"1.00","currency":"ABC"}`, 422, "validation_failed", "currency"},
			{"lower-case currency", `{"amount":"1.00","currency":"eur"}`, 422, "validation_failed", "currency"},
			{"overflow", `{"amount":"99999999999999999999.00","currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"amount as a JSON number", `{"amount":5,"currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"amount as a JSON float", `{"amount":5.25,"currency":"EUR"}`, 422, "validation_failed", "amount"},
			{"metadata with an array", `{"amount":"1.00","currency":"EUR","metadata":{"a":[1]}}`, 422, "validation_failed", "metadata.a"},
			{"metadata over 4096 bytes", `{"amount":"1.00","currency":"EUR","metadata":{"a":"` + strings.Repeat("z", 4100) + `"}}`, 422, "validation_failed", "metadata"},
			{"description over 255 characters", `{"amount":"1.00","currency":"EUR","description":"` + strings.Repeat("d", 256) + `"}`, 422, "validation_failed", "description"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, idem := range []string{"", "idem-" + strings.ReplaceAll(tc.name, " ", "-")} {
					before := en.counts()
					var hdr []string
					if idem != "" {
						hdr = []string{"Idempotency-Key", idem}
					}
					r := en.do("POST", "/api/recipients/site_1/credits", en.key, tc.body, hdr...)
					wantProblem(t, r, tc.status, tc.code, tc.field)
					sameCounts(t, tc.name+" (Idempotency-Key "+idem+")", before, en.counts())
				}
			})
		}
		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients/nobody/credits", en.key, `{"amount":"1.00","currency":"EUR"}`,
			"Idempotency-Key", "idem-nobody"), 404, "not_found", "")
		sameCounts(t, "credit to an unknown recipient", before, en.counts())

		if got := en.balance(en.key, "site_1"); got != "10.00" {
			t.Errorf("balance %s after rejected credits, want 10.00", got)
		}
		// A rejected request does not burn its Idempotency-Key: the corrected request goes through.
		r := en.must(201, "POST", "/api/recipients/site_1/credits", en.key, `{"amount":"10.01","currency":"EUR"}`,
			"Idempotency-Key", "idem-three-decimals-for-EUR")
		if got := str(t, r.obj(t), "balance.available.amount"); got != "20.01" {
			t.Errorf("balance after the corrected retry %s, want 20.01", got)
		}
		en.must(201, "POST", "/api/recipients/site_1/credits", en.key, `{"amount":"1.00","currency":"EUR"}`,
			"Idempotency-Key", "idem-nobody")
	})
}

func TestRejectedAdjustmentsWriteNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "10.00", "EUR")
		for _, tc := range []struct {
			name, body  string
			status      int
			code, field string
		}{
			{"no description", `{"amount":"-5.00","currency":"EUR"}`, 422, "validation_failed", "description"},
			{"zero", `{"amount":"0.00","currency":"EUR","description":"x"}`, 422, "validation_failed", "amount"},
			{"minus zero", `{"amount":"-0.00","currency":"EUR","description":"x"}`, 422, "validation_failed", "amount"},
			{"three decimals", `{"amount":"-1.005","currency":"EUR","description":"x"}`, 422, "validation_failed", "amount"},
			{"beyond the balance", `{"amount":"-10.01","currency":"EUR","description":"chargeback"}`, 409, "insufficient_funds", "amount"},
			{"overflow", `{"amount":"-99999999999999999999.00","currency":"EUR","description":"x"}`, 422, "validation_failed", "amount"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, idem := range []string{"", "adj-" + strings.ReplaceAll(tc.name, " ", "-")} {
					before := en.counts()
					var hdr []string
					if idem != "" {
						hdr = []string{"Idempotency-Key", idem}
					}
					wantProblem(t, en.do("POST", "/api/recipients/site_1/adjustments", en.key, tc.body, hdr...), tc.status, tc.code, tc.field)
					sameCounts(t, tc.name, before, en.counts())
				}
			})
		}
		if got := en.balance(en.key, "site_1"); got != "10.00" {
			t.Errorf("balance %s after rejected adjustments, want 10.00", got)
		}
	})
}
