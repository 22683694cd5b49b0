package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// receiver is a webhook receiver on loopback that answers each delivery with the next status
// of a script (the last one repeats) and keeps what it received.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []delivered
	// script is the status of each answer in turn.
	script []int
	notify chan struct{}
}

type delivered struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, script ...int) *receiver {
	t.Helper()
	r := &receiver{script: script, notify: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, delivered{req.Header.Clone(), body})
		status := r.script[min(len(r.got)-1, len(r.script)-1)]
		r.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "receiver says "+http.StatusText(status))
		r.notify <- struct{}{}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// wait blocks until the receiver has n deliveries.
func (r *receiver) wait(t *testing.T, n int) []delivered {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		if len(r.got) >= n {
			out := append([]delivered(nil), r.got...)
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("receiver got %d deliveries, waited for %d", len(r.got), n)
		}
	}
}

// waitAttempts waits until an endpoint's delivery log holds n attempts.
func (en *env) waitAttempts(endpointID string, n int) {
	en.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		items := en.must(200, "GET", "/api/webhook_endpoints/"+endpointID+"/deliveries", en.key, nil).obj(en.t)["items"].([]any)
		if len(items) >= n {
			return
		}
		if time.Now().After(deadline) {
			en.t.Fatalf("endpoint %s logged %d attempts, waited for %d", endpointID, len(items), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// withWebhooks runs the env's webhook dispatcher and sender (test mode may reach loopback).
func (en *env) withWebhooks() {
	en.t.Helper()
	en.app.WebhookConfig = app.WebhookConfig{PollInterval: 10 * time.Millisecond, Timeout: 2 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { en.app.RunWebhooks(ctx); close(done) }()
	en.t.Cleanup(func() { cancel(); <-done })
}

// verify checks a delivery with the specification's own verifier and returns its envelope.
func verify(t *testing.T, secret string, d delivered) map[string]any {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(d.body, d.header); err != nil {
		t.Fatalf("the official verifier refuses the delivery: %v\n%v\n%s", err, d.header, d.body)
	}
	var env map[string]any
	if err := json.Unmarshal(d.body, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

func TestWebhookRetriesUntilDelivered(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withWebhooks()
		rcv := newReceiver(t, 500, 503, 200)
		ep := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": rcv.srv.URL + "/hook",
			"event_types": []string{"recipient.*"}, "description": "main"}).obj(t)
		secret := str(t, ep, "secret")
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("secret %q", secret)
		}
		if strings.Contains(string(en.must(200, "GET", "/api/webhook_endpoints/"+str(t, ep, "id"), en.key, nil).Body), secret) {
			t.Fatal("the secret is shown again")
		}
		t0 := time.Now().UTC()
		en.clock.Set(t0)
		en.createRecipient(en.key, "site_hook", "EUR")
		en.credit(en.key, "site_hook", "1.00", "EUR") // balance.credited: not wanted by the filter
		first := rcv.wait(t, 1)
		// The schedule: the second attempt 5 s later, the third 5 min after that. The clock
		// moves only once the attempt is logged, so that the next one is scheduled from it.
		en.waitAttempts(str(t, ep, "id"), 1)
		en.clock.Set(t0.Add(6 * time.Second))
		rcv.wait(t, 2)
		en.waitAttempts(str(t, ep, "id"), 2)
		en.clock.Set(t0.Add(6*time.Second + 5*time.Minute + time.Second))
		all := rcv.wait(t, 3)
		en.waitAttempts(str(t, ep, "id"), 3)
		en.clock.Set(t0.Add(time.Hour))
		time.Sleep(100 * time.Millisecond)
		if n := rcv.count(); n != 3 {
			t.Fatalf("%d deliveries after success, want 3", n)
		}
		id := first[0].header.Get("webhook-id")
		for i, d := range all {
			if d.header.Get("webhook-id") != id {
				t.Fatalf("attempt %d has webhook-id %q, want %q", i+1, d.header.Get("webhook-id"), id)
			}
			env := verify(t, secret, d)
			if env["type"] != "recipient.created" || env["id"] != id || get(t, env, "data.external_id") != "site_hook" {
				t.Fatalf("envelope %v", env)
			}
		}
		log := en.must(200, "GET", "/api/webhook_endpoints/"+str(t, ep, "id")+"/deliveries", en.key, nil).obj(t)
		items := log["items"].([]any)
		if len(items) != 3 {
			t.Fatalf("delivery log %v", log)
		}
		newest := items[0].(map[string]any)
		if num(t, newest, "status_code") != 200 || num(t, newest, "attempt") != 3 || !strings.Contains(str(t, newest, "response_body"), "receiver says OK") ||
			num(t, items[2].(map[string]any), "status_code") != 500 {
			t.Fatalf("delivery log %v", items)
		}
		// Redelivery: the same id again.
		en.must(200, "POST", "/api/events/"+id+"/redeliver", en.key, nil)
		again := rcv.wait(t, 4)
		if again[3].header.Get("webhook-id") != id {
			t.Fatalf("redelivered with id %q", again[3].header.Get("webhook-id"))
		}
		ev := en.must(200, "GET", "/api/events/"+id, en.key, nil).obj(t)
		if ev["type"] != "recipient.created" || num(t, ev, "version") != 1 {
			t.Fatalf("event %v", ev)
		}
		_, other := en.newOrg("Other")
		wantProblem(t, en.do("GET", "/api/events/"+id, other, nil), 404, "not_found", "")
		wantProblem(t, en.do("GET", "/api/webhook_endpoints/"+str(t, ep, "id"), other, nil), 404, "not_found", "")
	})
}

func TestWebhookEndpointDisabledByGone(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withWebhooks()
		en.must(200, "PATCH", "/api/org", en.key, `{"settings":{"notification_email":"ops@acme.example"}}`)
		gone := newReceiver(t, 410)
		ep := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": gone.srv.URL}).obj(t)
		en.createRecipient(en.key, "site_1", "EUR")
		gone.wait(t, 1)
		deadline := time.Now().Add(5 * time.Second)
		var got map[string]any
		for time.Now().Before(deadline) {
			got = en.must(200, "GET", "/api/webhook_endpoints/"+str(t, ep, "id"), en.key, nil).obj(t)
			if got["enabled"] == false {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got["enabled"] != false || !strings.Contains(str(t, got, "disabled_reason"), "410") {
			t.Fatalf("endpoint after 410: %v", got)
		}
		en.createRecipient(en.key, "site_2", "EUR")
		time.Sleep(200 * time.Millisecond)
		if n := gone.count(); n != 1 {
			t.Fatalf("a disabled endpoint got %d deliveries", n)
		}
		events := en.must(200, "GET", "/api/events?type=webhook_endpoint.disabled", en.key, nil).obj(t)["items"].([]any)
		if len(events) != 1 {
			t.Fatalf("disabled events %v", events)
		}
		deadline = time.Now().Add(5 * time.Second)
		for !strings.Contains(string(en.must(200, "GET", "/dev/outbox.json", "", nil).Body), "ops@acme.example") {
			if time.Now().After(deadline) {
				t.Fatal("the org was not emailed")
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Enabling it again clears the reason; new events flow.
		en.must(200, "PATCH", "/api/webhook_endpoints/"+str(t, ep, "id"), en.key, `{"enabled":true}`)
		en.createRecipient(en.key, "site_3", "EUR")
		gone.wait(t, 2)
	})
}

func TestWebhookSecretRotation(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withWebhooks()
		rcv := newReceiver(t, 200)
		ep := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": rcv.srv.URL}).obj(t)
		old := str(t, ep, "secret")
		rot := en.must(200, "POST", "/api/webhook_endpoints/"+str(t, ep, "id")+"/rotate_secret", en.key, nil).obj(t)
		fresh := str(t, rot, "secret")
		if fresh == old || fresh == "" {
			t.Fatalf("rotation gave %q", fresh)
		}
		en.createRecipient(en.key, "site_1", "EUR")
		d := rcv.wait(t, 1)[0]
		if sigs := strings.Fields(d.header.Get("webhook-signature")); len(sigs) != 2 {
			t.Fatalf("signatures during rotation: %q", d.header.Get("webhook-signature"))
		}
		verify(t, old, d)
		verify(t, fresh, d)
		// A day later only the new secret signs.
		en.clock.Set(time.Now().Add(25 * time.Hour))
		en.createRecipient(en.key, "site_2", "EUR")
		d = rcv.wait(t, 2)[1]
		if sigs := strings.Fields(d.header.Get("webhook-signature")); len(sigs) != 1 {
			t.Fatalf("signatures after the overlap: %q", d.header.Get("webhook-signature"))
		}
		verify(t, fresh, d)
	})
}

// TestPaymentWebhookURL: a payment's webhookUrl gets that payment's events, signed with the
// org's webhook secret, instead of the org's endpoints.
func TestPaymentWebhookURL(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withWebhooks()
		orgHook := newReceiver(t, 200)
		payHook := newReceiver(t, 200)
		en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": orgHook.srv.URL})
		// A read-only key may not use the secret's one showing up.
		ro := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin, "read_only")
		wantProblem(t, en.do("GET", "/api/webhook_secret", ro, nil), 403, "", "")
		secret := str(t, en.must(200, "GET", "/api/webhook_secret", en.key, nil).obj(t), "secret")
		wantProblem(t, en.do("GET", "/api/webhook_secret", en.key, nil), 409, "secret_already_shown", "")
		p := en.must(201, "POST", "/api/payments", en.key, map[string]any{"amount": "3.00", "currency": "EUR",
			"webhookUrl": payHook.srv.URL + "/payments"}).obj(t)
		en.must(201, "POST", "/api/payments", en.key, `{"amount":"4.00","currency":"EUR"}`)
		d := payHook.wait(t, 1)[0]
		env := verify(t, secret, d)
		if env["type"] != "payment.created" || get(t, env, "data.id") != p["id"] {
			t.Fatalf("payment webhook %v", env)
		}
		got := orgHook.wait(t, 1)
		time.Sleep(100 * time.Millisecond)
		if n := orgHook.count(); n != 1 || strings.Contains(string(got[0].body), str(t, p, "id")) {
			t.Fatalf("the org endpoint got the payment's own events (%d deliveries)", n)
		}
	})
}

