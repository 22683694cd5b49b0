package app

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// Seed 004's server side: access tokens for the embedded component, account links to the
// hosted payouts portal and onboarding, and the identity those collect.

// Identity events.
const (
	IdentitySubmitted event.Type = "recipient.identity_submitted"
	IdentityVerified  event.Type = "recipient.identity_verified"
	IdentityRejected  event.Type = "recipient.identity_rejected"
)

// Lifetimes of seed 004's tokens and links.
const (
	DefaultAccessTokenLifetime = time.Hour
	MaxAccessTokenLifetime     = 3 * time.Hour
	DefaultAccountLinkLifetime = 5 * time.Minute
	MaxAccountLinkLifetime     = time.Hour
	// EmbedAudience is the aud claim of access tokens.
	EmbedAudience = "payport-embed"
)

// AccessTokenClaims are the claims of an access token: a grant for the embedded use case.
type AccessTokenClaims struct {
	Sub               string   `json:"sub" doc:"The company: a recipient's UUID, or the org's id."`
	CompanyID         string   `json:"company_id"`
	OrgID             string   `json:"org_id"`
	Livemode          bool     `json:"livemode"`
	Type              string   `json:"type"`
	Scopes            []string `json:"scopes"`
	PermittedURLStubs []string `json:"permitted_url_stubs"`
	AllowedOrigin     string   `json:"allowed_origin"`
	Iat               int64    `json:"iat"`
	Exp               int64    `json:"exp"`
	Jti               string   `json:"jti"`
	Iss               string   `json:"iss"`
	Aud               string   `json:"aud"`
}

// AccessToken is the answer of POST /api/access_tokens.
type AccessToken struct {
	Token     string    `json:"token" doc:"A JWT (EdDSA, verifiable from /.well-known/jwks.json) for the embedded component."`
	ExpiresAt time.Time `json:"expires_at"`
}

// companyOf resolves seed 004's company_id: a recipient (UUID or external id), or the org
// itself. It answers the grant subject.
func companyOf(ctx context.Context, tx store.Tx, scope tenant.Scope, companyID string) (string, error) {
	if companyID == "" {
		return "", invalid("company_id", "company_id is required")
	}
	if companyID == scope.OrgID {
		return scope.OrgID, nil
	}
	r, err := tx.GetRecipient(ctx, scope, companyID)
	if err != nil {
		return "", mapNotFound(err, "company")
	}
	return r.ID, nil
}

// CreateAccessToken mints seed 004's access token for a company: the embedded use case, the
// caller's scopes or a subset of them (asking for more is 403), 1 hour by default, at most 3.
func (a *App) CreateAccessToken(ctx context.Context, key org.APIKey, companyID string, expiresIn time.Duration, scopes []string) (AccessToken, error) {
	if expiresIn == 0 {
		expiresIn = DefaultAccessTokenLifetime
	}
	if expiresIn < time.Minute || expiresIn > MaxAccessTokenLifetime {
		return AccessToken{}, invalid("expires_in", "expires_in must be between 60 and 10800 seconds")
	}
	if scopes == nil {
		for _, s := range key.Scopes {
			if s != org.ScopeReadOnly {
				scopes = append(scopes, string(s))
			}
		}
	}
	for _, s := range scopes {
		if !key.Has(org.Scope(s)) {
			return AccessToken{}, &Error{Kind: Forbidden, Field: "scopes", Code: "scope_exceeds_key",
				Message: "the token may only carry scopes the API key holds; the key lacks " + s}
		}
	}
	var sub string
	if err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		sub, err = companyOf(ctx, tx, key.Scope, companyID)
		return err
	}); err != nil {
		return AccessToken{}, err
	}
	o, err := a.cachedGetOrg(ctx, key.Scope.OrgID)
	if err != nil {
		return AccessToken{}, err
	}
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return AccessToken{}, err
	}
	now := a.now().Truncate(time.Second)
	exp := now.Add(expiresIn)
	token, err := set.Sign(AccessTokenClaims{Sub: sub, CompanyID: companyID, OrgID: key.Scope.OrgID, Livemode: key.Scope.Mode == tenant.Live,
		Type: string(grant.Embedded), Scopes: scopes, PermittedURLStubs: grant.Stubs(grant.Embedded), AllowedOrigin: o.Settings.Portal.AllowedOrigin,
		Iat: now.Unix(), Exp: exp.Unix(), Jti: id.New("act"), Iss: a.PublicURL, Aud: EmbedAudience})
	return AccessToken{Token: token, ExpiresAt: exp}, err
}

