package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store/storetest"
)

// TestWebhooksStartWithTheEndpoint: an endpoint receives the events recorded after it was
// created, never the ones before (those were recorded dispatched, as nothing could take them),
// whatever the moment the dispatcher runs.
func TestWebhooksStartWithTheEndpoint(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a, scope, r := newOrg(t, e)
			ctx := context.Background()
			withSealer(t, a)
			var mu sync.Mutex
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				body, _ := io.ReadAll(req.Body)
				var env struct {
					Type string `json:"type"`
					Data struct {
						Transfer struct {
							Amount string `json:"amount"`
						} `json:"transfer"`
					} `json:"data"`
				}
				_ = json.Unmarshal(body, &env)
				mu.Lock()
				got = append(got, env.Type+" "+env.Data.Transfer.Amount)
				mu.Unlock()
			}))
			defer srv.Close()

			// Before any endpoint: nothing to route, so the dispatcher has nothing to do.
			if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "1.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
				t.Fatal(err)
			}
			if n, err := a.WebhookRound(ctx); err != nil || n != 0 {
				t.Fatalf("round before any endpoint: %d %v", n, err)
			}
			if _, err := a.CreateWebhookEndpoint(ctx, scope, app.WebhookEndpointInput{URL: ptr(srv.URL + "/hook"),
				EventTypes: ptr([]string{"balance.credited"})}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "2.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
				t.Fatal(err)
			}
			loop, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { a.RunWebhooks(loop); close(done) }()
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if n >= 1 || time.Now().After(deadline) {
					break
				}
			}
			// More rounds: the first credit must not arrive late either.
			for range 3 {
				if _, err := a.WebhookRound(ctx); err != nil {
					t.Fatal(err)
				}
			}
			stop()
			<-done
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0] != "balance.credited 2.00" {
				t.Fatalf("deliveries %q, want only the credit made after the endpoint", got)
			}
		})
	}
}

// TestHangingReceiverDelaysNobody: a receiver that does not answer holds its own delivery
// (until the timeout), not the others: events recorded meanwhile reach a healthy endpoint, and
// the hanging delivery is recorded when it ends.
func TestHangingReceiverDelaysNobody(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a, scope, r := newOrg(t, e)
			ctx := context.Background()
			withSealer(t, a)
			a.WebhookConfig = app.WebhookConfig{Timeout: time.Minute, PollInterval: 10 * time.Millisecond}
			release := make(chan struct{})
			var hung sync.Once
			hanging := make(chan struct{})
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				hung.Do(func() { close(hanging) })
				<-release
			}))
			defer slow.Close()
			defer func() { // before slow.Close, which waits for its handlers
				select {
				case <-release:
				default:
					close(release)
				}
			}()
			var mu sync.Mutex
			var fastGot []string
			fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				mu.Lock()
				fastGot = append(fastGot, req.Header.Get("webhook-id"))
				mu.Unlock()
			}))
			defer fast.Close()
			var slowID string
			for _, u := range []string{slow.URL, fast.URL} {
				ep, err := a.CreateWebhookEndpoint(ctx, scope, app.WebhookEndpointInput{URL: ptr(u + "/hook"),
					EventTypes: ptr([]string{"balance.credited"})})
				if err != nil {
					t.Fatal(err)
				}
				if slowID == "" {
					slowID = ep.ID
				}
			}
			loop, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { a.RunWebhooks(loop); close(done) }()
			defer func() { stop(); <-done }()

			credit := func() {
				if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "1.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
					t.Fatal(err)
				}
			}
			credit()
			select {
			case <-hanging:
			case <-time.After(30 * time.Second):
				t.Fatal("the slow receiver was never called")
			}
			// While the first delivery to the slow receiver hangs, two more credits.
			credit()
			credit()
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				mu.Lock()
				n := len(fastGot)
				mu.Unlock()
				if n >= 3 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the healthy endpoint got %d of 3 events while another receiver hung", n)
				}
			}
			// The slow receiver answers at last: its first delivery is recorded on its own,
			// and the next two follow.
			close(release)
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				attempts, _, err := a.ListDeliveries(ctx, scope, slowID, "", 10)
				if err != nil {
					t.Fatal(err)
				}
				ok := 0
				for _, at := range attempts {
					if at.StatusCode == 200 {
						ok++
					}
				}
				if ok == 3 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("slow endpoint attempts %+v, want 3 successes", attempts)
				}
			}
		})
	}
}

// withSealer gives the app a master key (webhook secrets are sealed under it).
func withSealer(t testing.TB, a *app.App) {
	t.Helper()
	kr, err := secret.NewKeyring(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	a.Sealer = kr
}