func TestWebhookEndpointURLGuard(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		live := en.newKey(en.orgID, tenant.Live, org.RoleOrgAdmin)
		before := en.count("webhook_endpoints")
		for _, c := range []struct{ key, url string }{
			{live, "http://hooks.example.com/"}, {live, "https://127.0.0.1/"}, {live, "https://10.0.0.1/"},
			{live, "https://169.254.169.254/latest/meta-data"}, {live, "https://[::1]/"}, {live, "https://[::ffff:127.0.0.1]/"},
			{live, "https://localhost/"}, {en.key, "http://10.0.0.1/"}, {en.key, "http://169.254.169.254/"},
			{en.key, "ftp://example.com/"}, {en.key, "https://user:pw@example.com/"},
		} {
			wantProblem(t, en.do("POST", "/api/webhook_endpoints", c.key, map[string]any{"url": c.url}), 422, "validation_failed", "url")
		}
		wantProblem(t, en.do("POST", "/api/webhook_endpoints", en.key, map[string]any{"url": "https://example.com/", "event_types": []string{"nope.event"}}),
			422, "validation_failed", "event_types")
		if n := en.count("webhook_endpoints"); n != before {
			t.Fatalf("refused endpoints wrote %d rows", n-before)
		}
		en.must(201, "POST", "/api/webhook_endpoints", live, map[string]any{"url": "https://hooks.example.com/payport", "event_types": []string{"payment.*"}})
		en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": "http://127.0.0.1:3000/hook"})
	})
}

