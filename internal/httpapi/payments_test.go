package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// seedPayout is seed 003's cURL body, byte for byte.
const seedPayout = `{ "externalId": "3e3f3796-4c3a-41e2-a90a-2c0f3e20b0a1", "amount": "10.00", "currency": "EUR", "type": "payout", "description": "Order #1456", "customer": { "id": "550e8400-e29b-41d4-a716-446655440000", "name": "User Name" }, "metadata": { "orderId": 1456 } }`

// TestPaymentsSeedExample runs seed 003's cURL example (Idempotency-Key included) and its
// promise: "Repeat the same JSON with the same or no Idempotency-Key: you'll always get the
// same response, never a duplicate charge."
func TestPaymentsSeedExample(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		first := en.must(201, "POST", "/api/payments", en.key, seedPayout, "Idempotency-Key", "3e3f3796-4c3a-41e2-a90a-2c0f3e20b0a1")
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(first.Body, &raw); err != nil {
			t.Fatal(err)
		}
		for _, hidden := range []string{"redirectUrl", "customer", "webhookUrl"} {
			if _, ok := raw[hidden]; ok {
				t.Errorf("%s is echoed back: %s", hidden, first.Body)
			}
		}
		p := first.obj(t)
		id := str(t, p, "id")
		if !strings.HasPrefix(id, "pay_") || p["status"] != "pending" || p["url"] != "http://127.0.0.1:8080/checkin/"+id ||
			p["externalId"] != "3e3f3796-4c3a-41e2-a90a-2c0f3e20b0a1" || p["amount"] != "10.00" || p["currency"] != "EUR" ||
			p["description"] != "Order #1456" || string(raw["metadata"]) != `{"orderId":1456}` || p["type"] != "payout" {
			t.Fatalf("response %s", first.Body)
		}
		if _, err := time.Parse(time.RFC3339, str(t, p, "createdAt")); err != nil {
			t.Fatalf("createdAt: %v", err)
		}
		// Same key: the same answer, 200.
		again := en.must(200, "POST", "/api/payments", en.key, seedPayout, "Idempotency-Key", "3e3f3796-4c3a-41e2-a90a-2c0f3e20b0a1")
		if string(again.Body) != string(first.Body) {
			t.Fatalf("replay differs:\n%s\n%s", again.Body, first.Body)
		}
		// No key: the externalId recognises it.
		nokey := en.must(200, "POST", "/api/payments", en.key, seedPayout)
		if str(t, nokey.obj(t), "id") != id {
			t.Fatalf("repeat without a key made another payment: %s", nokey.Body)
		}
		// The same externalId with another body names the payment it conflicts with.
		other := strings.Replace(seedPayout, `"10.00"`, `"11.00"`, 1)
		pr := wantProblem(t, en.do("POST", "/api/payments", en.key, other), 409, "external_id_conflict", "externalId")
		if !strings.Contains(pr.Detail, id) {
			t.Errorf("conflict does not name %s: %s", id, pr.Detail)
		}
		// The same key with another body is the IETF 422.
		wantProblem(t, en.do("POST", "/api/payments", en.key, other, "Idempotency-Key", "3e3f3796-4c3a-41e2-a90a-2c0f3e20b0a1"),
			422, "idempotency_key_reused", "Idempotency-Key")
		if n := en.count("payments"); n != 1 {
			t.Fatalf("%d payments, want 1", n)
		}
		got := en.must(200, "GET", "/api/payments/"+id, en.key, nil).obj(t)
		if got["status"] != "pending" || got["url"] != p["url"] {
			t.Fatalf("get %v", got)
		}
		// Without externalId and key every request is a new payment; the default type is payin.
		a := en.must(201, "POST", "/api/payments", en.key, `{"amount":"5.00","currency":"EUR"}`).obj(t)
		b := en.must(201, "POST", "/api/payments", en.key, `{"amount":"5.00","currency":"EUR"}`).obj(t)
		if a["id"] == b["id"] || a["type"] != "payin" || !strings.HasSuffix(str(t, a, "url"), "/checkout/"+str(t, a, "id")) {
			t.Fatalf("payins %v %v", a, b)
		}
	})
}

