package httpapi_test

import (
	"testing"

	"github.com/payport/payport/internal/store/storetest"
)

func TestZZDebug(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.must(201, "POST", "/api/recipients/site_1/credits", en.key, `{"amount":"1.00","currency":"EUR"}`, "Idempotency-Key", "k")
		t.Log(en.counts())
		r := en.do("POST", "/api/transfers/x/reversal", en.key, nil)
		t.Log(r)
		r = en.do("PATCH", "/api/recipients/site_1", en.key, `{"minimum_withdrawal_amount":null}`)
		t.Log(r)
		r = en.do("PATCH", "/api/org", en.key, `{"settings":{"minimum_wait_days":3}}`)
		t.Log(r)
		r = en.do("GET", "/openapi.json", "", nil)
		t.Log(r.Status, r.Header.Get("Content-Type"), len(r.Body))
	})
}
