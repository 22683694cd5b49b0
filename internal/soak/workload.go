package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Kinds of request, as the report counts them.
const (
	kindCredit     = "credit"
	kindWithdrawal = "withdrawal"
	kindPayment    = "payment" // POST /api/payments, type payout
	kindCheckin    = "checkin" // its hosted form, submitted
	kindLink       = "link"    // POST /payment-links
	kindRead       = "read"
)

// Sandbox accounts (docs/SANDBOX.md): the last four digits choose the outcome.
const (
	ibanSucceeds = "DE94370400440532010000"
	ibanFails    = "DE70370400440532011111" // no_account
)

// raceRecipient takes the same-balance races: only they withdraw from it.
const raceRecipient = "soak_race"

// request is one money-moving request sent with an Idempotency-Key, and what became of it.
type request struct {
	kind      string
	recipient string // external id (credits, withdrawals) or customer id (payments)
	path      string
	body      []byte
	key       string
	amount    int64
	race      bool

	first answer // status 0: the answer was lost

	applied bool   // known applied, once resolved
	result  []byte // the answer its key stands for (first answer or replay)
	id      string // transfer id (credit) or payment id
}

// refused reports whether an answer is a definite refusal: the request did nothing and its
// key was released (see docs/API.md#idempotency).
func refused(a answer) bool {
	return a.status >= 400 && a.status < 500 && a.status != http.StatusTooManyRequests &&
		a.code() != "idempotency_key_in_flight"
}

// link is a payment link whose creation was acknowledged.
type link struct{ id string }

// workload drives the servers and remembers every request and answer.
type workload struct {
	cfg     Config
	rep     *Report
	api     *api
	org     string
	servers []*server
	recv    *receiver
	logf    func(string, ...any)

	recipients []string // external ids, raceRecipient last

	mu        sync.Mutex
	requests  []*request
	links     []link
	checkins  map[string]bool // payment id -> its form submission was acknowledged
	raceOver  int             // race rounds whose successes exceeded the balance before them
	seq       int
	paceEvery time.Duration
	paceNext  time.Time
}

// setUp creates the webhook endpoints (before anything else, so that every later event has a
// destination), the org's webhook secret for payments' own webhookUrl, and the recipients
// with their bank accounts.
func (w *workload) setUp(ctx context.Context) error {
	base := w.servers[0].base
	w.checkins = map[string]bool{}
	for _, ep := range []struct {
		path  string
		types []string
	}{{"/a", []string{}}, {"/b", []string{"payment.*"}}} {
		var v struct{ Secret string }
		if err := w.api.must(ctx, base, http.StatusCreated, http.MethodPost, "/api/webhook_endpoints",
			map[string]any{"url": w.recv.base + ep.path, "event_types": ep.types, "description": "soak " + ep.path}, &v); err != nil {
			return err
		}
		if err := w.recv.add(ep.path, v.Secret); err != nil {
			return err
		}
	}
	var secret struct{ Secret string }
	if err := w.api.must(ctx, base, http.StatusOK, http.MethodGet, "/api/webhook_secret", nil, &secret); err != nil {
		return err
	}
	if err := w.recv.add("/org", secret.Secret); err != nil {
		return err
	}
	for i := 0; i < w.cfg.Recipients; i++ {
		w.recipients = append(w.recipients, fmt.Sprintf("soak_r%d", i))
	}
	w.recipients = append(w.recipients, raceRecipient)
	for i, ext := range w.recipients {
		if err := w.api.must(ctx, base, http.StatusCreated, http.MethodPost, "/api/recipients", map[string]any{
			"external_id": ext, "currency": "EUR", "email": ext + "@example.com", "country": "DE", "name": "Soak " + ext,
			"minimum_withdrawal_amount": "0.01"}, nil); err != nil {
			return err
		}
		iban := ibanSucceeds
		if i%3 == 2 && ext != raceRecipient {
			iban = ibanFails // a third of the ordinary recipients' payouts fail and refund
		}
		if err := w.api.must(ctx, base, http.StatusCreated, http.MethodPost, "/api/recipients/"+ext+"/payout_methods",
			map[string]any{"holder_name": "Soak " + ext, "iban": iban}, nil); err != nil {
			return err
		}
	}
	w.paceEvery = time.Duration(float64(time.Second) / w.cfg.Rate)
	return nil
}

