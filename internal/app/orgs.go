package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/rail/nacha"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// NewKey is a freshly created API key with its secret, which exists only in this value.
type NewKey struct {
	Key    org.APIKey
	Secret string
}

// CreateOrg creates an org and its first org-admin key (test mode unless live).
func (a *App) CreateOrg(ctx context.Context, name string, live bool) (org.Org, NewKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return org.Org{}, NewKey{}, invalid("name", "name is required and at most 200 characters")
	}
	now := a.now()
	o := org.Org{ID: id.UUID(), Name: name, CreatedAt: now, UpdatedAt: now}
	mode := tenant.Test
	if live {
		mode = tenant.Live
	}
	var nk NewKey
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.InsertOrg(ctx, o); err != nil {
			return err
		}
		var err error
		if nk, err = a.createKey(ctx, tx, tenant.Scope{OrgID: o.ID, Mode: mode}, org.RoleOrgAdmin, nil, "default", now); err != nil {
			return err
		}
		return a.auditTx(ctx, tx, o.ID, "", "org.create", "org", o.ID, o.Name+" with "+string(mode)+" key "+nk.Key.ID)
	})
	return o, nk, err
}

// CreateAPIKey adds a key to an existing org.
func (a *App) CreateAPIKey(ctx context.Context, scope tenant.Scope, role org.Role, scopes []string, name string) (NewKey, error) {
	var nk NewKey
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.GetOrg(ctx, scope.OrgID); err != nil {
			return mapNotFound(err, "org")
		}
		var err error
		if nk, err = a.createKey(ctx, tx, scope, role, scopes, name, a.now()); err != nil {
			return err
		}
		return a.auditTx(ctx, tx, scope.OrgID, scope.Mode, "api_key.create", "api_key", nk.Key.ID, keyDetail(nk.Key))
	})
	return nk, err
}

func (a *App) createKey(ctx context.Context, tx store.Tx, scope tenant.Scope, role org.Role, scopes []string, name string, now time.Time) (NewKey, error) {
	parsed, err := org.ParseScopes(scopes)
	if err != nil {
		return NewKey{}, invalid("scopes", "%s", err.Error())
	}
	if _, err := org.ParseRole(string(role)); err != nil {
		return NewKey{}, invalid("role", "%s", err.Error())
	}
	if len(name) > 200 {
		return NewKey{}, invalid("name", "name is at most 200 characters")
	}
	secret, hash := org.NewSecret(scope.Mode)
	k := org.APIKey{ID: id.New("key"), Scope: scope, Role: role, Scopes: parsed, Name: name,
		Prefix: org.DisplayPrefix(secret), SecretHash: hash, CreatedAt: now}
	if err := tx.InsertAPIKey(ctx, k); err != nil {
		return NewKey{}, err
	}
	return NewKey{Key: k, Secret: secret}, nil
}

// keyDetail describes a new key for the audit log: its role, mode, scopes and the display
// prefix it is recognised by (never the secret).
func keyDetail(k org.APIKey) string {
	names := make([]string, 0, len(k.Scopes))
	for _, sc := range k.Scopes {
		names = append(names, string(sc))
	}
	return fmt.Sprintf("%s %s [%s] %s", k.Role, k.Scope.Mode, strings.Join(names, ","), k.Prefix)
}

// RevokeAPIKey revokes a key of the org; a revoked key is refused from the next request on.
func (a *App) RevokeAPIKey(ctx context.Context, orgID, keyID string) error {
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.RevokeAPIKey(ctx, orgID, keyID, a.now()); err != nil {
			return mapNotFound(err, "API key")
		}
		return a.auditTx(ctx, tx, orgID, "", "api_key.revoke", "api_key", keyID, "")
	})
	if err == nil {
		a.apiKeys.forget(keyID)
	}
	return err
}

// ListAPIKeys lists an org's keys (never their secrets).
func (a *App) ListAPIKeys(ctx context.Context, orgID string) ([]org.APIKey, error) {
	var out []org.APIKey
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListAPIKeys(ctx, orgID)
		return err
	})
	return out, err
}

