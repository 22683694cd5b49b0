package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBackupAndRestore backs the SQLite database up while `payport serve` runs and writes, then
// serves the backup: what was committed before the backup is there, later writes are not, the
// sealed data opens with the copied master key, and the ledger checks out.
func TestBackupAndRestore(t *testing.T) {
	e := newEngine(t, "sqlite")
	_, key := e.createOrg(t, "Acme")
	s := e.startServer(t)
	s.createRecipient(t, key, "site_1", "EUR")
	s.credit(t, key, "site_1", "12.34", "EUR")
	s.mustCall(t, 201, "POST", "/api/recipients/site_1/payout_methods", key,
		map[string]string{"holder_name": "Ada", "iban": "DE89370400440532013000"}, nil)

	// Writes keep going while the backup runs.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = s.call("POST", "/api/recipients/site_1/credits", key, map[string]string{"amount": "0.01", "currency": "EUR"}, nil)
			}
		}
	}()
	out := filepath.Join(t.TempDir(), "backup")
	time.Sleep(100 * time.Millisecond)
	res := e.mustRun(t, "backup", out)
	close(stop)
	<-done
	if !strings.Contains(res.stdout, "payport.db") || !strings.Contains(res.stdout, "master.key") {
		t.Fatalf("backup said %q", res.stdout)
	}
	if fi, err := os.Stat(filepath.Join(out, "master.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key copy: %v %v", fi, err)
	}
	if r := e.run(t, "backup", out); r.code == 0 {
		t.Fatal("a backup over an existing directory was accepted")
	}
	s.credit(t, key, "site_1", "100.00", "EUR") // after the backup
	if code, _ := s.terminate(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}

	restored := engine{name: "sqlite", dataDir: out}
	if r := restored.mustRun(t, "ledger", "check"); !strings.Contains(r.stdout, "ledger OK") {
		t.Fatalf("ledger check of the backup: %s", r.stdout)
	}
	s2 := restored.startServer(t)
	amount, _ := s2.balance(t, key, "site_1")
	if v, err := strconv.ParseFloat(amount, 64); err != nil || v < 12.34 || v >= 112.34 {
		t.Fatalf("restored balance %s, want 12.34 plus the cents credited before the snapshot, without the later 100.00", amount)
	}
	var methods []map[string]any
	s2.mustCall(t, 200, "GET", "/api/recipients/site_1/payout_methods", key, nil, &methods)
	if len(methods) != 1 || methods[0]["last4"] != "3000" {
		t.Fatalf("restored methods %v", methods)
	}
	// The sealed details open with the copied key: a withdrawal to the method is accepted.
	s2.mustCall(t, 201, "POST", "/api/recipients/site_1/withdrawals", key, map[string]string{"amount": "1.00", "currency": "EUR"}, nil)
}
