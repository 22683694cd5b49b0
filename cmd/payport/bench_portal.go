package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// BenchPortalCmd measures, from this (second) process, two things of issue 4: how many
// withdrawal URLs a server mints per second (closed loop, --clients at once), and the latency of
// the portal balance page under a fixed request rate (open loop: requests leave on a schedule,
// and latency counts from the scheduled time, so a stalled server cannot hide its queueing).
// Bounded in time; talk to a loopback address.
type BenchPortalCmd struct {
	URL      string        `default:"http://127.0.0.1:8080" help:"Base URL of a running payport server."`
	Key      string        `env:"PAYPORT_KEY" required:"" help:"An org-admin API key with the rewards scope."`
	Clients  int           `default:"16" help:"Concurrent clients minting URLs."`
	Duration time.Duration `default:"10s" help:"How long each phase runs (at most 10m)."`
	Rate     int           `default:"200" help:"Balance page requests per second."`
	Sessions int           `default:"50" help:"Portal sessions the balance page requests rotate over."`
	JSON     bool          `name:"json" help:"Print the result as JSON."`
}

// BenchPortalResult is what a run measured.
type BenchPortalResult struct {
	MintClients    int     `json:"mint_clients"`
	URLsMinted     int64   `json:"urls_minted"`
	MintPerSecond  float64 `json:"urls_per_second"`
	MintP50ms      float64 `json:"mint_p50_ms"`
	MintP99ms      float64 `json:"mint_p99_ms"`
	MintErrors     int64   `json:"mint_errors"`
	BalanceRate    int     `json:"balance_rate"`
	BalancePages   int64   `json:"balance_pages"`
	BalanceP50ms   float64 `json:"balance_p50_ms"`
	BalanceP99ms   float64 `json:"balance_p99_ms"`
	BalanceMaxMs   float64 `json:"balance_max_ms"`
	BalanceErrors  int64   `json:"balance_errors"`
	BalanceSeconds float64 `json:"balance_seconds"`
}

// Run implements the command.
func (c *BenchPortalCmd) Run(ctx context.Context) error {
	if c.Duration > 10*time.Minute || c.Duration <= 0 || c.Rate <= 0 || c.Rate > 10_000 || c.Sessions <= 0 || c.Clients <= 0 {
		return errors.New("--duration must be in (0, 10m], --rate in (0, 10000], --sessions and --clients positive")
	}
	client := &http.Client{
		Transport:     &http.Transport{MaxIdleConnsPerHost: max(c.Clients, 64) * 2},
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	const site = "bench_portal"
	status, body, err := c.call(ctx, client, http.MethodPost, "/api/recipients", `{"external_id":"`+site+`","currency":"EUR"}`, "")
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusConflict {
		return fmt.Errorf("create recipient: %d %s", status, body)
	}
	if status, body, err = c.call(ctx, client, http.MethodPost, "/api/recipients/"+site+"/credits", `{"amount":"25.00","currency":"EUR"}`, ""); err != nil || status != http.StatusCreated {
		return fmt.Errorf("credit: %d %s %v", status, body, err)
	}
	var res BenchPortalResult

	// Phase 1: minting, closed loop.
	start := time.Now()
	minted, mintErrs, lat := closedLoop(ctx, c.Clients, c.Duration, func(int, int) bool {
		status, _, err := c.call(ctx, client, http.MethodGet, "/rewards/"+site+"/url/balance", "", "")
		return err == nil && status == http.StatusOK
	})
	mint := percentiles(lat)
	res.MintClients, res.URLsMinted, res.MintErrors = c.Clients, minted, mintErrs
	res.MintPerSecond = float64(res.URLsMinted) / time.Since(start).Seconds()
	res.MintP50ms, res.MintP99ms = mint.p50, mint.p99

	// Phase 2: sessions, then the balance page at a fixed rate.
	cookies := make([]*http.Cookie, c.Sessions)
	for i := range cookies {
		if cookies[i], err = c.session(ctx, client, site); err != nil {
			return err
		}
	}
	total := int(c.Duration.Seconds() * float64(c.Rate))
	interval := time.Second / time.Duration(c.Rate)
	samples := make([]time.Duration, total)
	var pageErrs atomic.Int64
	var wg sync.WaitGroup
	start = time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/rewards/balance", nil)
			req.AddCookie(cookies[i%len(cookies)])
			resp, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			samples[i] = time.Since(due)
			if err != nil || resp.StatusCode != http.StatusOK {
				pageErrs.Add(1)
			}
		}()
	}
	wg.Wait()
	page := percentiles([][]time.Duration{samples})
	res.BalanceRate, res.BalancePages, res.BalanceErrors = c.Rate, int64(total), pageErrs.Load()
	res.BalanceSeconds = time.Since(start).Seconds()
	res.BalanceP50ms, res.BalanceP99ms, res.BalanceMaxMs = page.p50, page.p99, page.max
	if c.JSON {
		return printJSON(res)
	}
	fmt.Fprintf(os.Stdout, "mint: %d URLs in %s = %.0f/s  p50 %.2f ms  p99 %.2f ms  errors %d  (clients %d)\n",
		res.URLsMinted, c.Duration, res.MintPerSecond, res.MintP50ms, res.MintP99ms, res.MintErrors, res.MintClients)
	fmt.Fprintf(os.Stdout, "balance page: %d requests at %d/s over %.1fs  p50 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d  (sessions %d)\n",
		res.BalancePages, res.BalanceRate, res.BalanceSeconds, res.BalanceP50ms, res.BalanceP99ms, res.BalanceMaxMs, res.BalanceErrors, c.Sessions)
	return nil
}

// session mints a URL and exchanges it for a portal session cookie, as a browser would.
func (c *BenchPortalCmd) session(ctx context.Context, client *http.Client, site string) (*http.Cookie, error) {
	status, body, err := c.call(ctx, client, http.MethodGet, "/rewards/"+site+"/url/balance?enforce_two_factor_auth=false", "", "")
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("mint: %d %s %v", status, body, err)
	}
	var out struct {
		URL string `json:"balance_withdrawal_url"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	u, err := url.Parse(out.URL)
	if err != nil {
		return nil, err
	}
	// The URL carries the server's public base; the exchange goes to the address measured.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+u.Path, nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "pp_portal" {
			return ck, nil
		}
	}
	return nil, fmt.Errorf("exchange answered %d without a session cookie", resp.StatusCode)
}

func (c *BenchPortalCmd) call(ctx context.Context, client *http.Client, method, path, body, idemKey string) (int, []byte, error) {
	return (&BenchLedgerCmd{URL: c.URL, Key: c.Key}).do(ctx, client, method, path, body, idemKey)
}
