package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	// No database settings at all: version must not need (or create) one.
	e := engine{name: "none"}
	cwd := t.TempDir()
	cmd := e.command(t.Context(), "version")
	cmd.Dir = cwd
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("payport version: %v", err)
	}
	if want := "payport " + testVersion + "\n"; string(out) != want {
		t.Errorf("payport version printed %q, want %q", out, want)
	}

	cmd = e.command(t.Context(), "version", "--json")
	cmd.Dir = cwd
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("payport version --json: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("payport version --json printed %q: %v", out, err)
	}
	if len(v) != 1 || v["version"] != testVersion {
		t.Errorf("payport version --json = %s, want {\"version\": %q}", out, testVersion)
	}
	if _, err := os.Stat(filepath.Join(cwd, "payport-data")); !os.IsNotExist(err) {
		t.Errorf("payport version created a data directory (stat: %v)", err)
	}
}

type keyJSONOut struct {
	ID     string
	OrgID  string `json:"org_id"`
	Mode   string
	Role   string
	Scopes []string
	Prefix string
	Secret string
}

func TestOrgAndAPIKeyCommands(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		var created struct {
			Org struct {
				ID   string
				Name string
			}
			APIKey keyJSONOut `json:"api_key"`
		}
		e.runJSON(t, &created, "org", "create", "--name", "Acme", "--json")
		orgID, adminKey := created.Org.ID, created.APIKey.Secret
		if orgID == "" || created.Org.Name != "Acme" {
			t.Fatalf("org create --json: org %+v", created.Org)
		}
		k := created.APIKey
		if !strings.HasPrefix(k.Secret, "pp_test_") || k.Mode != "test" || k.Role != "org-admin" || k.OrgID != orgID || k.ID == "" {
			t.Fatalf("org create --json: api_key %+v, want a test org-admin key of org %s with a pp_test_ secret", k, orgID)
		}
		if !strings.HasPrefix(k.Secret, k.Prefix) || k.Prefix == k.Secret {
			t.Errorf("key prefix %q is not a proper prefix of its secret", k.Prefix)
		}

		var live struct {
			Org    struct{ ID string }
			APIKey keyJSONOut `json:"api_key"`
		}
		e.runJSON(t, &live, "org", "create", "--name", "Acme Live", "--live", "--json")
		if !strings.HasPrefix(live.APIKey.Secret, "pp_live_") || live.APIKey.Mode != "live" {
			t.Errorf("org create --live: api_key %+v, want a live key with a pp_live_ secret", live.APIKey)
		}

		// The text form shows the key once, with the same shape.
		r := e.mustRun(t, "org", "create", "--name", "Acme Text")
		if !strings.Contains(r.stdout, "pp_test_") || !strings.Contains(r.stdout, "created") {
			t.Errorf("org create (text) printed:\n%s", r.stdout)
		}

		var orgs []struct{ ID, Name string }
		e.runJSON(t, &orgs, "org", "list", "--json")
		names := map[string]string{}
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
		if len(orgs) != 3 || names[orgID] != "Acme" || names[live.Org.ID] != "Acme Live" {
			t.Errorf("org list --json = %+v, want Acme, Acme Live and Acme Text", orgs)
		}
		if r := e.mustRun(t, "org", "list"); !strings.Contains(r.stdout, orgID+"  Acme\n") {
			t.Errorf("org list (text) does not show %s  Acme:\n%s", orgID, r.stdout)
		}

		var links keyJSONOut
		e.runJSON(t, &links, "apikey", "create", "--org", orgID, "--scope", "links", "--name", "links only", "--json")
		if !slices.Equal(links.Scopes, []string{"links"}) || links.OrgID != orgID || !strings.HasPrefix(links.Secret, "pp_test_") ||
			links.Role != "org-admin" {
			t.Fatalf("apikey create --scope links --json = %+v, want scopes [links] in org %s", links, orgID)
		}

		s := e.startServer(t)
		// Before revocation the key authenticates, and its scopes are enforced.
		s.mustCall(t, http.StatusOK, http.MethodGet, "/api/org", links.Secret, nil, nil)
		rid := s.createRecipient(t, adminKey, "site_1", "EUR")
		if r := s.mustCall(t, http.StatusForbidden, http.MethodPost, "/api/recipients/"+rid+"/credits", links.Secret,
			map[string]string{"amount": "1.00", "currency": "EUR"}, nil); !strings.Contains(string(r.body), "rewards") {
			t.Errorf("links-only key crediting: %v, want a 403 naming the rewards scope", r)
		}

		var revoked struct {
			ID      string
			Revoked bool
		}
		e.runJSON(t, &revoked, "apikey", "revoke", "--org", orgID, links.ID, "--json")
		if revoked.ID != links.ID || !revoked.Revoked {
			t.Errorf("apikey revoke --json = %+v", revoked)
		}
		// The running server, another process, refuses the key once its cached copy is older
		// than app.APIKeyCacheTTL (a second).
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			r, err := s.call(http.MethodGet, "/api/org", links.Secret, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.status == http.StatusUnauthorized {
				if r.problemCode() != "unauthenticated" {
					t.Errorf("revoked key: %v, want code unauthenticated", r)
				}
				break
			}
			if r.status != http.StatusOK || time.Now().After(deadline) {
				t.Fatalf("revoked key: %v, want 401 within a second or so", r)
			}
		}
		// The org's other key is unaffected.
		s.mustCall(t, http.StatusOK, http.MethodGet, "/api/org", adminKey, nil, nil)

		// Revoking again, or a key of another org, fails readably.
		if r := e.run(t, "apikey", "revoke", "--org", orgID, links.ID); r.code == 0 || !strings.Contains(r.stderr, "not found") {
			t.Errorf("revoking twice: want a non-zero exit and \"not found\", got %v", r)
		}
		if r := e.run(t, "apikey", "revoke", "--org", live.Org.ID, k.ID); r.code == 0 || !strings.Contains(r.stderr, "not found") {
			t.Errorf("revoking another org's key: want a non-zero exit and \"not found\", got %v", r)
		}
		s.mustCall(t, http.StatusOK, http.MethodGet, "/api/org", adminKey, nil, nil)
	})
}

func TestOrgAndAPIKeyBadInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		orgID, _ := e.createOrg(t, "Acme")
		db := e.openDB(t)
		orgs, keys := count(t, db, `SELECT count(*) FROM orgs`), count(t, db, `SELECT count(*) FROM api_keys`)

		for _, tc := range []struct {
			name string
			args []string
			// every word must appear in stderr
			want []string
		}{
			{"unknown role", []string{"apikey", "create", "--org", orgID, "--role", "boss"}, []string{"role", "boss"}},
			{"unknown scope", []string{"apikey", "create", "--org", orgID, "--scope", "admin"}, []string{"scope", "admin"}},
			{"unknown scope among good ones", []string{"apikey", "create", "--org", orgID, "--scope", "links,payout"}, []string{"scope", "payout"}},
			{"unknown org", []string{"apikey", "create", "--org", "00000000-0000-0000-0000-000000000000"}, []string{"org not found"}},
			{"unknown org with JSON", []string{"apikey", "create", "--org", "nope", "--json"}, []string{"org not found"}},
			{"missing org", []string{"apikey", "create"}, []string{"--org"}},
			{"blank org name", []string{"org", "create", "--name", "   "}, []string{"name"}},
			{"missing org name", []string{"org", "create"}, []string{"--name"}},
		} {
			r := e.run(t, tc.args...)
			if r.code == 0 {
				t.Errorf("%s: exit 0, want non-zero\n%v", tc.name, r)
				continue
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("%s: stderr does not say %q\n%v", tc.name, w, r)
				}
			}
			if strings.Contains(r.stdout+r.stderr, "pp_test_") || strings.Contains(r.stderr, "panic") {
				t.Errorf("%s: printed a secret or panicked\n%v", tc.name, r)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM orgs`); n != orgs {
			t.Errorf("bad input created orgs: %d, want %d", n, orgs)
		}
		if n := count(t, db, `SELECT count(*) FROM api_keys`); n != keys {
			t.Errorf("bad input created API keys: %d, want %d", n, keys)
		}
	})
}

func TestMigrate(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		// A data directory that does not exist yet, two levels down.
		e := engine{name: "sqlite", dataDir: filepath.Join(t.TempDir(), "var", "payport")}
		r := e.mustRun(t, "migrate")
		if !strings.Contains(r.stdout, "database (sqlite) is up to date") {
			t.Errorf("migrate printed:\n%s", r.stdout)
		}
		fi, err := os.Stat(e.dataDir)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("data directory mode %v, want a directory with 0700", fi.Mode())
		}
		if _, err := os.Stat(filepath.Join(e.dataDir, "payport.db")); err != nil {
			t.Errorf("no database file: %v", err)
		}

		// Idempotent, and with --json.
		e.mustRun(t, "migrate")
		var out struct {
			Migrated bool
			Engine   string
		}
		e.runJSON(t, &out, "migrate", "--json")
		if !out.Migrated || out.Engine != "sqlite" {
			t.Errorf("migrate --json = %+v", out)
		}
		if fi, err := os.Stat(e.dataDir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("data directory after migrating again: %v %v, want mode 0700", fi, err)
		}
		// The data is still there and usable.
		e.createOrg(t, "Acme")
		e.mustRun(t, "migrate")
		if r := e.mustRun(t, "org", "list"); !strings.Contains(r.stdout, "Acme") {
			t.Errorf("org lost after migrating again:\n%s", r.stdout)
		}
	})

	t.Run("sqlite existing open directory", func(t *testing.T) {
		t.Parallel()
		// An existing directory readable by others is tightened: it will hold keys.
		e := engine{name: "sqlite", dataDir: filepath.Join(t.TempDir(), "data")}
		if err := os.Mkdir(e.dataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(e.dataDir, 0o755); err != nil {
			t.Fatal(err)
		}
		e.mustRun(t, "migrate")
		if fi, err := os.Stat(e.dataDir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("data directory: %v %v, want mode 0700", fi, err)
		}
	})

	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		e := newEngine(t, "postgres")
		r := e.mustRun(t, "migrate")
		if !strings.Contains(r.stdout, "database (postgres) is up to date") {
			t.Errorf("migrate printed:\n%s", r.stdout)
		}
		e.createOrg(t, "Acme")
		e.mustRun(t, "migrate")
		var orgs []struct{ Name string }
		e.runJSON(t, &orgs, "org", "list", "--json")
		if len(orgs) != 1 || orgs[0].Name != "Acme" {
			t.Errorf("orgs after migrating again: %+v", orgs)
		}
	})
}

func TestDatabaseURLMustBePostgres(t *testing.T) {
	t.Parallel()
	e := engine{name: "bad", dbURL: "mysql://root@localhost/payport"}
	r := e.run(t, "migrate")
	if r.code == 0 || !strings.Contains(r.stderr, "postgres://") {
		t.Errorf("a non-PostgreSQL URL: want a non-zero exit naming postgres://, got %v", r)
	}
	if strings.Contains(r.stderr, "root@localhost/payport") {
		t.Errorf("the error repeats the whole URL (it may hold a password): %v", r)
	}
}

type ledgerReport struct {
	OK         bool
	Accounts   int
	Violations json.RawMessage
}

func (r ledgerReport) rules(t *testing.T) []string {
	t.Helper()
	var vs []struct{ Rule, Subject, Detail string }
	if err := json.Unmarshal(r.Violations, &vs); err != nil {
		t.Fatalf("violations %s: %v", r.Violations, err)
	}
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	slices.Sort(out)
	return out
}

func TestLedgerCheck(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		// An empty ledger is healthy.
		if r := e.mustRun(t, "ledger", "check"); !strings.Contains(r.stdout, "ledger OK: 0 accounts") {
			t.Errorf("empty ledger:\n%v", r)
		}

		_, key := e.createOrg(t, "Acme")
		s := e.startServer(t)
		rid := s.createRecipient(t, key, "site_1", "EUR")
		s.credit(t, key, "site_1", "10.00", "EUR")
		s.credit(t, key, rid, "2.50", "EUR")
		s.mustCall(t, http.StatusCreated, http.MethodPost, "/api/recipients/site_1/adjustments", key,
			map[string]string{"amount": "-1.25", "currency": "EUR", "description": "correction"}, nil)
		if got, _ := s.balance(t, key, "site_1"); got != "11.25" {
			t.Fatalf("balance %s, want 11.25", got)
		}

		r := e.mustRun(t, "ledger", "check")
		if !strings.Contains(r.stdout, "ledger OK") {
			t.Errorf("healthy ledger:\n%v", r)
		}
		var healthy ledgerReport
		raw := e.runJSON(t, &healthy, "ledger", "check", "--json")
		if !healthy.OK || healthy.Accounts != 2 {
			t.Errorf("ledger check --json on a healthy ledger: %s", raw.stdout)
		}
		// Scripts iterate over violations (jq '.violations[]'): it must be a list, never null.
		if string(healthy.Violations) != "[]" {
			t.Errorf("ledger check --json on a healthy ledger: violations = %s, want []", healthy.Violations)
		}

		// Corrupt the recipient's cached balance behind the ledger's back.
		db := e.openDB(t)
		var accountID string
		if err := db.QueryRow(`SELECT id FROM ledger_accounts WHERE owner_type = 'recipient' AND owner_id = $1 AND kind = 'available'`,
			rid).Scan(&accountID); err != nil {
			t.Fatal(err)
		}
		res, err := db.Exec(`UPDATE ledger_accounts SET balance = balance + 1 WHERE id = $1`, accountID)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("corrupted %d accounts, want 1", n)
		}

		r = e.run(t, "ledger", "check")
		if r.code != 1 {
			t.Errorf("corrupted ledger: exit %d, want 1\n%v", r.code, r)
		}
		for _, want := range []string{"ledger BROKEN: 2 violations", "balance_equals_transfers", "zero_sum_per_currency", accountID} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("corrupted ledger report does not say %q:\n%v", want, r)
			}
		}
		if !strings.Contains(r.stderr, "2 ledger invariant violations") {
			t.Errorf("corrupted ledger: stderr %q", r.stderr)
		}

		r = e.run(t, "ledger", "check", "--json")
		if r.code != 1 {
			t.Errorf("corrupted ledger --json: exit %d, want 1\n%v", r.code, r)
		}
		var broken ledgerReport
		if err := json.Unmarshal([]byte(r.stdout), &broken); err != nil {
			t.Fatalf("corrupted ledger --json: %v\n%v", err, r)
		}
		if got := broken.rules(t); broken.OK || !slices.Equal(got, []string{"balance_equals_transfers", "zero_sum_per_currency"}) {
			t.Errorf("corrupted ledger --json: ok %v, rules %v, want false and [balance_equals_transfers zero_sum_per_currency]", broken.OK, got)
		}
		if !strings.Contains(string(broken.Violations), accountID) {
			t.Errorf("violations do not name the corrupted account %s: %s", accountID, broken.Violations)
		}

		// A server started on the broken ledger checks it in the background on start and
		// exports the violations as a metric, so an alert can fire.
		if code, _ := s.terminate(t, 10*time.Second); code != 0 {
			t.Errorf("serve exited %d on SIGTERM", code)
		}
		s2 := e.startServer(t)
		began := time.Now()
		for metric := ""; metric != "payport_ledger_violations 2"; {
			if time.Since(began) > 15*time.Second {
				t.Fatalf("no payport_ledger_violations 2 metric after 15s (last %q)\n%s", metric, s2.stderr)
			}
			time.Sleep(50 * time.Millisecond)
			r := s2.mustCall(t, http.StatusOK, http.MethodGet, "/metrics", "", nil, nil)
			metric = regexp.MustCompile(`(?m)^payport_ledger_violations \S+$`).FindString(string(r.body))
		}
		t.Logf("%s: background ledger check reported the violations %v after start", e.name, time.Since(began))
		if !strings.Contains(s2.stderr.String(), `msg="ledger invariant violated" rule=balance_equals_transfers subject=`+accountID) {
			t.Errorf("the background check did not log the violation:\n%s", s2.stderr)
		}

		// Undo the corruption: healthy again.
		if _, err := db.Exec(`UPDATE ledger_accounts SET balance = balance - 1 WHERE id = $1`, accountID); err != nil {
			t.Fatal(err)
		}
		e.mustRun(t, "ledger", "check")
	})
}
