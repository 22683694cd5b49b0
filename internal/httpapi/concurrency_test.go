package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
)

// Many clients crediting and debiting one recipient at once: every answer is right on its own,
// money is never lost or made up, and replays stay exact.
func TestConcurrentCreditsAndDebitsKeepEveryAnswerRight(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		en.createRecipient(en.key, "site_2", "EUR")
		const credits, debits = 30, 20
		type call struct {
			path, body, key string
			res             response
			err             error
		}
		var calls []*call
		for i := 0; i < credits; i++ {
			site := "site_1"
			if i%3 == 0 {
				site = "site_2"
			}
			calls = append(calls, &call{path: "/api/recipients/" + site + "/credits",
				body: `{"amount":"1.00","currency":"EUR"}`, key: fmt.Sprintf("c-%d", i)})
		}
		for i := 0; i < debits; i++ {
			calls = append(calls, &call{path: "/api/recipients/site_1/adjustments",
				body: `{"amount":"-1.00","currency":"EUR","description":"chargeback"}`, key: fmt.Sprintf("d-%d", i)})
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c.res, c.err = en.send("POST", c.path, en.key, c.body, "Idempotency-Key", c.key)
			}()
		}
		close(start)
		wg.Wait()

		// Ordered by transfer id (the order postings were made), each answer's balance must be
		// the previous one plus its own amount: every posting answers the balance right after it.
		type posted struct {
			id      string
			delta   int64
			balance int64
		}
		bySite := map[string][]posted{}
		var okCredits1, okDebits int
		for _, c := range calls {
			if c.err != nil {
				t.Fatalf("%s: %v", c.path, c.err)
			}
			site := strings.Split(c.path, "/")[3]
			switch {
			case c.res.Status == 201:
				o := c.res.obj(t)
				p := posted{id: str(t, o, "transfer.id"), delta: num(t, o, "transfer.amount_minor"),
					balance: num(t, o, "balance.available.amount_minor")}
				if str(t, o, "transfer.direction") == "out" {
					p.delta = -p.delta
				}
				bySite[site] = append(bySite[site], p)
				if strings.HasSuffix(c.path, "adjustments") {
					okDebits++
				} else if site == "site_1" {
					okCredits1++
				}
			case c.res.Status == 409 && strings.HasSuffix(c.path, "adjustments"):
				wantProblem(t, c.res, 409, "insufficient_funds", "amount")
			default:
				t.Errorf("%s: %s", c.path, c.res)
			}
		}
		for site, ps := range bySite {
			sort.Slice(ps, func(i, j int) bool { return ps[i].id < ps[j].id })
			var bal int64
			for i, p := range ps {
				bal += p.delta
				if p.balance != bal || bal < 0 {
					t.Errorf("%s posting %d (%s, %+d): answered balance %d, want %d", site, i, p.id, p.delta, p.balance, bal)
				}
			}
		}
		want1 := fmt.Sprintf("%d.00", okCredits1-okDebits)
		if got := en.balance(en.key, "site_1"); got != want1 {
			t.Errorf("site_1 balance %s, want %s (%d credits, %d debits succeeded)", got, want1, okCredits1, okDebits)
		}
		if got := en.balance(en.key, "site_2"); got != "10.00" {
			t.Errorf("site_2 balance %s, want 10.00", got)
		}
		if n := en.count("ledger_transfers"); n != credits+okDebits {
			t.Errorf("%d transfers, want %d", n, credits+okDebits)
		}
		// Every successful request replays byte for byte; every refused one may be retried.
		for _, c := range calls {
			r := en.do("POST", c.path, en.key, c.body, "Idempotency-Key", c.key)
			if c.res.Status == 201 {
				if r.Status != 200 || string(r.Body) != string(c.res.Body) {
					t.Errorf("replay of %s: %s\nwant 200 and\n%s", c.key, r, c.res.Body)
				}
			} else if r.Status != 201 && r.Status != 409 {
				t.Errorf("retry of refused %s: %s", c.key, r)
			}
		}
		// The ledger still balances: what site_1 shows is what its transactions add up to.
		var sum int64
		cursor := ""
		for {
			path := "/api/recipients/site_1/transactions?limit=100"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			pg := en.must(200, "GET", path, en.key, nil).obj(t)
			for _, it := range get(t, pg, "items").([]any) {
				n := num(t, it, "amount_minor")
				if str(t, it, "direction") == "out" {
					n = -n
				}
				sum += n
			}
			if pg["next_cursor"] == nil {
				break
			}
			cursor = pg["next_cursor"].(string)
		}
		if got := num(t, en.info(en.key, "site_1"), "balance.amount_minor"); got != sum {
			t.Errorf("balance %d minor units, transactions add up to %d", got, sum)
		}
	})
}

