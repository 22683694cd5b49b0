package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BenchMixedCmd runs a sustained mixed workload against a running server (issue 10 item 8):
// credits, balance reads, recipients, withdrawals through the sandbox rail, Payments API
// payments, payment links and event reads, with the request rate, latency, errors and the
// server's memory reported per time window. It is bounded in time and requests and only talks
// to the given URL (use a loopback address).
type BenchMixedCmd struct {
	URL        string        `default:"http://127.0.0.1:8080" help:"Base URL of a running payport server."`
	Key        string        `env:"PAYPORT_KEY" required:"" help:"An org-admin test-mode API key (rewards, payouts and links scopes)."`
	Clients    int           `default:"8" help:"Concurrent clients (in open loop: requests in flight at most)."`
	Rate       float64       `help:"Open loop: requests per second to send whatever the answers' latency (0: closed loop, each client sends its next request when the last answered)."`
	Duration   time.Duration `default:"1m" help:"How long to run (at most 10m)."`
	Recipients int           `default:"64" help:"Recipients created, paid a payout method and funded before the run (the mix creates more)."`
	Window     time.Duration `default:"10s" help:"Reporting window."`
	PID        int           `name:"pid" help:"The server's process id: its RSS is read from /proc/PID/status every --sample."`
	Sample     time.Duration `default:"5s" help:"How often the server's memory is sampled."`
	Metrics    bool          `default:"true" negatable:"" help:"Also sample goroutines and heap from the server's /metrics."`
	Label      string        `help:"What the plot's title says the run was (e.g. the engine)."`
	JSON       string        `name:"json" type:"path" help:"Write the timeline and summary to this JSON file."`
	SVG        string        `name:"svg" type:"path" help:"Write a plot (rate and p99; memory) to this SVG file."`
}

// mixOp is one kind of request of the mix and its share of the requests.
type mixOp struct {
	name   string
	weight int
}

// mix is what a payouts platform's API sees in a day, roughly: mostly credits and balance
// reads, some payouts, a few new recipients and links.
var mix = []mixOp{
	{"credit", 25},
	{"credit_idempotent", 10},
	{"balance_info", 25},
	{"recipient_create", 5},
	{"withdrawal", 10},
	{"payment", 10},
	{"payment_link", 5},
	{"events_list", 10},
}

// Sandbox IBANs: most recipients are paid, one in eight has an account the sandbox fails
// (no_account), so the failure path (money back on the balance) runs too.
const (
	ibanPaid   = "DE94370400440532010000"
	ibanFailed = "DE70370400440532011111"
)