// TestWebhookEndpointDisabledAfterFiveDays: an endpoint that keeps failing is disabled once
// five days passed since its first failure without a success in between.
func TestWebhookEndpointDisabledAfterFiveDays(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.withWebhooks()
		down := newReceiver(t, 500)
		ep := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": down.srv.URL}).obj(t)
		id := str(t, ep, "id")
		t0 := time.Now().UTC()
		en.clock.Set(t0)
		en.createRecipient(en.key, "site_1", "EUR")
		en.waitAttempts(id, 1)
		if got := en.must(200, "GET", "/api/webhook_endpoints/"+id, en.key, nil).obj(t); got["enabled"] != true || got["failing_since"] == nil {
			t.Fatalf("after one failure: %v", got)
		}
		en.clock.Set(t0.Add(4 * 24 * time.Hour))
		en.createRecipient(en.key, "site_2", "EUR")
		en.waitAttempts(id, 3) // the first event's retry and the second's first attempt
		if got := en.must(200, "GET", "/api/webhook_endpoints/"+id, en.key, nil).obj(t); got["enabled"] != true {
			t.Fatalf("disabled after 4 days: %v", got)
		}
		en.clock.Set(t0.Add(5*24*time.Hour + time.Minute))
		en.createRecipient(en.key, "site_3", "EUR")
		deadline := time.Now().Add(5 * time.Second)
		for {
			got := en.must(200, "GET", "/api/webhook_endpoints/"+id, en.key, nil).obj(t)
			if got["enabled"] == false {
				if !strings.Contains(str(t, got, "disabled_reason"), "5 days") {
					t.Fatalf("reason %v", got["disabled_reason"])
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still enabled after 5 days of failures: %v", got)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