// ErrUnavailable wraps every error of a use case that failed because the database could not
// be used for now (store.ErrUnavailable): nothing was done and the same call may succeed later.
var ErrUnavailable = store.ErrUnavailable

// ErrUnauthenticated means the presented secret is not a live key.
var ErrUnauthenticated = errors.New("missing, unknown or revoked API key")

// Authenticate resolves a bearer secret to its key, from a short-lived cache when it can (see
// APIKeyCacheTTL). Last use is recorded at most once a minute per key, so authenticating a
// read does not turn it into a write.
func (a *App) Authenticate(ctx context.Context, secret string) (org.APIKey, error) {
	if _, ok := org.ModeOfSecret(secret); !ok {
		return org.APIKey{}, ErrUnauthenticated
	}
	hash := org.HashSecret(secret)
	k, cached, generation := a.apiKeys.get(hash, time.Now())
	if !cached {
		readAt := time.Now()
		err := a.Store.Query(ctx, func(tx store.Tx) error {
			var err error
			k, err = tx.APIKeyByHash(ctx, hash)
			return err
		})
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.RevokedAt != nil) {
			return org.APIKey{}, ErrUnauthenticated
		}
		if err != nil {
			return org.APIKey{}, err
		}
		a.apiKeys.put(hash, k, readAt, generation)
	}
	now := a.now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := a.Store.InTxRelaxed(ctx, func(tx store.Tx) error { return tx.TouchAPIKey(ctx, k.ID, now) }); err != nil {
			a.Log.Warn("record API key use", "key_id", k.ID, "err", err)
		} else {
			a.apiKeys.touch(hash, now)
		}
	}
	return k, nil
}

// GetOrg reads an org.
func (a *App) GetOrg(ctx context.Context, orgID string) (org.Org, error) {
	var o org.Org
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		o, err = tx.GetOrg(ctx, orgID)
		return mapNotFound(err, "org")
	})
	return o, err
}

// ListOrgs lists every org (operator use).
func (a *App) ListOrgs(ctx context.Context) ([]org.Org, error) {
	var out []org.Org
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListOrgs(ctx)
		return err
	})
	return out, err
}

// checkOrgSettings validates an org's settings (normalising the SEPA account), naming the
// field at fault; nothing is written.
func checkOrgSettings(s org.Settings) error {
	if err := checkEmail(s.NotificationEmail); err != nil {
		return invalid("settings.notification_email", "notification_email must be a plain address such as ops@example.com")
	}
	if l := s.PaymentLinks; l.DefaultExpiryHours < 0 || l.MaxExpiryHours < 0 || l.DefaultExpiryHours > 8760 || l.MaxExpiryHours > 8760 ||
		(l.MaxExpiryHours > 0 && l.DefaultExpiryHours > l.MaxExpiryHours) {
		return invalid("settings.payment_links", "link lifetimes must be between 0 and 8760 hours, the default no longer than the maximum")
	}
	if s.PaymentExpiryMinutes < 0 || s.PaymentExpiryMinutes > 30*24*60 {
		return invalid("settings.payment_expiry_minutes", "payment_expiry_minutes must be between 0 (default, 1440) and 43200 (30 days)")
	}
	if s.MinimumWaitDays < 0 || s.MinimumWaitDays > 365 {
		return invalid("minimum_wait_days", "minimum_wait_days must be between 0 and 365")
	}
	for cur, v := range s.MinimumWithdrawal {
		if v < 0 {
			return invalid("minimum_withdrawal", "minimum withdrawal for %s must not be negative", cur)
		}
	}
	if c := s.Portal.BrandColor; c != "" && !brandColor.MatchString(c) {
		return invalid("settings.portal.brand_color", "brand_color must look like #1a73e8")
	}
	if len(s.Portal.DisplayName) > 100 {
		return invalid("settings.portal.display_name", "display_name must be at most 100 characters")
	}
	if l := s.Portal.Logo; l != "" {
		if _, err := org.ParseLogo(l); err != nil {
			return invalid("settings.portal.logo", "%s", err.Error())
		}
	}
	for _, t := range []string{s.Portal.Texts.Portal, s.Portal.Texts.Payout, s.Portal.Texts.Pay} {
		if utf8.RuneCountInString(t) > org.MaxPortalText {
			return invalid("settings.portal.texts", "each of the portal's texts must be at most %d characters", org.MaxPortalText)
		}
	}
	if s.Portal.MaxURLMinutes < 0 || s.Portal.MaxURLMinutes > 7*24*60 {
		return invalid("settings.portal.max_url_minutes", "max_url_minutes must be between 0 (default, 1440) and 10080")
	}
	for _, p := range s.Portal.RedirectAllowlist {
		if u, err := url.Parse(p); err != nil || u.Scheme == "" || strings.EqualFold(u.Scheme, "javascript") || strings.EqualFold(u.Scheme, "data") {
			return invalid("settings.portal.redirect_allowlist", "%q is not an absolute URL or app scheme prefix such as https://app.example.com/ or myapp://", p)
		}
	}
	if s.SEPA != nil {
		d, err := bank.Normalize(bank.Details{Scheme: bank.IBAN, HolderName: s.SEPA.Name, IBAN: s.SEPA.IBAN, BIC: s.SEPA.BIC, Currency: "EUR"})
		var fe *bank.FieldError
		if errors.As(err, &fe) {
			return invalid("settings.sepa."+strings.Replace(fe.Field, "holder_name", "name", 1), "%s", fe.Message)
		}
		s.SEPA.IBAN, s.SEPA.BIC = d.IBAN, d.BIC
	}
	if n := s.NACHA; n != nil {
		if err := nachaOriginator(n, 0).Validate(); err != nil {
			return invalid("settings.nacha", "%s", err.Error())
		}
	}
	return nil
}

