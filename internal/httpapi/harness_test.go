package httpapi_test

// The harness: every test runs a real Payport HTTP server in-process (app.App over a fresh
// database of each engine, behind httptest) and talks to it over HTTP as an integrator would.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/httpapi"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/sqlstore"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// eachEngine runs fn once per storage engine (SQLite always, PostgreSQL when
// PAYPORT_TEST_DATABASE_URL is set), in parallel.
func eachEngine(t *testing.T, fn func(t *testing.T, e storetest.Engine)) {
	t.Helper()
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}

// clock is the app's clock: real time until a test pins it.
type clock struct {
	mu    sync.Mutex
	fixed *time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixed != nil {
		return *c.fixed
	}
	return time.Now().UTC()
}

// Set pins the clock at t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := t.UTC()
	c.fixed = &u
}

// env is one Payport server over a fresh database, with one org and its test-mode org-admin key.
type env struct {
	t     *testing.T
	db    *sqlstore.DB
	app   *app.App
	srv   *httptest.Server
	clock *clock
	// orgID and key: the first org and its test-mode org-admin key with every scope.
	orgID string
	key   string
}

// option adjusts the environment newEnv builds.
type option func(*options)

type options struct {
	wrap func(store.Store) store.Store
	cfg  []func(*httpapi.Config)
}

// withConfig adjusts the server's config.
func withConfig(f func(*httpapi.Config)) option {
	return func(o *options) { o.cfg = append(o.cfg, f) }
}

// withStore wraps the store the app uses (to observe or delay its transactions).
func withStore(f func(store.Store) store.Store) option {
	return func(o *options) { o.wrap = f }
}

// newEnv starts a server over a fresh database of engine e.
func newEnv(t *testing.T, e storetest.Engine, opts ...option) *env {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	db := e.Open(t)
	var st store.Store = db
	if o.wrap != nil {
		st = o.wrap(db)
	}
	a := app.New(st, nil, "http://127.0.0.1:8080")
	t.Cleanup(a.Close) // runs before the database closes (cleanups run last-in first-out)
	c := &clock{}
	a.Now = c.Now
	conf := httpapi.Config{App: a, Version: "test", Ready: db.Ping}
	for _, f := range o.cfg {
		f(&conf)
	}
	srv := httptest.NewServer(httpapi.New(conf))
	t.Cleanup(srv.Close)
	en := &env{t: t, db: db, app: a, srv: srv, clock: c}
	en.orgID, en.key = en.newOrg("Acme Energy")
	return en
}

// newOrg creates an org and returns its id and its first (test-mode org-admin) key.
func (en *env) newOrg(name string) (orgID, secret string) {
	en.t.Helper()
	o, nk, err := en.app.CreateOrg(context.Background(), name, false)
	if err != nil {
		en.t.Fatal(err)
	}
	return o.ID, nk.Secret
}

// newKey adds a key to org orgID and returns its secret.
func (en *env) newKey(orgID string, mode tenant.Mode, role org.Role, scopes ...string) string {
	en.t.Helper()
	nk, err := en.app.CreateAPIKey(context.Background(), tenant.Scope{OrgID: orgID, Mode: mode}, role, scopes, "test key")
	if err != nil {
		en.t.Fatal(err)
	}
	return nk.Secret
}

// response is an HTTP answer read in full.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// obj decodes the body as a JSON object, keeping numbers exact.
func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %v\n%s", r.Status, err, r.Body)
	}
	return m
}