// AccountLinkInput is the body of POST /api/account_links.
type AccountLinkInput struct {
	CompanyID  string
	UseCase    string
	ReturnURL  string
	RefreshURL string
	// ExpiresIn is the lifetime (default 5 minutes, at most an hour).
	ExpiresIn time.Duration
}

// AccountLink is the answer of POST /api/account_links.
type AccountLink struct {
	URL       string    `json:"url" doc:"Send the user here; it works once, until expires_at."`
	ExpiresAt time.Time `json:"expires_at"`
}

// accountURL accepts an absolute URL on the org's redirect allowlist, or, for test-mode keys,
// plain HTTP to localhost (self-hosted: local development needs no tunnel).
func accountURL(field, raw string, scope tenant.Scope, allowlist []string) error {
	if raw == "" {
		return invalid(field, "%s is required", field)
	}
	if err := httpsURLField(field, raw, scope.Mode); err != nil {
		return err
	}
	if strings.HasPrefix(strings.ToLower(raw), "http://") {
		return nil // test-mode localhost, which httpsURLField alone lets through
	}
	if grant.CheckRedirect(raw, nil, allowlist) != nil {
		return invalid(field, "%s is not on the org's redirect allowlist (settings.portal.redirect_allowlist)", field)
	}
	return nil
}

// CreateAccountLink mints seed 004's account link: a single-use grant to the hosted payouts
// portal or to onboarding. An expired or used link sends the user to refresh_url; leaving or
// finishing sends them to return_url.
func (a *App) CreateAccountLink(ctx context.Context, key org.APIKey, in AccountLinkInput) (AccountLink, error) {
	uc := grant.UseCase(in.UseCase)
	if uc != grant.PayoutsPortal && uc != grant.AccountOnboarding {
		return AccountLink{}, invalid("use_case", "use_case must be account_onboarding or payouts_portal")
	}
	o, err := a.cachedGetOrg(ctx, key.Scope.OrgID)
	if err != nil {
		return AccountLink{}, err
	}
	if err := accountURL("return_url", in.ReturnURL, key.Scope, o.Settings.Portal.RedirectAllowlist); err != nil {
		return AccountLink{}, err
	}
	if err := accountURL("refresh_url", in.RefreshURL, key.Scope, o.Settings.Portal.RedirectAllowlist); err != nil {
		return AccountLink{}, err
	}
	life := in.ExpiresIn
	if life == 0 {
		life = DefaultAccountLinkLifetime
	}
	if life < 30*time.Second || life > MaxAccountLinkLifetime {
		return AccountLink{}, invalid("expires_in", "expires_in must be between 30 and 3600 seconds")
	}
	var recipientID string
	if err := a.Store.Query(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, key.Scope, in.CompanyID)
		recipientID = r.ID
		if in.CompanyID == "" {
			return invalid("company_id", "company_id is required")
		}
		return mapNotFound(err, "company")
	}); err != nil {
		return AccountLink{}, err
	}
	now := a.now().Truncate(time.Second)
	g := grant.Grant{ID: id.New("grt"), Scope: key.Scope, RecipientID: recipientID, UseCase: uc, OrgName: o.Name,
		AllowedOrigin: o.Settings.Portal.AllowedOrigin, PermittedURLStubs: grant.Stubs(uc), RedirectURI: in.ReturnURL,
		IssuedAt: now, ExpiresAt: now.Add(life), ReturnURL: in.ReturnURL, RefreshURL: in.RefreshURL}
	set, err := a.signingKeys(ctx, false)
	if err != nil {
		return AccountLink{}, err
	}
	token, err := set.Sign(g.Claims(a.PublicURL))
	if err != nil {
		return AccountLink{}, err
	}
	return AccountLink{URL: a.PublicURL + "/auth/ext/" + token, ExpiresAt: g.ExpiresAt}, nil
}

// portalUseCases are the grant types the portal door exchanges.
var portalUseCases = []string{string(grant.Rewards), string(grant.PayoutsPortal), string(grant.AccountOnboarding)}

