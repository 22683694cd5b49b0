package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds one attempt, from connecting to reading the kept part of the response.
// The specification recommends 15 to 30 s; a receiver should answer quickly and work later.
const DefaultTimeout = 15 * time.Second

// MaxURLLength is the longest webhook URL CheckURL accepts; longer ones are mistakes or abuse.
const MaxURLLength = 2048

// Policy says which URLs a webhook may reach. The zero value is the live-mode policy: https
// only, public internet addresses only.
type Policy struct {
	// AllowPrivate lets webhooks reach loopback, private, link-local, CGNAT and other
	// non-public addresses. It is an operator's setting for development (Payport and the
	// receiver on one machine or network), never a customer's: those addresses are the
	// operator's own services. Cloud metadata addresses stay refused even so.
	AllowPrivate bool
	// AllowHTTP allows plain http:// URLs as well as https://, for test mode, where payloads
	// carry no real data and integrators point webhooks at tunnels and request bins. It
	// changes only the scheme: addresses are checked as always, so in test mode
	// http://127.0.0.1 is reachable only where the operator also set AllowPrivate.
	AllowHTTP bool
	// AllowLoopback lets webhooks reach this machine's loopback addresses (127.0.0.0/8, ::1,
	// localhost) and nothing else non-public. Payport grants it to test mode on a server whose
	// operator keeps the default (PAYPORT_WEBHOOKS_TEST_LOOPBACK): integrators run their
	// receiver beside Payport. An operator sharing a server between orgs turns it off, since
	// loopback then reaches the operator's own services.
	AllowLoopback bool
	// Resolve looks up a host name's addresses; nil means net.DefaultResolver. Tests inject
	// one to play DNS (including rebinding) offline.
	Resolve func(ctx context.Context, host string) ([]net.IPAddr, error)
	// Timeout bounds one request (zero means DefaultTimeout). Tests shorten it.
	Timeout time.Duration
}

// AddressError reports that a URL's host is, or resolves to, an address the Policy forbids.
// Its message names the address and why, and is fit to show the customer who set the URL.
type AddressError struct {
	// Host is the host as written in the URL (a name or an IP literal).
	Host string
	// Addr is the refused address; it is invalid when the name itself was refused
	// ("localhost").
	Addr netip.Addr
	// Reason says what kind of address it is, e.g. "a private network address".
	Reason string
}

// Error says which address was refused and why, in a sentence for the customer.
func (e *AddressError) Error() string {
	const tail = "; webhooks are delivered only to public internet addresses"
	_, literalErr := netip.ParseAddr(e.Host)
	switch {
	case !e.Addr.IsValid() || e.Host == e.Addr.String():
		return fmt.Sprintf("webhook URL host %s is %s%s", e.Host, e.Reason, tail)
	case e.Host == "":
		return fmt.Sprintf("webhook URL host %s is %s%s", e.Addr, e.Reason, tail)
	case literalErr == nil: // another spelling of the address, e.g. ::ffff:127.0.0.1
		return fmt.Sprintf("webhook URL host %s (%s) is %s%s", e.Host, e.Addr, e.Reason, tail)
	default:
		return fmt.Sprintf("webhook URL host %s resolves to %s, %s%s", e.Host, e.Addr, e.Reason, tail)
	}
}

// NewClient returns the HTTP client that delivers webhooks under p. Every address it connects
// to is checked against p at connect time, after resolution, and only checked addresses are
// dialled, so DNS rebinding between CheckURL and delivery gains nothing; a refused connection
// fails with an *AddressError. Plain http:// requests fail unless p.AllowHTTP. Redirects are
// not followed (the 3xx is the attempt's answer: the customer should fix the URL), no proxy
// is taken from the environment (it would do the resolving and bypass the check), and each
// request is bounded by p.Timeout.
//
// Build one client per policy and reuse it: it keeps connections alive between attempts.
func NewClient(p Policy) *http.Client {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	g := &guard{p: p}
	g.dialer = net.Dialer{
		Timeout: timeout,
		// A second check on the very address being connected, whatever path led there.
		Control: g.control,
	}
	base := &http.Transport{
		Proxy:               nil, // a proxy would resolve names itself, past the check
		DialContext:         g.dialContext,
		ForceAttemptHTTP2:   true,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		// A sender runs up to 64 deliveries at once, often to one receiver: keep that many
		// connections (each checked when it was dialled) rather than dial for every delivery.
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    64,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: &schemeGuard{base: base, allowHTTP: p.AllowHTTP},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Timeout: timeout,
	}
}

