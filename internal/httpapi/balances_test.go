package httpapi_test

import (
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/store/storetest"
)

// Seed 001's Get Balance Info: GET /rewards/{site_id}/info.

// wantAmount checks a money member: a decimal string and the same value in minor units.
func wantAmount(t *testing.T, info map[string]any, member, amount string, minor int64) {
	t.Helper()
	if s := str(t, info, member+".amount"); s != amount {
		t.Errorf("%s.amount = %q, want %q", member, s, amount)
	}
	if n := num(t, info, member+".amount_minor"); n != minor {
		t.Errorf("%s.amount_minor = %d, want %d", member, n, minor)
	}
}

func setOrgSettings(t *testing.T, en *env, key, settings string) map[string]any {
	t.Helper()
	return en.must(200, "PATCH", "/api/org", key, `{"settings":`+settings+`}`).obj(t)
}

func TestBalanceInfoShowsAmountsAsDecimalStringsAndMinorUnits(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		rec := en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "12.34", "EUR")
		for _, ref := range []string{"site_1", str(t, rec, "id")} {
			info := en.info(en.key, ref)
			if str(t, info, "site_id") != "site_1" || str(t, info, "internal_site_id") != str(t, rec, "id") || str(t, info, "currency") != "EUR" {
				t.Errorf("identity members: %v", info)
			}
			wantAmount(t, info, "balance", "12.34", 1234)
			wantAmount(t, info, "withdrawable_balance", "12.34", 1234)
			wantAmount(t, info, "total_earnings", "12.34", 1234)
			wantAmount(t, info, "pending_withdrawals", "0.00", 0)
			wantAmount(t, info, "minimum_withdrawal_amount", "0.00", 0)
			if num(t, info, "minimum_wait_days") != 0 || info["has_bank_account"] != false {
				t.Errorf("minimum_wait_days %v, has_bank_account %v", info["minimum_wait_days"], info["has_bank_account"])
			}
			// No bank account exists yet, so nobody can withdraw; the answer says why.
			if info["can_withdraw"] != false || info["reason"] != "no_bank_account" || str(t, info, "message") == "" {
				t.Errorf("can_withdraw %v, reason %v, message %v", info["can_withdraw"], info["reason"], info["message"])
			}
		}
		// Negative adjustments and reversals are netted out of total earnings.
		en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key, `{"amount":"-2.34","currency":"EUR","description":"chargeback"}`)
		info := en.info(en.key, "site_1")
		wantAmount(t, info, "balance", "10.00", 1000)
		wantAmount(t, info, "total_earnings", "10.00", 1000)

		// A currency without minor units.
		en.createRecipient(en.key, "site_jp", "JPY")
		en.credit(en.key, "site_jp", "500", "JPY")
		info = en.info(en.key, "site_jp")
		wantAmount(t, info, "balance", "500", 500)
		wantAmount(t, info, "minimum_withdrawal_amount", "0", 0)
		// Three minor digits.
		en.createRecipient(en.key, "site_bh", "BHD")
		en.credit(en.key, "site_bh", "1.5", "BHD")
		wantAmount(t, en.info(en.key, "site_bh"), "balance", "1.500", 1500)
	})
}

