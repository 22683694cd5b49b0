package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/signing"
	"github.com/payport/payport/internal/store"
)

// PortalSessionLifetime is how long a portal session lasts after the URL is exchanged.
const PortalSessionLifetime = time.Hour

// Why a grant token was refused at the portal door.
var (
	// ErrGrantInvalid: forged, malformed, signed by an unknown key, or not a portal token.
	ErrGrantInvalid = errors.New("this link is not valid")
	// ErrGrantExpired: past its exp.
	ErrGrantExpired = errors.New("this link has expired")
	// ErrGrantUsed: already exchanged for a session (links work once).
	ErrGrantUsed = errors.New("this link was already used")
)

// PortalSession is an exchanged grant, as the portal sees it.
type PortalSession struct {
	store.PortalSession
	Claims grant.Claims
	// Token is the cookie value (only its hash is stored); set only by ExchangeGrant.
	Token string
}

// ExchangeGrant verifies a grant token from a portal URL and exchanges it, once, for a portal
// session. A token with an unknown kid makes the keys reload once (another process may just
// have rotated).
func (a *App) ExchangeGrant(ctx context.Context, token string) (PortalSession, error) {
	var c grant.Claims
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return PortalSession{}, err
	}
	err = set.Verify(token, &c)
	if errors.Is(err, signing.ErrUnknownKey) {
		if set, err = a.signingKeys(ctx, true); err != nil {
			return PortalSession{}, err
		}
		err = set.Verify(token, &c)
	}
	if err != nil || c.Aud != grant.Audience || !slices.Contains(portalUseCases, c.Type) || c.Jti == "" {
		return PortalSession{}, ErrGrantInvalid
	}
	now := a.now()
	if now.Unix() >= c.Exp {
		// The claims come back with the error: an account link sends the user to its
		// refresh_url.
		return PortalSession{Claims: c}, ErrGrantExpired
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return PortalSession{}, err
	}
	csrf := make([]byte, 24)
	if _, err := rand.Read(csrf); err != nil {
		return PortalSession{}, err
	}
	s := PortalSession{Claims: c, Token: base64.RawURLEncoding.EncodeToString(raw)}
	body, err := json.Marshal(c)
	if err != nil {
		return PortalSession{}, err
	}
	g := grant.Grant{ID: c.Jti, RecipientID: c.InternalSiteID, UseCase: grant.UseCase(c.Type),
		IssuedAt: time.Unix(c.Iat, 0), ExpiresAt: time.Unix(c.Exp, 0)}
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		scope, err := tx.ClaimGrant(ctx, g, body, now)
		switch {
		case errors.Is(err, store.ErrConflict):
			s.Claims = c
			return ErrGrantUsed
		case errors.Is(err, store.ErrNotFound):
			return ErrGrantInvalid
		case err != nil:
			return err
		}
		s.PortalSession = store.PortalSession{TokenHash: hashToken(s.Token), GrantID: c.Jti, Scope: scope,
			RecipientID: c.InternalSiteID, CSRFToken: base64.RawURLEncoding.EncodeToString(csrf), TwoFactorPending: c.TwoFactorAuth,
			HideTransactions: c.HideTransactions, RedirectURI: c.RedirectURI, AutoRedirect: c.AutoRedirectToSetup,
			UseCase: c.Type, ExpiresAt: now.Add(PortalSessionLifetime), CreatedAt: now}
		if err := tx.InsertPortalSession(ctx, s.PortalSession); err != nil {
			return err
		}
		return a.auditSessionOpen(ctx, tx, s.PortalSession)
	})
	return s, err
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// PortalSessionByToken finds the live session of a cookie value.
func (a *App) PortalSessionByToken(ctx context.Context, token string) (store.PortalSession, error) {
	var s store.PortalSession
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		s, err = tx.GetPortalSession(ctx, hashToken(token), a.now())
		return err
	})
	return s, err
}
