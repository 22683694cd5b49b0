package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// auditEntry is an entry as GET /api/audit answers it.
type auditEntry struct {
	ID    string `json:"id"`
	Actor struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		RecipientID string `json:"recipient_id"`
	} `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Mode       string    `json:"mode"`
	Detail     string    `json:"detail"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
}

type auditPage struct {
	Items      []auditEntry `json:"items"`
	HasMore    bool         `json:"has_more"`
	NextCursor *string      `json:"next_cursor"`
}

// audit reads GET /api/audit with a query.
func (en *env) audit(key, query string) auditPage {
	en.t.Helper()
	var p auditPage
	en.must(200, "GET", "/api/audit?"+query, key, nil).into(en.t, &p)
	return p
}

// auditOf is the one entry of an object, failing unless there is exactly one.
func (en *env) auditOf(key, objectID string) auditEntry {
	en.t.Helper()
	p := en.audit(key, "object_id="+url.QueryEscape(objectID))
	if len(p.Items) != 1 {
		en.t.Fatalf("object %s has %d audit entries, want 1: %+v", objectID, len(p.Items), p.Items)
	}
	return p.Items[0]
}

// keyID is the id of an API key secret.
func (en *env) keyID(secret string) string {
	en.t.Helper()
	k, err := en.app.Authenticate(context.Background(), secret)
	if err != nil {
		en.t.Fatal(err)
	}
	return k.ID
}

func wantActor(t *testing.T, e auditEntry, typ, id, action string) {
	t.Helper()
	if e.Actor.Type != typ || e.Actor.ID != id || e.Action != action {
		t.Fatalf("entry %+v: want %s %s doing %s", e, typ, id, action)
	}
	if e.CreatedAt.IsZero() {
		t.Fatalf("entry %+v has no time", e)
	}
}