func TestBalanceInfoBelowMinimumThenRecipientOverride(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		o := setOrgSettings(t, en, en.key, `{"minimum_withdrawal":{"EUR":"10.00","GBP":"25"},"minimum_wait_days":0}`)
		if str(t, o, "settings.minimum_withdrawal.EUR") != "10.00" || str(t, o, "settings.minimum_withdrawal.GBP") != "25.00" {
			t.Errorf("org settings answer: %v", o["settings"])
		}
		if got := str(t, en.must(200, "GET", "/api/org", en.key, nil).obj(t), "settings.minimum_withdrawal.EUR"); got != "10.00" {
			t.Errorf("stored EUR minimum %q", got)
		}
		en.createRecipient(en.key, "site_1", "EUR")
		en.credit(en.key, "site_1", "5.00", "EUR")

		info := en.info(en.key, "site_1")
		if info["can_withdraw"] != false || info["reason"] != "below_minimum" {
			t.Fatalf("balance 5.00 under a 10.00 minimum: can_withdraw %v, reason %v", info["can_withdraw"], info["reason"])
		}
		if msg := str(t, info, "message"); !strings.Contains(msg, "10.00") {
			t.Errorf("message %q does not mention the 10.00 minimum", msg)
		}
		wantAmount(t, info, "minimum_withdrawal_amount", "10.00", 1000)
		wantAmount(t, info, "balance", "5.00", 500)

		// The recipient's own minimum overrides the org's.
		en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"minimum_withdrawal_amount":"2.00"}`)
		info = en.info(en.key, "site_1")
		if info["reason"] != "no_bank_account" || info["has_bank_account"] != false || info["can_withdraw"] != false {
			t.Errorf("with a 2.00 override: reason %v, has_bank_account %v, can_withdraw %v", info["reason"], info["has_bank_account"], info["can_withdraw"])
		}
		wantAmount(t, info, "minimum_withdrawal_amount", "2.00", 200)

		// Clearing the override falls back to the org's minimum.
		en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"minimum_withdrawal_amount":null}`)
		if info = en.info(en.key, "site_1"); info["reason"] != "below_minimum" {
			t.Errorf("after clearing the override: reason %v", info["reason"])
		}
		// A balance equal to the minimum is enough.
		en.credit(en.key, "site_1", "5.00", "EUR")
		if info = en.info(en.key, "site_1"); info["reason"] != "no_bank_account" {
			t.Errorf("balance 10.00 at a 10.00 minimum: reason %v, message %v", info["reason"], info["message"])
		}
		// Each currency has its own minimum.
		en.createRecipient(en.key, "site_gb", "GBP")
		en.credit(en.key, "site_gb", "24.99", "GBP")
		info = en.info(en.key, "site_gb")
		if info["reason"] != "below_minimum" || !strings.Contains(str(t, info, "message"), "25.00") {
			t.Errorf("GBP 24.99 under 25.00: reason %v, message %v", info["reason"], info["message"])
		}
		// Invalid settings are refused and change nothing.
		wantProblem(t, en.do("PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"1.001"},"minimum_wait_days":0}}`),
			422, "validation_failed", "settings.minimum_withdrawal.EUR")
		wantProblem(t, en.do("PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"eur":"1.00"},"minimum_wait_days":0}}`),
			422, "validation_failed", "settings.minimum_withdrawal.eur")
		wantProblem(t, en.do("PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{},"minimum_wait_days":400}}`),
			422, "validation_failed", anyField)
		if got := str(t, en.must(200, "GET", "/api/org", en.key, nil).obj(t), "settings.minimum_withdrawal.EUR"); got != "10.00" {
			t.Errorf("EUR minimum became %q after refused updates", got)
		}
	})
}

func TestBalanceInfoNoBalance(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		setOrgSettings(t, en, en.key, `{"minimum_withdrawal":{"EUR":"10.00"},"minimum_wait_days":0}`)
		en.createRecipient(en.key, "site_1", "EUR")
		info := en.info(en.key, "site_1")
		if info["can_withdraw"] != false || info["reason"] != "no_balance" || str(t, info, "message") == "" {
			t.Errorf("never credited: can_withdraw %v, reason %v, message %v", info["can_withdraw"], info["reason"], info["message"])
		}
		wantAmount(t, info, "balance", "0.00", 0)
		wantAmount(t, info, "total_earnings", "0.00", 0)
		wantAmount(t, info, "minimum_withdrawal_amount", "10.00", 1000)

		// Credited and then taken back entirely: no balance again.
		en.credit(en.key, "site_1", "3.00", "EUR")
		en.must(201, "POST", "/api/recipients/site_1/adjustments", en.key, `{"amount":"-3.00","currency":"EUR","description":"reset"}`)
		if info = en.info(en.key, "site_1"); info["reason"] != "no_balance" {
			t.Errorf("after a full adjustment: reason %v", info["reason"])
		}
		// Another currency than the recipient's own: nothing there.
		info = en.must(200, "GET", "/rewards/site_1/info?currency=USD", en.key, nil).obj(t)
		if str(t, info, "currency") != "USD" || info["reason"] != "no_balance" {
			t.Errorf("?currency=USD: %v", info)
		}
	})
}

