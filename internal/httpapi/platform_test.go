package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/payport/payport/internal/httpapi"
	"github.com/payport/payport/internal/store/storetest"
)

func TestHealthz(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		r := en.must(200, "GET", "/healthz", "", nil)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || str(t, r.obj(t), "status") != "ok" {
			t.Errorf("healthz: %s (%s)", r, r.Header.Get("Content-Type"))
		}
	})
}

func TestReadyz(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		if s := str(t, en.must(200, "GET", "/readyz", "", nil).obj(t), "status"); s != "ready" {
			t.Errorf("readyz status %q", s)
		}

		// A process whose database is unreachable says so, and when to ask again.
		down := newEnv(t, e, withConfig(func(c *httpapi.Config) {
			c.Ready = func(context.Context) error { return errors.New("connection refused") }
		}))
		r := down.do("GET", "/readyz", "", nil)
		p := wantProblem(t, r, 503, "unavailable", "")
		if strings.Contains(p.Detail, "connection refused") {
			t.Errorf("the problem leaks the internal error: %q", p.Detail)
		}
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 {
			t.Errorf("Retry-After %q, want a positive number of seconds", r.Header.Get("Retry-After"))
		}
		// Liveness does not depend on the database.
		down.must(200, "GET", "/healthz", "", nil)
	})
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_secret_42", "EUR")
		en.credit(en.key, "site_secret_42", "1.00", "EUR")
		en.must(200, "GET", "/healthz", "", nil)
		en.do("GET", "/no/such/page", "", nil)

		r := en.must(200, "GET", "/metrics", "", nil)
		body := string(r.Body)
		for _, want := range []string{
			`payport_http_requests_total{route="GET /healthz",status="200"} 1`,
			`payport_http_requests_total{route="POST /api/recipients/{id}/credits",status="201"} 1`,
			`payport_http_requests_total{route="POST /api/recipients",status="201"} 1`,
			`payport_http_request_duration_seconds_bucket{route="GET /healthz"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// Routes are patterns, never raw paths: no ids in label values.
		if strings.Contains(body, "site_secret_42") || strings.Contains(body, "/no/such/page") {
			t.Errorf("/metrics labels carry raw paths")
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		r := en.must(200, "GET", "/openapi.json", "", nil)
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Info    struct{ Title, Version string }      `json:"info"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("/openapi.json is not valid JSON: %v", err)
		}
		if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(doc.OpenAPI) {
			t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
		}
		if doc.Info.Version != "test" {
			t.Errorf("info.version %q, want the server's version", doc.Info.Version)
		}
		for path, method := range map[string]string{
			"/api/recipients":                   "post",
			"/api/recipients/{id}":              "get",
			"/api/recipients/{id}/credits":      "post",
			"/rewards/{site_id}/info":           "get",
			"/api/transfers/{id}/reversal":      "post",
			"/api/recipients/{id}/transactions": "get",
		} {
			op, ok := doc.Paths[path][method]
			if !ok {
				t.Errorf("OpenAPI misses %s %s", strings.ToUpper(method), path)
				continue
			}
			if _, ok := op["security"]; !ok {
				t.Errorf("%s %s is not documented as needing an API key", strings.ToUpper(method), path)
			}
		}
		if doc.Paths["/rewards/{site_id}/info"]["get"]["summary"] != "Get Balance Info" {
			t.Errorf("balance info summary %v", doc.Paths["/rewards/{site_id}/info"]["get"]["summary"])
		}
		// Metadata is documented as the JSON object it is, not as base64 bytes.
		if strings.Contains(string(r.Body), `"contentEncoding":"base64"`) {
			t.Errorf("some member is documented as base64 bytes")
		}
	})
}

var attrURL = regexp.MustCompile(`(?i)\b(src|href|action|srcset|data)\s*=\s*["']?([^"'\s>]*)`)

func TestDocsPageIsSelfContained(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		r := en.must(200, "GET", "/docs", "", nil)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		page := string(r.Body)
		for _, want := range []string{"Get Balance Info", "/rewards/{site_id}/info", "Credit a recipient", "/openapi.json"} {
			if !strings.Contains(page, want) {
				t.Errorf("/docs does not mention %q", want)
			}
		}
		// Nothing is loaded from elsewhere: every src/href is the OpenAPI link or an anchor, and
		// there are no scripts, stylesheets, frames or images.
		for _, m := range attrURL.FindAllStringSubmatch(page, -1) {
			u := m[2]
			if u != "/openapi.json" && !strings.HasPrefix(u, "#") {
				t.Errorf("/docs references %s=%q", m[1], u)
			}
		}
		low := strings.ToLower(page)
		for _, bad := range []string{"<script", "<link", "<iframe", "<img", "<object", "<embed", "@import", "url("} {
			if strings.Contains(low, bad) {
				t.Errorf("/docs contains %q", bad)
			}
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}

		// The root sends people to the docs.
		req, _ := http.NewRequest("GET", en.srv.URL+"/", nil)
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 302 || res.Header.Get("Location") != "/docs" {
			t.Errorf("GET / answered %d Location %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