func TestAuditLogNamesTheAPIKey(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withSMTP()
		keyID := en.keyID(en.key)
		// Org-wide entries (settings, revocations, the dashboard's) are read with a live key: a
		// test key reads its own mode's entries only.
		orgWide := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		if p := en.audit(en.key, ""); len(p.Items) != 0 {
			t.Fatalf("a new org's log holds %+v", p.Items)
		}

		rec := en.createRecipient(en.key, "site_1", "EUR")
		got := en.auditOf(en.key, str(t, rec, "id"))
		wantActor(t, got, "api_key", keyID, "recipient.created")
		if got.ObjectType != "recipient" || got.Mode != "test" || got.IP == "" {
			t.Fatalf("recipient entry %+v", got)
		}

		// A credit: one entry naming the transfer.
		transfer := en.credit(en.key, "site_1", "12.34", "EUR")
		got = en.auditOf(en.key, transfer)
		wantActor(t, got, "api_key", keyID, "balance.credited")
		if got.ObjectType != "transfer" {
			t.Fatalf("credit entry %+v", got)
		}

		// An idempotent replay writes no second entry; a rejected credit writes none.
		before := en.count("audit_log")
		body := map[string]any{"amount": "1.00", "currency": "EUR"}
		first := en.must(201, "POST", "/api/recipients/site_1/credits", en.key, body, "Idempotency-Key", "k-1")
		en.must(200, "POST", "/api/recipients/site_1/credits", en.key, body, "Idempotency-Key", "k-1") // replayed
		if n := en.count("audit_log"); n != before+1 {
			t.Fatalf("a credit sent twice with one Idempotency-Key wrote %d entries, want 1", n-before)
		}
		en.auditOf(en.key, str(t, first.obj(t), "transfer.id"))
		before = en.count("audit_log")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key, map[string]any{"amount": "1.001", "currency": "EUR"}), 422, "validation_failed", "amount")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/adjustments", en.key, map[string]any{"amount": "-999.00", "currency": "EUR", "description": "x"}), 409, "insufficient_funds", "amount")
		wantProblem(t, en.do("PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"-1"}}}`), 422, "validation_failed", anyField)
		if n := en.count("audit_log"); n != before {
			t.Fatalf("rejected requests wrote %d audit entries", n-before)
		}

		// A payment link created and revoked: one entry each.
		l := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": en.orgID,
			"payment_amount": 10.5, "currency": "EUR"}).obj(t)
		linkID := str(t, l, "id")
		en.must(200, "DELETE", "/payment-links/"+linkID, en.key, nil)
		p := en.audit(en.key, "object_id="+linkID)
		if len(p.Items) != 2 {
			t.Fatalf("link entries %+v", p.Items)
		}
		wantActor(t, p.Items[0], "api_key", keyID, "payment_link.revoked") // newest first
		wantActor(t, p.Items[1], "api_key", keyID, "payment_link.created")

		// A key: its entry never holds its secret.
		nk := en.must(201, "POST", "/api/api_keys", en.key, map[string]any{"name": "ci"}).obj(t)
		got = en.auditOf(en.key, str(t, nk, "id"))
		wantActor(t, got, "api_key", keyID, "api_key.create")
		if strings.Contains(got.Detail, str(t, nk, "secret")) {
			t.Fatalf("the key's secret is in the log: %q", got.Detail)
		}
		// Revoked with its own secret: the new key is the actor, and the entry is org-wide.
		en.must(204, "DELETE", "/api/api_keys/"+str(t, nk, "id"), str(t, nk, "secret"), nil)
		if n := len(en.audit(en.key, "action=api_key.revoke").Items); n != 0 {
			t.Fatalf("a test key reads %d org-wide entries", n)
		}
		revoked := en.audit(orgWide, "action=api_key.revoke").Items
		if len(revoked) != 1 || revoked[0].Actor.ID != str(t, nk, "id") || revoked[0].ObjectID != str(t, nk, "id") || revoked[0].Mode != "" {
			t.Fatalf("revoke entries %+v", revoked)
		}

		// An endpoint: its secret and any token in its URL stay out of the log.
		ep := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": "http://127.0.0.1:9/hook?token=s3cr3t-token"}).obj(t)
		got = en.auditOf(en.key, str(t, ep, "id"))
		wantActor(t, got, "api_key", keyID, "webhook_endpoint.create")
		if got.Detail != "http://127.0.0.1:9/hook" {
			t.Fatalf("endpoint detail %q", got.Detail)
		}

		// Settings: an org-wide entry naming what changed.
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"10.00"}}}`)
		got = en.audit(orgWide, "action=org.settings").Items[0]
		wantActor(t, got, "api_key", keyID, "org.settings")
		if got.ObjectID != en.orgID || got.Mode != "" || got.Detail != "minimum_withdrawal" {
			t.Fatalf("settings entry %+v", got)
		}

		// Filters and pages: newest first, one at a time, to the end.
		all := en.audit(en.key, "limit=100").Items
		var seen []string
		cursor := ""
		for {
			p := en.audit(en.key, "limit=2&cursor="+url.QueryEscape(cursor))
			for _, it := range p.Items {
				seen = append(seen, it.ID)
			}
			if !p.HasMore {
				break
			}
			cursor = *p.NextCursor
		}
		if len(seen) != len(all) || len(all) != 7 { // the test mode's: the org-wide two are not among them
			t.Fatalf("pages gave %d entries, one page %d, want 7", len(seen), len(all))
		}
		for i := range all {
			if all[i].ID != seen[i] || (i > 0 && all[i].ID >= all[i-1].ID) {
				t.Fatalf("entry %d: pages and list disagree or are not newest first", i)
			}
		}
		if p := en.audit(en.key, "action=balance.credited&actor_type=api_key&actor_id="+keyID); len(p.Items) != 2 {
			t.Fatalf("credits by the key: %d", len(p.Items))
		}
		if p := en.audit(en.key, "actor_type=portal_session"); len(p.Items) != 0 {
			t.Fatalf("portal entries: %+v", p.Items)
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		if p := en.audit(en.key, "created_gte="+future); len(p.Items) != 0 {
			t.Fatalf("entries from the future: %d", len(p.Items))
		}
		if p := en.audit(en.key, "created_lt="+future); len(p.Items) != 7 {
			t.Fatalf("entries before now: %d", len(p.Items))
		}
		wantProblem(t, en.do("GET", "/api/audit?created_gte="+future+"&created_lt="+future, en.key, nil), 422, "validation_failed", "created_lt")
		wantProblem(t, en.do("GET", "/api/audit?actor_type=robot", en.key, nil), 422, "", anyField)

		// Another org's key reads nothing of this org, not even by object id; a live key of
		// this org reads the org-wide entries only; a key without scopes may still read.
		_, otherKey := en.newOrg("Other")
		if p := en.audit(otherKey, ""); len(p.Items) != 0 {
			t.Fatalf("another org reads %+v", p.Items)
		}
		if p := en.audit(otherKey, "object_id="+transfer); len(p.Items) != 0 {
			t.Fatalf("another org reads the transfer's entry")
		}
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		for _, it := range en.audit(live, "limit=100").Items {
			if it.Mode != "" {
				t.Fatalf("a live key reads a test entry: %+v", it)
			}
		}
		readOnly := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "read_only")
		if p := en.audit(readOnly, "limit=100"); len(p.Items) != 7 {
			t.Fatalf("a read-only key reads %d entries", len(p.Items))
		}
		wantProblem(t, en.do("GET", "/api/audit", "", nil), 401, "", anyField)
		if doc := string(en.must(200, "GET", "/openapi.json", "", nil).Body); !strings.Contains(doc, `"/api/audit"`) || !strings.Contains(doc, "list-audit-entries") {
			t.Fatal("GET /api/audit is not in the OpenAPI document")
		}
	})
}

// A recipient acting in the hosted portal is audited as its portal session, for its recipient.
func TestAuditLogNamesThePortalSession(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		rec := en.createRecipient(en.key, "site_1", "EUR")
		recipientID := str(t, rec, "id")
		en.credit(en.key, "site_1", "50.00", "EUR")
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"minimum_withdrawal":{"EUR":"10.00"}}}`)

		b := en.browser()
		visit(t, b, en.portalURL(""))
		sessions := en.audit(en.key, "action=portal_session.open").Items
		if len(sessions) != 1 || sessions[0].Actor.Type != "portal_session" || sessions[0].Actor.RecipientID != recipientID {
			t.Fatalf("session entries %+v", sessions)
		}
		session := sessions[0].Actor.ID

		// A bank account added: one entry; the IBAN is nowhere in the log.
		_, page := visit(t, b, en.srv.URL+"/rewards/setup?country=DE")
		csrf := csrfRE.FindStringSubmatch(page)[1]
		before := en.count("audit_log")
		iban := ibanEnding("0000")
		if res, _ := en.postForm(b, "/rewards/setup", url.Values{"csrf": {csrf}, "country": {"DE"}, "holder_name": {"Ada Lovelace"}, "iban": {"DE89 3704 0044 0532 0130 01"}}); res.StatusCode != 422 {
			t.Fatalf("bad IBAN: %d", res.StatusCode)
		}
		if n := en.count("audit_log"); n != before {
			t.Fatalf("a refused bank account wrote %d audit entries", n-before)
		}
		if res, _ := en.postForm(b, "/rewards/setup", url.Values{"csrf": {csrf}, "country": {"DE"}, "holder_name": {"Ada Lovelace"}, "iban": {iban}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("good IBAN: %d", res.StatusCode)
		}
		methods := en.audit(en.key, "action=payout_method.created").Items
		if len(methods) != 1 {
			t.Fatalf("payout method entries %+v", methods)
		}
		wantActor(t, methods[0], "portal_session", session, "payout_method.created")
		if methods[0].Actor.RecipientID != recipientID || methods[0].ObjectType != "payout_method" || methods[0].IP == "" {
			t.Fatalf("payout method entry %+v", methods[0])
		}

		// A withdrawal submitted twice (a double click): one entry, for the payment.
		_, page = visit(t, b, en.srv.URL+"/rewards/withdraw")
		csrf = csrfRE.FindStringSubmatch(page)[1]
		_, body := en.postForm(b, "/rewards/withdraw/confirm", url.Values{"csrf": {csrf}, "amount": {"20.00"}})
		formID := regexp.MustCompile(`name="form_id" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
		form := url.Values{"csrf": {csrf}, "amount": {"20.00"}, "form_id": {formID}}
		r1, _ := en.postForm(b, "/rewards/withdraw", form)
		en.postForm(b, "/rewards/withdraw", form)
		if r1.StatusCode != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", r1.StatusCode)
		}
		var payments struct {
			Items []struct{ ID string } `json:"items"`
		}
		en.must(200, "GET", "/api/payments", en.key, nil).into(t, &payments)
		if len(payments.Items) != 1 {
			t.Fatalf("payments %+v", payments.Items)
		}
		paymentID := payments.Items[0].ID
		en.waitPayment(en.key, paymentID, "succeeded")
		got := en.auditOf(en.key, paymentID) // the sandbox settling it is Payport's own work
		wantActor(t, got, "portal_session", session, "withdrawal.requested")
		if got.Actor.RecipientID != recipientID || got.ObjectType != "payment" || got.Mode != "test" {
			t.Fatalf("withdrawal entry %+v", got)
		}
		if p := en.audit(en.key, "actor_id="+session); len(p.Items) != 3 {
			t.Fatalf("the session's entries: %+v", p.Items)
		}

		// No detail holds the account number, in any spacing.
		digits := strings.ReplaceAll(iban, " ", "")
		for _, d := range strings.Split(en.auditDetails(en.orgID), "\n") {
			if strings.Contains(strings.ReplaceAll(d, " ", ""), digits[4:]) {
				t.Fatalf("bank details in the log: %q", d)
			}
		}
	})
}

// Credits batched together by the ledger each keep their own entry and actor.
func TestAuditLogConcurrentCredits(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		other := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin)
		keys := map[string]string{en.keyID(en.key): en.key, en.keyID(other): other}
		const each = 20
		errs := make(chan error, 2*each)
		k := 0
		for _, secret := range keys {
			k++
			k := k
			for i := range each {
				go func() {
					r, err := en.send("POST", "/api/recipients/site_1/credits", secret, map[string]any{"amount": "1.00", "currency": "EUR"},
						"Idempotency-Key", fmt.Sprintf("c-%d-%d", k, i)) // idempotency keys are per org
					if err == nil && r.Status != 201 {
						err = fmt.Errorf("credit: %s", r)
					}
					errs <- err
				}()
			}
		}
		for range 2 * each {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for id := range keys {
			if p := en.audit(en.key, "limit=100&action=balance.credited&actor_id="+id); len(p.Items) != each {
				t.Fatalf("key %s has %d credit entries, want %d", id, len(p.Items), each)
			}
		}
		if n := en.count("ledger_transfers"); n != 2*each {
			t.Fatalf("%d transfers", n)
		}
	})
}

// The dashboard's audit page shows API keys and members alike, and the API reads the members'
// entries (org-wide) beside the keys'.
func TestAuditLogDashboardShowsEveryActor(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en, sink := dashEnv(t, e)
		memberID := en.newMember(en.orgID, "ada@example.com", member.RoleOrgAdmin)
		keyID := en.keyID(en.key)
		en.createRecipient(en.key, "site_1", "EUR")
		d := en.signIn(sink, "ada@example.com")
		_, page := d.get("/dashboard/audit")
		if !strings.Contains(page, "<code>api_key</code> <code>"+keyID+"</code>") || !strings.Contains(page, "recipient.created") ||
			!strings.Contains(page, "ada@example.com") {
			t.Fatalf("audit page:\n%s", page)
		}
		if n := len(en.audit(en.key, "actor_type=member").Items); n != 0 {
			t.Fatalf("a test key reads %d dashboard entries", n)
		}
		signIns := en.audit(en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin), "actor_type=member&action=member.sign_in").Items
		if len(signIns) != 1 || signIns[0].Actor.ID != memberID || signIns[0].Mode != "" {
			t.Fatalf("sign-in entries %+v", signIns)
		}
	})
}
