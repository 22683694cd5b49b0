package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// webhookBench is an app with one endpoint on a loopback receiver that answers 200 at once and
// notes when each event arrived.
type webhookBench struct {
	a        *app.App
	scope    tenant.Scope
	received atomic.Int64
	mu       sync.Mutex
	delays   []time.Duration
	stop     func()
}

func newWebhookBench(b *testing.B, e storetest.Engine) *webhookBench {
	wb := &webhookBench{}
	a, scope, _ := newOrg(b, e)
	wb.scope = scope
	kr, err := secret.NewKeyring(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	a.Sealer = kr
	a.WebhookConfig = app.WebhookConfig{} // the defaults `payport serve` runs with (50 ms idle poll)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env struct {
			CreatedAt time.Time `json:"created_at"`
		}
		_ = json.Unmarshal(body, &env)
		wb.mu.Lock()
		wb.delays = append(wb.delays, time.Since(env.CreatedAt))
		wb.mu.Unlock()
		wb.received.Add(1)
	}))
	b.Cleanup(srv.Close)
	if _, err := a.CreateWebhookEndpoint(context.Background(), scope, app.WebhookEndpointInput{URL: ptr(srv.URL + "/hook"),
		EventTypes: ptr([]string{"recipient.created"})}); err != nil {
		b.Fatal(err)
	}
	// The first delivery, once the loop runs (newOrg's recipient came before the endpoint).
	if _, err := a.CreateRecipient(context.Background(), scope, app.RecipientInput{ExternalID: ptr("warm_up"), Currency: ptr("EUR")}); err != nil {
		b.Fatal(err)
	}
	wb.a = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.RunWebhooks(ctx); close(done) }()
	wb.stop = func() { cancel(); <-done }
	b.Cleanup(wb.stop)
	wb.waitFor(b, 1)
	wb.mu.Lock()
	wb.delays = nil
	wb.mu.Unlock()
	wb.received.Store(0)
	return wb
}

func (wb *webhookBench) waitFor(b *testing.B, n int64) {
	deadline := time.Now().Add(5 * time.Minute)
	for wb.received.Load() < n {
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d", wb.received.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkWebhookThroughput measures deliveries per second to a loopback receiver: b.N
// recipient.created events are committed up front (16 goroutines), then the dispatcher and
// sender deliver them all.
//
//	go test -run '^$' -bench WebhookThroughput -benchtime 5000x ./internal/app/
func BenchmarkWebhookThroughput(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			wb := newWebhookBench(b, e)
			wb.stop() // the backlog first, then delivery alone is timed
			scope := wb.scope
			var wg sync.WaitGroup
			var next atomic.Int64
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						if _, err := wb.a.CreateRecipient(context.Background(), scope, app.RecipientInput{ExternalID: ptr(fmt.Sprintf("r%d", i)), Currency: ptr("EUR")}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			b.ResetTimer()
			start := time.Now()
			go func() { wb.a.RunWebhooks(ctx); close(done) }()
			wb.waitFor(b, int64(b.N))
			elapsed := time.Since(start)
			b.StopTimer()
			cancel()
			<-done
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkWebhookLatency measures the delay from an event's commit to its first delivery
// attempt arriving at a loopback receiver, for events committed one at a time every 5 ms.
//
//	go test -run '^$' -bench WebhookLatency -benchtime 400x ./internal/app/
func BenchmarkWebhookLatency(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			wb := newWebhookBench(b, e)
			scope := wb.scope
			b.ResetTimer()
			for i := range b.N {
				if _, err := wb.a.CreateRecipient(context.Background(), scope, app.RecipientInput{ExternalID: ptr(fmt.Sprintf("l%d", i)), Currency: ptr("EUR")}); err != nil {
					b.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond)
			}
			wb.waitFor(b, int64(b.N))
			b.StopTimer()
			wb.mu.Lock()
			d := append([]time.Duration(nil), wb.delays...)
			wb.mu.Unlock()
			sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
			b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99_ms")
		})
	}
}
