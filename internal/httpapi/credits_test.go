package httpapi_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/payport/payport/internal/store/storetest"
)

func TestCreditAnswersTheNewBalance(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		rec := en.createRecipient(en.key, "site_1", "EUR")
		r := en.must(201, "POST", "/api/recipients/site_1/credits", en.key,
			`{"amount":"12.34","currency":"EUR","description":"May rewards"}`).obj(t)
		for path, want := range map[string]string{
			"transfer.kind": "credit", "transfer.direction": "in", "transfer.account": "available",
			"transfer.amount": "12.34", "transfer.currency": "EUR", "transfer.description": "May rewards",
			"recipient_id": str(t, rec, "id"), "external_id": "site_1",
			"balance.currency": "EUR", "balance.available.amount": "12.34",
		} {
			if s := str(t, r, path); s != want {
				t.Errorf("%s = %q, want %q", path, s, want)
			}
		}
		if n := num(t, r, "transfer.amount_minor"); n != 1234 {
			t.Errorf("transfer.amount_minor = %d", n)
		}
		if n := num(t, r, "balance.available.amount_minor"); n != 1234 {
			t.Errorf("balance.available.amount_minor = %d", n)
		}
		// A second credit (by UUID this time) adds up.
		r = en.must(201, "POST", "/api/recipients/"+str(t, rec, "id")+"/credits", en.key, `{"amount":"0.66","currency":"EUR"}`).obj(t)
		if s := str(t, r, "balance.available.amount"); s != "13.00" {
			t.Errorf("balance after the second credit %q, want 13.00", s)
		}
		if got := en.balance(en.key, "site_1"); got != "13.00" {
			t.Errorf("Balance Info shows %s, want 13.00", got)
		}
		// Each credit without a key is a new credit.
		if n := en.count("ledger_transfers"); n != 2 {
			t.Errorf("%d transfers, want 2", n)
		}
	})
}

func TestCreditIdempotentReplayIsByteForByte(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		first := `{"amount":"10.00","currency":"EUR","description":"May rewards","metadata":{"note":"<b>&","meter":12345678901234567890}}`
		// The same JSON with other whitespace and key order.
		same := "{\n  \"metadata\": { \"meter\": 12345678901234567890, \"note\": \"<b>&\" },\n  \"description\": \"May rewards\",\n  \"currency\": \"EUR\", \"amount\": \"10.00\"\n}"
		hdr := []string{"Idempotency-Key", "order-981"}

		r1 := en.must(201, "POST", "/api/recipients/site_1/credits", en.key, first, hdr...)
		if !bytes.Contains(r1.Body, []byte(`12345678901234567890`)) || !bytes.Contains(r1.Body, []byte(`"<b>&"`)) {
			t.Errorf("metadata altered in the answer: %s", r1.Body)
		}
		transfers := en.count("ledger_transfers")
		events := en.count("events")

		for i, body := range []string{same, first} {
			r := en.must(200, "POST", "/api/recipients/site_1/credits", en.key, body, hdr...)
			if !bytes.Equal(r.Body, r1.Body) {
				t.Errorf("replay %d differs from the first answer:\n%s\nwant\n%s", i+1, r.Body, r1.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != r1.Header.Get("Content-Type") {
				t.Errorf("replay Content-Type %q, first %q", ct, r1.Header.Get("Content-Type"))
			}
		}
		if got := en.balance(en.key, "site_1"); got != "10.00" {
			t.Errorf("balance %s after replays, want 10.00 (credited once)", got)
		}
		if n := en.count("ledger_transfers"); n != transfers {
			t.Errorf("replays added %d transfers", n-transfers)
		}
		if n := en.count("events"); n != events {
			t.Errorf("replays added %d events", n-events)
		}

		// Later activity does not change the replayed answer: it is the first answer, not a rerun.
		en.credit(en.key, "site_1", "1.00", "EUR")
		r := en.must(200, "POST", "/api/recipients/site_1/credits", en.key, first, hdr...)
		if !bytes.Equal(r.Body, r1.Body) {
			t.Errorf("replay after another credit:\n%s\nwant\n%s", r.Body, r1.Body)
		}
		// Another key with the same body is another credit.
		en.must(201, "POST", "/api/recipients/site_1/credits", en.key, first, "Idempotency-Key", "order-982")
		if got := en.balance(en.key, "site_1"); got != "21.00" {
			t.Errorf("balance %s, want 21.00", got)
		}
	})
}

func TestCreditIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.createRecipient(en.key, "site_2", "EUR")
		hdr := []string{"Idempotency-Key", "k-1"}
		en.must(201, "POST", "/api/recipients/site_1/credits", en.key, `{"amount":"10.00","currency":"EUR"}`, hdr...)
		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key, `{"amount":"10.01","currency":"EUR"}`, hdr...),
			422, "idempotency_key_reused", anyField)
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key, `{"amount":"10.00","currency":"EUR","description":"x"}`, hdr...),
			422, "idempotency_key_reused", anyField)
		// The same key and body against another recipient is another request too.
		wantProblem(t, en.do("POST", "/api/recipients/site_2/credits", en.key, `{"amount":"10.00","currency":"EUR"}`, hdr...),
			422, "idempotency_key_reused", anyField)
		sameCounts(t, "reused key", before, en.counts())
		if got := en.balance(en.key, "site_1"); got != "10.00" {
			t.Errorf("site_1 balance %s, want 10.00", got)
		}
		if got := en.balance(en.key, "site_2"); got != "0.00" {
			t.Errorf("site_2 balance %s, want 0.00", got)
		}
		// Keys belong to an org: another org may use the same key for its own credit.
		_, other := en.newOrg("Other Co")
		en.createRecipient(other, "site_1", "EUR")
		en.must(201, "POST", "/api/recipients/site_1/credits", other, `{"amount":"10.01","currency":"EUR"}`, hdr...)
		// An over-long key is refused.
		long := make([]byte, 256)
		for i := range long {
			long[i] = 'k'
		}
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key, `{"amount":"1.00","currency":"EUR"}`,
			"Idempotency-Key", string(long)), 422, "validation_failed", anyField)
	})
}

func TestCreditConcurrentSameKeyCreditsOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		body := `{"amount":"7.00","currency":"EUR","metadata":{"order":"o-1"}}`
		hdr := []string{"Idempotency-Key", "race-1"}
		before := en.count("ledger_transfers")

		const n = 20
		results := make([]response, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i], errs[i] = en.send("POST", "/api/recipients/site_1/credits", en.key, body, hdr...)
			}()
		}
		close(start)
		wg.Wait()

		created, replayed, inFlight := 0, 0, 0
		transferIDs := map[string]bool{}
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			switch r.Status {
			case 201, 200:
				if r.Status == 201 {
					created++
				} else {
					replayed++
				}
				transferIDs[str(t, r.obj(t), "transfer.id")] = true
			case 409:
				wantProblem(t, r, 409, "idempotency_key_in_flight", anyField)
				inFlight++
			default:
				t.Errorf("request %d: %s", i, r)
			}
		}
		t.Logf("%d created, %d replayed, %d in flight", created, replayed, inFlight)
		if created != 1 {
			t.Errorf("%d answers were 201, want exactly 1", created)
		}
		if len(transferIDs) != 1 {
			t.Errorf("answers name %d different transfers: %v", len(transferIDs), transferIDs)
		}
		if got := en.count("ledger_transfers") - before; got != 1 {
			t.Errorf("%d transfers posted, want 1", got)
		}
		// Once all finished, the key replays.
		r := en.must(200, "POST", "/api/recipients/site_1/credits", en.key, body, hdr...)
		if !transferIDs[str(t, r.obj(t), "transfer.id")] {
			t.Errorf("replay names transfer %s, not the one credited", str(t, r.obj(t), "transfer.id"))
		}
		if got := en.balance(en.key, "site_1"); got != "7.00" {
			t.Errorf("balance %s, want 7.00", got)
		}
	})
}

