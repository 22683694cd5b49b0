package grant

import (
	"net/url"
	"path"
	"strings"
	"testing"
)

// FuzzCheckRedirect: whatever the input, an accepted redirect is empty, the close magic, a
// clean path under a permitted stub, or an absolute URL starting with an allowlist entry at a
// boundary; never a script or data URL, never protocol-relative.
//
//	go test -run '^$' -fuzz FuzzCheckRedirect -fuzztime 60s ./internal/grant/
func FuzzCheckRedirect(f *testing.F) {
	for _, s := range []string{"", "payport:close", "/rewards/balance", "/rewards/../api/org", "//evil.example", "/\\evil.example",
		"https://app.example.com/done", "https://app.example.com.evil.net/", "https://app.example.com@evil.net/", "myapp://done?x=1",
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "/rewards/%2e%2e/api", "https://app.example.com#frag",
		"\x00/rewards", " https://app.example.com/"} {
		f.Add(s)
	}
	allow := []string{"https://app.example.com", "myapp://"}
	stubs := []string{"/rewards"}
	f.Fuzz(func(t *testing.T, uri string) {
		if CheckRedirect(uri, stubs, allow) != nil {
			return
		}
		switch {
		case uri == "" || uri == CloseMagic:
			return
		case strings.HasPrefix(uri, "/"):
			u, err := url.Parse(uri)
			if err != nil || strings.HasPrefix(uri, "//") || u.Host != "" {
				t.Fatalf("accepted %q", uri)
			}
			if p := path.Clean(u.Path); p != "/rewards" && !strings.HasPrefix(p, "/rewards/") {
				t.Fatalf("accepted %q outside the stubs (%s)", uri, p)
			}
		default:
			lower := strings.ToLower(uri)
			for _, bad := range []string{"javascript:", "data:", "vbscript:", "file:", "blob:"} {
				if strings.HasPrefix(lower, bad) {
					t.Fatalf("accepted %q", uri)
				}
			}
			ok := false
			for _, a := range allow {
				if strings.HasPrefix(uri, a) {
					rest := uri[len(a):]
					ok = strings.HasSuffix(a, "/") || rest == "" || strings.ContainsAny(rest[:1], "/?#")
				}
			}
			if !ok {
				t.Fatalf("accepted %q, which is on no allowlist entry at a boundary", uri)
			}
		}
	})
}
