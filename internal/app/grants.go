package app

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/signing"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// Portal URL lifetimes (seed 001: 60 minutes by default).
const (
	DefaultURLLifetime = 60 * time.Minute
	defaultMaxURL      = 24 * time.Hour
	// keyVerifyAfterRetire keeps a rotated key verifying until every token it signed expired.
	keyVerifyAfterRetire = 7*24*time.Hour + time.Hour
	keySetTTL            = 30 * time.Second
)

// keyCache holds the signing keys read from the database for a short while; a token with an
// unknown kid makes the next read go to the database (a key another process just rotated in).
type keyCache struct {
	mu      sync.Mutex
	set     *signing.Set
	fetched time.Time
}

// signingKeys returns the keys in force, creating the first key on first use.
func (a *App) signingKeys(ctx context.Context, fresh bool) (*signing.Set, error) {
	a.keys.mu.Lock()
	defer a.keys.mu.Unlock()
	if !fresh && a.keys.set != nil && time.Since(a.keys.fetched) < keySetTTL {
		return a.keys.set, nil
	}
	set, err := a.loadKeys(ctx)
	if err != nil {
		return nil, err
	}
	if !set.CanSign() {
		if _, err := a.addSigningKey(ctx, false); err != nil {
			return nil, err
		}
		if set, err = a.loadKeys(ctx); err != nil {
			return nil, err
		}
	}
	a.keys.set, a.keys.fetched = set, time.Now()
	return set, nil
}

func (a *App) loadKeys(ctx context.Context) (*signing.Set, error) {
	var stored []store.StoredKey
	if err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		stored, err = tx.ListSigningKeys(ctx, a.now())
		return err
	}); err != nil {
		return nil, err
	}
	keys := make([]signing.Key, 0, len(stored))
	for _, s := range stored {
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(s.PublicJWK, &jwk); err != nil {
			return nil, fmt.Errorf("signing key %s: %w", s.KID, err)
		}
		pub, ok := jwk.Key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("signing key %s is not Ed25519", s.KID)
		}
		k := signing.Key{KID: s.KID, Public: pub, CreatedAt: s.CreatedAt, RetiredAt: s.RetiredAt, VerifyUntil: s.VerifyUntil}
		if s.RetiredAt == nil && a.Sealer != nil {
			priv, err := a.Sealer.Open(s.SealedPrivate, []byte("signing_key:"+s.KID))
			if err != nil {
				return nil, fmt.Errorf("open signing key %s (is the master key the same as when it was made?): %w", s.KID, err)
			}
			k.Private = ed25519.PrivateKey(priv)
		}
		keys = append(keys, k)
	}
	return signing.NewSet(keys), nil
}

// addSigningKey creates a key; with retire, the current keys stop signing first (rotation).
func (a *App) addSigningKey(ctx context.Context, retire bool) (string, error) {
	if a.Sealer == nil {
		return "", fmt.Errorf("no master key to seal signing keys with")
	}
	now := a.now()
	k, err := signing.Generate(now)
	if err != nil {
		return "", err
	}
	sealed, err := a.Sealer.Seal(k.Private, []byte("signing_key:"+k.KID))
	if err != nil {
		return "", err
	}
	jwk, err := k.PublicJWK()
	if err != nil {
		return "", err
	}
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		if retire {
			if err := tx.RetireSigningKeys(ctx, now, now.Add(keyVerifyAfterRetire)); err != nil {
				return err
			}
		}
		return tx.InsertSigningKey(ctx, store.StoredKey{KID: k.KID, Algorithm: string(signing.Algorithm),
			SealedPrivate: sealed, PublicJWK: jwk, CreatedAt: now})
	})
	return k.KID, err
}

// RotateSigningKeys makes a new key the signing key. Older keys keep verifying until every
// token they signed has expired, then leave the JWKS.
func (a *App) RotateSigningKeys(ctx context.Context) (string, error) {
	kid, err := a.addSigningKey(ctx, true)
	if err != nil {
		return "", err
	}
	_, err = a.signingKeys(ctx, true)
	return kid, err
}

// JWKS is the public signing keys, for /.well-known/jwks.json.
func (a *App) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return set.JWKS(), nil
}

// BalanceURLOptions are the query parameters of Get Balance Withdrawal URL; nil falls back to
// the org's portal settings.
type BalanceURLOptions struct {
	TwoFactor           *bool
	RedirectURI         string
	HideTransactions    *bool
	AutoRedirectToSetup *bool
	// Lifetime is how long the URL works (default 60 minutes, at most the org maximum).
	Lifetime time.Duration
}

// BalanceURL is seed 001's answer.
type BalanceURL struct {
	BalanceWithdrawalURL string `json:"balance_withdrawal_url" doc:"Open it in a browser or WebView; it works once and until url_expiry_timestamp."`
	URLExpiryTimestamp   string `json:"url_expiry_timestamp" example:"2026-01-15T14:30:00Z"`
}

