// Package grant is Payport's one concept for every short-lived, signed capability that opens
// the portal (DESIGN.md section 1): the rewards withdrawal URL of seed 001 now, and account
// links, embedded-component tokens and payment-link tokens later. A grant says who (org and
// recipient), what for (use case), where it may go (permitted URL stubs, allowed origin), how it
// must be proven (emailed code), where to send the user afterwards, display options and
// expiry. The portal checks grants; it never cares which API minted one.
package grant

import (
	"errors"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/payport/payport/internal/tenant"
)

// UseCase says what a grant is for; it is the token's "type" claim.
type UseCase string

// Use cases.
const (
	// Rewards is seed 001's balance withdrawal URL.
	Rewards UseCase = "rewards"
	// PayoutsPortal is seed 004's hosted payouts portal: withdrawals, payout methods, identity.
	PayoutsPortal UseCase = "payouts_portal"
	// AccountOnboarding is seed 004's identity onboarding.
	AccountOnboarding UseCase = "account_onboarding"
	// Embedded is seed 004's access token for the embedded component.
	Embedded UseCase = "embedded"
)

// Stubs are the portal paths a use case opens.
func Stubs(u UseCase) []string {
	switch u {
	case PayoutsPortal:
		return []string{"/rewards", "/account"}
	case AccountOnboarding:
		return []string{"/account"}
	case Embedded:
		// The component's frame shows the payouts portal's pages.
		return []string{"/embed", "/rewards", "/account"}
	}
	return []string{"/rewards"}
}

// CloseMagic is the redirect_uri "magic string" of seed 001 for portals opened in a modal: the
// portal posts {type: "payport:close"} to its opener or parent and closes.
const CloseMagic = "payport:close"

// Grant is one minted capability.
type Grant struct {
	ID                  string
	Scope               tenant.Scope
	RecipientID         string
	UseCase             UseCase
	OrgName             string
	AllowedOrigin       string
	PermittedURLStubs   []string
	TwoFactor           bool
	RedirectURI         string
	HideTransactions    bool
	AutoRedirectToSetup bool
	IssuedAt            time.Time
	ExpiresAt           time.Time
	ReturnURL           string
	RefreshURL          string
}

// Claims are the JWT claims of a rewards grant: exactly seed 001's, plus iat, jti, iss, aud.
type Claims struct {
	Sub                 string   `json:"sub"`
	InternalSiteID      string   `json:"internal_site_id"`
	AllowedOrigin       string   `json:"allowed_origin"`
	Type                string   `json:"type"`
	PermittedURLStubs   []string `json:"permitted_url_stubs"`
	TwoFactorAuth       bool     `json:"two_factor_auth"`
	RedirectURI         string   `json:"redirect_uri"`
	HideTransactions    bool     `json:"hide_transactions"`
	AutoRedirectToSetup bool     `json:"auto_redirect_to_setup"`
	Exp                 int64    `json:"exp"`
	Iat                 int64    `json:"iat"`
	Jti                 string   `json:"jti"`
	Iss                 string   `json:"iss"`
	Aud                 string   `json:"aud"`
	// Account links (seed 004) only: where the user goes when done, and where an expired or
	// used link sends them so the platform can mint a new one. Absent from rewards tokens,
	// which keep exactly seed 001's claims.
	ReturnURL  string `json:"return_url,omitempty"`
	RefreshURL string `json:"refresh_url,omitempty"`
}

// Audience is the aud claim: tokens are for Payport's portal and nothing else.
const Audience = "payport-portal"

// Claims returns g's token claims; issuer is Payport's public URL.
func (g Grant) Claims(issuer string) Claims {
	return Claims{Sub: g.OrgName, InternalSiteID: g.RecipientID, AllowedOrigin: g.AllowedOrigin, Type: string(g.UseCase),
		PermittedURLStubs: g.PermittedURLStubs, TwoFactorAuth: g.TwoFactor, RedirectURI: g.RedirectURI,
		HideTransactions: g.HideTransactions, AutoRedirectToSetup: g.AutoRedirectToSetup,
		Exp: g.ExpiresAt.Unix(), Iat: g.IssuedAt.Unix(), Jti: g.ID, Iss: issuer, Aud: Audience, ReturnURL: g.ReturnURL, RefreshURL: g.RefreshURL}
}

// ErrRedirect explains a refused redirect URI.
var ErrRedirect = errors.New("redirect_uri must be a portal path such as /rewards/balance, " + CloseMagic +
	", or a URL or app scheme on the org's redirect allowlist")

// CheckRedirect accepts a redirect URI that is an in-portal path (under one of the permitted
// stubs), the modal magic string, or an absolute URL or custom scheme on the allowlist (an entry
// matches by prefix: "https://app.example.com/" or "myapp://"). javascript:, data: and
// protocol-relative URLs are never accepted: no open redirects.
func CheckRedirect(uri string, stubs, allowlist []string) error {
	if uri == "" || uri == CloseMagic {
		return nil
	}
	if len(uri) > 2048 || strings.ContainsAny(uri, "\\\x00\r\n\t ") {
		return ErrRedirect
	}
	if strings.HasPrefix(uri, "/") {
		if strings.HasPrefix(uri, "//") {
			return ErrRedirect
		}
		u, err := url.Parse(uri)
		if err != nil || u.Host != "" || u.Scheme != "" {
			return ErrRedirect
		}
		// Dot segments ("/rewards/../api", also %2e-encoded) would lead out of the stub.
		p := path.Clean(u.Path)
		for _, stub := range stubs {
			if p == stub || strings.HasPrefix(p, strings.TrimSuffix(stub, "/")+"/") {
				return nil
			}
		}
		return ErrRedirect
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return ErrRedirect
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob":
		return ErrRedirect
	}
	for _, allowed := range allowlist {
		if allowed != "" && strings.HasPrefix(uri, allowed) && endsAtBoundary(allowed, uri[len(allowed):]) {
			return nil
		}
	}
	return ErrRedirect
}

// endsAtBoundary reports whether rest, what follows an allowlist entry in a redirect URI, keeps
// the URI on the entry's host. An entry that ends with its host ("https://app.example.com")
// must be followed by nothing, a path, a query or a fragment: otherwise
// "https://app.example.com.evil.net" and "https://app.example.com@evil.net" would match it.
func endsAtBoundary(allowed, rest string) bool {
	if rest == "" {
		return true
	}
	if u, err := url.Parse(allowed); err != nil || u.Host == "" || !strings.HasSuffix(allowed, u.Host) {
		return true
	}
	return strings.ContainsRune("/?#", rune(rest[0]))
}
