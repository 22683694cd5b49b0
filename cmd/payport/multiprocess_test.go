package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServers starts n servers on e's database at once, as a deployment rolling out
// several replicas would.
func (e engine) startServers(t *testing.T, n int) []*server {
	t.Helper()
	servers := make([]*server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() {
			// startServer may not call t.Fatal off the test goroutine: try once per port.
			for attempt := 0; attempt < 3; attempt++ {
				servers[i], errs[i] = e.tryStart(t, freePortNoT(), "--log-level", "warn")
				if errs[i] == nil || !strings.Contains(servers[i].stderr.String(), "address already in use") {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
		t.Logf("%s: server %d ready after %v", e.name, i, servers[i].startup)
	}
	return servers
}

func freePortNoT() int {
	for {
		if p, err := listenFree(); err == nil {
			return p
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// setUpFunded creates an org with the CLI, and with the API a recipient credited with
// 100.00 EUR; it returns the org's key and the recipient's UUID.
func setUpFunded(t *testing.T, e engine, servers []*server) (key, rid string) {
	t.Helper()
	_, key = e.createOrg(t, "Acme")
	rid = servers[0].createRecipient(t, key, "site_1", "EUR")
	servers[len(servers)-1].credit(t, key, "site_1", "100.00", "EUR")
	return key, rid
}

// concurrentDebits sends 50 concurrent debits of 3.00 EUR against 100.00, alternating
// between the servers: exactly 33 must succeed and 17 be refused for insufficient funds.
func concurrentDebits(t *testing.T, e engine, servers []*server) {
	key, rid := setUpFunded(t, e, servers)
	const n = 50
	responses := make([]response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Go(func() {
			<-start
			responses[i], errs[i] = servers[i%len(servers)].call(http.MethodPost, "/api/recipients/"+rid+"/adjustments", key,
				map[string]string{"amount": "-3.00", "currency": "EUR", "description": "chargeback"}, nil)
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%s: %d concurrent debits over %d processes took %v", e.name, n, len(servers), time.Since(began))

	ok, refused := map[int]int{}, map[int]int{}
	for i, r := range responses {
		switch {
		case errs[i] != nil:
			t.Errorf("debit %d: %v", i, errs[i])
		case r.status == http.StatusCreated:
			ok[i%len(servers)]++
		case r.status == http.StatusConflict && r.problemCode() == "insufficient_funds":
			refused[i%len(servers)]++
		default:
			t.Errorf("debit %d (server %d): %v", i, i%len(servers), r)
		}
	}
	total := func(m map[int]int) (s int) {
		for _, v := range m {
			s += v
		}
		return s
	}
	if total(ok) != 33 || total(refused) != 17 {
		t.Errorf("got %d successes and %d insufficient_funds, want 33 and 17 (per server: ok %v, refused %v)",
			total(ok), total(refused), ok, refused)
	}
	for i, s := range servers {
		if amount, cur := s.balance(t, key, "site_1"); amount != "1.00" || cur != "EUR" {
			t.Errorf("server %d: balance %s %s, want 1.00 EUR", i, amount, cur)
		}
	}
	if r := e.run(t, "ledger", "check"); r.code != 0 || !strings.Contains(r.stdout, "ledger OK: 2 accounts") {
		t.Errorf("ledger check after concurrent debits:\n%v", r)
	}
}

func TestConcurrentDebits(t *testing.T) {
	t.Run("postgres two processes", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t, "postgres")
		concurrentDebits(t, e, e.startServers(t, 2))
	})
	t.Run("sqlite one process", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t, "sqlite")
		concurrentDebits(t, e, []*server{e.startServer(t, "--log-level", "warn")})
	})
}

// concurrentIdempotentCredits sends 20 concurrent credits with one Idempotency-Key, split
// across the servers: the money moves once; one request answers 201, the others replay it
// (200, same transfer) or are told their twin is still running (409).
func concurrentIdempotentCredits(t *testing.T, e engine, servers []*server) {
	key, _ := setUpFunded(t, e, servers)
	const n = 20
	body := map[string]string{"amount": "7.25", "currency": "EUR", "description": "Energy saving reward"}
	idem := map[string]string{"Idempotency-Key": "reward-2024-06-site_1"}
	responses := make([]response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Go(func() {
			<-start
			responses[i], errs[i] = servers[i%len(servers)].call(http.MethodPost, "/api/recipients/site_1/credits", key, body, idem)
		})
	}
	close(start)
	wg.Wait()

	type credit struct {
		Transfer struct{ ID, Kind string }
		Balance  struct{ Available struct{ Amount string } }
	}
	var firsts []credit
	var replays []credit
	inFlight := 0
	for i, r := range responses {
		var c credit
		switch {
		case errs[i] != nil:
			t.Errorf("credit %d: %v", i, errs[i])
		case r.status == http.StatusCreated || r.status == http.StatusOK:
			if err := json.Unmarshal(r.body, &c); err != nil {
				t.Errorf("credit %d: %v: %v", i, r, err)
			}
			if r.status == http.StatusCreated {
				firsts = append(firsts, c)
			} else {
				replays = append(replays, c)
			}
		case r.status == http.StatusConflict && r.problemCode() == "idempotency_key_in_flight":
			inFlight++
		default:
			t.Errorf("credit %d (server %d): %v", i, i%len(servers), r)
		}
	}
	t.Logf("%s: %d created, %d replayed, %d refused as in flight", e.name, len(firsts), len(replays), inFlight)
	if len(firsts) != 1 {
		t.Fatalf("%d requests answered 201, want exactly 1", len(firsts))
	}
	first := firsts[0]
	if first.Balance.Available.Amount != "107.25" {
		t.Errorf("the credit's balance after it: %s, want 107.25", first.Balance.Available.Amount)
	}
	for _, c := range replays {
		if c.Transfer.ID != first.Transfer.ID || c.Balance.Available.Amount != "107.25" {
			t.Errorf("replay %+v differs from the first answer %+v", c, first)
		}
	}
	// A retry after the storm replays, on every server.
	for i, s := range servers {
		r, err := s.call(http.MethodPost, "/api/recipients/site_1/credits", key, body, idem)
		var c credit
		if err != nil || r.status != http.StatusOK || json.Unmarshal(r.body, &c) != nil || c.Transfer.ID != first.Transfer.ID {
			t.Errorf("server %d: retry after the storm: %v %v, want 200 replaying %s", i, r, err, first.Transfer.ID)
		}
	}
	for i, s := range servers {
		if amount, _ := s.balance(t, key, "site_1"); amount != "107.25" {
			t.Errorf("server %d: balance %s, want 107.25: the credit moved money %s", i, amount, timesMoved(amount))
		}
	}
	var txs struct{ Items []struct{ Kind string } }
	servers[0].mustCall(t, http.StatusOK, http.MethodGet, "/api/recipients/site_1/transactions", key, nil, &txs)
	if len(txs.Items) != 2 {
		t.Errorf("%d transactions, want 2 (the funding credit and the idempotent one)", len(txs.Items))
	}
	if r := e.run(t, "ledger", "check"); r.code != 0 {
		t.Errorf("ledger check after idempotent credits:\n%v", r)
	}
}

func timesMoved(amount string) string {
	var v float64
	if _, err := fmt.Sscanf(amount, "%f", &v); err != nil {
		return "an unknown number of times"
	}
	return fmt.Sprintf("%.0f times", (v-100)/7.25)
}

func TestConcurrentIdempotentCredits(t *testing.T) {
	t.Run("postgres two processes", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t, "postgres")
		concurrentIdempotentCredits(t, e, e.startServers(t, 2))
	})
	t.Run("sqlite one process", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t, "sqlite")
		concurrentIdempotentCredits(t, e, []*server{e.startServer(t, "--log-level", "warn")})
	})
}