// UpdateOrgSettings replaces an org's settings after validating them.
func (a *App) UpdateOrgSettings(ctx context.Context, orgID string, name *string, s org.Settings) (org.Org, error) {
	if err := checkOrgSettings(s); err != nil {
		return org.Org{}, err
	}
	var o org.Org
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		o, err = tx.GetOrg(ctx, orgID)
		if err != nil {
			return mapNotFound(err, "org")
		}
		if name != nil {
			n := strings.TrimSpace(*name)
			if n == "" || len(n) > 200 {
				return invalid("name", "name is required and at most 200 characters")
			}
			o.Name = n
		}
		cur := o
		o.Settings = s
		o.UpdatedAt = a.now()
		if err := tx.UpdateOrg(ctx, o); err != nil {
			return err
		}
		return a.auditTx(ctx, tx, o.ID, "", "org.settings", "org", o.ID, strings.Join(changedSettings(cur, o), ", "))
	})
	a.orgs.Delete(orgID)
	return o, err
}

// orgCacheTTL bounds how stale a cached org may be. Settings changed through this process
// apply at once; through another process, within this time.
const orgCacheTTL = 2 * time.Second

type cachedOrg struct {
	org     org.Org
	fetched time.Time
}

// cachedGetOrg is GetOrg for hot read paths such as minting portal URLs, served from memory for
// up to orgCacheTTL.
func (a *App) cachedGetOrg(ctx context.Context, orgID string) (org.Org, error) {
	if v, ok := a.orgs.Load(orgID); ok {
		if c := v.(cachedOrg); time.Since(c.fetched) < orgCacheTTL {
			return c.org, nil
		}
	}
	o, err := a.GetOrg(ctx, orgID)
	if err == nil {
		a.orgs.Store(orgID, cachedOrg{o, time.Now()})
	}
	return o, err
}

// nachaOriginator converts the org's NACHA settings for the file writer.
func nachaOriginator(n *org.NACHAOriginator, firstTrace int) nacha.Originator {
	return nacha.Originator{CompanyName: n.CompanyName, CompanyID: n.CompanyID,
		ImmediateOrigin: n.ImmediateOrigin, ImmediateOriginName: n.ImmediateOriginName,
		ImmediateDestination: n.ImmediateDestination, ImmediateDestinationName: n.ImmediateDestinationName,
		ODFIIdentification: n.ODFIIdentification, EntryClass: n.EntryClass, EntryDescription: n.EntryDescription,
		FirstTraceSequence: firstTrace}
}

// brandColor is the only colour syntax accepted, so that nothing else reaches the portal's CSS.
var brandColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