// CheckURL validates a webhook URL when it is configured: an absolute https URL (or http
// where p.AllowHTTP), with a host, no user name or password, a valid port, and, when the host
// is an IP literal or a name that is loopback by definition (localhost), an address p allows.
// It does not resolve names: that answer could change before delivery, which checks every
// resolved address again. The error's message is a sentence fit for an API problem response
// about the URL field; address refusals are *AddressError.
func CheckURL(raw string, p Policy) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("webhook URL is required")
	}
	if len(raw) > MaxURLLength {
		return fmt.Errorf("webhook URL must be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("webhook URL is not a valid URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !p.AllowHTTP {
			return errors.New("webhook URL must use https:// in live mode")
		}
	default:
		if p.AllowHTTP {
			return errors.New("webhook URL must start with https:// or http://")
		}
		return errors.New("webhook URL must start with https://")
	}
	if u.User != nil {
		return errors.New("webhook URL must not contain a user name or password; receivers authenticate webhooks by their signature")
	}
	host := u.Hostname()
	if u.Opaque != "" || host == "" {
		return errors.New("webhook URL must include a host name")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return errors.New("webhook URL has an invalid port")
		}
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return p.check(host, a)
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		if p.AllowPrivate || p.AllowLoopback {
			return nil
		}
		return &AddressError{Host: host, Reason: "a loopback name"}
	}
	// A numeric last label is no DNS name but an IPv4 address in a legacy spelling
	// (2130706433, 0x7f.1, 127.1) that some resolvers turn into an address: refuse it rather
	// than guess which one.
	labels := strings.Split(name, ".")
	if last := labels[len(labels)-1]; last == "" || isNumericLabel(last) {
		return errors.New("webhook URL host must be a domain name or an IP address in standard notation")
	}
	return nil
}

// isNumericLabel reports whether a DNS label is a decimal, octal or hexadecimal number.
func isNumericLabel(l string) bool {
	if h, ok := strings.CutPrefix(l, "0x"); ok {
		l = h
		if l == "" {
			return true
		}
		for _, c := range l {
			if !strings.ContainsRune("0123456789abcdef", c) {
				return false
			}
		}
		return true
	}
	for _, c := range l {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// schemeGuard refuses plain http in live mode whatever URL reaches the client, so a URL that
// skipped CheckURL (or an old row) still cannot send live data in clear text.
type schemeGuard struct {
	base      *http.Transport
	allowHTTP bool
}

// RoundTrip refuses a scheme the policy does not allow, then sends as usual.
func (t *schemeGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" && (r.URL.Scheme != "http" || !t.allowHTTP) {
		if r.Body != nil {
			r.Body.Close()
		}
		if r.URL.Scheme == "http" {
			return nil, errors.New("webhook URL must use https:// in live mode")
		}
		return nil, fmt.Errorf("webhook URL scheme %q is not supported", r.URL.Scheme)
	}
	return t.base.RoundTrip(r)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pooled connections.
func (t *schemeGuard) CloseIdleConnections() { t.base.CloseIdleConnections() }

// guard resolves, checks and dials.
type guard struct {
	p      Policy
	dialer net.Dialer
}

// dialContext resolves host, refuses the connection if any address is forbidden (a name
// mixing public and internal addresses is an attack or a misconfiguration either way), and
// dials the checked addresses in order until one answers.
func (g *guard) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("webhook: invalid port %q", portStr)
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if err := g.p.check(host, a); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, a := range addrs {
		if (network == "tcp4" && !a.Is4()) || (network == "tcp6" && !a.Is6()) {
			continue
		}
		conn, err := g.dialer.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("webhook: no %s address for %s", network, host)
	}
	return nil, firstErr
}

// lookup returns host's addresses, unmapped (::ffff:10.0.0.1 is 10.0.0.1): an IP literal is
// its own answer, a name goes to the policy's resolver.
func (g *guard) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	resolve := g.p.Resolve
	if resolve == nil {
		resolve = net.DefaultResolver.LookupIPAddr
	}
	ips, err := resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	addrs := make([]netip.Addr, 0, len(ips))
	for _, ip := range ips {
		a, ok := netip.AddrFromSlice(ip.IP)
		if !ok {
			continue
		}
		a = a.Unmap()
		if ip.Zone != "" && a.Is6() {
			a = a.WithZone(ip.Zone)
		}
		addrs = append(addrs, a)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("webhook: no address found for %s", host)
	}
	return addrs, nil
}

// control runs just before each connect with the literal address being connected.
func (g *guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: unexpected dial address %q", address)
	}
	return g.p.check("", ap.Addr())
}

