package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDNS answers from a table, as a resolver that works offline; unknown names fail.
func fakeDNS(answers map[string][]string) func(context.Context, string) ([]net.IPAddr, error) {
	return func(_ context.Context, host string) ([]net.IPAddr, error) {
		ips, ok := answers[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		out := make([]net.IPAddr, len(ips))
		for i, s := range ips {
			out[i] = net.IPAddr{IP: net.ParseIP(s)} // 16-byte form, as real resolvers give
		}
		return out, nil
	}
}

// noDNS fails the test if a lookup happens where none should.
func noDNS(t *testing.T) func(context.Context, string) ([]net.IPAddr, error) {
	return func(_ context.Context, host string) ([]net.IPAddr, error) {
		t.Errorf("unexpected DNS lookup of %q", host)
		return nil, errors.New("no DNS here")
	}
}

// receiver is a loopback webhook endpoint that counts what reaches it.
type receiver struct {
	*httptest.Server
	hits atomic.Int32
}

func newReceiver(t *testing.T, h http.HandlerFunc) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		h(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func ok(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }

// port returns the receiver's port, to build URLs with other hosts.
func (r *receiver) port(t *testing.T) string {
	u, err := url.Parse(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// The SSRF targets of the brief, as IP literals: each must be refused in live and test mode.
var internalHosts = []struct{ host, reason string }{
	{"127.0.0.1", "loopback"},
	{"10.0.0.1", "private"},
	{"192.168.1.1", "private"},
	{"172.16.0.1", "private"},
	{"169.254.169.254", "metadata"},
	{"100.64.0.1", "carrier-grade NAT"},
	{"[::1]", "loopback"},
	{"[::ffff:127.0.0.1]", "loopback"},
	{"[::ffff:169.254.169.254]", "metadata"},
	{"[fd00::1]", "unique local"},
	{"[fd00:ec2::254]", "metadata"},
	{"[fe80::1%25eth0]", "link-local"},
	{"0.0.0.0", "this network"},
	{"[::]", "unspecified"},
	{"224.0.0.1", "multicast"},
	{"[ff02::1]", "multicast"},
	{"[64:ff9b::a00:1]", "private"}, // NAT64 spelling of 10.0.0.1
}

func TestCheckURLRefusesInternalIPLiterals(t *testing.T) {
	for _, mode := range []Policy{{}, {AllowHTTP: true}} {
		for _, h := range internalHosts {
			err := CheckURL("https://"+h.host+"/hook", mode)
			var ae *AddressError
			if !errors.As(err, &ae) {
				t.Errorf("CheckURL(https://%s, %+v) = %v, want an *AddressError", h.host, mode, err)
				continue
			}
			if !strings.Contains(err.Error(), h.reason) || !strings.Contains(err.Error(), "public internet addresses") {
				t.Errorf("CheckURL(https://%s): message %q should say %q and what is allowed", h.host, err, h.reason)
			}
		}
	}
}

func TestCheckURL(t *testing.T) {
	live, test, dev := Policy{}, Policy{AllowHTTP: true}, Policy{AllowHTTP: true, AllowPrivate: true}
	cases := []struct {
		url     string
		p       Policy
		wantErr string // a fragment of the message; "" for accepted
	}{
		{"https://hooks.example.com/payport", live, ""},
		{"https://hooks.example.com:8443/payport?tenant=7", live, ""},
		{"https://8.8.8.8/hook", live, ""},
		{"https://[2606:4700:4700::1111]/hook", live, ""},
		{"HTTPS://Hooks.Example.com/", live, ""},
		{"http://hooks.example.com/", test, ""},
		{"https://hooks.example.com/", test, ""},
		{"http://127.0.0.1:8080/hook", dev, ""},
		{"http://localhost:8080/hook", dev, ""},
		{"http://[::1]:8080/hook", dev, ""},

		{"", live, "required"},
		{"   ", live, "required"},
		{"https://hooks.example.com/" + strings.Repeat("a", MaxURLLength), live, "at most"},
		{"http://hooks.example.com/", live, "https:// in live mode"},
		{"ftp://hooks.example.com/", live, "must start with https://"},
		{"ftp://hooks.example.com/", test, "https:// or http://"},
		{"hooks.example.com/path", live, "must start with https://"},
		{"/relative", live, "must start with https://"},
		{"https:opaque", live, "host name"},
		{"https:///path", live, "host name"},
		{"https://user:pass@hooks.example.com/", live, "user name or password"},
		{"https://user@hooks.example.com/", live, "user name or password"},
		{"https://hooks.example.com:0/", live, "invalid port"},
		{"https://hooks.example.com:70000/", live, "invalid port"},
		{"https://hooks.example.com:x/", live, "not a valid URL"},
		{"https://exa mple.com/", live, "not a valid URL"},
		{"http://localhost:8080/", test, "loopback name"},
		{"https://LOCALHOST./", live, "loopback name"},
		{"https://api.localhost/", live, "loopback name"},
		{"https://2130706433/", live, "standard notation"},
		{"https://0x7f.1/", live, "standard notation"},
		{"https://127.1/", live, "standard notation"},
		{"https://169.254.169.254/", dev, "metadata"},
		{"http://10.0.0.1/", test, "private"},
	}
	for _, c := range cases {
		err := CheckURL(c.url, c.p)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("CheckURL(%q, %+v) = %v, want nil", c.url, c.p, err)
		case c.wantErr != "" && err == nil:
			t.Errorf("CheckURL(%q, %+v) accepted it, want %q", c.url, c.p, c.wantErr)
		case c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr):
			t.Errorf("CheckURL(%q, %+v) = %q, want it to mention %q", c.url, c.p, err, c.wantErr)
		}
	}
}

// CheckURL is only the early answer: the client itself refuses internal addresses when it
// connects, whatever the URL came through, before any packet is sent.
func TestClientRefusesInternalIPLiteralsAtConnect(t *testing.T) {
	c := NewClient(Policy{AllowHTTP: true, Resolve: noDNS(t), Timeout: 2 * time.Second}) // short: a regression should fail, not hang
	for _, h := range internalHosts {
		for _, scheme := range []string{"http", "https"} {
			resp, err := c.Post(scheme+"://"+h.host+":8080/hook", "application/json", strings.NewReader("{}"))
			if err == nil {
				resp.Body.Close()
				t.Errorf("POST %s://%s got through (status %d)", scheme, h.host, resp.StatusCode)
				continue
			}
			var ae *AddressError
			if !errors.As(err, &ae) {
				t.Errorf("POST %s://%s: %v, want an *AddressError", scheme, h.host, err)
			}
		}
	}
}

func TestHostnamesResolvingInternallyAreRefusedAtConnect(t *testing.T) {
	rcv := newReceiver(t, ok)
	dns := fakeDNS(map[string][]string{
		"loop.example":   {"127.0.0.1"},
		"intra.example":  {"10.0.0.1"},
		"meta.example":   {"169.254.169.254"},
		"v6loop.example": {"::1"},
		// One internal address among public ones poisons the name: no choosing the good one.
		"mixed.example": {"8.8.8.8", "10.0.0.1"},
	})
	c := NewClient(Policy{AllowHTTP: true, Resolve: dns})
	for _, name := range []string{"loop.example", "intra.example", "meta.example", "v6loop.example", "mixed.example"} {
		u := "http://" + name + ":" + rcv.port(t) + "/hook"
		if err := CheckURL(u, Policy{AllowHTTP: true}); err != nil {
			t.Fatalf("CheckURL(%s) = %v; names are checked at connect time", u, err)
		}
		a := Deliver(context.Background(), c, u, "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
		if a.StatusCode != 0 || !strings.Contains(a.Err, "resolves to") {
			t.Errorf("Deliver to %s = %+v, want refused with the resolved address named", name, a)
		}
	}
	if n := rcv.hits.Load(); n != 0 {
		t.Fatalf("receiver on loopback was reached %d times", n)
	}
}

func TestLocalhostIsRefusedAtConnectWithTheSystemResolver(t *testing.T) {
	rcv := newReceiver(t, ok)
	a := Deliver(context.Background(), NewClient(Policy{AllowHTTP: true}),
		"http://localhost:"+rcv.port(t)+"/hook", "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != 0 || !strings.Contains(a.Err, "loopback") {
		t.Fatalf("Deliver to localhost = %+v, want a loopback refusal", a)
	}
	if n := rcv.hits.Load(); n != 0 {
		t.Fatalf("receiver reached %d times", n)
	}
}

// DNS rebinding: the name looked public when the URL was saved, and points inside at delivery
// time. The connect-time check sees the answer actually used.
func TestDNSRebindingIsCaughtAtConnect(t *testing.T) {
	var lookups atomic.Int32
	rebind := func(ctx context.Context, host string) ([]net.IPAddr, error) {
		if lookups.Add(1) == 1 {
			return []net.IPAddr{{IP: net.ParseIP("93.184.215.14")}}, nil
		}
		return []net.IPAddr{{IP: net.ParseIP("10.0.0.1")}}, nil
	}
	p := Policy{Resolve: rebind, Timeout: 2 * time.Second}
	const u = "https://rebind.example/hook"
	if err := CheckURL(u, p); err != nil {
		t.Fatalf("CheckURL: %v", err)
	}
	// Whatever looked at the name earlier (the API, an operator with dig) saw a public address.
	if ips, err := rebind(context.Background(), "rebind.example"); err != nil || nonPublic(netip.MustParseAddr(ips[0].IP.String())) != "" {
		t.Fatalf("first answer should be public: %v %v", ips, err)
	}
	a := Deliver(context.Background(), NewClient(p), u, "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != 0 || !strings.Contains(a.Err, "rebind.example resolves to 10.0.0.1, a private network address") {
		t.Fatalf("Deliver = %+v, want refused at connect", a)
	}
	if n := lookups.Load(); n != 2 {
		t.Fatalf("%d lookups; delivery must resolve afresh, once", n)
	}
}

// With the operator's opt-in, a name resolving to loopback is delivered to; that the system
// resolver cannot know "hooks.example" shows the client dials the very address it checked
// instead of resolving again (which a rebinding name could answer differently).
func TestDialsTheCheckedAddress(t *testing.T) {
	rcv := newReceiver(t, ok)
	p := Policy{AllowHTTP: true, AllowPrivate: true, Resolve: fakeDNS(map[string][]string{"hooks.example": {"127.0.0.1"}})}
	a := Deliver(context.Background(), NewClient(p), "http://hooks.example:"+rcv.port(t)+"/hook",
		"evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != http.StatusOK {
		t.Fatalf("Deliver = %+v, want 200", a)
	}
}

func TestAllowPrivateStillRefusesMetadata(t *testing.T) {
	c := NewClient(Policy{AllowHTTP: true, AllowPrivate: true, Timeout: 2 * time.Second,
		Resolve: fakeDNS(map[string][]string{"meta.example": {"169.254.169.254"}})})
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://meta.example/", "http://[::ffff:a9fe:a9fe]/"} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s got through", u)
			continue
		}
		if !strings.Contains(err.Error(), "metadata") {
			t.Errorf("GET %s: %v, want a metadata refusal", u, err)
		}
	}
}

func TestLiveModeRefusesPlainHTTP(t *testing.T) {
	rcv := newReceiver(t, ok)
	a := Deliver(context.Background(), NewClient(Policy{AllowPrivate: true}), rcv.URL+"/hook",
		"evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != 0 || !strings.Contains(a.Err, "https://") {
		t.Fatalf("Deliver = %+v, want refused for plain http", a)
	}
	if n := rcv.hits.Load(); n != 0 {
		t.Fatalf("receiver reached %d times", n)
	}
}

// Test mode alone changes the scheme, not the addresses: http://127.0.0.1 on a shared server
// is the operator's machine, so reaching it needs the operator's AllowPrivate as well.
func TestTestModeReachesLoopbackOnlyWithOperatorOptIn(t *testing.T) {
	rcv := newReceiver(t, ok)
	u := rcv.URL + "/hook" // http://127.0.0.1:port
	secret := newSecret(t)
	a := Deliver(context.Background(), NewClient(Policy{AllowHTTP: true}), u, "evt_1", time.Now(), []byte("{}"), []string{secret})
	if a.StatusCode != 0 || !strings.Contains(a.Err, "127.0.0.1 is a loopback address") {
		t.Fatalf("test mode alone: %+v, want a loopback refusal", a)
	}
	a = Deliver(context.Background(), NewClient(Policy{AllowHTTP: true, AllowPrivate: true}), u, "evt_1", time.Now(), []byte("{}"), []string{secret})
	if a.StatusCode != http.StatusOK || a.ResponseBody != "ok" || a.Err != "" {
		t.Fatalf("test mode with AllowPrivate: %+v, want 200 ok", a)
	}
}

func TestHTTPSInLiveAndTestMode(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		ok(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate case logs a handshake error
	t.Cleanup(srv.Close)
	roots := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, p := range []Policy{{AllowPrivate: true}, {AllowPrivate: true, AllowHTTP: true}} {
		c := NewClient(p)
		c.Transport.(*schemeGuard).base.TLSClientConfig.RootCAs = roots
		a := Deliver(context.Background(), c, srv.URL+"/hook", "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
		if a.StatusCode != http.StatusOK {
			t.Errorf("%+v: Deliver over https = %+v, want 200", p, a)
		}
	}
	// The client checks certificates: an unknown one fails. (A handshake that times out on an
	// overloaded CI machine proves nothing either way, so it is tried again, a few times.)
	var a Attempt
	for try := 0; try < 3; try++ {
		a = Deliver(context.Background(), NewClient(Policy{AllowPrivate: true}), srv.URL+"/hook", "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
		if !strings.Contains(a.Err, "timed out") {
			break
		}
	}
	if a.StatusCode != 0 || !strings.Contains(a.Err, "certificate") {
		t.Errorf("untrusted certificate: %+v, want a certificate error", a)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("receiver reached %d times, want 2", n)
	}
}

func TestRedirectIsTheAnswerNotFollowed(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	rcv := newReceiver(t, mux.ServeHTTP)
	a := Deliver(context.Background(), NewClient(Policy{AllowHTTP: true, AllowPrivate: true}), rcv.URL+"/hook",
		"evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != http.StatusFound || a.Err != "" {
		t.Fatalf("Deliver = %+v, want the 302 itself", a)
	}
	if n := followed.Load(); n != 0 {
		t.Fatalf("the redirect's Location was fetched %d times", n)
	}
	if d := Next(1, a.StatusCode, a.RetryAfter, time.Now()); d.Action != Retry {
		t.Fatalf("a redirect is a failure to retry, got %v", d.Action)
	}
}

func TestTimeoutIsHonoured(t *testing.T) {
	release := make(chan struct{})
	rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // before the server's Close, which waits for the handler
	c := NewClient(Policy{AllowHTTP: true, AllowPrivate: true, Timeout: 100 * time.Millisecond})
	a := Deliver(context.Background(), c, rcv.URL+"/hook", "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != 0 || a.Err != "timed out: no complete response within 100ms" {
		t.Fatalf("Deliver = %+v, want a timeout", a)
	}
	if got := NewClient(Policy{}).Timeout; got != DefaultTimeout || DefaultTimeout != 15*time.Second {
		t.Fatalf("default timeout = %v, want 15s", got)
	}
}

func TestNoProxyFromEnvironment(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")

	c := NewClient(Policy{AllowHTTP: true, AllowPrivate: true, Resolve: fakeDNS(map[string][]string{"hooks.example": {"127.0.0.1"}})})
	if c.Transport.(*schemeGuard).base.Proxy != nil {
		t.Fatal("the transport takes a proxy")
	}
	rcv := newReceiver(t, ok)
	a := Deliver(context.Background(), c, "http://hooks.example:"+rcv.port(t)+"/hook", "evt_1", time.Now(), []byte("{}"), []string{newSecret(t)})
	if a.StatusCode != http.StatusOK || proxied.Load() != 0 {
		t.Fatalf("Deliver = %+v with %d proxied requests, want 200 straight to the receiver", a, proxied.Load())
	}
}

func TestControlChecksTheConnectedAddress(t *testing.T) {
	g := &guard{p: Policy{}}
	for _, addr := range []string{"10.0.0.1:443", "[::1]:443", "[::ffff:127.0.0.1]:80", "[fe80::1%eth0]:443"} {
		if err := g.control("tcp", addr, nil); err == nil {
			t.Errorf("control(%s) allowed it", addr)
		}
	}
	if err := g.control("tcp4", "8.8.8.8:443", nil); err != nil {
		t.Errorf("control(8.8.8.8:443) = %v", err)
	}
}

func TestAddressClassification(t *testing.T) {
	public := []string{
		"8.8.8.8", "1.1.1.1", "93.184.215.14", "172.15.255.255", "172.32.0.1", "100.63.255.255",
		"100.128.0.1", "192.167.255.255", "223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001:82b::200e",
		"64:ff9b::808:808", // NAT64 spelling of 8.8.8.8: IPv6-only networks need it
	}
	internal := []string{
		"0.1.2.3", "127.255.255.254", "169.254.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1",
		"198.18.0.1", "198.51.100.7", "203.0.113.9", "240.0.0.1", "255.255.255.255",
		"::", "::1", "::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
		"64:ff9b:1::1", "100::1", "2001::1", "2001:db8::1", "2002:7f00:1::", "3fff::1",
		"fc00::1", "fe80::1", "fec0::1", "ff02::1",
	}
	for _, s := range public {
		if err := (Policy{}).check(s, netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
	for _, s := range internal {
		if err := (Policy{}).check(s, netip.MustParseAddr(s)); err == nil {
			t.Errorf("%s allowed", s)
		}
		if err := (Policy{AllowPrivate: true}).check(s, netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s refused under AllowPrivate: %v", s, err)
		}
	}
	for _, s := range []string{"169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16"} {
		if err := (Policy{AllowPrivate: true}).check(s, netip.MustParseAddr(s)); err == nil {
			t.Errorf("metadata address %s allowed under AllowPrivate", s)
		}
	}
}

func TestAddressErrorMessages(t *testing.T) {
	cases := []struct {
		url  string
		want string
	}{
		{"https://10.1.2.3/", "webhook URL host 10.1.2.3 is a private network address; webhooks are delivered only to public internet addresses"},
		{"https://[::ffff:127.0.0.1]/", "webhook URL host ::ffff:127.0.0.1 (127.0.0.1) is a loopback address; webhooks are delivered only to public internet addresses"},
		{"https://localhost/", "webhook URL host localhost is a loopback name; webhooks are delivered only to public internet addresses"},
	}
	for _, c := range cases {
		if err := CheckURL(c.url, Policy{}); err == nil || err.Error() != c.want {
			t.Errorf("CheckURL(%s) = %v, want %q", c.url, err, c.want)
		}
	}
}

func ExampleCheckURL() {
	fmt.Println(CheckURL("http://hooks.example.com/payport", Policy{}))
	fmt.Println(CheckURL("https://10.1.2.3/payport", Policy{}))
	fmt.Println(CheckURL("https://hooks.example.com/payport", Policy{}))
	// Output:
	// webhook URL must use https:// in live mode
	// webhook URL host 10.1.2.3 is a private network address; webhooks are delivered only to public internet addresses
	// <nil>
}

// TestAllowLoopbackOpensOnlyLoopback: test mode's loopback allowance reaches 127.0.0.1, ::1
// and localhost, and still no private network or metadata address.
func TestAllowLoopbackOpensOnlyLoopback(t *testing.T) {
	p := Policy{AllowHTTP: true, AllowLoopback: true}
	for _, ok := range []string{"http://127.0.0.1:3000/hook", "http://[::1]/hook", "http://localhost:8000/", "http://127.9.9.9/"} {
		if err := CheckURL(ok, p); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1/", "http://192.168.1.1/", "http://169.254.169.254/", "http://[::ffff:10.0.0.1]/", "http://[fd00::1]/"} {
		if err := CheckURL(bad, p); err == nil {
			t.Errorf("%s accepted with only loopback allowed", bad)
		}
	}
	if err := CheckURL("http://127.0.0.1/", Policy{AllowHTTP: true}); err == nil {
		t.Error("loopback accepted without AllowLoopback")
	}
}
