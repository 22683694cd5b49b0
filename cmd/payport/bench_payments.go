package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

// BenchPaymentsCmd load-tests POST /api/payments (seed 003) over HTTP against a running
// server, from this (second) process: closed loop, --clients at once, bounded in time.
type BenchPaymentsCmd struct {
	URL         string        `default:"http://127.0.0.1:8080" help:"Base URL of a running payport server."`
	Key         string        `env:"PAYPORT_KEY" required:"" help:"An org-admin API key with the payouts scope."`
	Clients     int           `default:"16" help:"Concurrent clients."`
	Duration    time.Duration `default:"20s" help:"How long to run (at most 10m)."`
	Idempotency bool          `help:"Send a fresh Idempotency-Key (and externalId) with every payment."`
	JSON        bool          `name:"json" help:"Print the result as JSON."`
}

// BenchPaymentsResult is what a run measured.
type BenchPaymentsResult struct {
	Clients     int     `json:"clients"`
	Idempotency bool    `json:"idempotency"`
	Seconds     float64 `json:"seconds"`
	Payments    int64   `json:"payments"`
	Errors      int64   `json:"errors"`
	PerSecond   float64 `json:"payments_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
}

// Run implements the command.
func (c *BenchPaymentsCmd) Run(ctx context.Context) error {
	if c.Duration > 10*time.Minute || c.Duration <= 0 || c.Clients <= 0 {
		return errors.New("--duration must be in (0, 10m] and --clients positive")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Clients * 2}, Timeout: 30 * time.Second}
	api := &BenchLedgerCmd{URL: c.URL, Key: c.Key}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	start := time.Now()
	ok, failed, lat := closedLoop(ctx, c.Clients, c.Duration, func(w, n int) bool {
		body, key := `{"amount":"10.00","currency":"EUR","type":"payout","description":"bench"}`, ""
		if c.Idempotency {
			key = fmt.Sprintf("bench-%s-%d-%d", run, w, n)
			body = fmt.Sprintf(`{"amount":"10.00","currency":"EUR","type":"payout","description":"bench","externalId":%q}`, key)
		}
		status, _, err := api.post(ctx, client, "/api/payments", body, key)
		return err == nil && status == http.StatusCreated
	})
	elapsed := time.Since(start).Seconds()
	p := percentiles(lat)
	res := BenchPaymentsResult{Clients: c.Clients, Idempotency: c.Idempotency, Seconds: elapsed, Payments: ok, Errors: failed,
		PerSecond: float64(ok) / elapsed, P50ms: p.p50, P99ms: p.p99, MaxMs: p.max}
	if c.JSON {
		return printJSON(res)
	}
	fmt.Fprintf(os.Stdout, "payments: %d in %.1fs = %.0f/s  p50 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d  (clients %d, idempotency keys %v)\n",
		res.Payments, res.Seconds, res.PerSecond, res.P50ms, res.P99ms, res.MaxMs, res.Errors, res.Clients, res.Idempotency)
	return nil
}
