package httpapi_test

import (
	"strings"
	"testing"

	"github.com/payport/payport/internal/store/storetest"
)

// Every error is an RFC 9457 problem (application/problem+json with type, title, status,
// detail, code and, for validation errors, the field at fault).

func TestProblemMalformedJSONIs400(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.counts()
		for _, path := range []string{"/api/recipients", "/api/recipients/site_1/credits"} {
			for _, body := range []string{`{"external_id":"site_2","currency":`, `{"amount":"1.00"`, `not json`, `{"amount":"1.00","currency":"EUR"}}`} {
				r := en.do("POST", path, en.key, body)
				wantProblem(t, r, 400, "", anyField)
			}
		}
		sameCounts(t, "malformed JSON", before, en.counts())
	})
}

func TestProblemUnknownFieldIs422(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients", en.key,
			`{"external_id":"site_2","currency":"EUR","foo":1}`), 422, "validation_failed", "foo")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key,
			`{"amount":"1.00","currency":"EUR","foo":"bar"}`), 422, "validation_failed", "foo")
		// A typo of a real field is caught, not silently dropped.
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key,
			`{"amount":"1.00","currency":"EUR","descripton":"typo"}`), 422, "validation_failed", "descripton")
		sameCounts(t, "unknown field", before, en.counts())
	})
}

func TestProblemWrongTypeNamesTheField(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.counts()
		p := wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key,
			`{"amount":5,"currency":"EUR"}`), 422, "validation_failed", "amount")
		if !strings.Contains(p.Detail, "amount") {
			t.Errorf("detail %q does not name the field", p.Detail)
		}
		wantProblem(t, en.do("POST", "/api/recipients", en.key,
			`{"external_id":42,"currency":"EUR"}`), 422, "validation_failed", "external_id")
		wantProblem(t, en.do("GET", "/api/recipients?limit=0", en.key, nil), 422, "validation_failed", "limit")
		wantProblem(t, en.do("GET", "/api/recipients?limit=101", en.key, nil), 422, "validation_failed", "limit")
		wantProblem(t, en.do("GET", "/api/recipients?limit=ten", en.key, nil), 422, "validation_failed", "limit")
		sameCounts(t, "wrong types", before, en.counts())
	})
}

// A required member left out is a validation error like any other: the problem names it in
// field, so a form can show the message next to the right input.
func TestProblemMissingRequiredFieldNamesTheField(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key,
			`{"currency":"EUR"}`), 422, "validation_failed", "amount")
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key,
			`{"amount":"1.00"}`), 422, "validation_failed", "currency")
		wantProblem(t, en.do("POST", "/api/recipients", en.key,
			`{"currency":"EUR"}`), 422, "validation_failed", "external_id")
		// Nested members are named by their path.
		wantProblem(t, en.do("POST", "/api/recipients/site_1/payout_methods", en.key,
			`{"iban":"DE89370400440532013000"}`), 422, "validation_failed", "holder_name")
		sameCounts(t, "missing required field", before, en.counts())
	})
}

func TestProblemUnsupportedMediaTypeIs415(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.counts()
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key,
			`{"amount":"1.00","currency":"EUR"}`, "Content-Type", "text/plain"), 415, "unsupported_media_type", anyField)
		wantProblem(t, en.do("POST", "/api/recipients", en.key,
			`external_id=site_2&currency=EUR`, "Content-Type", "application/x-www-form-urlencoded"), 415, "unsupported_media_type", anyField)
		sameCounts(t, "unsupported media type", before, en.counts())
	})
}

func TestProblemBodyTooLargeIs413(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.createRecipient(en.key, "site_1", "EUR")
		before := en.counts()
		big := `{"amount":"1.00","currency":"EUR","description":"` + strings.Repeat("x", 300<<10) + `"}`
		wantProblem(t, en.do("POST", "/api/recipients/site_1/credits", en.key, big), 413, "body_too_large", anyField)
		bigRecipient := `{"external_id":"site_2","currency":"EUR","metadata":{"x":"` + strings.Repeat("y", 257<<10) + `"}}`
		wantProblem(t, en.do("POST", "/api/recipients", en.key, bigRecipient), 413, "body_too_large", anyField)
		sameCounts(t, "body too large", before, en.counts())
	})
}

func TestProblemUnknownPathIs404(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		for _, path := range []string{"/nope", "/api/nope", "/api/recipients/site_1/nope", "/rewards/site_1"} {
			for _, key := range []string{"", en.key} {
				wantProblem(t, en.do("GET", path, key, nil), 404, "not_found", "")
			}
		}
		// A well-formed path to a missing object is a 404 problem too.
		wantProblem(t, en.do("GET", "/api/recipients/ghost", en.key, nil), 404, "not_found", "")
		wantProblem(t, en.do("GET", "/api/recipients/0190a000-0000-7000-8000-000000000000", en.key, nil), 404, "not_found", "")
	})
}

func TestProblemWrongMethodIs405WithAllow(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		for _, tc := range []struct{ method, path, allow string }{
			{"DELETE", "/rewards/x/info", "GET"},
			{"PUT", "/api/recipients/x", "PATCH"},
			{"DELETE", "/api/recipients", "POST"},
			{"POST", "/healthz", "GET"},
		} {
			r := en.do(tc.method, tc.path, en.key, nil)
			wantProblem(t, r, 405, "method_not_allowed", "")
			allow := r.Header.Get("Allow")
			if !strings.Contains(allow, tc.allow) {
				t.Errorf("%s %s: Allow = %q, want it to list %s", tc.method, tc.path, allow, tc.allow)
			}
			if strings.Contains(allow, tc.method) {
				t.Errorf("%s %s: Allow = %q lists the refused method", tc.method, tc.path, allow)
			}
		}
	})
}

func TestProblemCarriesTheRequestID(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		r := en.do("GET", "/api/recipients/ghost", en.key, nil, "X-Request-Id", "trace-123.abc")
		if got := r.Header.Get("X-Request-Id"); got != "trace-123.abc" {
			t.Errorf("X-Request-Id %q, want the caller's trace-123.abc", got)
		}
		if p := wantProblem(t, r, 404, "not_found", ""); p.RequestID != "trace-123.abc" {
			t.Errorf("problem request_id %q", p.RequestID)
		}
		// A hostile id is replaced, not echoed.
		r = en.do("GET", "/api/recipients/ghost", en.key, nil, "X-Request-Id", "<script>alert(1)</script>")
		if got := r.Header.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, "<>()") {
			t.Errorf("X-Request-Id %q", got)
		}
		// Successful answers carry one too, a different one each time.
		a := en.must(200, "GET", "/api/recipients", en.key, nil).Header.Get("X-Request-Id")
		b := en.must(200, "GET", "/api/recipients", en.key, nil).Header.Get("X-Request-Id")
		if a == "" || a == b {
			t.Errorf("request ids %q and %q", a, b)
		}
	})
}
