package httpapi_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/payport/payport/internal/store/storetest"
)

func TestRecipientCreateEchoesFieldsAndReadsBack(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		r := en.must(201, "POST", "/api/recipients", en.key, `{
			"external_id": "site_42", "email": "ada@example.com", "name": "Ada Lovelace",
			"country": "GB", "currency": "GBP", "minimum_withdrawal_amount": "5",
			"metadata": {"plan": "pro", "meter": 12345678901234567890, "note": "<b>&"}}`)
		got := r.obj(t)
		for field, want := range map[string]string{
			"external_id": "site_42", "email": "ada@example.com", "name": "Ada Lovelace",
			"country": "GB", "currency": "GBP", "minimum_withdrawal_amount": "5.00",
		} {
			if s := str(t, got, field); s != want {
				t.Errorf("%s = %q, want %q", field, s, want)
			}
		}
		if got["livemode"] != false {
			t.Errorf("livemode = %v for a test key", got["livemode"])
		}
		id := str(t, got, "id")
		if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
			t.Errorf("id %q is not a UUID", id)
		}
		for _, f := range []string{"created_at", "updated_at"} {
			if _, err := time.Parse(time.RFC3339, str(t, got, f)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		// Metadata comes back exactly: the big integer keeps every digit, the markup is not escaped.
		body := string(r.Body)
		if !strings.Contains(body, `12345678901234567890`) || !strings.Contains(body, `"<b>&"`) {
			t.Errorf("metadata altered: %s", body)
		}

		// Reading by UUID and by external id gives the same recipient (members may come back in
		// another order: PostgreSQL keeps metadata as jsonb), with every digit kept.
		for _, ref := range []string{id, "site_42"} {
			g := en.must(200, "GET", "/api/recipients/"+ref, en.key, nil)
			read := g.obj(t)
			// Reading one recipient adds its identity status (seed 004 onboarding).
			if id, ok := read["identity"].(map[string]any); !ok || id["status"] != "unverified" {
				t.Errorf("GET %s: identity %v", ref, read["identity"])
			}
			delete(read, "identity")
			if !reflect.DeepEqual(read, got) {
				t.Errorf("GET %s:\n%s\nwant what the create answered:\n%s", ref, g.Body, r.Body)
			}
			if !strings.Contains(string(g.Body), `12345678901234567890`) {
				t.Errorf("GET %s altered the big integer: %s", ref, g.Body)
			}
		}
		// Without a minimum the member is null (the org default applies).
		plain := en.createRecipient(en.key, "site_43", "EUR")
		if v, ok := plain["minimum_withdrawal_amount"]; !ok || v != nil {
			t.Errorf("minimum_withdrawal_amount = %v (present %v), want null", v, ok)
		}
		if m, ok := plain["metadata"].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("metadata = %v, want {}", plain["metadata"])
		}
		// Amounts follow the currency's minor units.
		jpy := en.must(201, "POST", "/api/recipients", en.key, `{"external_id":"site_jp","currency":"JPY","minimum_withdrawal_amount":"500"}`).obj(t)
		if s := str(t, jpy, "minimum_withdrawal_amount"); s != "500" {
			t.Errorf("JPY minimum %q, want 500", s)
		}
		wantProblem(t, en.do("POST", "/api/recipients", en.key, `{"external_id":"site_jp2","currency":"JPY","minimum_withdrawal_amount":"5.5"}`),
			422, "validation_failed", "minimum_withdrawal_amount")
	})
}

// An external id that looks like another recipient's UUID still reaches each recipient one way:
// the UUID wins.
func TestRecipientUUIDWinsOverExternalID(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		first := en.createRecipient(en.key, "site_1", "EUR")
		id := str(t, first, "id")
		second := en.createRecipient(en.key, id, "GBP")
		if got := str(t, en.must(200, "GET", "/api/recipients/"+id, en.key, nil).obj(t), "external_id"); got != "site_1" {
			t.Errorf("GET by UUID reached %q, want site_1", got)
		}
		if got := str(t, en.must(200, "GET", "/api/recipients/"+str(t, second, "id"), en.key, nil).obj(t), "external_id"); got != id {
			t.Errorf("second recipient by its UUID: %q", got)
		}
	})
}

