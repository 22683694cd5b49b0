package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/payport/payport/internal/httpapi"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// TestRateLimitPerKey: past its burst a key gets 429 with Retry-After, as a problem; another
// key of the same org is not slowed by it; the key recovers once the time has passed.
func TestRateLimitPerKey(t *testing.T) {
	e := storetest.Engines(t)[0]
	en := newEnv(t, e, withConfig(func(c *httpapi.Config) {
		c.RateLimits = httpapi.RateLimits{PerKey: 2, Burst: 3}
	}))
	other := en.newKey(en.orgID, tenant.Test, org.RoleOrgAdmin)
	for range 3 {
		en.must(http.StatusOK, "GET", "/api/recipients", en.key, nil)
	}
	r := en.do("GET", "/api/recipients", en.key, nil)
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("request past the burst: %d, want 429\n%s", r.Status, r.Body)
	}
	wait, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || wait < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", r.Header.Get("Retry-After"))
	}
	if p := r.obj(t); p["code"] != "rate_limited" || p["status"] == nil {
		t.Errorf("429 body is not a rate_limited problem: %s", r.Body)
	}
	en.must(http.StatusOK, "GET", "/api/recipients", other, nil) // its own bucket
	time.Sleep(600 * time.Millisecond)                           // 2/s: a token is back after 0.5 s
	en.must(http.StatusOK, "GET", "/api/recipients", en.key, nil)
}

// TestRateLimitPerIP: one address past its burst gets 429 on any route, authenticated or not.
func TestRateLimitPerIP(t *testing.T) {
	e := storetest.Engines(t)[0]
	en := newEnv(t, e, withConfig(func(c *httpapi.Config) {
		c.RateLimits = httpapi.RateLimits{PerIP: 1, Burst: 2}
	}))
	en.must(http.StatusOK, "GET", "/healthz", "", nil)
	en.must(http.StatusOK, "GET", "/api/recipients", en.key, nil)
	r := en.do("GET", "/healthz", "", nil)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third request from one address: %d (Retry-After %q), want 429 with Retry-After", r.Status, r.Header.Get("Retry-After"))
	}
}
