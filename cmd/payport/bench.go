package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// BenchLedgerCmd load-tests ledger credits over HTTP against a running server, from this
// (second) process, and prints credits per second with latency percentiles. It is bounded in
// time and only talks to the given URL (use a loopback address).
type BenchLedgerCmd struct {
	URL         string        `default:"http://127.0.0.1:8080" help:"Base URL of a running payport server."`
	Key         string        `env:"PAYPORT_KEY" required:"" help:"An org-admin API key with the rewards scope."`
	Clients     int           `default:"16" help:"Concurrent clients."`
	Recipients  int           `default:"64" help:"Recipients the credits are spread over."`
	Duration    time.Duration `default:"20s" help:"How long to run (at most 10m)."`
	Idempotency bool          `help:"Send a fresh Idempotency-Key with every credit."`
	JSON        bool          `name:"json" help:"Print the result as JSON."`
}

// BenchResult is what a run measured.
type BenchResult struct {
	Clients     int     `json:"clients"`
	Recipients  int     `json:"recipients"`
	Idempotency bool    `json:"idempotency"`
	Seconds     float64 `json:"seconds"`
	Credits     int64   `json:"credits"`
	Errors      int64   `json:"errors"`
	PerSecond   float64 `json:"credits_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
}

// Run implements the command.
func (c *BenchLedgerCmd) Run(ctx context.Context) error {
	if c.Duration > 10*time.Minute || c.Duration <= 0 {
		return errors.New("--duration must be between 0 and 10m")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Clients * 2}, Timeout: 30 * time.Second}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	ids := make([]string, c.Recipients)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench_%d", i)
		body := fmt.Sprintf(`{"external_id":%q,"currency":"EUR","email":"bench%d@example.com"}`, ids[i], i)
		status, resp, err := c.post(ctx, client, "/api/recipients", body, "")
		if err != nil {
			return err
		}
		if status != http.StatusCreated && status != http.StatusConflict {
			return fmt.Errorf("create recipient: %d %s", status, resp)
		}
	}
	start := time.Now()
	credits, failures, lat := closedLoop(ctx, c.Clients, c.Duration, func(w, n int) bool {
		rid := ids[(w+n*c.Clients)%len(ids)]
		key := ""
		if c.Idempotency {
			key = fmt.Sprintf("bench-%s-%d-%d", run, w, n)
		}
		status, _, err := c.post(ctx, client, "/api/recipients/"+rid+"/credits", `{"amount":"0.01","currency":"EUR","description":"bench"}`, key)
		return err == nil && status == http.StatusCreated
	})
	elapsed := time.Since(start).Seconds()
	p := percentiles(lat)
	res := BenchResult{Clients: c.Clients, Recipients: c.Recipients, Idempotency: c.Idempotency, Seconds: elapsed,
		Credits: credits, Errors: failures, PerSecond: float64(credits) / elapsed,
		P50ms: p.p50, P99ms: p.p99, MaxMs: p.max}
	if c.JSON {
		return printJSON(res)
	}
	fmt.Fprintf(os.Stdout, "credits: %d in %.1fs = %.0f/s  p50 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d  (clients %d, recipients %d, idempotency keys %v)\n",
		res.Credits, res.Seconds, res.PerSecond, res.P50ms, res.P99ms, res.MaxMs, res.Errors, res.Clients, res.Recipients, res.Idempotency)
	return nil
}

func (c *BenchLedgerCmd) post(ctx context.Context, client *http.Client, path, body, idemKey string) (int, []byte, error) {
	return c.do(ctx, client, http.MethodPost, path, body, idemKey)
}

// do sends one authenticated API request and reads the whole answer.
func (c *BenchLedgerCmd) do(ctx context.Context, client *http.Client, method, path, body, idemKey string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	req.Header.Set("Content-Type", "application/json")
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// latencyStats are percentiles in milliseconds.
type latencyStats struct{ p50, p99, max float64 }

// percentiles merges per-worker latency samples.
func percentiles(per [][]time.Duration) latencyStats {
	var all []time.Duration
	for _, l := range per {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return latencyStats{}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	return latencyStats{pct(0.50), pct(0.99), pct(1)}
}

// closedLoop runs op from clients goroutines, each starting its next request when the last
// answered, until the duration is over; op reports success. It returns the successes, the
// failures and each worker's latencies of successful requests.
func closedLoop(ctx context.Context, clients int, d time.Duration, op func(worker, n int) bool) (ok, failed int64, lat [][]time.Duration) {
	deadline := time.Now().Add(d)
	var okN, failN atomic.Int64
	lat = make([][]time.Duration, clients)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				t0 := time.Now()
				if !op(w, n) {
					failN.Add(1)
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
				okN.Add(1)
			}
		}()
	}
	wg.Wait()
	return okN.Load(), failN.Load(), lat
}