func TestRecipientPatch(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		created := en.must(201, "POST", "/api/recipients", en.key,
			`{"external_id":"site_1","currency":"EUR","email":"ada@example.com","name":"Ada","country":"DE","minimum_withdrawal_amount":"3.00","metadata":{"a":"b"}}`).obj(t)
		id := str(t, created, "id")

		p := en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"email":"grace@example.com"}`).obj(t)
		if s := str(t, p, "email"); s != "grace@example.com" {
			t.Errorf("email %q after PATCH", s)
		}
		for _, f := range []string{"name", "country", "currency", "minimum_withdrawal_amount", "external_id", "id"} {
			if p[f] != created[f] {
				t.Errorf("PATCH of email changed %s: %v -> %v", f, created[f], p[f])
			}
		}
		if str(t, p, "updated_at") == str(t, created, "updated_at") {
			t.Errorf("updated_at did not move")
		}

		// null clears the minimum; the change is stored, not only echoed.
		p = en.must(200, "PATCH", "/api/recipients/"+id, en.key, `{"minimum_withdrawal_amount":null}`).obj(t)
		if v, ok := p["minimum_withdrawal_amount"]; !ok || v != nil {
			t.Errorf("minimum_withdrawal_amount = %v after null, want null", v)
		}
		g := en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t)
		if g["minimum_withdrawal_amount"] != nil {
			t.Errorf("stored minimum %v after null", g["minimum_withdrawal_amount"])
		}
		if str(t, g, "email") != "grace@example.com" {
			t.Errorf("email %v", g["email"])
		}
		// A new minimum is formatted in the currency's minor units.
		p = en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"minimum_withdrawal_amount":"7.5"}`).obj(t)
		if s := str(t, p, "minimum_withdrawal_amount"); s != "7.50" {
			t.Errorf("minimum %q, want 7.50", s)
		}

		// Currency and external id cannot change; invalid values are refused; nothing is written.
		before := en.counts()
		wantProblem(t, en.do("PATCH", "/api/recipients/site_1", en.key, `{"currency":"USD"}`), 422, "validation_failed", "currency")
		wantProblem(t, en.do("PATCH", "/api/recipients/site_1", en.key, `{"external_id":"site_9"}`), 422, "validation_failed", "external_id")
		wantProblem(t, en.do("PATCH", "/api/recipients/site_1", en.key, `{"email":"nope"}`), 422, "validation_failed", "email")
		wantProblem(t, en.do("PATCH", "/api/recipients/site_1", en.key, `{"country":"XX"}`), 422, "validation_failed", "country")
		wantProblem(t, en.do("PATCH", "/api/recipients/site_1", en.key, `{"minimum_withdrawal_amount":"1.001"}`), 422, "validation_failed", "minimum_withdrawal_amount")
		wantProblem(t, en.do("PATCH", "/api/recipients/site_1", en.key, `{"metadata":{"x":[1]}}`), 422, "validation_failed", "metadata.x")
		wantProblem(t, en.do("PATCH", "/api/recipients/ghost", en.key, `{"email":"a@example.com"}`), 404, "not_found", "")
		sameCounts(t, "refused PATCH", before, en.counts())
		g = en.must(200, "GET", "/api/recipients/site_1", en.key, nil).obj(t)
		for f, want := range map[string]string{"currency": "EUR", "external_id": "site_1", "email": "grace@example.com",
			"country": "DE", "minimum_withdrawal_amount": "7.50"} {
			if s := str(t, g, f); s != want {
				t.Errorf("after refused PATCHes %s = %q, want %q", f, s, want)
			}
		}
		if str(t, g, "metadata.a") != "b" {
			t.Errorf("metadata %v", g["metadata"])
		}
		// Metadata is replaced as a whole.
		p = en.must(200, "PATCH", "/api/recipients/site_1", en.key, `{"metadata":{"c":"d"}}`).obj(t)
		if m := p["metadata"].(map[string]any); len(m) != 1 || m["c"] != "d" {
			t.Errorf("metadata after PATCH %v, want {c:d}", m)
		}
	})
}

func TestRecipientListPages(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		var want []string
		for _, ext := range []string{"r1", "r2", "r3", "r4", "r5"} {
			want = append(want, str(t, en.createRecipient(en.key, ext, "EUR"), "id"))
		}
		// Noise that must not show: another org's recipient.
		_, other := en.newOrg("Other Co")
		en.createRecipient(other, "x1", "EUR")

		var got []string
		seen := map[string]int{}
		cursor := ""
		for pageNo := 1; ; pageNo++ {
			if pageNo > 5 {
				t.Fatal("paging does not end")
			}
			path := "/api/recipients?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			pg := en.must(200, "GET", path, en.key, nil).obj(t)
			items := get(t, pg, "items").([]any)
			hasMore := pg["has_more"]
			next, present := pg["next_cursor"]
			if !present {
				t.Fatalf("page %d has no next_cursor member", pageNo)
			}
			for _, it := range items {
				id := str(t, it, "id")
				got = append(got, id)
				seen[id]++
			}
			if pageNo < 3 {
				if len(items) != 2 || hasMore != true || next == nil || next == "" {
					t.Fatalf("page %d: %d items, has_more %v, next_cursor %v; want 2, true, a cursor", pageNo, len(items), hasMore, next)
				}
				cursor = next.(string)
				continue
			}
			if len(items) != 1 || hasMore != false || next != nil {
				t.Fatalf("last page: %d items, has_more %v, next_cursor %v; want 1, false, null", len(items), hasMore, next)
			}
			break
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("paged ids\n%v\nwant oldest first, each once\n%v", got, want)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("recipient %s listed %d times", id, n)
			}
		}
		// Exactly a page's worth: has_more false on the page that ends the list.
		pg := en.must(200, "GET", "/api/recipients?limit=5", en.key, nil).obj(t)
		if len(get(t, pg, "items").([]any)) != 5 || pg["has_more"] != false || pg["next_cursor"] != nil {
			t.Errorf("limit=5 over 5 recipients: %v", pg)
		}
		// The default page holds them all.
		if items := get(t, en.must(200, "GET", "/api/recipients", en.key, nil).obj(t), "items").([]any); len(items) != 5 {
			t.Errorf("default page has %d items, want 5", len(items))
		}
		// An empty org lists an empty array, not null.
		_, empty := en.newOrg("Empty Co")
		r := en.must(200, "GET", "/api/recipients", empty, nil)
		if !strings.Contains(string(r.Body), `"items":[]`) {
			t.Errorf("empty listing: %s", r.Body)
		}
	})
}