func TestAdjustments(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "20.00", "EUR")

		r := en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key,
			`{"amount":"-5.00","currency":"EUR","description":"chargeback on order 17"}`).obj(t)
		for path, want := range map[string]string{
			"transfer.kind": "adjustment", "transfer.direction": "out", "transfer.amount": "5.00",
			"transfer.description": "chargeback on order 17", "balance.available.amount": "15.00",
		} {
			if s := str(t, r, path); s != want {
				t.Errorf("%s = %q, want %q", path, s, want)
			}
		}
		r = en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key,
			`{"amount":"2.50","currency":"EUR","description":"goodwill"}`).obj(t)
		if str(t, r, "transfer.direction") != "in" || str(t, r, "balance.available.amount") != "17.50" {
			t.Errorf("positive adjustment: %v", r)
		}

		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients/site_1/adjustments", en.key, `{"amount":"-5.00","currency":"EUR"}`),
			422, "validation_failed", "description")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/adjustments", en.key,
			`{"amount":"-17.51","currency":"EUR","description":"too much"}`), 409, "insufficient_funds", "amount")
		sameCounts(t, "refused adjustments", before, en.counts())
		if got := en.balance(en.key, "site_1"); got != "17.50" {
			t.Errorf("balance %s after refused adjustments, want 17.50", got)
		}
		// Taking the whole balance is allowed and leaves zero.
		en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key, `{"amount":"-17.50","currency":"EUR","description":"closing"}`)
		if got := en.balance(en.key, "site_1"); got != "0.00" {
			t.Errorf("balance %s, want 0.00", got)
		}
		// A debit refused for want of funds does not burn its Idempotency-Key: once the money
		// is there, the same request goes through.
		wantProblem(t, en.do("POST", "/api/recipients/site_1/adjustments", en.key,
			`{"amount":"-4.00","currency":"EUR","description":"late fee"}`, "Idempotency-Key", "fee-1"), 409, "insufficient_funds", "amount")
		en.credit(en.key, "site_1", "4.00", "EUR")
		en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key,
			`{"amount":"-4.00","currency":"EUR","description":"late fee"}`, "Idempotency-Key", "fee-1")
		if got := en.balance(en.key, "site_1"); got != "0.00" {
			t.Errorf("balance %s, want 0.00", got)
		}
		// Adjustments are idempotent too.
		hdr := []string{"Idempotency-Key", "adj-1"}
		a1 := en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key, `{"amount":"3.00","currency":"EUR","description":"bonus"}`, hdr...)
		a2 := en.must(200, "POST", "/api/recipients/site_1/adjustments", en.key, `{"description":"bonus","currency":"EUR","amount":"3.00"}`, hdr...)
		if !bytes.Equal(a1.Body, a2.Body) {
			t.Errorf("adjustment replay differs:\n%s\n%s", a2.Body, a1.Body)
		}
		if got := en.balance(en.key, "site_1"); got != "3.00" {
			t.Errorf("balance %s, want 3.00", got)
		}
	})
}

func TestReversalTakesACreditBackOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		credit := en.credit(en.key, "site_1", "10.00", "EUR")
		en.credit(en.key, "site_1", "5.00", "EUR")

		r := en.must(201, "POST", "/api/transfers/"+credit+"/reversal", en.key, `{"description":"fraudulent order"}`).obj(t)
		for path, want := range map[string]string{
			"transfer.kind": "reversal", "transfer.direction": "out", "transfer.amount": "10.00",
			"transfer.reverses_transfer_id": credit, "transfer.description": "fraudulent order",
			"balance.available.amount": "5.00", "external_id": "site_1",
		} {
			if s := str(t, r, path); s != want {
				t.Errorf("%s = %q, want %q", path, s, want)
			}
		}
		if got := en.balance(en.key, "site_1"); got != "5.00" {
			t.Errorf("balance %s after the reversal, want 5.00", got)
		}

		before := en.counts()
		wantProblem(t, en.do("POST", "/api/transfers/"+credit+"/reversal", en.key, `{"description":"again"}`), 409, "", anyField)
		sameCounts(t, "second reversal", before, en.counts())
		if got := en.balance(en.key, "site_1"); got != "5.00" {
			t.Errorf("balance %s after a second reversal, want 5.00", got)
		}
	})
}