// into decodes the body into v.
func (r response) into(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("status %d: cannot decode body into %T: %v\n%s", r.Status, v, err, r.Body)
	}
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// send makes a request. body: nil (none), string or []byte (sent as is), anything else
// (marshalled to JSON). hdr: header name/value pairs; Content-Type defaults to
// application/json when there is a body. key "" sends no Authorization header.
func (en *env) send(method, path, key string, body any, hdr ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, en.srv.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := en.srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// do is send that fails the test on a transport error.
func (en *env) do(method, path, key string, body any, hdr ...string) response {
	en.t.Helper()
	r, err := en.send(method, path, key, body, hdr...)
	if err != nil {
		en.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// must is do that also insists on the status.
func (en *env) must(status int, method, path, key string, body any, hdr ...string) response {
	en.t.Helper()
	r := en.do(method, path, key, body, hdr...)
	if r.Status != status {
		en.t.Fatalf("%s %s: got %s, want status %d", method, path, r, status)
	}
	return r
}

// createRecipient creates a recipient with the given external id and currency.
func (en *env) createRecipient(key, externalID, currency string) map[string]any {
	en.t.Helper()
	return en.must(201, "POST", "/api/recipients", key,
		map[string]any{"external_id": externalID, "currency": currency, "email": "ada@example.com"}).obj(en.t)
}

// credit credits amount EUR (or cur) to the recipient ref and returns the transfer id.
func (en *env) credit(key, ref, amount, cur string) string {
	en.t.Helper()
	r := en.must(201, "POST", "/api/recipients/"+url.PathEscape(ref)+"/credits", key,
		map[string]any{"amount": amount, "currency": cur})
	return str(en.t, r.obj(en.t), "transfer.id")
}

// info answers GET /rewards/{site}/info.
func (en *env) info(key, site string) map[string]any {
	en.t.Helper()
	return en.must(200, "GET", "/rewards/"+url.PathEscape(site)+"/info", key, nil).obj(en.t)
}

// balance is the available balance of a site as the Balance Info endpoint shows it.
func (en *env) balance(key, site string) string {
	en.t.Helper()
	return str(en.t, en.info(key, site), "balance.amount")
}

// countedTables are the tables a write request may change.
var countedTables = []string{"recipients", "ledger_transfers", "ledger_accounts", "events", "idempotency_records", "api_keys", "audit_log"}

// counts returns the row count of every counted table.
func (en *env) counts() map[string]int {
	en.t.Helper()
	out := map[string]int{}
	for _, tbl := range countedTables {
		var n int
		if err := en.db.ReaderDB().QueryRow(`SELECT COUNT(*) FROM ` + tbl).Scan(&n); err != nil {
			en.t.Fatalf("count %s: %v", tbl, err)
		}
		out[tbl] = n
	}
	return out
}

// count returns the row count of one table.
func (en *env) count(tbl string) int {
	en.t.Helper()
	var n int
	if err := en.db.ReaderDB().QueryRow(`SELECT COUNT(*) FROM ` + tbl).Scan(&n); err != nil {
		en.t.Fatalf("count %s: %v", tbl, err)
	}
	return n
}

// sameCounts fails when a table's row count changed.
func sameCounts(t *testing.T, what string, before, after map[string]int) {
	t.Helper()
	for tbl, n := range before {
		if after[tbl] != n {
			t.Errorf("%s: table %s went from %d to %d rows; a rejected request must write nothing", what, tbl, n, after[tbl])
		}
	}
}

// get walks a dotted path ("transfer.id", "items.0.id") through decoded JSON.
func get(t *testing.T, v any, path string) any {
	t.Helper()
	cur := v
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[part]
			if !ok {
				t.Fatalf("no member %q (path %s) in %v", part, path, v)
			}
			cur = next
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i < 0 || i >= len(c) {
				t.Fatalf("no index %q (path %s) in %v", part, path, v)
			}
			cur = c[i]
		default:
			t.Fatalf("cannot descend into %T at %q (path %s)", cur, part, path)
		}
	}
	return cur
}

// str is get for a member that must be a JSON string.
func str(t *testing.T, v any, path string) string {
	t.Helper()
	s, ok := get(t, v, path).(string)
	if !ok {
		t.Fatalf("%s is %T (%v), want a JSON string", path, get(t, v, path), get(t, v, path))
	}
	return s
}

// num is get for a member that must be a JSON integer.
func num(t *testing.T, v any, path string) int64 {
	t.Helper()
	n, ok := get(t, v, path).(json.Number)
	if !ok {
		t.Fatalf("%s is %T (%v), want a JSON number", path, get(t, v, path), get(t, v, path))
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%s = %s is not an integer", path, n)
	}
	return i
}

// anyField skips the check of a problem's field.
const anyField = "\x00any"

// problem is an RFC 9457 problem as Payport sends it.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	Field     string `json:"field"`
	RequestID string `json:"request_id"`
}

// wantProblem checks that r is an RFC 9457 problem with the status, code (unless "") and
// field ("" = none; anyField = don't care), with every member Payport promises.
func wantProblem(t *testing.T, r response, status int, code, field string) problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got %s, want a %d problem", r, status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("status %d: Content-Type %q, want application/problem+json", status, ct)
	}
	m := r.obj(t)
	for _, member := range []string{"type", "title", "detail", "code"} {
		s, ok := m[member].(string)
		if !ok || s == "" {
			t.Errorf("status %d: problem member %q is missing or empty: %s", status, member, r.Body)
		}
	}
	if s, ok := m["status"].(json.Number); !ok || s.String() != fmt.Sprint(status) {
		t.Errorf("problem member status = %v, want %d: %s", m["status"], status, r.Body)
	}
	var p problem
	r.into(t, &p)
	if code != "" && p.Code != code {
		t.Errorf("problem code = %q, want %q: %s", p.Code, code, r.Body)
	}
	if field != anyField && p.Field != field {
		t.Errorf("problem field = %q, want %q: %s", p.Field, field, r.Body)
	}
	if rid := r.Header.Get("X-Request-Id"); rid == "" || p.RequestID != rid {
		t.Errorf("problem request_id %q does not match the X-Request-Id header %q", p.RequestID, rid)
	}
	return p
}