// BalanceWithdrawalURL mints a rewards grant for a recipient and returns its portal URL
// (seed 001's Get Balance Withdrawal URL).
func (a *App) BalanceWithdrawalURL(ctx context.Context, scope tenant.Scope, siteRef string, in BalanceURLOptions) (BalanceURL, error) {
	o, err := a.cachedGetOrg(ctx, scope.OrgID)
	if err != nil {
		return BalanceURL{}, err
	}
	rec, err := a.recipientIdentity(ctx, scope, siteRef)
	if e := (*Error)(nil); errors.As(err, &e) && e.Kind == NotFound {
		return BalanceURL{}, notFound("site")
	}
	if err != nil {
		return BalanceURL{}, err
	}
	p := o.Settings.Portal
	pick := func(v *bool, def bool) bool {
		if v != nil {
			return *v
		}
		return def
	}
	g := grant.Grant{ID: id.New("grt"), Scope: scope, RecipientID: rec.ID, UseCase: grant.Rewards, OrgName: o.Name,
		AllowedOrigin: p.AllowedOrigin, PermittedURLStubs: []string{"/rewards"},
		TwoFactor: pick(in.TwoFactor, p.TwoFactor), RedirectURI: in.RedirectURI,
		HideTransactions: pick(in.HideTransactions, p.HideTransactions), AutoRedirectToSetup: pick(in.AutoRedirectToSetup, p.AutoRedirectToSetup)}
	if g.TwoFactor {
		// The email is read fresh (the identity cache holds no mutable fields): it may have been
		// set a moment ago.
		var email string
		if err := a.Store.Query(ctx, func(tx store.Tx) error {
			r, err := tx.GetRecipient(ctx, scope, rec.ID)
			email = r.Email
			return err
		}); err != nil {
			return BalanceURL{}, err
		}
		if email == "" {
			return BalanceURL{}, invalid("enforce_two_factor_auth", "two-factor authentication needs the site's email: set it with PATCH /api/recipients/{id}")
		}
	}
	if err := grant.CheckRedirect(g.RedirectURI, g.PermittedURLStubs, p.RedirectAllowlist); err != nil {
		return BalanceURL{}, invalid("redirect_uri", "%s", err.Error())
	}
	maxLife := defaultMaxURL
	if p.MaxURLMinutes > 0 {
		maxLife = time.Duration(p.MaxURLMinutes) * time.Minute
	}
	life := in.Lifetime
	if life == 0 {
		life = min(DefaultURLLifetime, maxLife)
	}
	if life < time.Minute || life > maxLife {
		return BalanceURL{}, invalid("expires_in", "expires_in must be between 60 seconds and the org's maximum of %d seconds", int(maxLife.Seconds()))
	}
	g.IssuedAt = a.now().Truncate(time.Second)
	g.ExpiresAt = g.IssuedAt.Add(life)
	claims := g.Claims(a.PublicURL)
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return BalanceURL{}, err
	}
	token, err := set.Sign(claims)
	if err != nil {
		return BalanceURL{}, err
	}
	// Nothing is written: the signed token is the grant. The portal records it when it is
	// exchanged (once), which keeps minting free of database writes.
	return BalanceURL{BalanceWithdrawalURL: a.PublicURL + "/auth/ext/" + token,
		URLExpiryTimestamp: g.ExpiresAt.UTC().Format(time.RFC3339)}, nil
}

// OutcomeClaims are what the portal tells a platform when it sends the user back to an
// external redirect_uri (beyond seed 001, which appends nothing): a JWT in the payport_result
// query parameter, signed like grant tokens, so the platform verifies it from the JWKS.
type OutcomeClaims struct {
	Status       string `json:"status"`
	WithdrawalID string `json:"withdrawal_id,omitempty"`
	PaymentID    string `json:"payment_id,omitempty"`
	SiteID       string `json:"internal_site_id,omitempty"`
	Iat          int64  `json:"iat"`
	Exp          int64  `json:"exp"`
	Aud          string `json:"aud"`
	Iss          string `json:"iss"`
}

// OutcomeAudience is the aud claim of outcome tokens.
const OutcomeAudience = "payport-redirect"

// OutcomeURL appends status, withdrawal_id and the signed payport_result to redirectURI.
func (a *App) OutcomeURL(ctx context.Context, redirectURI, siteID, status, withdrawalID string) (string, error) {
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return "", err
	}
	now := a.now()
	token, err := set.Sign(OutcomeClaims{Status: status, WithdrawalID: withdrawalID, SiteID: siteID, Iat: now.Unix(),
		Exp: now.Add(10 * time.Minute).Unix(), Aud: OutcomeAudience, Iss: a.PublicURL})
	if err != nil {
		return "", err
	}
	u, err := url.Parse(redirectURI)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("status", status)
	if withdrawalID != "" {
		q.Set("withdrawal_id", withdrawalID)
	}
	q.Set("payport_result", token)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
