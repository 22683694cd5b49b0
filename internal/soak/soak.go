// Package soak is Payport's crash soak (issue 10): it runs a payport binary as `payport
// serve` child processes, drives a mixed workload at them over HTTP, kills them with SIGKILL
// at random moments and restarts them, and then proves from the outside that nothing
// acknowledged was lost, nothing was applied twice, the ledger holds, every event reached its
// webhook receivers with a valid signature, and no payout both failed and succeeded.
//
// Everything stays on loopback and is bounded in time (Config.Duration, Config.Drain) and
// traffic (Config.Rate).
package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Config says what to run and for how long.
type Config struct {
	// Binary is the payport executable run as the servers.
	Binary string
	// DataDir holds the SQLite database (engine sqlite), the master key and the servers'
	// logs (soak-serve-N.log). It is created if missing; use a fresh one per run.
	DataDir string
	// DatabaseURL is the PostgreSQL database (engine postgres); empty means SQLite.
	DatabaseURL string
	// Processes is how many servers share the database (more than one needs PostgreSQL).
	Processes int
	// Kills is how many SIGKILLs to deliver.
	Kills int
	// Duration bounds the workload and kill phase; it ends at Kills or Duration, whichever
	// comes first.
	Duration time.Duration
	// Seed makes the workload's choices and the kill moments repeatable (the interleaving
	// of concurrent requests is not).
	Seed uint64
	// Clients is how many concurrent workload clients run.
	Clients int
	// Rate bounds the workload's requests per second, over all clients.
	Rate float64
	// Recipients is how many recipients the credits and withdrawals are spread over.
	Recipients int
	// MinUptime and MaxUptime bound how long a server runs between kills (uniformly at
	// random in between).
	MinUptime, MaxUptime time.Duration
	// Drain bounds how long, after the last kill, the soak waits for replays, payouts and
	// webhook deliveries to finish.
	Drain time.Duration
	// SettleAfter is the sandbox rail's settlement delay given to the servers.
	SettleAfter time.Duration
	// WebhookLease is the servers' webhook sender lease (0: their default of 2 minutes).
	WebhookLease time.Duration
	// RequireFinal makes a payout still pending or processing at the end of the drain a
	// violation (a job left behind by a kill must be picked up again).
	RequireFinal bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

func (c *Config) defaults() error {
	if c.Binary == "" {
		return errors.New("no payport binary")
	}
	if c.DataDir == "" {
		return errors.New("no data directory")
	}
	if c.Processes <= 0 {
		c.Processes = 1
	}
	if c.Processes > 1 && c.DatabaseURL == "" {
		return errors.New("several processes need PostgreSQL (one SQLite file has one writer process)")
	}
	if c.Processes > 8 {
		return errors.New("at most 8 processes")
	}
	if c.Duration <= 0 || c.Duration > 2*time.Hour {
		return errors.New("the duration must be between 0 and 2h")
	}
	if c.Clients <= 0 {
		c.Clients = 4
	}
	if c.Rate <= 0 {
		c.Rate = 50
	}
	if c.Rate > 2000 {
		return errors.New("the rate must be at most 2000 requests per second")
	}
	if c.Recipients <= 0 {
		c.Recipients = 8
	}
	if c.MinUptime <= 0 {
		c.MinUptime = 200 * time.Millisecond
	}
	if c.MaxUptime < c.MinUptime {
		c.MaxUptime = c.MinUptime
	}
	if c.Drain <= 0 {
		c.Drain = 5 * time.Minute
	}
	if c.SettleAfter <= 0 {
		c.SettleAfter = time.Second
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return nil
}

// Report is what a run did and found. Violations empty means every property held.
type Report struct {
	// What ran: the engine, the servers, the seed, the kills and restarts delivered, the
	// slowest restart until /readyz answered, and how long the workload and the whole run took.
	Engine     string        `json:"engine"`
	Processes  int           `json:"processes"`
	Seed       uint64        `json:"seed"`
	Kills      int           `json:"kills"`
	Restarts   int           `json:"restarts"`
	MaxStartup time.Duration `json:"max_startup_ns"`
	Workload   time.Duration `json:"workload_ns"`
	Total      time.Duration `json:"total_ns"`

	// Requests counts the outcomes per kind: credit, withdrawal, payment, checkin, link, read.
	Requests map[string]*Counts `json:"requests"`

	// Same-balance races (withdrawals fired at once from every server at one balance), and
	// balances found below zero or overdrawn by a race round.
	RaceRounds       int `json:"race_rounds"`
	RaceWithdrawals  int `json:"race_withdrawals"`
	RaceSucceeded    int `json:"race_succeeded"`
	RaceInsufficient int `json:"race_insufficient_funds"`
	Overdrafts       int `json:"overdrafts"`

	// Payouts as the payments list and the events show them at the end, the webhook
	// deliveries the receiver verified, and the ledger check's verdict.
	Payouts           int    `json:"payouts"`
	PayoutsFinal      int    `json:"payouts_final"`
	PayoutsAwaiting   int    `json:"payouts_awaiting_customer"`
	PayoutsSucceeded  int    `json:"payouts_succeeded"`
	PayoutsFailed     int    `json:"payouts_failed"`
	DuplicatePayouts  int    `json:"duplicate_payouts"`
	SubmittedOnce     int    `json:"payouts_submitted_once"`
	SubmittedTwice    int    `json:"payouts_submitted_more_than_once"`
	Events            int    `json:"events"`
	Deliveries        int    `json:"valid_deliveries"`
	DeliveriesRepeat  int    `json:"events_delivered_more_than_once"`
	DeliveriesMissing int    `json:"deliveries_missing"`
	BadSignatures     int    `json:"bad_signatures"`
	LedgerCheck       string `json:"ledger_check"`

	// Violations describes each property found broken (at most 200 are listed).
	Violations []string `json:"violations"`
}

// Counts are one kind of request's outcomes. Lost answers are resolved afterwards by
// replaying their Idempotency-Key: applied before the kill, applied by the replay, or not
// applied at all. Acknowledged is a 2xx (303 for a form); Refused a definite 4xx, which does
// nothing; Lost no answer, or one that may hide a commit (5xx).
type Counts struct {
	Sent         int `json:"sent"`
	Acknowledged int `json:"acknowledged"`
	Refused      int `json:"refused"`
	Lost         int `json:"lost"`
	LostApplied  int `json:"lost_then_found_applied"`
	LostReplayed int `json:"lost_then_applied_by_replay"`
	LostNotDone  int `json:"lost_then_found_not_applied"`
}

func (r *Report) violate(format string, args ...any) {
	const keep = 200 // a broken run could list every request; the first ones tell the story
	if len(r.Violations) < keep {
		r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
	} else if len(r.Violations) == keep {
		r.Violations = append(r.Violations, "... (more violations not listed)")
	}
}

// Run runs the soak and reports what it found; err is for a soak that could not run at all.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	began := time.Now()
	engine := "sqlite"
	if cfg.DatabaseURL != "" {
		engine = "postgres"
	}
	rep := &Report{Engine: engine, Processes: cfg.Processes, Seed: cfg.Seed, Requests: map[string]*Counts{}}
	for _, k := range []string{kindCredit, kindWithdrawal, kindPayment, kindCheckin, kindLink, kindRead} {
		rep.Requests[k] = &Counts{}
	}
	// Every process shares the data directory, so the master key that org create generates
	// there seals and opens payout methods in all of them.
	bin := binary{path: cfg.Binary, dataDir: cfg.DataDir, dbURL: cfg.DatabaseURL}
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Log, "%s soak: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
	}

	out, errOut, code, err := bin.run(ctx, "org", "create", "--name", "Soak "+time.Now().UTC().Format(time.RFC3339), "--json")
	if err != nil || code != 0 {
		return nil, fmt.Errorf("org create: exit %d %v\n%s", code, err, errOut)
	}
	var created struct {
		Org    struct{ ID string }
		APIKey struct{ Secret string } `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.APIKey.Secret == "" {
		return nil, fmt.Errorf("org create answered %q: %v", out, err)
	}

	args := []string{"--log-level", "warn", "--sandbox-settle-after", cfg.SettleAfter.String()}
	if cfg.WebhookLease > 0 {
		args = append(args, "--webhook-lease", cfg.WebhookLease.String())
	}
	servers := make([]*server, cfg.Processes)
	for i := range servers {
		if servers[i], err = newServer(bin, i, args); err != nil {
			return nil, err
		}
		defer servers[i].log.Close()
	}
	defer func() {
		for _, s := range servers {
			s.kill()
		}
	}()
	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.start(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	logf("%s, %d process(es) ready on %s; org %s", engine, len(servers), servers[0].addr, created.Org.ID)

	recv, err := newReceiver()
	if err != nil {
		return nil, err
	}
	defer recv.close()
	w := &workload{cfg: cfg, rep: rep, api: newAPI(created.APIKey.Secret), org: created.Org.ID, servers: servers, recv: recv, logf: logf}
	if err := w.setUp(ctx); err != nil {
		return nil, fmt.Errorf("set-up: %w", err)
	}

	// The workload and the killer run together until the kills are done or time is up.
	phase := time.Now()
	wctx, stopWork := context.WithTimeout(ctx, cfg.Duration)
	work := w.start(wctx)
	killErr := w.killLoop(wctx)
	stopWork()
	work.Wait()
	workEnd := time.Now()
	rep.Workload = workEnd.Sub(phase)
	if killErr != nil && ctx.Err() == nil && !errors.Is(killErr, context.DeadlineExceeded) && !errors.Is(killErr, context.Canceled) {
		return rep, killErr
	}
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	for _, s := range servers {
		if !s.up.Load() {
			if _, err := s.start(ctx); err != nil {
				return rep, err
			}
		}
	}
	logf("workload over after %v: %d kills; replaying keys and draining", rep.Workload.Round(time.Millisecond), rep.Kills)

	deadline := workEnd.Add(cfg.Drain)
	w.replay(ctx, deadline)
	w.verify(ctx, workEnd, deadline)

	for _, s := range servers {
		s.stop(30 * time.Second)
	}
	stdout, stderr, code, err := bin.run(ctx, "ledger", "check")
	switch {
	case err != nil:
		return rep, fmt.Errorf("ledger check: %w", err)
	case code != 0:
		rep.LedgerCheck = "FAILED"
		rep.violate("payport ledger check exited %d:\n%s%s", code, stdout, stderr)
	default:
		rep.LedgerCheck = strings.TrimSpace(stdout)
	}
	rep.Total = time.Since(began)
	return rep, nil
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "crash soak: %s, %d process(es), seed %d\n", r.Engine, r.Processes, r.Seed)
	fmt.Fprintf(w, "  kills %d (SIGKILL), restarts %d, slowest restart to ready %v\n", r.Kills, r.Restarts, r.MaxStartup.Round(time.Millisecond))
	fmt.Fprintf(w, "  workload %v, whole run %v\n", r.Workload.Round(time.Millisecond), r.Total.Round(time.Millisecond))
	fmt.Fprintf(w, "  %-11s %7s %7s %7s %6s %16s %16s %16s\n", "requests", "sent", "2xx", "refused", "lost", "lost:was applied", "lost:replay did", "lost:not applied")
	for _, k := range []string{kindCredit, kindWithdrawal, kindPayment, kindCheckin, kindLink, kindRead} {
		c := r.Requests[k]
		fmt.Fprintf(w, "  %-11s %7d %7d %7d %6d %16d %16d %16d\n", k, c.Sent, c.Acknowledged, c.Refused, c.Lost, c.LostApplied, c.LostReplayed, c.LostNotDone)
	}
	fmt.Fprintf(w, "  same-balance races: %d rounds, %d withdrawals, %d succeeded, %d insufficient_funds; overdrafts %d\n",
		r.RaceRounds, r.RaceWithdrawals, r.RaceSucceeded, r.RaceInsufficient, r.Overdrafts)
	fmt.Fprintf(w, "  payouts %d: final %d (succeeded %d, failed %d), %d API payouts awaiting their customer's form; submitted to the rail once %d, more than once %d; duplicates %d\n",
		r.Payouts, r.PayoutsFinal, r.PayoutsSucceeded, r.PayoutsFailed, r.PayoutsAwaiting, r.SubmittedOnce, r.SubmittedTwice, r.DuplicatePayouts)
	fmt.Fprintf(w, "  events %d; valid signed deliveries %d (%d events delivered more than once to one destination); missing %d; bad signatures %d\n",
		r.Events, r.Deliveries, r.DeliveriesRepeat, r.DeliveriesMissing, r.BadSignatures)
	fmt.Fprintf(w, "  ledger check: %s\n", r.LedgerCheck)
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "  PASS: every acknowledged request durable, none applied twice, ledger sound, every event delivered, no payout both failed and succeeded")
		return
	}
	fmt.Fprintf(w, "  FAIL: %d violations\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(w, "    - %s\n", v)
	}
}

// get is a GET that must answer 200, tried on each server in turn until one answers (a
// server may be restarting).
func (w *workload) get(ctx context.Context, path string, out any) error {
	var last error
	for attempt := 0; attempt < 3*len(w.servers); attempt++ {
		s := w.servers[attempt%len(w.servers)]
		if last = w.api.must(ctx, s.base, http.StatusOK, http.MethodGet, path, nil, out); last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}
