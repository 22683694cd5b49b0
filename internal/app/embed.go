package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// The embedded component's sessions (seed 004, docs/EMBED.md): the frame posts the access token
// it received by postMessage, with the parent page's origin; a valid token whose org allows that
// origin opens a portal session showing the payouts portal's pages inside the frame.

// Why an embedded session was refused.
var (
	ErrEmbedToken  = errors.New("the access token is not valid or has expired")
	ErrEmbedOrigin = errors.New("this page's origin is not the org's allowed_origin")
)

// verifyAccessToken checks an access token's signature, type, audience and expiry.
func (a *App) verifyAccessToken(ctx context.Context, token string) (AccessTokenClaims, error) {
	var c AccessTokenClaims
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return c, err
	}
	if set.Verify(token, &c) != nil || c.Type != string(grant.Embedded) || c.Aud != EmbedAudience || a.now().Unix() >= c.Exp {
		return c, ErrEmbedToken
	}
	return c, nil
}

// OriginAllowed reports whether a page origin matches an org's allowed_origin: the same origin
// ("https://app.example.com"; a bare host means https), or any subdomain over https for
// "*.example.com".
func OriginAllowed(origin, allowed string) bool {
	if origin == "" || allowed == "" {
		return false
	}
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" || o.Path != "" {
		return false
	}
	if !strings.Contains(allowed, "://") {
		allowed = "https://" + allowed
	}
	a, err := url.Parse(allowed)
	if err != nil {
		return false
	}
	if strings.HasPrefix(a.Host, "*.") {
		return o.Scheme == a.Scheme && strings.HasSuffix(o.Host, a.Host[1:]) && len(o.Host) > len(a.Host)-1
	}
	return o.Scheme == a.Scheme && o.Host == a.Host
}

// StartEmbeddedSession opens a portal session for the component's frame from an access token
// and the origin of the page that sent it. redirectURL (seed 004's redirectUrl, optional) is
// where the identity pages send the user when done: on the org's allowlist, or localhost with a
// test-mode token.
func (a *App) StartEmbeddedSession(ctx context.Context, token, origin, redirectURL, currency string) (PortalSession, error) {
	c, err := a.verifyAccessToken(ctx, token)
	if err != nil {
		return PortalSession{}, err
	}
	if !OriginAllowed(origin, c.AllowedOrigin) {
		return PortalSession{}, ErrEmbedOrigin
	}
	scope := tenant.Scope{OrgID: c.OrgID, Mode: tenant.Test}
	if c.Livemode {
		scope.Mode = tenant.Live
	}
	if redirectURL != "" {
		o, err := a.cachedGetOrg(ctx, c.OrgID)
		if err != nil {
			return PortalSession{}, err
		}
		if err := accountURL("redirect_url", redirectURL, scope, o.Settings.Portal.RedirectAllowlist); err != nil {
			return PortalSession{}, err
		}
	}
	recipientID := c.Sub
	if c.Sub == c.OrgID {
		// The platform itself: its own account, credited by its payins.
		house, err := a.houseAccount(ctx, scope, "USD")
		if err != nil {
			return PortalSession{}, err
		}
		recipientID = house.ID
	}
	raw := make([]byte, 32)
	csrf := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return PortalSession{}, err
	}
	if _, err := rand.Read(csrf); err != nil {
		return PortalSession{}, err
	}
	now := a.now()
	body, err := json.Marshal(c)
	if err != nil {
		return PortalSession{}, err
	}
	s := PortalSession{Token: base64.RawURLEncoding.EncodeToString(raw)}
	// Each session records its own grant row (an access token opens many sessions while it
	// lasts: a remount, a second tab).
	g := grant.Grant{ID: id.New("ges"), RecipientID: recipientID, UseCase: grant.Embedded, IssuedAt: time.Unix(c.Iat, 0), ExpiresAt: time.Unix(c.Exp, 0)}
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		got, err := tx.ClaimGrant(ctx, g, body, now)
		if errors.Is(err, store.ErrNotFound) {
			return ErrEmbedToken
		}
		if err != nil {
			return err
		}
		if got != scope {
			return ErrEmbedToken
		}
		s.PortalSession = store.PortalSession{TokenHash: hashToken(s.Token), GrantID: g.ID, Scope: scope, RecipientID: recipientID,
			CSRFToken: base64.RawURLEncoding.EncodeToString(csrf), UseCase: string(grant.Embedded), EmbedOrigin: origin, RedirectURI: redirectURL,
			Currency:  sessionCurrency(currency),
			ExpiresAt: time.Unix(c.Exp, 0), CreatedAt: now}
		if err := tx.InsertPortalSession(ctx, s.PortalSession); err != nil {
			return err
		}
		return a.auditSessionOpen(ctx, tx, s.PortalSession)
	})
	return s, err
}

// RefreshEmbeddedSession extends an embedded session to a fresh access token's expiry; the
// token must be for the same company.
func (a *App) RefreshEmbeddedSession(ctx context.Context, s store.PortalSession, token string) (time.Time, error) {
	c, err := a.verifyAccessToken(ctx, token)
	if err != nil {
		return time.Time{}, err
	}
	sameCompany := c.Sub == s.RecipientID
	if c.Sub == c.OrgID {
		house, err := a.houseAccount(ctx, s.Scope, "USD")
		if err != nil {
			return time.Time{}, err
		}
		sameCompany = house.ID == s.RecipientID
	}
	if s.UseCase != string(grant.Embedded) || !sameCompany || c.OrgID != s.Scope.OrgID {
		return time.Time{}, ErrEmbedToken
	}
	exp := time.Unix(c.Exp, 0)
	if !exp.After(s.ExpiresAt) {
		return s.ExpiresAt, nil
	}
	return exp, a.Store.InTx(ctx, func(tx store.Tx) error { return tx.ExtendPortalSession(ctx, s.TokenHash, exp) })
}

// sessionCurrency keeps a currency code a session may show ("" when it is not one).
func sessionCurrency(code string) string {
	if !currencyCode.MatchString(code) {
		return ""
	}
	if _, err := money.LookupCurrency(code); err != nil {
		return ""
	}
	return code
}

// SetEmbeddedCurrency changes the currency an embedded session shows (the component's
// updateOptions).
func (a *App) SetEmbeddedCurrency(ctx context.Context, s store.PortalSession, currency string) error {
	c := sessionCurrency(currency)
	if c == "" {
		return invalid("currency", "currency must be an ISO 4217 code such as EUR")
	}
	return a.Store.InTx(ctx, func(tx store.Tx) error { return tx.SetPortalSessionCurrency(ctx, s.TokenHash, c) })
}

// PortalCurrency is the currency a portal page shows: the session's (the component's currency
// prop) when the recipient holds an account in it, otherwise "" (the recipient's own). A
// component left at its default of USD thus does not show a euro earner an empty dollar
// balance.
func (a *App) PortalCurrency(ctx context.Context, s store.PortalSession) string {
	if s.Currency == "" {
		return ""
	}
	found := false
	_ = a.Store.Query(ctx, func(tx store.Tx) error {
		_, err := tx.FindAccount(ctx, recipientRef(s.Scope, s.RecipientID, ledger.Available, s.Currency))
		found = err == nil
		return nil
	})
	if !found {
		return ""
	}
	return s.Currency
}
