package soak_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/soak"
	"github.com/payport/payport/internal/store/storetest"
)

// TestCrashSoak runs a short soak on each engine: three SIGKILLs under the mixed workload,
// then every proof of the full soak. A kill that leaves an Idempotency-Key in flight makes the
// replays wait for its lock to expire (a minute), which bounds the test's length.
func TestCrashSoak(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "payport")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/payport/payport/cmd/payport").CombinedOutput(); err != nil {
		t.Fatalf("building payport: %v\n%s", err, out)
	}
	run := func(t *testing.T, dbURL string, processes int) {
		var log bytes.Buffer
		var mu sync.Mutex
		cfg := soak.Config{Binary: bin, DataDir: filepath.Join(t.TempDir(), "soak"), DatabaseURL: dbURL, Processes: processes,
			Kills: 3, Duration: 30 * time.Second, Seed: 7, Clients: 2, Rate: 30, Recipients: 4,
			MinUptime: time.Second, MaxUptime: 2 * time.Second, Drain: 100 * time.Second,
			SettleAfter: 500 * time.Millisecond, WebhookLease: 20 * time.Second, Log: lockedWriter{&mu, &log}}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		rep, err := soak.Run(ctx, cfg)
		mu.Lock()
		t.Log(log.String())
		mu.Unlock()
		if err != nil {
			t.Fatalf("soak: %v", err)
		}
		var out bytes.Buffer
		rep.Print(&out)
		t.Log(out.String())
		if len(rep.Violations) > 0 {
			t.Fatalf("%d violations (servers' logs in %s)", len(rep.Violations), cfg.DataDir)
		}
		if rep.Kills != 3 || rep.Restarts != 3 {
			t.Errorf("%d kills and %d restarts, want 3 and 3", rep.Kills, rep.Restarts)
		}
		for _, kind := range []string{"credit", "withdrawal", "payment", "checkin", "link"} {
			if rep.Requests[kind].Acknowledged == 0 {
				t.Errorf("no %s was acknowledged: the workload did not run", kind)
			}
		}
		if rep.Payouts == 0 || rep.Events == 0 || rep.Deliveries == 0 {
			t.Errorf("payouts %d, events %d, deliveries %d: the proofs had nothing to check", rep.Payouts, rep.Events, rep.Deliveries)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		run(t, "", 1)
	})
	t.Run("postgres three processes", func(t *testing.T) {
		t.Parallel()
		pg, ok := storetest.Postgres(t)
		if !ok {
			t.Skip("PostgreSQL not configured: set PAYPORT_TEST_DATABASE_URL")
		}
		run(t, pg.URL(t), 3)
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