// IdentityView is a recipient's identity as the API and portal show it: status and the
// non-sensitive parts; the details themselves stay sealed.
type IdentityView struct {
	Status      string     `json:"status" enum:"unverified,pending,verified,rejected"`
	Reason      string     `json:"reason,omitempty" doc:"Why it was rejected: document_mismatch, more_information_needed."`
	Kind        string     `json:"kind,omitempty" enum:"individual,business"`
	Country     string     `json:"country,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
}

func viewIdentity(r identity.Record) IdentityView {
	if r.Status == "" {
		return IdentityView{Status: string(identity.Unverified)}
	}
	t := r.SubmittedAt
	return IdentityView{Status: string(r.Status), Reason: r.Reason, Kind: string(r.Kind), Country: r.Country, SubmittedAt: &t}
}

// GetIdentity reads a recipient's identity status.
func (a *App) GetIdentity(ctx context.Context, scope tenant.Scope, recipientID string) (IdentityView, error) {
	var v IdentityView
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		r, err := tx.GetIdentity(ctx, scope, recipientID, false)
		if errors.Is(err, store.ErrNotFound) {
			v = viewIdentity(identity.Record{})
			return nil
		}
		v = viewIdentity(r)
		return err
	})
	return v, err
}

func identityAAD(recipientID string) []byte { return []byte("identity:" + recipientID) }

// SubmitIdentity stores a recipient's identity details (sealed), moves its status to pending
// and queues the verification; a verified identity cannot be replaced this way.
func (a *App) SubmitIdentity(ctx context.Context, scope tenant.Scope, recipientID string, d identity.Details) (IdentityView, error) {
	now := a.now()
	if err := d.Normalize(now); err != nil {
		var fe *identity.FieldError
		if errors.As(err, &fe) {
			return IdentityView{}, invalid(fe.Field, "%s", fe.Message)
		}
		return IdentityView{}, err
	}
	if a.Sealer == nil {
		return IdentityView{}, errors.New("no master key to seal identity details with")
	}
	plain, err := json.Marshal(d)
	if err != nil {
		return IdentityView{}, err
	}
	sealed, err := a.Sealer.Seal(plain, identityAAD(recipientID))
	if err != nil {
		return IdentityView{}, err
	}
	var v IdentityView
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.GetIdentity(ctx, scope, recipientID, true)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if cur.Status == identity.Verified || cur.Status == identity.Pending {
			return &Error{Kind: Conflict, Code: "identity_" + string(cur.Status), Message: "the identity is already " + string(cur.Status)}
		}
		r := identity.Record{RecipientID: recipientID, Scope: scope, Kind: d.Kind, Country: d.Country, SealedDetails: sealed,
			Status: identity.Pending, SubmittedAt: now, UpdatedAt: now}
		if err := tx.PutIdentity(ctx, r); err != nil {
			return err
		}
		v = viewIdentity(r)
		if err := a.recordEvent(ctx, tx, scope, IdentitySubmitted, recipientID, identityEvent(recipientID, v), now); err != nil {
			return err
		}
		return a.enqueue(ctx, tx, VerifyIdentityArgs{OrgID: scope.OrgID, Mode: scope.Mode, RecipientID: recipientID}, nil)
	})
	return v, err
}

func identityEvent(recipientID string, v IdentityView) map[string]any {
	return map[string]any{"recipient_id": recipientID, "identity": v}
}

// VerifyIdentityArgs is the job that asks the verification provider about an identity.
type VerifyIdentityArgs struct {
	OrgID       string      `json:"org_id"`
	Mode        tenant.Mode `json:"mode"`
	RecipientID string      `json:"recipient_id"`
}

// Kind implements river.JobArgs.
func (VerifyIdentityArgs) Kind() string { return "identity_verify" }

type verifyIdentityWorker struct {
	river.WorkerDefaults[VerifyIdentityArgs]
	app *App
}

func (w *verifyIdentityWorker) Work(ctx context.Context, job *river.Job[VerifyIdentityArgs]) error {
	return w.app.verifyIdentity(ctx, tenant.Scope{OrgID: job.Args.OrgID, Mode: job.Args.Mode}, job.Args.RecipientID)
}

// verifyIdentity runs the provider on a pending identity and records its outcome.
func (a *App) verifyIdentity(ctx context.Context, scope tenant.Scope, recipientID string) error {
	var r identity.Record
	if err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.GetIdentity(ctx, scope, recipientID, false)
		return err
	}); err != nil || r.Status != identity.Pending {
		return err
	}
	plain, err := a.Sealer.Open(r.SealedDetails, identityAAD(recipientID))
	if err != nil {
		return err
	}
	var d identity.Details
	if err := json.Unmarshal(plain, &d); err != nil {
		return err
	}
	v := a.Verifier
	if v == nil {
		v = identity.Sandbox{}
	}
	out, err := v.Verify(ctx, recipientID, d)
	if err != nil {
		return err // retried by the queue
	}
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetIdentity(ctx, scope, recipientID, true)
		if err != nil || r.Status != identity.Pending {
			return err
		}
		now := a.now()
		r.Status, r.Reason, r.Provider, r.ProviderReference, r.UpdatedAt = out.Status, out.Reason, v.Name(), out.Reference, now
		if err := tx.PutIdentity(ctx, r); err != nil {
			return err
		}
		typ := IdentityVerified
		if out.Status == identity.Rejected {
			typ = IdentityRejected
		}
		return a.recordEvent(ctx, tx, scope, typ, recipientID, identityEvent(recipientID, viewIdentity(r)), now)
	})
}

// portalAllows reports whether a session of use case uc may open path.
func portalAllows(uc, path string) bool {
	if uc == "" {
		uc = string(grant.Rewards)
	}
	return slices.ContainsFunc(grant.Stubs(grant.UseCase(uc)), func(stub string) bool {
		return path == stub || strings.HasPrefix(path, stub+"/")
	})
}

// PortalAllows reports whether a portal session may open path (its grant's permitted stubs).
func PortalAllows(s store.PortalSession, path string) bool { return portalAllows(s.UseCase, path) }

// Account reset reasons, recorded on the archived identity.
const (
	ReasonCountryChanged = "country_changed"
	ReasonAccountReset   = "account_reset"
)

// ChangeAccountCountry moves a recipient to another country (seed 004's modal): the payout
// methods and the identity of the old country are archived (the identity back to unverified),
// so the new country's forms follow. Balance and history stay.
func (a *App) ChangeAccountCountry(ctx context.Context, scope tenant.Scope, recipientID, country string) error {
	country = strings.ToUpper(strings.TrimSpace(country))
	if err := checkCountry(country); err != nil || country == "" {
		return invalid("country", "choose a country (two letters, such as DE)")
	}
	return a.clearAccount(ctx, scope, recipientID, ReasonCountryChanged, &country)
}

// ResetAccount clears a recipient's payout methods and identity after an explicit
// confirmation (seed 004's modal). Balance and history stay.
func (a *App) ResetAccount(ctx context.Context, scope tenant.Scope, recipientID string) error {
	return a.clearAccount(ctx, scope, recipientID, ReasonAccountReset, nil)
}

func (a *App) clearAccount(ctx context.Context, scope tenant.Scope, recipientID, reason string, country *string) error {
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, recipientID)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		now := a.now()
		methods, err := tx.ListPayoutMethods(ctx, scope, r.ID)
		if err != nil {
			return err
		}
		for _, m := range methods {
			if _, err := a.archiveMethodTx(ctx, tx, m, now); err != nil {
				return err
			}
		}
		id, err := tx.GetIdentity(ctx, scope, r.ID, true)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && id.Status != identity.Unverified {
			// The details stay sealed for the record; the status starts over.
			id.Status, id.Reason, id.UpdatedAt = identity.Unverified, reason, now
			if err := tx.PutIdentity(ctx, id); err != nil {
				return err
			}
		}
		if country != nil && r.Country != *country {
			r.Country, r.UpdatedAt = *country, now
			if err := tx.UpdateRecipient(ctx, r); err != nil {
				return err
			}
			return a.recordEvent(ctx, tx, scope, event.RecipientUpdated, r.ID, viewRecipient(r), now)
		}
		return nil
	})
}

// The org's own account. Seed 004's company may be "the platform" itself: payins (checkout,
// payment links, bank transfers) credit the org's own balance, which the org withdraws through
// the same portal as its recipients. That balance is a recipient of its own, the house account,
// whose external_id is the org's id; it exists once the first payin is created.

// houseAccount finds the org's own account, creating it in its own transaction when missing (a
// concurrent creation is fine: the unique external id keeps one).
func (a *App) houseAccount(ctx context.Context, scope tenant.Scope, currency string) (recipient.Recipient, error) {
	var r recipient.Recipient
	find := func() error {
		return a.Store.Query(ctx, func(tx store.Tx) error {
			var err error
			r, err = tx.GetRecipient(ctx, scope, scope.OrgID)
			return err
		})
	}
	err := find()
	if !errors.Is(err, store.ErrNotFound) {
		return r, err
	}
	o, err := a.cachedGetOrg(ctx, scope.OrgID)
	if err != nil {
		return r, err
	}
	now := a.now()
	r = recipient.Recipient{ID: id.UUID(), Scope: scope, ExternalID: scope.OrgID, Name: o.Name, Currency: currency, CreatedAt: now, UpdatedAt: now}
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.InsertRecipient(ctx, r); err != nil {
			return err
		}
		return a.recordEvent(ctx, tx, scope, event.RecipientCreated, r.ID, viewRecipient(r), now)
	})
	if errors.Is(err, store.ErrConflict) {
		return r, find()
	}
	return r, err
}