func TestBalanceInfoMinimumWaitDays(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		now := time.Now().UTC()
		en.createRecipient(en.key, "site_1", "EUR")
		en.createRecipient(en.key, "site_2", "EUR")
		en.clock.Set(now.AddDate(0, 0, -10))
		en.credit(en.key, "site_1", "20.00", "EUR")
		en.clock.Set(now.AddDate(0, 0, -1))
		en.credit(en.key, "site_1", "5.00", "EUR")
		en.credit(en.key, "site_2", "5.00", "EUR")
		en.clock.Set(now)
		o := setOrgSettings(t, en, en.key, `{"minimum_withdrawal":{},"minimum_wait_days":7}`)
		if num(t, o, "settings.minimum_wait_days") != 7 {
			t.Fatalf("settings %v", o["settings"])
		}

		info := en.info(en.key, "site_1")
		wantAmount(t, info, "balance", "25.00", 2500)
		wantAmount(t, info, "withdrawable_balance", "20.00", 2000)
		wantAmount(t, info, "total_earnings", "25.00", 2500)
		if num(t, info, "minimum_wait_days") != 7 {
			t.Errorf("minimum_wait_days %v", info["minimum_wait_days"])
		}
		if info["reason"] != "no_bank_account" {
			t.Errorf("with 20.00 past the wait: reason %v", info["reason"])
		}

		// Everything credited yesterday is still waiting.
		info = en.info(en.key, "site_2")
		wantAmount(t, info, "balance", "5.00", 500)
		wantAmount(t, info, "withdrawable_balance", "0.00", 0)
		if info["can_withdraw"] != false || info["reason"] != "minimum_wait_period" || !strings.Contains(str(t, info, "message"), "7") {
			t.Errorf("all money recent: can_withdraw %v, reason %v, message %v", info["can_withdraw"], info["reason"], info["message"])
		}

		// A week later all of it is withdrawable.
		en.clock.Set(now.AddDate(0, 0, 7))
		wantAmount(t, en.info(en.key, "site_1"), "withdrawable_balance", "25.00", 2500)
		info = en.info(en.key, "site_2")
		wantAmount(t, info, "withdrawable_balance", "5.00", 500)
		if info["reason"] != "no_bank_account" {
			t.Errorf("a week later: reason %v", info["reason"])
		}
		// Without a wait, withdrawable equals the balance at once.
		en.clock.Set(now)
		setOrgSettings(t, en, en.key, `{"minimum_withdrawal":{},"minimum_wait_days":0}`)
		wantAmount(t, en.info(en.key, "site_2"), "withdrawable_balance", "5.00", 500)
	})
}

func TestBalanceInfoUnknownSite(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		wantProblem(t, en.do("GET", "/rewards/ghost/info", en.key, nil), 404, "not_found", "")
		wantProblem(t, en.do("GET", "/rewards/0190a000-0000-7000-8000-000000000000/info", en.key, nil), 404, "not_found", "")
		wantProblem(t, en.do("GET", "/rewards/site_1/info?currency=usd", en.key, nil), 422, "validation_failed", "currency")
		wantProblem(t, en.do("GET", "/rewards/site_1/info?currency=XYZ", en.key, nil), 422, "validation_failed", "currency")
	})
}