// MixedWindow is one reporting window of a mixed run.
type MixedWindow struct {
	T          float64 `json:"t_s"` // end of the window, seconds since the start
	Requests   int64   `json:"requests"`
	PerSecond  float64 `json:"requests_per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	Errors     int64   `json:"errors"`
	RSSMiB     float64 `json:"rss_mib,omitempty"`
	HeapMiB    float64 `json:"heap_mib,omitempty"`
	Goroutines float64 `json:"goroutines,omitempty"`
}

// MemSample is one reading of the server's memory.
type MemSample struct {
	T          float64 `json:"t_s"`
	RSSMiB     float64 `json:"rss_mib,omitempty"`
	HeapMiB    float64 `json:"heap_mib,omitempty"`
	Goroutines float64 `json:"goroutines,omitempty"`
}

// MixedSummary is what the whole run measured.
type MixedSummary struct {
	Label      string             `json:"label,omitempty"`
	Clients    int                `json:"clients"`
	TargetRate float64            `json:"target_rate,omitempty"`
	Seconds    float64            `json:"seconds"`
	Requests   int64              `json:"requests"`
	PerSecond  float64            `json:"requests_per_second"`
	P50ms      float64            `json:"p50_ms"`
	P99ms      float64            `json:"p99_ms"`
	MaxMs      float64            `json:"max_ms"`
	Errors     int64              `json:"errors"`
	ErrorKinds map[string]int64   `json:"error_kinds"`
	ByOp       map[string]OpStats `json:"by_op"`
	RSSFirst   float64            `json:"rss_first_mib,omitempty"`
	RSSMax     float64            `json:"rss_max_mib,omitempty"`
	RSSLast    float64            `json:"rss_last_mib,omitempty"`
	// RSSSlope is the least-squares slope of RSS over the second half of the run: memory
	// that is flat once warm has a slope near zero.
	RSSSlope float64 `json:"rss_slope_second_half_mib_per_min"`
}

// MixedReport is the --json file.
type MixedReport struct {
	Summary  MixedSummary  `json:"summary"`
	Timeline []MixedWindow `json:"timeline"`
	Memory   []MemSample   `json:"memory"`
}

// mixRecorder collects every request's outcome by window.
type mixRecorder struct {
	start   time.Time
	window  time.Duration
	windows int // requests ending after the run's nominal end count in its last window
	mu      sync.Mutex
	lat     [][]time.Duration // successful latencies per window
	errs    []int64           // errors per window
	missed  []int64           // open loop: requests not sent per window (the backlog was full)
	kinds   map[string]int64
	byOp    map[string]*opLatencies
	mem     []MemSample
}

// opLatencies are one kind of request's outcomes over the whole run.
type opLatencies struct {
	lat    []time.Duration
	errors int64
}

// OpStats are one kind of request's figures over the whole run.
type OpStats struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
}

func (r *mixRecorder) index(t time.Time) int {
	return min(r.windows-1, max(0, int(t.Sub(r.start)/r.window)))
}

// missedSchedule is the error of an open-loop request that was never sent: every client was
// busy and a second's worth of requests already waited, so the server did not hold the rate.
const missedSchedule = "missed_schedule"

// record files one request that ended now: errKind is empty on success.
func (r *mixRecorder) record(op string, took time.Duration, errKind string) {
	i := r.index(time.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.lat) <= i {
		r.lat = append(r.lat, nil)
		r.errs = append(r.errs, 0)
		r.missed = append(r.missed, 0)
	}
	if errKind == missedSchedule {
		r.missed[i]++
		r.kinds[errKind]++
		return
	}
	o := r.byOp[op]
	if o == nil {
		o = &opLatencies{}
		r.byOp[op] = o
	}
	if errKind != "" {
		r.errs[i]++
		r.kinds[errKind]++
		o.errors++
		return
	}
	r.lat[i] = append(r.lat[i], took)
	o.lat = append(o.lat, took)
}

// windowAt summarizes window i, which lasted span.
func (r *mixRecorder) windowAt(i int, span time.Duration) MixedWindow {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := MixedWindow{T: (time.Duration(i)*r.window + span).Seconds()}
	if i < len(r.lat) {
		p := percentiles([][]time.Duration{r.lat[i]})
		w.Requests = int64(len(r.lat[i])) + r.errs[i]
		w.Errors = r.errs[i] + r.missed[i]
		w.P50ms, w.P99ms, w.MaxMs = p.p50, p.p99, p.max
		w.PerSecond = float64(w.Requests) / span.Seconds()
	}
	// The last memory sample taken by the window's end.
	for _, m := range r.mem {
		if m.T <= w.T+0.5 {
			w.RSSMiB, w.HeapMiB, w.Goroutines = m.RSSMiB, m.HeapMiB, m.Goroutines
		}
	}
	return w
}

// mixState is what the workers share: the recipients that may be credited and paid out.
type mixState struct {
	c      *BenchMixedCmd
	client *http.Client
	api    *BenchLedgerCmd
	orgID  string
	run    string
	rec    *mixRecorder
	mu     sync.Mutex
	sites  []string
	nextID int

	wmu     sync.Mutex
	workers map[int]*workerState
}

// Run implements the command.
func (c *BenchMixedCmd) Run(ctx context.Context) error {
	if c.Duration > 10*time.Minute || c.Duration <= 0 || c.Clients <= 0 || c.Recipients <= 0 || c.Rate < 0 {
		return errors.New("--duration must be in (0, 10m], --clients and --recipients positive, --rate not negative")
	}
	if c.Window <= 0 || c.Sample <= 0 {
		return errors.New("--window and --sample must be positive")
	}
	if c.Rate > 20000 {
		return errors.New("--rate is at most 20000 requests per second")
	}
	s := &mixState{
		c:      c,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.Clients * 2}, Timeout: 30 * time.Second},
		api:    &BenchLedgerCmd{URL: strings.TrimRight(c.URL, "/"), Key: c.Key},
		run:    strconv.FormatInt(time.Now().UnixNano(), 36),
	}
	if err := s.setUp(ctx); err != nil {
		return fmt.Errorf("setting up: %w", err)
	}
	fmt.Fprintf(os.Stdout, "mixed load: %s, %d clients, %s, windows of %s, %d recipients funded\n",
		c.mode(), c.Clients, c.Duration, c.Window, c.Recipients)
	fmt.Fprintf(os.Stdout, "%8s %9s %9s %9s %7s %9s %9s %6s\n", "t", "req/s", "p50 ms", "p99 ms", "errors", "rss MiB", "heap MiB", "gor.")

	windows := int((c.Duration + c.Window - 1) / c.Window)
	s.rec = &mixRecorder{start: time.Now(), window: c.Window, windows: windows, kinds: map[string]int64{}, byOp: map[string]*opLatencies{}}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	bg.Go(func() { s.sampleMemory(runCtx) })
	var timeline []MixedWindow
	bg.Go(func() { timeline = s.report(runCtx) })
	if c.Rate > 0 {
		s.openLoop(ctx)
	} else {
		closedLoop(ctx, c.Clients, c.Duration, func(w, n int) bool { return s.step(ctx, w, n) })
	}
	elapsed := time.Since(s.rec.start)
	cancel()
	bg.Wait()
	// The windows report had not printed yet: the last one, possibly shorter than the
	// others, also holds the requests that ended after the nominal end.
	ran := min(windows, int((elapsed+c.Window-1)/c.Window)) // fewer when interrupted
	for i := len(timeline); i < ran; i++ {
		span := min(c.Window, elapsed-time.Duration(i)*c.Window)
		if i == ran-1 {
			span = elapsed - time.Duration(i)*c.Window
		}
		w := s.rec.windowAt(i, span)
		printWindow(w)
		timeline = append(timeline, w)
	}
	rep := MixedReport{Summary: s.summarize(elapsed), Timeline: timeline, Memory: s.rec.mem}
	if rep.Memory == nil {
		rep.Memory = []MemSample{}
	}
	printMixedSummary(rep.Summary)
	if c.JSON != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(c.JSON, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if c.SVG != "" {
		if err := writeMixedSVG(c.SVG, c.plotTitle(rep.Summary), rep); err != nil {
			return err
		}
	}
	if rep.Summary.Errors > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d requests failed", rep.Summary.Errors)}
	}
	return nil
}

// windowsBeforeLast is how many windows report prints while the run goes on: the last one
// waits for the run's end.
func (c *BenchMixedCmd) windowsBeforeLast() int {
	return int((c.Duration+c.Window-1)/c.Window) - 1
}

func (c *BenchMixedCmd) mode() string {
	if c.Rate > 0 {
		return fmt.Sprintf("open loop at %g requests/s", c.Rate)
	}
	return "closed loop"
}

func (c *BenchMixedCmd) plotTitle(s MixedSummary) string {
	t := "Payport mixed load"
	if c.Label != "" {
		t += " on " + c.Label
	}
	return fmt.Sprintf("%s: %s, %d clients, %.0f req/s, p99 %.1f ms, %d errors", t, c.mode(), c.Clients, s.PerSecond, s.P99ms, s.Errors)
}

// setUp finds the org (payment links name it) and creates the first recipients, each with a
// payout method and enough money for every withdrawal the run can make from it.
func (s *mixState) setUp(ctx context.Context) error {
	status, body, err := s.api.do(ctx, s.client, http.MethodGet, "/api/org", "", "")
	if err != nil {
		return err
	}
	var o struct{ ID string }
	if status != http.StatusOK || json.Unmarshal(body, &o) != nil || o.ID == "" {
		return fmt.Errorf("GET /api/org: %d %s", status, body)
	}
	s.orgID = o.ID
	for range s.c.Recipients {
		if errKind := s.createRecipient(ctx, nil, time.Time{}); errKind != "" {
			return errors.New(errKind)
		}
	}
	return nil
}

// createRecipient creates a recipient, its payout method and its funding credit; with rec
// set, each request is recorded (the first one's latency from due). It returns the first failure's kind, or "".
func (s *mixState) createRecipient(ctx context.Context, rec *mixRecorder, due time.Time) string {
	s.mu.Lock()
	n := s.nextID
	s.nextID++
	s.mu.Unlock()
	site := fmt.Sprintf("mix_%s_%d", s.run, n)
	iban := ibanPaid
	if n%8 == 7 {
		iban = ibanFailed
	}
	steps := []struct{ op, path, body string }{
		{"recipient_create", "/api/recipients", fmt.Sprintf(`{"external_id":%q,"currency":"EUR","email":"%s@example.com","country":"DE"}`, site, site)},
		{"payout_method", "/api/recipients/" + site + "/payout_methods", fmt.Sprintf(`{"holder_name":"Load Test %d","iban":%q}`, n, iban)},
		{"credit", "/api/recipients/" + site + "/credits", `{"amount":"500.00","currency":"EUR","description":"load test funding"}`},
	}
	for _, st := range steps {
		if errKind := s.call(ctx, rec, due, st.op, http.MethodPost, st.path, st.body, ""); errKind != "" {
			return errKind
		}
		due = time.Time{} // the next step is sent at once: its own latency
	}
	s.mu.Lock()
	s.sites = append(s.sites, site)
	s.mu.Unlock()
	return ""
}

// call sends one request and, with rec set, records its outcome and its latency since since
// (zero: now; in open loop, when the request was due, so that time spent waiting for a free
// client counts); it returns the error kind ("" for a 2xx answer).
func (s *mixState) call(ctx context.Context, rec *mixRecorder, since time.Time, op, method, path, body, idemKey string) string {
	if since.IsZero() {
		since = time.Now()
	}
	status, resp, err := s.api.do(ctx, s.client, method, path, body, idemKey)
	took := time.Since(since)
	errKind := ""
	switch {
	case err != nil && ctx.Err() != nil:
		return "" // the run was interrupted: not the server's failure, and not a success either
	case err != nil:
		errKind = op + ": transport: " + transportKind(err)
	case status < 200 || status > 299:
		var p struct{ Code string }
		_ = json.Unmarshal(resp, &p)
		errKind = fmt.Sprintf("%s: %d %s", op, status, p.Code)
	}
	if rec != nil {
		rec.record(op, took, errKind)
	}
	return errKind
}

// transportKind names a transport error without its changing parts (addresses, ports).
func transportKind(err error) string {
	msg := err.Error()
	for _, k := range []string{"timeout", "connection refused", "connection reset", "EOF", "broken pipe"} {
		if strings.Contains(msg, k) {
			return k
		}
	}
	return "other"
}

// workerState is one client's memory between its requests: the idempotent credit it may
// retry, as a client whose answer was lost would.
type workerState struct {
	rnd                   *rand.Rand
	lastPath, lastBody    string
	lastKey               string
	idemCount, payCounter int
}

// step sends the next request of the mix from worker w and reports whether it succeeded.
func (s *mixState) step(ctx context.Context, w, n int) bool {
	return s.stepWith(ctx, s.worker(w), n, time.Time{})
}

// worker returns client w's state, created on first use.
func (s *mixState) worker(w int) *workerState {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.workers == nil {
		s.workers = map[int]*workerState{}
	}
	ws := s.workers[w]
	if ws == nil {
		ws = &workerState{rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))}
		s.workers[w] = ws
	}
	return ws
}

// stepWith sends request n of the mix with client state ws; due is when it was scheduled
// (zero in closed loop).
func (s *mixState) stepWith(ctx context.Context, ws *workerState, n int, due time.Time) bool {
	pick := ws.rnd.IntN(100)
	op := mix[len(mix)-1].name
	for _, m := range mix {
		if pick < m.weight {
			op = m.name
			break
		}
		pick -= m.weight
	}
	s.mu.Lock()
	site := s.sites[ws.rnd.IntN(len(s.sites))]
	s.mu.Unlock()
	rec := s.rec
	var errKind string
	switch op {
	case "credit":
		errKind = s.call(ctx, rec, due, op, http.MethodPost, "/api/recipients/"+site+"/credits",
			`{"amount":"0.25","currency":"EUR","description":"Energy saving reward"}`, "")
	case "credit_idempotent":
		// One in four repeats the worker's previous idempotent credit: the server replays
		// its answer (200) and moves no money.
		if ws.lastKey == "" || ws.rnd.IntN(4) != 0 {
			ws.idemCount++
			ws.lastKey = fmt.Sprintf("mix-%s-%d-%d", s.run, n, ws.idemCount) + "-" + strconv.FormatUint(ws.rnd.Uint64(), 36)
			ws.lastPath = "/api/recipients/" + site + "/credits"
			ws.lastBody = fmt.Sprintf(`{"amount":"1.00","currency":"EUR","description":"Referral reward","metadata":{"ref":%q}}`, ws.lastKey)
		}
		errKind = s.call(ctx, rec, due, op, http.MethodPost, ws.lastPath, ws.lastBody, ws.lastKey)
	case "balance_info":
		errKind = s.call(ctx, rec, due, op, http.MethodGet, "/rewards/"+site+"/info", "", "")
	case "recipient_create":
		errKind = s.createRecipient(ctx, rec, due)
	case "withdrawal":
		errKind = s.call(ctx, rec, due, op, http.MethodPost, "/api/recipients/"+site+"/withdrawals",
			`{"amount":"0.10","currency":"EUR","description":"Load test withdrawal"}`, "")
	case "payment":
		body, key := `{"amount":"10.00","currency":"EUR","type":"payout","description":"Load test payout"}`, ""
		if ws.payCounter++; ws.payCounter%2 == 0 {
			key = fmt.Sprintf("mixpay-%s-%d-%d", s.run, n, ws.rnd.Uint64())
			body = fmt.Sprintf(`{"amount":"10.00","currency":"EUR","type":"payout","description":"Load test payout","externalId":%q}`, key)
		}
		errKind = s.call(ctx, rec, due, op, http.MethodPost, "/api/payments", body, key)
	case "payment_link":
		errKind = s.call(ctx, rec, due, op, http.MethodPost, "/payment-links",
			fmt.Sprintf(`{"email":"customer%d@example.com","org_id":%q,"payment_amount":10.5,"currency":"EUR","reference":"Load test"}`, ws.rnd.IntN(1000), s.orgID), "")
	case "events_list":
		errKind = s.call(ctx, rec, due, op, http.MethodGet, "/api/events?limit=20", "", "")
	}
	return errKind == ""
}

// openLoop sends requests at --rate whatever their latency, from at most --clients at once.
// A request's latency runs from when it was due, so waiting for a free client counts. One
// that finds every client busy and a second's worth of requests waiting is not sent and counts
// as an error (missed_schedule): the server did not hold the rate.
func (s *mixState) openLoop(ctx context.Context) {
	c := s.c
	type job struct {
		n   int
		due time.Time
	}
	queue := make(chan job, max(c.Clients, int(c.Rate)))
	var wg sync.WaitGroup
	for w := range c.Clients {
		wg.Go(func() {
			ws := s.worker(w)
			for j := range queue {
				if ctx.Err() != nil {
					continue
				}
				s.stepWith(ctx, ws, j.n, j.due)
			}
		})
	}
	interval := time.Duration(float64(time.Second) / c.Rate)
	start := time.Now()
	deadline := start.Add(c.Duration)
	for n := 0; ctx.Err() == nil; n++ {
		due := start.Add(time.Duration(n) * interval)
		if !due.Before(deadline) {
			break
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case queue <- job{n: n, due: due}:
		default:
			s.rec.record("schedule", 0, missedSchedule)
		}
	}
	close(queue)
	wg.Wait()
}

// sampleMemory reads the server's RSS (and /metrics) at the start and every --sample.
func (s *mixState) sampleMemory(ctx context.Context) {
	t := time.NewTicker(s.c.Sample)
	defer t.Stop()
	for {
		m := MemSample{T: time.Since(s.rec.start).Seconds()}
		if s.c.PID > 0 {
			m.RSSMiB = readRSSMiB(s.c.PID)
		}
		if s.c.Metrics {
			m.HeapMiB, m.Goroutines = s.scrapeMetrics(ctx)
		}
		if ctx.Err() != nil {
			return // the run ended during this sample: its scrape was cut short
		}
		if m.RSSMiB > 0 || m.HeapMiB > 0 || m.Goroutines > 0 {
			s.rec.mu.Lock()
			s.rec.mem = append(s.rec.mem, m)
			s.rec.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// readRSSMiB reads VmRSS from /proc/PID/status; 0 when the process is gone.
func readRSSMiB(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// scrapeMetrics reads the heap in use and the goroutines from the server's /metrics; zeros
// when it does not serve them.
func (s *mixState) scrapeMetrics(ctx context.Context) (heapMiB, goroutines float64) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.api.URL+"/metrics", nil)
	if err != nil {
		return 0, 0
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return 0, 0
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_memstats_heap_alloc_bytes":
			heapMiB = v / (1 << 20)
		case "go_goroutines":
			goroutines = v
		}
	}
	return heapMiB, goroutines
}

// report prints each window once it is over and returns the full windows.
func (s *mixState) report(ctx context.Context) []MixedWindow {
	var out []MixedWindow
	for i := 0; ; i++ {
		// A little after the window's end, so requests ending at its edge are in.
		end := s.rec.start.Add(time.Duration(i+1)*s.c.Window + 200*time.Millisecond)
		select {
		case <-ctx.Done():
			return out
		case <-time.After(time.Until(end)):
		}
		if ctx.Err() != nil || i >= s.c.windowsBeforeLast() {
			return out
		}
		w := s.rec.windowAt(i, s.c.Window)
		printWindow(w)
		out = append(out, w)
	}
}

func printWindow(w MixedWindow) {
	fmt.Fprintf(os.Stdout, "%7.0fs %9.1f %9.2f %9.2f %7d %9.1f %9.1f %6.0f\n",
		w.T, w.PerSecond, w.P50ms, w.P99ms, w.Errors, w.RSSMiB, w.HeapMiB, w.Goroutines)
}

// summarize computes the whole run's figures.
func (s *mixState) summarize(elapsed time.Duration) MixedSummary {
	r := s.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	p := percentiles(r.lat)
	sum := MixedSummary{Label: s.c.Label, Clients: s.c.Clients, TargetRate: s.c.Rate, Seconds: elapsed.Seconds(),
		P50ms: p.p50, P99ms: p.p99, MaxMs: p.max, ErrorKinds: map[string]int64{}, ByOp: map[string]OpStats{}}
	for i := range r.lat {
		sum.Requests += int64(len(r.lat[i])) + r.errs[i]
		sum.Errors += r.errs[i] + r.missed[i]
	}
	for k, v := range r.kinds {
		sum.ErrorKinds[k] = v
	}
	for k, o := range r.byOp {
		p := percentiles([][]time.Duration{o.lat})
		sum.ByOp[k] = OpStats{Requests: int64(len(o.lat)) + o.errors, Errors: o.errors, P50ms: p.p50, P99ms: p.p99}
	}
	sum.PerSecond = float64(sum.Requests) / elapsed.Seconds()
	var half []plotPoint
	for _, m := range r.mem {
		if m.RSSMiB == 0 {
			continue
		}
		if sum.RSSFirst == 0 {
			sum.RSSFirst = m.RSSMiB
		}
		sum.RSSMax = math.Max(sum.RSSMax, m.RSSMiB)
		sum.RSSLast = m.RSSMiB
		if m.T >= elapsed.Seconds()/2 {
			half = append(half, plotPoint{m.T / 60, m.RSSMiB})
		}
	}
	sum.RSSSlope = slope(half)
	return sum
}

// slope is the least-squares slope of the points (0 for fewer than two).
func slope(pts []plotPoint) float64 {
	if len(pts) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		sx, sy, sxx, sxy = sx+p.X, sy+p.Y, sxx+p.X*p.X, sxy+p.X*p.Y
	}
	n := float64(len(pts))
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

func printMixedSummary(s MixedSummary) {
	fmt.Fprintf(os.Stdout, "total: %d requests in %.1fs = %.1f/s  p50 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d\n",
		s.Requests, s.Seconds, s.PerSecond, s.P50ms, s.P99ms, s.MaxMs, s.Errors)
	if s.RSSMax > 0 {
		fmt.Fprintf(os.Stdout, "server RSS: first %.1f MiB, max %.1f MiB, last %.1f MiB, second-half slope %+.2f MiB/min\n",
			s.RSSFirst, s.RSSMax, s.RSSLast, s.RSSSlope)
	}
	ops := make([]string, 0, len(s.ByOp))
	for k := range s.ByOp {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	for _, k := range ops {
		o := s.ByOp[k]
		fmt.Fprintf(os.Stdout, "  %-18s %8d requests  p50 %7.2f ms  p99 %8.2f ms  errors %d\n", k, o.Requests, o.P50ms, o.P99ms, o.Errors)
	}
	kinds := make([]string, 0, len(s.ErrorKinds))
	for k := range s.ErrorKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(os.Stdout, "error %s: %d\n", k, s.ErrorKinds[k])
	}
}

// writeMixedSVG plots the timeline: rate and p99 per window, then memory per sample.
func writeMixedSVG(path, title string, rep MixedReport) error {
	var rate, p99, rss, heap []plotPoint
	for _, w := range rep.Timeline {
		rate = append(rate, plotPoint{w.T, w.PerSecond})
		p99 = append(p99, plotPoint{w.T, w.P99ms})
	}
	for _, m := range rep.Memory {
		if m.RSSMiB > 0 {
			rss = append(rss, plotPoint{m.T, m.RSSMiB})
		}
		if m.HeapMiB > 0 {
			heap = append(heap, plotPoint{m.T, m.HeapMiB})
		}
	}
	mem := plotChart{Title: "Server memory", XLabel: "time (s)", YLeft: "MiB"}
	if len(rss) > 0 {
		mem.Series = append(mem.Series, plotSeries{Name: "RSS (MiB)", Color: "#d62728", Points: rss})
	}
	if len(heap) > 0 {
		mem.Series = append(mem.Series, plotSeries{Name: "Go heap in use (MiB)", Color: "#9467bd", Points: heap})
	}
	charts := []plotChart{
		{Title: "Request rate and p99 latency per window", XLabel: "time (s)", YLeft: "requests/s", YRight: "p99 latency (ms)",
			Series: []plotSeries{
				{Name: "requests/s", Color: "#1f77b4", Points: rate},
				{Name: "p99 latency (ms)", Color: "#ff7f0e", Right: true, Points: p99},
			}},
		mem,
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeSVG(f, title, charts); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
