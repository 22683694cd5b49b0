package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/payport/payport/internal/store/storetest"
)

// pngOf encodes a w×h image: flat when noise is false (a few hundred bytes), random pixels
// otherwise (which do not compress: 3 bytes a pixel, opaque).
func pngOf(t *testing.T, w, h int, noise bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			c := color.NRGBA{0x1a, 0x7f, 0x37, 0xff}
			if noise {
				c = color.NRGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dataURL(mediaType string, b []byte) string {
	return "data:" + mediaType + ";base64," + base64.StdEncoding.EncodeToString(b)
}

// setPortal replaces the org's portal settings with a display name and a logo.
func (en *env) setPortal(logo string) response {
	en.t.Helper()
	body, _ := json.Marshal(map[string]any{"settings": map[string]any{"portal": map[string]any{"display_name": "Axle <Rewards>", "logo": logo}}})
	return en.do("PATCH", "/api/org", en.key, string(body))
}

var logoRE = regexp.MustCompile(`<header[^>]*id="brand"><div[^>]*><img src="([^"]+)" alt="([^"]*)"`)

// fetch GETs a portal path with optional header pairs, without a session.
func (en *env) fetch(path string, hdr ...string) (*http.Response, []byte) {
	en.t.Helper()
	req, _ := http.NewRequest("GET", en.srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		en.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func TestPortalLogo(t *testing.T) {
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		en := newEnv(t, e)
		en.withPayouts()
		en.createRecipient(en.key, "site_1", "EUR")

		small := pngOf(t, 8, 8, false)
		big := pngOf(t, 160, 160, true) // about 77 KB (3 bytes a pixel): over the limit, under the 256 KiB body limit
		if len(big) <= 64<<10 {
			t.Fatalf("the oversized PNG is only %d bytes", len(big))
		}
		svg := `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script><rect width="10" height="10" fill="#1a7f37"/></svg>`
		for name, logo := range map[string]string{
			"a URL":                   "https://cdn.example.com/logo.png",
			"a GIF":                   dataURL("image/gif", []byte("GIF89a\x01\x00\x01\x00")),
			"over 64 KB":              dataURL("image/png", big),
			"SVG said to be PNG":      dataURL("image/png", []byte(svg)),
			"PNG said to be SVG":      dataURL("image/svg+xml", small),
			"HTML said to be SVG":     "data:image/svg+xml," + url.PathEscape(`<html><script>alert(1)</script></html>`),
			"SVG with an entity":      "data:image/svg+xml," + url.PathEscape(`<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>`),
			"bad base64":              "data:image/png;base64,iVBORw0KGgo!!!",
			"WebP without its header": dataURL("image/webp", []byte("RIFF\x00\x00\x00\x00WAVE")),
			"no comma":                "data:image/png;base64",
		} {
			r := en.setPortal(logo)
			wantProblem(t, r, 422, "validation_failed", "settings.portal.logo")
			if !strings.Contains(string(r.Body), "logo") {
				t.Errorf("%s: the problem does not say what is wrong: %s", name, r.Body)
			}
		}
		if p, _ := get(t, en.must(200, "GET", "/api/org", en.key, nil).obj(t), "settings.portal").(map[string]any); len(p) != 0 {
			t.Fatalf("a refused logo changed the settings: %v", p)
		}

		// A small PNG is kept, shown in the API and at the top of every page.
		logo := dataURL("image/png", small)
		if r := en.setPortal(logo); r.Status != 200 || str(t, r.obj(t), "settings.portal.logo") != logo {
			t.Fatalf("set a PNG logo: %s", r)
		}
		b := en.browser()
		visit(t, b, en.portalURL(""))
		_, page := visit(t, b, en.srv.URL+"/rewards/balance")
		m := logoRE.FindStringSubmatch(page)
		if m == nil || m[2] != "Axle &lt;Rewards&gt;" {
			t.Fatalf("no logo with the display name as its alt text in the header:\n%s", page)
		}
		src := html.UnescapeString(m[1])
		if !strings.HasPrefix(src, "/portal/logo/"+en.orgID+"?v=") {
			t.Fatalf("logo src %q", src)
		}

		res, body := en.fetch(src)
		if res.StatusCode != 200 || !bytes.Equal(body, small) {
			t.Fatalf("logo: %d, %d bytes, want the %d bytes saved", res.StatusCode, len(body), len(small))
		}
		etag := res.Header.Get("ETag")
		for h, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff",
			"Cache-Control":           "public, max-age=31536000, immutable",
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("logo %s: %q, want %q", h, got, want)
			}
		}
		if etag == "" {
			t.Fatal("logo without an ETag")
		}
		if res, body := en.fetch(src, "If-None-Match", etag); res.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Fatalf("logo revalidated with its ETag: %d, %d bytes", res.StatusCode, len(body))
		}
		// Without the page's version, the logo is revalidated on each use (it may change).
		if res, _ := en.fetch("/portal/logo/" + en.orgID); res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, no-cache" {
			t.Fatalf("unversioned logo: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
		}

		// An SVG with a script: kept (it cannot run), served as SVG under a sandboxing CSP,
		// at a new URL since the logo changed.
		en.must(200, "PATCH", "/api/org", en.key, map[string]any{"settings": map[string]any{"portal": map[string]any{
			"display_name": "Axle <Rewards>", "logo": "data:image/svg+xml;charset=utf-8," + url.PathEscape(svg)}}})
		_, page = visit(t, b, en.srv.URL+"/rewards/balance")
		m = logoRE.FindStringSubmatch(page)
		if m == nil || html.UnescapeString(m[1]) == src {
			t.Fatalf("the page still links to the old logo:\n%s", page)
		}
		res, body = en.fetch(html.UnescapeString(m[1]))
		if res.StatusCode != 200 || string(body) != svg || res.Header.Get("Content-Type") != "image/svg+xml" ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") || res.Header.Get("ETag") == etag {
			t.Fatalf("SVG logo: %d %v\n%s", res.StatusCode, res.Header, body)
		}

		// WebP.
		webp := []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
		if r := en.setPortal(dataURL("image/webp", webp)); r.Status != 200 {
			t.Fatalf("set a WebP logo: %s", r)
		}
		if res, body := en.fetch("/portal/logo/" + en.orgID); res.Header.Get("Content-Type") != "image/webp" || !bytes.Equal(body, webp) {
			t.Fatalf("WebP logo: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}

		// No logo: the display name alone, as before, and the logo's URL is not found.
		en.setPortal("")
		_, page = visit(t, b, en.srv.URL+"/rewards/balance")
		if logoRE.MatchString(page) || !regexp.MustCompile(`id="brand"><div[^>]*>Axle &lt;Rewards&gt;</div></header>`).MatchString(page) {
			t.Fatalf("without a logo the header is not the display name:\n%s", page)
		}
		if res, _ := en.fetch("/portal/logo/" + en.orgID); res.StatusCode != 404 || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("logo after removal: %d", res.StatusCode)
		}
		if res, _ := en.fetch("/portal/logo/no-such-org"); res.StatusCode != 404 {
			t.Fatalf("logo of an unknown org: %d", res.StatusCode)
		}

		// The field is documented in the OpenAPI description.
		if doc := en.must(200, "GET", "/openapi.json", "", nil); !strings.Contains(string(doc.Body), `"logo"`) {
			t.Fatal("settings.portal.logo is missing from /openapi.json")
		}
	})
}