// holdStore pauses the ledger's own transaction (the one not started by an HTTP request) until
// the request that led to it is cancelled, to reproduce a client giving up mid-request.
type holdStore struct {
	store.Store
	mu      sync.Mutex
	armed   bool
	reqCtx  context.Context
	entered chan struct{}
}

// InTxRelaxed sees the request's own transactions (the idempotency reservation) too.
func (s *holdStore) InTxRelaxed(ctx context.Context, fn func(store.Tx) error) error {
	s.mu.Lock()
	if s.armed && ctx.Value(http.ServerContextKey) != nil && s.reqCtx == nil {
		s.reqCtx = ctx
	}
	s.mu.Unlock()
	return s.Store.InTxRelaxed(ctx, fn)
}

func (s *holdStore) InTx(ctx context.Context, fn func(store.Tx) error) error {
	fromRequest := ctx.Value(http.ServerContextKey) != nil
	s.mu.Lock()
	if s.armed && fromRequest && s.reqCtx == nil {
		s.reqCtx = ctx
	}
	hold := s.armed && !fromRequest && s.reqCtx != nil
	reqCtx := s.reqCtx
	if hold {
		s.armed = false
	}
	s.mu.Unlock()
	if hold {
		close(s.entered)
		select {
		case <-reqCtx.Done():
		case <-time.After(10 * time.Second):
		}
	}
	return s.Store.InTx(ctx, fn)
}

// A client that times out retries with the same Idempotency-Key. The retry must either replay
// the first attempt (if it committed) or run afresh; it must not be refused as "in flight"
// when nothing is running any more, and the money must move exactly once.
func TestCreditRetryAfterClientGaveUp(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		hs := &holdStore{entered: make(chan struct{})}
		en := newEnv(t, e, withStore(func(s store.Store) store.Store { hs.Store = s; return hs }))
		en.createRecipient(en.key, "site_1", "EUR")
		body := `{"amount":"10.00","currency":"EUR"}`

		hs.mu.Lock()
		hs.armed = true
		hs.mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "POST", en.srv.URL+"/api/recipients/site_1/credits", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+en.key)
			req.Header.Set("Idempotency-Key", "gave-up-1")
			res, err := en.srv.Client().Do(req)
			if err == nil {
				res.Body.Close()
			}
			done <- err
		}()
		select {
		case <-hs.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the credit never reached the ledger")
		}
		cancel() // the client gives up while the ledger transaction is under way
		<-done
		// Let the server finish with the abandoned request: its key is then either completed or
		// released. (With the key still locked after 5 s, the retry below shows the consequence.)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			var state string
			err := en.db.ReaderDB().QueryRow(`SELECT state FROM idempotency_records WHERE idem_key = 'gave-up-1'`).Scan(&state)
			if err != nil || state != "in_flight" {
				break
			}
		}

		r := en.do("POST", "/api/recipients/site_1/credits", en.key, body, "Idempotency-Key", "gave-up-1")
		if r.Status != 201 && r.Status != 200 {
			var state string
			_ = en.db.ReaderDB().QueryRow(`SELECT state FROM idempotency_records WHERE idem_key = 'gave-up-1'`).Scan(&state)
			t.Errorf("retry after the client gave up: %s; want 201 (fresh) or 200 (replay). "+
				"Balance %s, idempotency record state %q: the abandoned attempt left the key locked", r, en.balance(en.key, "site_1"), state)
		}
		if got := en.balance(en.key, "site_1"); r.Status < 300 && got != "10.00" {
			t.Errorf("balance %s, want 10.00 (credited exactly once)", got)
		}
		ids := map[string]bool{}
		for _, it := range get(t, en.must(200, "GET", "/api/recipients/site_1/transactions", en.key, nil).obj(t), "items").([]any) {
			ids[str(t, it, "id")] = true
		}
		if len(ids) > 1 {
			t.Errorf("%d transfers for one idempotent credit", len(ids))
		}
	})
}

// Ten clients reversing the same credit at once: it is taken back exactly once.
func TestConcurrentReversalsReverseOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		credit := en.credit(en.key, "site_1", "10.00", "EUR")
		en.credit(en.key, "site_1", "15.00", "EUR")
		const n = 10
		res := make([]response, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res[i], errs[i] = en.send("POST", "/api/transfers/"+credit+"/reversal", en.key, `{"description":"fraud"}`)
			}()
		}
		close(start)
		wg.Wait()
		created := 0
		for i, r := range res {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			switch r.Status {
			case 201:
				created++
			case 409:
				wantProblem(t, r, 409, "", anyField)
			default:
				t.Errorf("reversal %d: %s", i, r)
			}
		}
		if created != 1 {
			t.Errorf("%d reversals answered 201, want 1", created)
		}
		if got := en.balance(en.key, "site_1"); got != "15.00" {
			t.Errorf("balance %s, want 15.00 (the 10.00 credit reversed once)", got)
		}
	})
}
