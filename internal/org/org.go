// Package org holds organisations (the platforms using Payport) and their API keys, with the
// roles and scopes that decide what a key may do.
package org

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payport/payport/internal/tenant"
)

// Org is a platform that owes money to its recipients.
type Org struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Settings  Settings  `json:"settings"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Settings are an org's defaults. Recipients may override some of them.
type Settings struct {
	// MinimumWithdrawal is the default minimum withdrawal per currency, in minor units.
	MinimumWithdrawal map[string]int64 `json:"minimum_withdrawal,omitempty"`
	// MinimumWaitDays is how long credited money waits before it may be withdrawn (0: none).
	MinimumWaitDays int `json:"minimum_wait_days,omitempty"`
	// NACHA configures the org's US ACH files (live mode); nil disables the rail.
	NACHA *NACHAOriginator `json:"nacha,omitempty"`
	// SEPA configures the org's SEPA credit transfer files (live mode); nil disables the rail.
	SEPA *SEPADebtor `json:"sepa,omitempty"`
	// Portal holds the defaults and limits of the hosted portal's signed URLs.
	Portal PortalSettings `json:"portal"`
	// PaymentExpiryMinutes is how long a Payments API payment waits for its customer to complete
	// the hosted form before it expires (0: the default, DefaultPaymentExpiryMinutes).
	// RequireVerifiedIdentity makes withdrawals wait for a verified identity (seed 004
	// onboarding); Balance Info then answers onboarding_incomplete until it is.
	RequireVerifiedIdentity bool `json:"require_verified_identity,omitempty" doc:"Withdrawals need a verified identity (account onboarding)."`
	// PaymentLinks holds the lifetimes of payment links.
	PaymentLinks LinkSettings `json:"payment_links"`
	// NotificationEmail receives operational notices, such as a webhook endpoint disabled for
	// failing.
	NotificationEmail    string `json:"notification_email,omitempty" maxLength:"254" doc:"Where Payport sends operational notices (a webhook endpoint disabled for failing)."`
	PaymentExpiryMinutes int    `json:"payment_expiry_minutes,omitempty" doc:"How long the hosted form of a payment created through POST /api/payments works; 0 means 1440 (24 hours)."`
}

// LinkSettings are an org's payment link lifetimes (0: Payport's defaults, 168 and 720 hours).
type LinkSettings struct {
	DefaultExpiryHours int `json:"default_expiry_hours,omitempty" minimum:"0" maximum:"8760" doc:"Lifetime of a link created without expires_in_hours; 0 means 168 (7 days)."`
	MaxExpiryHours     int `json:"max_expiry_hours,omitempty" minimum:"0" maximum:"8760" doc:"Longest lifetime a link may ask for; 0 means 720 (30 days)."`
}

// DefaultPaymentExpiryMinutes is the hosted payment form's lifetime when an org sets none.
const DefaultPaymentExpiryMinutes = 24 * 60

// PortalSettings are an org's defaults for portal URLs (seed 001: omitted flags fall back to
// them) and the limits that protect its users.
type PortalSettings struct {
	AllowedOrigin       string   `json:"allowed_origin,omitempty" doc:"The allowed_origin claim: the origin allowed to frame the portal, e.g. *.axle.energy."`
	RedirectAllowlist   []string `json:"redirect_allowlist,omitempty" doc:"Prefixes a redirect_uri may start with: https://app.example.com/ or myapp://"`
	TwoFactor           bool     `json:"two_factor,omitempty" doc:"Default of enforce_two_factor_auth."`
	HideTransactions    bool     `json:"hide_transactions,omitempty" doc:"Default of hide_transactions."`
	AutoRedirectToSetup bool     `json:"auto_redirect_to_setup,omitempty" doc:"Default of auto_redirect_to_setup."`
	MaxURLMinutes       int      `json:"max_url_minutes,omitempty" doc:"Longest lifetime of a portal URL, in minutes (default 1440)."`
	// BrandColor is the portal's accent colour, #RRGGBB.
	BrandColor string `json:"brand_color,omitempty" pattern:"^#[0-9a-fA-F]{6}$" doc:"Accent colour of the portal's buttons and header, #RRGGBB."`
	// DisplayName is shown at the top of every portal page (the org name when empty).
	DisplayName string `json:"display_name,omitempty" maxLength:"100" doc:"Name shown at the top of the portal; the org name when empty."`
	// Logo is the org's logo as a data: URL (see ParseLogo). It is kept here rather than
	// fetched from a URL because the portal loads no external asset.
	Logo string `json:"logo,omitempty" doc:"Logo shown at the top of the portal instead of the display name (which becomes its alt text): a data: URL of a PNG, SVG or WebP image of at most 64 KB, e.g. data:image/png;base64,iVBORw0KGgo...; served by the portal at /portal/logo/{org_id}. Empty: none."`
	// Texts are the org's own words on its hosted pages.
	Texts PortalTexts `json:"texts,omitzero" doc:"The org's own words shown under its name on the hosted pages (plain text)."`
}

// MaxPortalText is the longest of an org's own texts on its hosted pages, in characters.
const MaxPortalText = 500

// PortalTexts are an org's own words, shown as plain text under its name or logo at the top of
// its hosted pages ("" shows nothing).
type PortalTexts struct {
	Portal string `json:"portal,omitempty" maxLength:"500" doc:"On the rewards portal's pages (balance, withdrawal, bank account)."`
	Payout string `json:"payout,omitempty" maxLength:"500" doc:"On the hosted payout form (/checkin)."`
	Pay    string `json:"pay,omitempty" maxLength:"500" doc:"On the hosted pay form (/checkout) and payment link pages (/pay)."`
}

// MaxLogoBytes is the largest portal logo accepted, in bytes of the image itself.
const MaxLogoBytes = 64 << 10

// Logo is a portal logo decoded from its data: URL.
type Logo struct {
	// ContentType is image/png, image/svg+xml or image/webp.
	ContentType string
	Data        []byte
}

// logoTypes are the accepted media types of a logo, each with its check of the bytes.
var logoTypes = map[string]func([]byte) bool{
	"image/png":     isPNG,
	"image/svg+xml": isSVG,
	"image/webp":    isWebP,
}

// ParseLogo decodes a logo given as a data: URL ("data:image/png;base64,..." or, for SVG,
// also percent-encoded text) and checks that it is a PNG, SVG or WebP image, as its media type
// says, of at most MaxLogoBytes. The error says what is wrong in words for the org's admin.
func ParseLogo(dataURL string) (Logo, error) {
	// Percent-encoding at most triples the size; anything longer cannot fit.
	if len(dataURL) > 3*MaxLogoBytes+100 {
		return Logo{}, fmt.Errorf("logo must be at most %d KB", MaxLogoBytes>>10)
	}
	if len(dataURL) < 5 || !strings.EqualFold(dataURL[:5], "data:") {
		return Logo{}, errors.New("logo must be a data: URL such as data:image/png;base64,iVBORw0KGgo")
	}
	meta, payload, found := strings.Cut(dataURL[5:], ",")
	if !found {
		return Logo{}, errors.New("logo must be a data: URL such as data:image/png;base64,iVBORw0KGgo")
	}
	params := strings.Split(meta, ";")
	mediaType := strings.ToLower(strings.TrimSpace(params[0]))
	check, known := logoTypes[mediaType]
	if !known {
		return Logo{}, fmt.Errorf("logo must be a PNG, SVG or WebP image (image/png, image/svg+xml or image/webp), not %q", mediaType)
	}
	var data []byte
	if strings.EqualFold(strings.TrimSpace(params[len(params)-1]), "base64") {
		var err error
		if data, err = base64.StdEncoding.DecodeString(payload); err != nil {
			return Logo{}, errors.New("logo's base64 data is not valid")
		}
	} else {
		text, err := url.PathUnescape(payload)
		if err != nil {
			return Logo{}, errors.New("logo's percent-encoded data is not valid")
		}
		data = []byte(text)
	}
	if len(data) > MaxLogoBytes {
		return Logo{}, fmt.Errorf("logo is %d bytes; it must be at most %d KB (%d bytes)", len(data), MaxLogoBytes>>10, MaxLogoBytes)
	}
	if !check(data) {
		return Logo{}, fmt.Errorf("logo's data is not a %s image", mediaType)
	}
	return Logo{ContentType: mediaType, Data: data}, nil
}

func isPNG(b []byte) bool {
	_, err := png.DecodeConfig(bytes.NewReader(b))
	return err == nil
}

func isWebP(b []byte) bool {
	return len(b) >= 16 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" && strings.HasPrefix(string(b[12:16]), "VP8")
}

// isSVG accepts UTF-8 XML whose root element is svg. Entity declarations are refused (they
// serve no purpose in a logo and can blow up in size when expanded).
func isSVG(b []byte) bool {
	if !utf8.Valid(b) || bytes.Contains(b, []byte("<!ENTITY")) {
		return false
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name.Local == "svg"
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
}

// NACHAOriginator is what the org's bank (the ODFI) assigned for ACH origination.
type NACHAOriginator struct {
	CompanyName              string `json:"company_name" maxLength:"16"`
	CompanyID                string `json:"company_id" doc:"10 characters, often 1 + the EIN."`
	ImmediateOrigin          string `json:"immediate_origin" doc:"Routing number of the bank sending the file."`
	ImmediateOriginName      string `json:"immediate_origin_name" maxLength:"23"`
	ImmediateDestination     string `json:"immediate_destination" doc:"Routing number receiving the file."`
	ImmediateDestinationName string `json:"immediate_destination_name" maxLength:"23"`
	ODFIIdentification       string `json:"odfi_identification" doc:"First 8 digits of the ODFI's routing number."`
	EntryClass               string `json:"entry_class" enum:"PPD,CCD"`
	EntryDescription         string `json:"entry_description" maxLength:"10"`
}

// SEPADebtor is the account SEPA payouts are paid from.
type SEPADebtor struct {
	Name            string `json:"name" maxLength:"70"`
	IBAN            string `json:"iban"`
	BIC             string `json:"bic,omitempty"`
	MessageIDPrefix string `json:"message_id_prefix,omitempty" maxLength:"10" doc:"Put before every message id, so files of two installations never collide at the bank."`
}

// Role is what a key (or later a member) may do across orgs.
type Role string

// Roles. The names are the seeds' (seed 002).
const (
	// RoleOrgAdmin may do everything within its own org.
	RoleOrgAdmin Role = "org-admin"
	// RoleInternalAdmin is the operator: it spans orgs and alone may create them over the API.
	RoleInternalAdmin Role = "internal-admin"
)

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleOrgAdmin, RoleInternalAdmin:
		return Role(s), nil
	}
	return "", fmt.Errorf("role must be %q or %q", RoleOrgAdmin, RoleInternalAdmin)
}

// Scope is a permission checkbox on a key (seed 003: "enable the Payout checkbox").
type Scope string

// Scopes. A key holds a set of them; ReadOnly restricts every other scope to reading.
const (
	ScopeRewards  Scope = "rewards"
	ScopePayouts  Scope = "payouts"
	ScopeLinks    Scope = "links"
	ScopeReadOnly Scope = "read_only"
)

// AllScopes are the scopes a key gets when none are asked for: everything, read and write.
var AllScopes = []Scope{ScopeRewards, ScopePayouts, ScopeLinks}

// ParseScopes validates scope names; an empty list means AllScopes.
func ParseScopes(names []string) ([]Scope, error) {
	if len(names) == 0 {
		return slices.Clone(AllScopes), nil
	}
	var out []Scope
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			s := Scope(strings.TrimSpace(part))
			switch s {
			case ScopeRewards, ScopePayouts, ScopeLinks, ScopeReadOnly:
			default:
				return nil, fmt.Errorf("unknown scope %q (known: rewards, payouts, links, read_only)", part)
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	if len(out) == 1 && out[0] == ScopeReadOnly {
		// A read-only key reads everything.
		out = append(slices.Clone(AllScopes), ScopeReadOnly)
	}
	return out, nil
}

// APIKey is a stored key. The secret itself is never stored: only its SHA-256, which is enough
// for a 190-bit random secret (no dictionary to attack) and lets lookups use an index.
type APIKey struct {
	ID         string       `json:"id"`
	Scope      tenant.Scope `json:"-"`
	Role       Role         `json:"role"`
	Scopes     []Scope      `json:"scopes"`
	Name       string       `json:"name"`
	Prefix     string       `json:"prefix"`
	SecretHash string       `json:"-"`
	CreatedAt  time.Time    `json:"created_at"`
	LastUsedAt *time.Time   `json:"last_used_at"`
	RevokedAt  *time.Time   `json:"revoked_at"`
}

// Has reports whether the key holds scope s.
func (k APIKey) Has(s Scope) bool { return slices.Contains(k.Scopes, s) }

// Allows reports whether the key may perform an operation needing scope s; write operations
// are refused to read-only keys.
func (k APIKey) Allows(s Scope, write bool) bool {
	if write && k.Has(ScopeReadOnly) {
		return false
	}
	return s == "" || k.Has(s)
}

const secretAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewSecret returns a fresh key secret "pp_<mode>_<32 base62 chars>" and its hash. The mode
// prefix lets people and secret scanners tell test keys from live ones at a glance.
func NewSecret(mode tenant.Mode) (secret, hash string) {
	var b strings.Builder
	b.WriteString("pp_" + string(mode) + "_")
	buf := make([]byte, 64)
	for n := 0; n < 32; {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		for _, c := range buf {
			// Rejection sampling: 248 = 4*62, so bytes below it map onto the alphabet
			// without bias.
			if c < 248 && n < 32 {
				b.WriteByte(secretAlphabet[int(c)%62])
				n++
			}
		}
	}
	secret = b.String()
	return secret, HashSecret(secret)
}

// HashSecret is the stored form of a key secret.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ModeOfSecret tells the mode from a secret's prefix, or false if it is not a Payport key.
func ModeOfSecret(secret string) (tenant.Mode, bool) {
	switch {
	case strings.HasPrefix(secret, "pp_test_"):
		return tenant.Test, true
	case strings.HasPrefix(secret, "pp_live_"):
		return tenant.Live, true
	}
	return "", false
}

// DisplayPrefix is the part of a secret safe to show in listings.
func DisplayPrefix(secret string) string {
	if len(secret) < 12 {
		return secret
	}
	return secret[:12]
}