func TestReversalRefusals(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		credit := en.credit(en.key, "site_1", "10.00", "EUR")
		adj := str(t, en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key,
			`{"amount":"-8.00","currency":"EUR","description":"chargeback"}`).obj(t), "transfer.id")
		_, other := en.newOrg("Other Co")

		before := en.counts()
		// The balance (2.00) no longer holds the credit (10.00).
		wantProblem(t, en.do("POST", "/api/transfers/"+credit+"/reversal", en.key, `{}`), 409, "insufficient_funds", anyField)
		// Only credits can be reversed.
		wantProblem(t, en.do("POST", "/api/transfers/"+adj+"/reversal", en.key, `{}`), 409, "not_reversible", anyField)
		wantProblem(t, en.do("POST", "/api/transfers/tr_doesnotexist/reversal", en.key, `{}`), 404, "not_found", "")
		// Another org cannot reverse my credit.
		wantProblem(t, en.do("POST", "/api/transfers/"+credit+"/reversal", other, `{}`), 404, "not_found", "")
		sameCounts(t, "refused reversals", before, en.counts())
		if got := en.balance(en.key, "site_1"); got != "2.00" {
			t.Errorf("balance %s, want 2.00", got)
		}
	})
}

// description is optional, so a reversal needs no body at all (curl -X POST .../reversal).
func TestReversalWithoutBody(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		credit := en.credit(en.key, "site_1", "10.00", "EUR")
		r := en.do("POST", "/api/transfers/"+credit+"/reversal", en.key, nil)
		if r.Status != 201 {
			t.Fatalf("reversal without a body: %s; want 201", r)
		}
		if got := en.balance(en.key, "site_1"); got != "0.00" {
			t.Errorf("balance %s, want 0.00", got)
		}
	})
}

// Money credited in a currency other than the recipient's own still shows in its history: a
// transaction list that leaves out credits would not add up to the balances. (Refusing such a
// credit with a currency problem would be consistent too.)
func TestCreditInAnotherCurrencyShowsInTransactions(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "1.00", "EUR")
		r := en.do("POST", "/api/recipients/site_1/credits", en.key, `{"amount":"5.00","currency":"USD"}`)
		if r.Status != 201 {
			wantProblem(t, r, 422, "", "currency")
			return
		}
		id := str(t, r.obj(t), "transfer.id")
		info := en.must(200, "GET", "/rewards/site_1/info?currency=USD", en.key, nil).obj(t)
		wantAmount(t, info, "balance", "5.00", 500)
		found := false
		for _, it := range get(t, en.must(200, "GET", "/api/recipients/site_1/transactions", en.key, nil).obj(t), "items").([]any) {
			if str(t, it, "id") == id {
				found = true
			}
		}
		if !found {
			t.Errorf("the USD credit %s (accepted with 201, balance USD 5.00) is missing from the recipient's transactions", id)
		}
	})
}

// The idempotency problems name the header, and locate it as a header, not in the body.
func TestIdempotencyProblemLocatesTheHeader(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		hdr := []string{"Idempotency-Key", "k-1"}
		en.must(201, "POST", "/api/recipients/site_1/credits", en.key, `{"amount":"1.00","currency":"EUR"}`, hdr...)
		r := en.do("POST", "/api/recipients/site_1/credits", en.key, `{"amount":"2.00","currency":"EUR"}`, hdr...)
		wantProblem(t, r, 422, "idempotency_key_reused", "Idempotency-Key")
		for _, d := range r.obj(t)["errors"].([]any) {
			if loc := str(t, d, "location"); loc != "header.Idempotency-Key" {
				t.Errorf("errors[].location = %q, want header.Idempotency-Key", loc)
			}
		}
	})
}
