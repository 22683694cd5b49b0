package httpapi_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/httpapi"
	"github.com/payport/payport/internal/store/storetest"
)

// TestTenantIsolationOnEveryEndpoint walks the served OpenAPI document: every operation with an
// object in its path is called with another org's key on an object of this org, and must answer
// 404 (or 403 for operator-only ones) and write nothing. An endpoint with a path parameter this
// test has no object for fails the test, so a new endpoint cannot be forgotten.
func TestTenantIsolationOnEveryEndpoint(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		// Objects of org A.
		r := en.createRecipient(en.key, "site_1", "EUR")
		tr := en.credit(en.key, "site_1", "20.00", "EUR")
		k := en.must(201, "POST", "/api/api_keys", en.key, map[string]any{"role": "org-admin"}).obj(t)
		m := en.must(201, "POST", "/api/recipients/site_1/payout_methods", en.key, fmt.Sprintf(`{"holder_name":"Ada","iban":%q}`, ibanEnding("0000"))).obj(t)
		p := en.must(201, "POST", "/api/payments", en.key, `{"amount":"1.00","currency":"EUR"}`).obj(t)
		we := en.must(201, "POST", "/api/webhook_endpoints", en.key, map[string]any{"url": "https://hooks.example.com/x"}).obj(t)
		ev := en.must(200, "GET", "/api/events?limit=1", en.key, nil).obj(t)["items"].([]any)[0].(map[string]any)
		l := en.must(201, "POST", "/payment-links", en.key, map[string]any{"email": "ada@example.com", "org_id": en.orgID}).obj(t)
		ids := map[string]string{
			"/api/recipients/{id}":        str(t, r, "id"),
			"/api/recipients/{id}/":       str(t, r, "id"),
			"{method_id}":                 str(t, m, "id"),
			"/api/payments/{id}":          str(t, p, "id"),
			"/api/webhook_endpoints/{id}": str(t, we, "id"),
			"/api/events/{id}":            str(t, ev, "id"),
			"/rewards/{site_id}":          "site_1",
			"/orgs/{org_id}":              en.orgID,
			"/payment-links/{link_id}":    str(t, l, "id"),
			"/api/rails/files/{id}":       "file_none",
			"/api/rails/{rail}":           "nacha",
			"/api/api_keys/{id}":          str(t, k, "id"),
			"/api/transfers/{id}":         tr,
		}
		fill := func(path string) (string, bool) {
			out := path
			for strings.Contains(out, "{") {
				i, j := strings.Index(out, "{"), strings.Index(out, "}")
				name := out[i : j+1]
				val, found := "", false
				// The most specific prefix that names this parameter.
				keys := make([]string, 0, len(ids))
				for k := range ids {
					keys = append(keys, k)
				}
				sort.Slice(keys, func(a, b int) bool { return len(keys[a]) > len(keys[b]) })
				for _, k := range keys {
					if k == name || (strings.HasSuffix(k, name) && strings.HasPrefix(path, strings.TrimSuffix(k, name))) ||
						(strings.HasSuffix(k, "/") && strings.Contains(k, name) && strings.HasPrefix(path, k[:strings.Index(k, name)])) {
						val, found = ids[k], true
						break
					}
				}
				if !found {
					return name, false
				}
				out = out[:i] + val + out[j+1:]
			}
			return out, true
		}
		_, other := en.newOrg("Other")
		api := httpapi.New(httpapi.Config{App: en.app, Version: "test"}).API().OpenAPI()
		before := en.counts()
		checked := 0
		for path, item := range api.Paths {
			if !strings.Contains(path, "{") {
				continue
			}
			for method, o := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PATCH": item.Patch, "PUT": item.Put, "DELETE": item.Delete} {
				if o == nil || len(o.Security) == 0 {
					continue // public by design (a payment link's id is its capability)
				}
				concrete, ok := fill(path)
				if !ok {
					t.Errorf("%s %s: no object of this org for %s; add one to the test", method, path, concrete)
					continue
				}
				var body any
				if method != "GET" && method != "DELETE" {
					body = map[string]any{}
				}
				res := en.do(method, concrete, other, body)
				checked++
				if res.Status != http.StatusNotFound && res.Status != http.StatusForbidden && res.Status != http.StatusUnprocessableEntity {
					t.Errorf("%s %s with another org's key: %s", method, concrete, res)
				}
				if res.Status == http.StatusUnprocessableEntity && method != "POST" {
					t.Errorf("%s %s with another org's key answered 422 rather than 404: %s", method, concrete, res)
				}
			}
		}
		if checked < 20 {
			t.Fatalf("only %d operations checked", checked)
		}
		sameCounts(t, "calls with another org's key", before, en.counts())
	})
}