func TestTransactionsNewestFirstWithPaging(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.createRecipient(en.key, "site_2", "EUR")
		post := func(path, body string) string {
			t.Helper()
			return str(t, en.must(201, "POST", path, en.key, body).obj(t), "transfer.id")
		}
		type tx struct{ id, kind, direction, amount string }
		var want []tx
		want = append(want, tx{post("/api/recipients/site_1/credits", `{"amount":"10.00","currency":"EUR","description":"c1"}`), "credit", "in", "10.00"})
		post("/api/recipients/site_2/credits", `{"amount":"99.00","currency":"EUR"}`) // another recipient's
		want = append(want, tx{post("/api/recipients/site_1/adjustments", `{"amount":"-3.00","currency":"EUR","description":"chargeback"}`), "adjustment", "out", "3.00"})
		want = append(want, tx{post("/api/recipients/site_1/credits", `{"amount":"2.50","currency":"EUR"}`), "credit", "in", "2.50"})
		c4 := post("/api/recipients/site_1/credits", `{"amount":"4.00","currency":"EUR"}`)
		want = append(want, tx{c4, "credit", "in", "4.00"})
		want = append(want, tx{post("/api/transfers/"+c4+"/reversal", `{"description":"fraud"}`), "reversal", "out", "4.00"})
		want = append(want, tx{post("/api/recipients/site_1/adjustments", `{"amount":"1.00","currency":"EUR","description":"goodwill"}`), "adjustment", "in", "1.00"})
		// Newest first.
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}

		var got []map[string]any
		cursor := ""
		for pageNo := 1; pageNo <= 3; pageNo++ {
			path := "/api/recipients/site_1/transactions?limit=4"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			pg := en.must(200, "GET", path, en.key, nil).obj(t)
			items := get(t, pg, "items").([]any)
			for _, it := range items {
				got = append(got, it.(map[string]any))
			}
			if pageNo == 1 {
				if len(items) != 4 || pg["has_more"] != true || pg["next_cursor"] == nil {
					t.Fatalf("first page: %d items, has_more %v, next_cursor %v", len(items), pg["has_more"], pg["next_cursor"])
				}
				cursor = pg["next_cursor"].(string)
				continue
			}
			if len(items) != 2 || pg["has_more"] != false || pg["next_cursor"] != nil {
				t.Fatalf("last page: %d items, has_more %v, next_cursor %v", len(items), pg["has_more"], pg["next_cursor"])
			}
			break
		}
		if len(got) != len(want) {
			t.Fatalf("%d transactions, want %d: %v", len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if g["id"] != w.id || g["kind"] != w.kind || g["direction"] != w.direction || str(t, g, "amount") != w.amount {
				t.Errorf("transaction %d: id %v kind %v direction %v amount %v; want %+v", i, g["id"], g["kind"], g["direction"], g["amount"], w)
			}
			if g["account"] != "available" || g["currency"] != "EUR" {
				t.Errorf("transaction %d: account %v currency %v", i, g["account"], g["currency"])
			}
		}
		if got[1]["reverses_transfer_id"] != c4 {
			t.Errorf("reversal's reverses_transfer_id %v, want %s", got[1]["reverses_transfer_id"], c4)
		}
		// The other recipient sees only its own credit.
		items := get(t, en.must(200, "GET", "/api/recipients/site_2/transactions", en.key, nil).obj(t), "items").([]any)
		if len(items) != 1 || str(t, items[0], "amount") != "99.00" {
			t.Errorf("site_2 transactions: %v", items)
		}
		// A recipient never credited has an empty list.
		en.createRecipient(en.key, "site_3", "EUR")
		r := en.must(200, "GET", "/api/recipients/site_3/transactions", en.key, nil)
		if !strings.Contains(string(r.Body), `"items":[]`) {
			t.Errorf("empty history: %s", r.Body)
		}
		wantProblem(t, en.do("GET", "/api/recipients/ghost/transactions", en.key, nil), 404, "not_found", "")
	})
}

func TestOrgPatchNameKeepsSettings(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		setOrgSettings(t, en, en.key, `{"minimum_withdrawal":{"EUR":"10.00"},"minimum_wait_days":3}`)
		o := en.must(200, "PATCH", "/api/org", en.key, `{"name":"Acme Renamed"}`).obj(t)
		if str(t, o, "name") != "Acme Renamed" || str(t, o, "settings.minimum_withdrawal.EUR") != "10.00" || num(t, o, "settings.minimum_wait_days") != 3 {
			t.Errorf("PATCH of the name only: %v", o)
		}
		g := en.must(200, "GET", "/api/org", en.key, nil).obj(t)
		if str(t, g, "name") != "Acme Renamed" || str(t, g, "settings.minimum_withdrawal.EUR") != "10.00" || num(t, g, "settings.minimum_wait_days") != 3 {
			t.Errorf("stored org: %v", g)
		}
		wantProblem(t, en.do("PATCH", "/api/org", en.key, `{"name":"  "}`), 422, "validation_failed", "name")
		if got := str(t, en.must(200, "GET", "/api/org", en.key, nil).obj(t), "name"); got != "Acme Renamed" {
			t.Errorf("blank rename stored %q", got)
		}
	})
}
