package webhook

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// FuzzCheckURL: a URL the live policy accepts is https with a host that is not an internal
// address in any spelling, and not a loopback name.
//
//	go test -run '^$' -fuzz FuzzCheckURL -fuzztime 60s ./internal/webhook/
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/p", "https://127.0.0.1/", "https://[::ffff:127.0.0.1]/", "https://0x7f.1/",
		"https://2130706433/", "https://localhost./", "https://a.localhost/", "http://hooks.example.com/", "https://10.0.0.1:8443/x",
		"https://169.254.169.254/latest", "https://[fd00::1]/", "https://user:pw@example.com/", "https://[64:ff9b::a00:1]/",
		"https://%31%32%37.0.0.1/", "https://example.com:99999/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if CheckURL(raw, Policy{}) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			t.Fatalf("accepted %q", raw)
		}
		host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			t.Fatalf("accepted the loopback name in %q", raw)
		}
		if a, err := netip.ParseAddr(host); err == nil && (nonPublic(a.Unmap()) != "" || metadataAddress(a.Unmap()) != "") {
			t.Fatalf("accepted the internal address in %q", raw)
		}
	})
}