// check returns an *AddressError if p forbids a; host is what the URL named, for the message.
func (p Policy) check(host string, a netip.Addr) error {
	a = a.Unmap()
	if reason := metadataAddress(a); reason != "" {
		return &AddressError{Host: host, Addr: a.WithZone(""), Reason: reason}
	}
	if p.AllowPrivate || (p.AllowLoopback && a.IsLoopback()) {
		return nil
	}
	if reason := nonPublic(a); reason != "" {
		return &AddressError{Host: host, Addr: a.WithZone(""), Reason: reason}
	}
	return nil
}

// metadata lists the cloud instance-metadata and host-agent addresses, which hand out
// credentials to whoever asks from the machine. No development setup needs a webhook there,
// so they are refused even where AllowPrivate is set.
var metadata = map[netip.Addr]string{
	netip.MustParseAddr("169.254.169.254"): "a cloud metadata address",   // AWS, GCP, Azure, OpenStack...
	netip.MustParseAddr("169.254.170.2"):   "a cloud metadata address",   // AWS ECS task metadata
	netip.MustParseAddr("169.254.170.23"):  "a cloud metadata address",   // AWS EKS pod identity
	netip.MustParseAddr("fd00:ec2::254"):   "a cloud metadata address",   // AWS over IPv6
	netip.MustParseAddr("fd00:ec2::23"):    "a cloud metadata address",   // AWS EKS pod identity over IPv6
	netip.MustParseAddr("100.100.100.200"): "a cloud metadata address",   // Alibaba Cloud
	netip.MustParseAddr("192.0.0.192"):     "a cloud metadata address",   // Oracle Cloud
	netip.MustParseAddr("168.63.129.16"):   "a cloud host agent address", // Azure WireServer
	netip.MustParseAddr("fd20:ce::254"):    "a cloud metadata address",   // GCP over IPv6
}

func metadataAddress(a netip.Addr) string {
	return metadata[a.WithZone("")]
}

// nonPublic returns what kind of non-public address a is, or "" for a public unicast one.
func nonPublic(a netip.Addr) string {
	a = a.WithZone("")
	for _, r := range blockedRanges {
		if r.prefix.Contains(a) {
			if r.embedded4 {
				// NAT64: the address stands for the IPv4 address in its last 32 bits, which is
				// what must be public (IPv6-only networks reach every IPv4 host this way).
				b := a.As16()
				return nonPublic(netip.AddrFrom4([4]byte(b[12:])))
			}
			return r.reason
		}
	}
	return ""
}

type blockedRange struct {
	prefix    netip.Prefix
	reason    string
	embedded4 bool
}

// blockedRanges are the special-purpose ranges of the IANA IPv4 and IPv6 registries that are
// not globally reachable, plus the IPv6 forms that embed an IPv4 address. More specific
// prefixes come first.
var blockedRanges = func() []blockedRange {
	const (
		private   = "a private network address"
		loopback  = "a loopback address"
		linkLocal = "a link-local address"
		doc       = "a documentation address"
		reserved  = "a reserved address"
		multicast = "a multicast address"
	)
	rs := []struct {
		cidr, reason string
	}{
		{"0.0.0.0/8", "a \"this network\" address"},
		{"10.0.0.0/8", private},
		{"100.64.0.0/10", "a carrier-grade NAT (shared) address"},
		{"127.0.0.0/8", loopback},
		{"169.254.0.0/16", linkLocal},
		{"172.16.0.0/12", private},
		{"192.0.0.0/24", "an IETF protocol address"},
		{"192.0.2.0/24", doc},
		{"192.88.99.0/24", "a 6to4 relay address"},
		{"192.168.0.0/16", private},
		{"198.18.0.0/15", "a benchmarking address"},
		{"198.51.100.0/24", doc},
		{"203.0.113.0/24", doc},
		{"224.0.0.0/4", multicast},
		{"240.0.0.0/4", reserved}, // includes the broadcast address 255.255.255.255

		{"::/128", "the unspecified address"},
		{"::1/128", loopback},
		{"::ffff:0:0:0/96", reserved}, // IPv4-translated
		{"::/96", reserved},           // IPv4-compatible, deprecated
		{"64:ff9b:1::/48", private},   // local-use NAT64
		{"100::/64", "a discard-only address"},
		{"2001::/32", "a Teredo tunnel address"},
		{"2001:db8::/32", doc},
		{"2002::/16", "a 6to4 tunnel address"},
		{"3fff::/20", doc},
		{"5f00::/16", reserved}, // SRv6 SIDs
		{"fc00::/7", "a unique local (private) address"},
		{"fe80::/10", linkLocal},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", multicast},
	}
	out := make([]blockedRange, 0, len(rs)+1)
	out = append(out, blockedRange{prefix: netip.MustParsePrefix("64:ff9b::/96"), embedded4: true})
	for _, r := range rs {
		out = append(out, blockedRange{prefix: netip.MustParsePrefix(r.cidr), reason: r.reason})
	}
	return out
}()