// pace makes the caller wait for its turn under the configured rate.
func (w *workload) pace(ctx context.Context) bool {
	w.mu.Lock()
	now := time.Now()
	if w.paceNext.Before(now) {
		w.paceNext = now
	}
	at := w.paceNext
	w.paceNext = w.paceNext.Add(w.paceEvery)
	w.mu.Unlock()
	select {
	case <-ctx.Done():
		return false
	case <-time.After(time.Until(at)):
		return true
	}
}

// pick chooses a server that is up, waiting while none is.
func (w *workload) pick(ctx context.Context, rng *rand.Rand) *server {
	for ctx.Err() == nil {
		start := rng.IntN(len(w.servers))
		for i := range w.servers {
			if s := w.servers[(start+i)%len(w.servers)]; s.up.Load() {
				return s
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

func (w *workload) next() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	return w.seq
}

func (w *workload) count(kind string, f func(c *Counts)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(w.rep.Requests[kind])
}

// start runs the clients and the race loop until ctx ends.
func (w *workload) start(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	for c := 0; c < w.cfg.Clients; c++ {
		rng := rand.New(rand.NewPCG(w.cfg.Seed, uint64(c)+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; w.pace(ctx); n++ {
				s := w.pick(ctx, rng)
				if s == nil {
					return
				}
				ordinary := w.recipients[rng.IntN(len(w.recipients)-1)]
				p := rng.IntN(100)
				if n < 5 {
					p = []int{0, 40, 65, 77, 87}[n] // each kind once first, so that a short run has them all
				}
				switch {
				case p < 40:
					w.send(ctx, s, kindCredit, ordinary, "/api/recipients/"+ordinary+"/credits", int64(100+rng.IntN(1900)), false)
				case p < 65:
					w.send(ctx, s, kindWithdrawal, ordinary, "/api/recipients/"+ordinary+"/withdrawals", int64(100+rng.IntN(1400)), false)
				case p < 77:
					w.payout(ctx, s, rng)
				case p < 87:
					w.link(ctx, s, rng)
				default:
					w.read(ctx, s, ordinary)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(w.cfg.Seed, 1000))
		for ctx.Err() == nil {
			w.race(ctx, rng)
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}()
	return &wg
}

// send posts a credit or withdrawal of amount with a fresh Idempotency-Key and records it.
func (w *workload) send(ctx context.Context, s *server, kind, recipient, path string, amount int64, race bool) *request {
	n := w.next()
	desc := "soak " + kind
	body, _ := json.Marshal(map[string]string{"amount": cents(amount), "currency": "EUR", "description": desc})
	r := &request{kind: kind, recipient: recipient, path: path, body: body, key: fmt.Sprintf("soak-%s-%d", kind, n), amount: amount, race: race}
	r.first, _ = w.api.do(ctx, s.base, http.MethodPost, path, body, r.key)
	w.record(r)
	return r
}

func (w *workload) record(r *request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests = append(w.requests, r)
	c := w.rep.Requests[r.kind]
	c.Sent++
	switch {
	case r.first.status == http.StatusCreated || r.first.status == http.StatusOK:
		c.Acknowledged++
	case refused(r.first):
		c.Refused++
	default:
		c.Lost++
	}
}

// payout creates a payout with the Payments API (with an Idempotency-Key and its own
// webhookUrl) and submits its hosted form with a sandbox IBAN, as the customer would.
func (w *workload) payout(ctx context.Context, s *server, rng *rand.Rand) {
	n := w.next()
	amount := int64(100 + rng.IntN(4900))
	customer := fmt.Sprintf("soak_cust%d", rng.IntN(20))
	body, _ := json.Marshal(map[string]any{"amount": cents(amount), "currency": "EUR", "type": "payout",
		"externalId": fmt.Sprintf("soak-payment-%d", n), "description": "soak payout", "customer": map[string]string{"id": customer, "name": "Soak Customer"},
		"webhookUrl": w.recv.base + "/org"})
	r := &request{kind: kindPayment, recipient: customer, path: "/api/payments", body: body, key: fmt.Sprintf("soak-payment-%d", n), amount: amount}
	r.first, _ = w.api.do(ctx, s.base, http.MethodPost, r.path, body, r.key)
	w.record(r)
	if r.first.status != http.StatusCreated {
		return
	}
	var p struct{ ID string }
	if json.Unmarshal(r.first.body, &p) != nil || p.ID == "" {
		return
	}
	page, err := w.api.page(ctx, s.base, "/checkin/"+p.ID)
	token := formToken(page.body)
	if err != nil || page.status != http.StatusOK || token == "" {
		return // the server died under the page: the form stays for another day
	}
	iban := ibanSucceeds
	if rng.IntN(4) == 0 {
		iban = ibanFails
	}
	a, _ := w.api.form(ctx, s.base, "/checkin/"+p.ID, url.Values{"csrf": {token}, "country": {"DE"}, "holder_name": {"Soak Customer"}, "iban": {iban}})
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.rep.Requests[kindCheckin]
	c.Sent++
	switch {
	case a.status == http.StatusSeeOther:
		c.Acknowledged++
		w.checkins[p.ID] = true
	case refused(a):
		c.Refused++
	default:
		c.Lost++
	}
}

// link creates a payment link (no Idempotency-Key: the seed has none for it).
func (w *workload) link(ctx context.Context, s *server, rng *rand.Rand) {
	n := w.next()
	body, _ := json.Marshal(map[string]any{"email": fmt.Sprintf("soak%d@example.com", rng.IntN(50)), "org_id": w.org,
		"payment_amount": json.Number(cents(int64(100 + rng.IntN(9900)))), "currency": "EUR", "reference": fmt.Sprintf("soak link %d", n)})
	a, _ := w.api.do(ctx, s.base, http.MethodPost, "/payment-links", body, "")
	var l struct{ ID string }
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.rep.Requests[kindLink]
	c.Sent++
	switch {
	case a.status == http.StatusCreated && json.Unmarshal(a.body, &l) == nil && l.ID != "":
		c.Acknowledged++
		w.links = append(w.links, link{id: l.ID})
	case refused(a):
		c.Refused++
	default:
		c.Lost++
	}
}

// read is the reading side of the load: a balance and the newest events.
func (w *workload) read(ctx context.Context, s *server, recipient string) {
	a, _ := w.api.do(ctx, s.base, http.MethodGet, "/rewards/"+recipient+"/info", nil, "")
	b, _ := w.api.do(ctx, s.base, http.MethodGet, "/api/events?limit=5", nil, "")
	w.count(kindRead, func(c *Counts) {
		c.Sent += 2
		for _, x := range []answer{a, b} {
			switch {
			case x.status == http.StatusOK:
				c.Acknowledged++
			case refused(x):
				c.Refused++
			default:
				c.Lost++
			}
		}
	})
}

// race credits the race recipient and then fires withdrawals of the same balance from every
// server at once: more than the balance allows. Those that succeed may never add up to more
// than the balance before them.
func (w *workload) race(ctx context.Context, rng *rand.Rand) {
	s := w.pick(ctx, rng)
	if s == nil {
		return
	}
	credit := w.send(ctx, s, kindCredit, raceRecipient, "/api/recipients/"+raceRecipient+"/credits", 1000, true)
	var info struct {
		Balance struct {
			AmountMinor int64 `json:"amount_minor"`
		}
	}
	a, err := w.api.do(ctx, s.base, http.MethodGet, "/rewards/"+raceRecipient+"/info", nil, "")
	if err != nil || a.status != http.StatusOK || json.Unmarshal(a.body, &info) != nil {
		return
	}
	before := info.Balance.AmountMinor
	const each, amount = 4, 300
	n := each * len(w.servers)
	rs := make([]*request, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		s := w.servers[i%len(w.servers)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rs[i] = w.send(ctx, s, kindWithdrawal, raceRecipient, "/api/recipients/"+raceRecipient+"/withdrawals", amount, true)
		}()
	}
	close(start)
	wg.Wait()
	ok, short, lost := 0, 0, 0
	for _, r := range rs {
		switch {
		case r.first.status == http.StatusCreated:
			ok++
		case r.first.code() == "insufficient_funds":
			short++
		case !refused(r.first):
			lost++
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rep.RaceRounds++
	w.rep.RaceWithdrawals += n
	w.rep.RaceSucceeded += ok
	w.rep.RaceInsufficient += short
	if int64(ok)*amount > before && lost == 0 && credit.first.status == http.StatusCreated {
		w.raceOver++
		w.rep.violate("overdraft: a race round withdrew %d x %s from a balance of %s", ok, cents(amount), cents(before))
	}
}

// killLoop kills a random server at random moments and restarts it, until it has killed
// cfg.Kills times or ctx ends.
func (w *workload) killLoop(ctx context.Context) error {
	rng := rand.New(rand.NewPCG(w.cfg.Seed, 2000))
	for w.rep.Kills < w.cfg.Kills {
		span := w.cfg.MaxUptime - w.cfg.MinUptime
		wait := w.cfg.MinUptime
		if span > 0 {
			wait += time.Duration(rng.Int64N(int64(span)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		s := w.servers[rng.IntN(len(w.servers))]
		s.kill()
		w.mu.Lock()
		w.rep.Kills++
		w.mu.Unlock()
		took, err := s.start(context.WithoutCancel(ctx))
		if err != nil {
			return err
		}
		w.mu.Lock()
		w.rep.Restarts++
		w.rep.MaxStartup = max(w.rep.MaxStartup, took)
		w.mu.Unlock()
		if w.rep.Kills%10 == 0 {
			w.logf("%d kills", w.rep.Kills)
		}
	}
	return nil
}

// replay resolves every request with an Idempotency-Key: an acknowledged one must replay
// its first answer (200, same body); a lost one is sent again until it answers, which says
// whether it had been applied (200), is applied now (201), or was not applied (a refusal).
func (w *workload) replay(ctx context.Context, deadline time.Time) {
	w.mu.Lock()
	reqs := append([]*request(nil), w.requests...)
	w.mu.Unlock()
	work := make(chan *request)
	var wg sync.WaitGroup
	for c := 0; c < max(w.cfg.Clients, 4); c++ {
		rng := rand.New(rand.NewPCG(w.cfg.Seed, 3000+uint64(c)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				w.resolve(ctx, r, rng, deadline)
			}
		}()
	}
	for _, r := range reqs {
		if refused(r.first) {
			continue // a refusal did nothing and released its key; the balances check it
		}
		work <- r
	}
	close(work)
	wg.Wait()
}

func (w *workload) resolve(ctx context.Context, r *request, rng *rand.Rand, deadline time.Time) {
	acked := r.first.status == http.StatusCreated || r.first.status == http.StatusOK
	for {
		s := w.pick(ctx, rng)
		if s == nil {
			return
		}
		a, err := w.api.do(ctx, s.base, http.MethodPost, r.path, r.body, r.key)
		// A key whose request died with its process stays in flight until its lock expires
		// (idempotency.LockTTL); then the replay runs it.
		if err != nil || a.status >= 500 || a.status == http.StatusTooManyRequests || a.code() == "idempotency_key_in_flight" {
			if time.Now().After(deadline) {
				w.mu.Lock()
				w.rep.violate("%s %s (key %s) still unresolved at the deadline: %v %v", r.kind, r.path, r.key, a, err)
				w.mu.Unlock()
				return
			}
			time.Sleep(500 * time.Millisecond)
			continue
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		c := w.rep.Requests[r.kind]
		switch {
		case acked && a.status == http.StatusOK && sameJSON(a.body, r.first.body):
			r.applied, r.result = true, r.first.body
		case acked:
			w.rep.violate("acknowledged %s %s (key %s, first answer %v) replays as %v", r.kind, r.path, r.key, r.first, a)
			r.applied, r.result = true, r.first.body
		case a.status == http.StatusOK:
			c.LostApplied++
			r.applied, r.result = true, a.body
		case a.status == http.StatusCreated:
			c.LostReplayed++
			r.applied, r.result = true, a.body
		default:
			c.LostNotDone++
		}
		if r.applied {
			var v struct {
				ID       string
				Transfer struct{ ID string }
			}
			_ = json.Unmarshal(r.result, &v)
			r.id = v.ID
			if r.kind == kindCredit {
				r.id = v.Transfer.ID
			}
		}
		return
	}
}