func TestPaymentFieldRules(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		long := func(n int) string { return strings.Repeat("x", n) }
		bigMeta := `{"k":"` + long(4100) + `"}`
		cases := []struct {
			name, body, field string
		}{
			{"missing amount", `{"currency":"EUR"}`, "amount"},
			{"comma", `{"amount":"10,00","currency":"EUR"}`, "amount"},
			{"too many decimals", `{"amount":"10.001","currency":"EUR"}`, "amount"},
			{"JPY decimals", `{"amount":"10.5","currency":"JPY"}`, "amount"},
			{"number not string", `{"amount":10.00,"currency":"EUR"}`, "amount"},
			{"zero", `{"amount":"0.00","currency":"EUR"}`, "amount"},
			{"negative", `{"amount":"-1.00","currency":"EUR"}`, "amount"},
			{"lower-case currency", `{"amount":"1.00","currency":"eur"}`, "currency"},
			{"unknown currency", `{"amount":"1.00","currency":"XYZ"}`, "currency"},
			{"type", `{"amount":"1.00","currency":"EUR","type":"refund"}`, "type"},
			{"description", `{"amount":"1.00","currency":"EUR","description":"` + long(256) + `"}`, "description"},
			{"metadata array", `{"amount":"1.00","currency":"EUR","metadata":[1]}`, "metadata"},
			{"metadata root array", `{"amount":"1.00","currency":"EUR","metadata":{"a":[1]}}`, "metadata"},
			{"metadata root null", `{"amount":"1.00","currency":"EUR","metadata":{"a":null}}`, "metadata"},
			{"metadata string", `{"amount":"1.00","currency":"EUR","metadata":"x"}`, "metadata"},
			{"metadata 4 KB", `{"amount":"1.00","currency":"EUR","metadata":` + bigMeta + `}`, "metadata"},
			{"externalId", `{"amount":"1.00","currency":"EUR","externalId":"` + long(256) + `"}`, "externalId"},
			{"redirect http", `{"amount":"1.00","currency":"EUR","redirectUrl":"http://shop.example.com/done"}`, "redirectUrl"},
			{"redirect relative", `{"amount":"1.00","currency":"EUR","redirectUrl":"/done"}`, "redirectUrl"},
			{"redirect javascript", `{"amount":"1.00","currency":"EUR","redirectUrl":"javascript:alert(1)"}`, "redirectUrl"},
			{"redirect 2 KB", `{"amount":"1.00","currency":"EUR","redirectUrl":"https://x.example/` + long(2100) + `"}`, "redirectUrl"},
			{"webhook http", `{"amount":"1.00","currency":"EUR","webhookUrl":"http://hooks.example.com/"}`, "webhookUrl"},
			{"webhook private", `{"amount":"1.00","currency":"EUR","webhookUrl":"https://10.0.0.1/hook"}`, "webhookUrl"},
			{"webhook metadata", `{"amount":"1.00","currency":"EUR","webhookUrl":"https://169.254.169.254/"}`, "webhookUrl"},
			{"customer id", `{"amount":"1.00","currency":"EUR","customer":{"id":"a b"}}`, "customer.id"},
			{"customer name", `{"amount":"1.00","currency":"EUR","customer":{"id":"c1","name":"` + long(141) + `"}}`, "customer.name"},
		}
		before := en.counts()
		for _, c := range cases {
			r := en.do("POST", "/api/payments", en.key, c.body)
			if r.Status != 422 {
				t.Errorf("%s: got %s, want 422", c.name, r)
				continue
			}
			var p problem
			r.into(t, &p)
			if p.Field != c.field && p.Field != "body."+c.field {
				t.Errorf("%s: problem names %q, want %q: %s", c.name, p.Field, c.field, r.Body)
			}
		}
		sameCounts(t, "refused payments", before, en.counts())
		// The limits themselves are accepted, and test mode takes plain HTTP to localhost.
		meta := `{"k":"` + long(4096-8) + `"}`
		en.must(201, "POST", "/api/payments", en.key, `{"amount":"1.00","currency":"EUR","description":"`+long(255)+`","metadata":`+meta+
			`,"externalId":"`+long(255)+`","redirectUrl":"http://localhost:3000/done","webhookUrl":"https://hooks.example.com/p"}`)
		en.must(201, "POST", "/api/payments", en.key, `{"amount":"1000","currency":"JPY","metadata":{"nested":{"a":[1,null]}}}`)
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		wantProblem(t, en.do("POST", "/api/payments", live, `{"amount":"1.00","currency":"EUR","redirectUrl":"http://localhost:3000/done"}`),
			422, "validation_failed", "redirectUrl")
	})
}

