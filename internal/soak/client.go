package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"
)

// answer is an HTTP answer; status 0 means none arrived (the server died or the connection
// broke), so the request's outcome is unknown.
type answer struct {
	status int
	body   []byte
	header http.Header
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s", a.status, bytes.TrimSpace(a.body[:min(len(a.body), 300)]))
}

// code is the problem's machine code, if the answer is an RFC 9457 problem.
func (a answer) code() string {
	var p struct{ Code string }
	_ = json.Unmarshal(a.body, &p)
	return p.Code
}

// api talks to Payport's HTTP API with one org's key.
type api struct {
	http *http.Client
	key  string
}

func newAPI(key string) *api {
	return &api{key: key, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
		// The hosted form answers 303; the soak reads the redirect, it does not follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends one request: a JSON body (or none), the key, and an Idempotency-Key if given.
func (c *api) do(ctx context.Context, base, method, path string, body []byte, idemKey string) (answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	return c.send(req)
}

// form posts a hosted form, as a browser would (no key).
func (c *api) form(ctx context.Context, base, path string, values url.Values) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(values.Encode()))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.send(req)
}

// page gets a hosted page, as a browser would (no key).
func (c *api) page(ctx context.Context, base, path string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return answer{}, err
	}
	return c.send(req)
}

func (c *api) send(req *http.Request) (answer, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err // a body cut by a kill: the outcome is unknown
	}
	return answer{status: resp.StatusCode, body: b, header: resp.Header}, nil
}

// must sends a request that has to answer want (used while setting up, before any kill),
// and decodes the answer into out.
func (c *api) must(ctx context.Context, base string, want int, method, path string, body any, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	a, err := c.do(ctx, base, method, path, b, "")
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if a.status != want {
		return fmt.Errorf("%s %s: got %v, want %d", method, path, a, want)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// listAll pages through a list endpoint ({"items", "has_more", "next_cursor"}) with limit
// 100 and returns every item, raw.
func (c *api) listAll(ctx context.Context, base, path string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for {
		p := path + sep + "limit=100"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			HasMore    bool              `json:"has_more"`
			NextCursor *string           `json:"next_cursor"`
		}
		if err := c.must(ctx, base, http.StatusOK, http.MethodGet, p, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if !page.HasMore || page.NextCursor == nil || *page.NextCursor == "" {
			return all, nil
		}
		cursor = *page.NextCursor
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken reads the form token out of a hosted form page ("" if the page has no form).
func formToken(page []byte) string {
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(string(m[1]))
}

// sameJSON reports whether two JSON documents are equal after decoding (so that formatting
// cannot hide or fake a difference).
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// cents prints minor units of a 2-decimal currency as Payport's decimal string.
func cents(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}