func TestPaymentsScopeAndOrgs(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		rewardsOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "rewards")
		before := en.count("payments")
		wantProblem(t, en.do("POST", "/api/payments", rewardsOnly, `{"amount":"1.00","currency":"EUR","type":"payout"}`), 403, "missing_scope", "type")
		if en.count("payments") != before {
			t.Fatal("a refused payout was stored")
		}
		payin := en.must(201, "POST", "/api/payments", rewardsOnly, `{"amount":"1.00","currency":"EUR"}`).obj(t)
		readOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "read_only")
		wantProblem(t, en.do("POST", "/api/payments", readOnly, `{"amount":"1.00","currency":"EUR"}`), 403, "forbidden", "")
		en.must(200, "GET", "/api/payments/"+str(t, payin, "id"), readOnly, nil)

		_, other := en.newOrg("Other")
		wantProblem(t, en.do("GET", "/api/payments/"+str(t, payin, "id"), other, nil), 404, "not_found", "")
		wantProblem(t, en.do("POST", "/api/payments/"+str(t, payin, "id")+"/cancel", other, nil), 404, "not_found", "")
		if items := en.must(200, "GET", "/api/payments", other, nil).obj(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("another org lists %v", items)
		}
		// The same externalId in another org is another payment.
		en.must(201, "POST", "/api/payments", en.key, `{"amount":"1.00","currency":"EUR","externalId":"order-1"}`)
		en.must(201, "POST", "/api/payments", other, `{"amount":"1.00","currency":"EUR","externalId":"order-1"}`)
	})
}

// TestPaymentsConcurrentDuplicates fires 100 identical requests at once, with the same
// Idempotency-Key and then with the same externalId and no key: each time exactly one payment.
func TestPaymentsConcurrentDuplicates(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		for _, c := range []struct {
			name, body string
			hdr        []string
		}{
			{"same key", `{"amount":"7.00","currency":"EUR","description":"dup"}`, []string{"Idempotency-Key", "dup-key-1"}},
			{"same externalId", `{"amount":"8.00","currency":"EUR","externalId":"order-dup"}`, nil},
		} {
			before := en.count("payments")
			var wg sync.WaitGroup
			var mu sync.Mutex
			statuses := map[int]int{}
			ids := map[string]bool{}
			for range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := en.send("POST", "/api/payments", en.key, c.body, c.hdr...)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					statuses[r.Status]++
					if r.Status == 200 || r.Status == 201 {
						var p struct{ ID string }
						_ = json.Unmarshal(r.Body, &p)
						ids[p.ID] = true
					}
				}()
			}
			wg.Wait()
			if n := en.count("payments") - before; n != 1 {
				t.Fatalf("%s: %d payments created, want 1 (statuses %v)", c.name, n, statuses)
			}
			if statuses[201] != 1 || len(ids) != 1 || statuses[201]+statuses[200]+statuses[409] != 100 {
				t.Fatalf("%s: statuses %v, ids %v", c.name, statuses, ids)
			}
		}
	})
}

func TestPaymentListFilters(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var ids []string
		for i := range 5 {
			en.clock.Set(t0.Add(time.Duration(i) * time.Hour))
			typ := "payin"
			if i%2 == 0 {
				typ = "payout"
			}
			p := en.must(201, "POST", "/api/payments", en.key, fmt.Sprintf(`{"amount":"%d.00","currency":"EUR","type":%q,"externalId":"ord-%d","customer":{"id":"cust-%d"}}`,
				i+1, typ, i, i%2)).obj(t)
			ids = append(ids, str(t, p, "id"))
		}
		list := func(q string) []string {
			t.Helper()
			page := en.must(200, "GET", "/api/payments?"+q, en.key, nil).obj(t)
			var out []string
			for _, it := range page["items"].([]any) {
				out = append(out, it.(map[string]any)["id"].(string))
			}
			return out
		}
		eq := func(what string, got []string, want ...string) {
			t.Helper()
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: got %v, want %v", what, got, want)
			}
		}
		eq("all, newest first", list(""), ids[4], ids[3], ids[2], ids[1], ids[0])
		eq("payouts", list("type=payout"), ids[4], ids[2], ids[0])
		eq("externalId", list("externalId=ord-3"), ids[3])
		eq("customer", list("customer=cust-1"), ids[3], ids[1])
		eq("created range", list("created_gte="+url.QueryEscape(t0.Add(time.Hour).Format(time.RFC3339))+"&created_lt="+
			url.QueryEscape(t0.Add(3*time.Hour).Format(time.RFC3339))), ids[2], ids[1])
		eq("status", list("status=pending&type=payin"), ids[3], ids[1])
		// Cursor pagination walks every payment once.
		page := en.must(200, "GET", "/api/payments?limit=2", en.key, nil).obj(t)
		var walked []string
		for {
			for _, it := range page["items"].([]any) {
				walked = append(walked, it.(map[string]any)["id"].(string))
			}
			next, _ := page["next_cursor"].(string)
			if next == "" {
				break
			}
			page = en.must(200, "GET", "/api/payments?limit=2&cursor="+next, en.key, nil).obj(t)
		}
		eq("paged", walked, ids[4], ids[3], ids[2], ids[1], ids[0])
		wantProblem(t, en.do("GET", "/api/payments?created_gte=yesterday", en.key, nil), 422, "", anyField)
	})
}
