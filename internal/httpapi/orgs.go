package httpapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/tenant"
)

// OrgView is an org as the API shows it.
type OrgView struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Settings  SettingsView `json:"settings"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// SettingsView is an org's settings with amounts as decimal strings.
type SettingsView struct {
	MinimumWithdrawal map[string]string    `json:"minimum_withdrawal" doc:"Default minimum withdrawal per currency, e.g. {\"GBP\": \"10.00\"}."`
	MinimumWaitDays   int                  `json:"minimum_wait_days" minimum:"0" maximum:"365" doc:"Days credited money waits before it can be withdrawn."`
	NACHA             *org.NACHAOriginator `json:"nacha" doc:"US ACH origination for live USD payouts; null: no NACHA files."`
	SEPA              *org.SEPADebtor      `json:"sepa" doc:"Debtor account for live EUR payouts; null: no SEPA files."`
	Portal            org.PortalSettings   `json:"portal"`
	// PaymentExpiryMinutes and NotificationEmail are as in org.Settings.
	PaymentExpiryMinutes    int              `json:"payment_expiry_minutes" doc:"How long a Payments API payment's hosted form works; 0 means 1440 (24 hours)."`
	NotificationEmail       string           `json:"notification_email" doc:"Where Payport sends operational notices, such as a webhook endpoint disabled for failing."`
	PaymentLinks            org.LinkSettings `json:"payment_links"`
	RequireVerifiedIdentity bool             `json:"require_verified_identity" doc:"Withdrawals need a verified identity (account onboarding)."`
}

// settingsPatch changes the settings members it names and keeps the others.
type settingsPatch struct {
	MinimumWithdrawal       map[string]string    `json:"minimum_withdrawal,omitempty" doc:"Replaces the whole map, e.g. {\"GBP\": \"10.00\"}."`
	MinimumWaitDays         *int                 `json:"minimum_wait_days,omitempty" minimum:"0" maximum:"365"`
	NACHA                   *org.NACHAOriginator `json:"nacha,omitempty" doc:"Replaces the NACHA origination settings."`
	SEPA                    *org.SEPADebtor      `json:"sepa,omitempty" doc:"Replaces the SEPA debtor settings."`
	Portal                  *org.PortalSettings  `json:"portal,omitempty" doc:"Replaces the portal settings."`
	PaymentExpiryMinutes    *int                 `json:"payment_expiry_minutes,omitempty" minimum:"0" maximum:"43200" doc:"0 restores the default, 1440."`
	NotificationEmail       *string              `json:"notification_email,omitempty" maxLength:"254" doc:"Empty removes it."`
	PaymentLinks            *org.LinkSettings    `json:"payment_links,omitempty" doc:"Replaces the payment link lifetimes."`
	RequireVerifiedIdentity *bool                `json:"require_verified_identity,omitempty"`
}

func viewOrg(o org.Org) OrgView {
	v := OrgView{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		Settings: SettingsView{MinimumWithdrawal: map[string]string{}, MinimumWaitDays: o.Settings.MinimumWaitDays,
			NACHA: o.Settings.NACHA, SEPA: o.Settings.SEPA, Portal: o.Settings.Portal,
			PaymentExpiryMinutes: o.Settings.PaymentExpiryMinutes, NotificationEmail: o.Settings.NotificationEmail,
			PaymentLinks: o.Settings.PaymentLinks, RequireVerifiedIdentity: o.Settings.RequireVerifiedIdentity}}
	for cur, minor := range o.Settings.MinimumWithdrawal {
		if c, err := money.LookupCurrency(cur); err == nil {
			v.Settings.MinimumWithdrawal[cur] = money.Format(minor, c)
		}
	}
	return v
}

// KeyView is an API key as listed: never its secret.
type KeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The first characters of the secret, to recognise it."`
	Mode       string     `json:"mode" enum:"test,live"`
	Role       string     `json:"role" enum:"org-admin,internal-admin"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// NewKeyView is a created key with its secret, shown this once.
type NewKeyView struct {
	KeyView
	Secret string `json:"secret" doc:"The key itself. It is not stored and cannot be shown again."`
}

func viewKey(k org.APIKey) KeyView {
	v := KeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Mode: string(k.Scope.Mode), Role: string(k.Role),
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt, Scopes: []string{}}
	for _, s := range k.Scopes {
		v.Scopes = append(v.Scopes, string(s))
	}
	return v
}

type orgOut struct{ Body OrgView }

func (s *Server) routeOrgs() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-org", Method: http.MethodPost, Path: "/api/orgs", Tags: []string{"Orgs"},
		Summary: "Create an org", Description: "Creates an org and its first org-admin key (test mode unless `live`).",
		DefaultStatus: http.StatusCreated, Errors: []int{422},
	}, access{operatorOnly: true}), func(ctx context.Context, in *struct {
		Body struct {
			Name string `json:"name" minLength:"1" maxLength:"200"`
			Live bool   `json:"live,omitempty" doc:"Issue a live key instead of a test key."`
		}
	}) (*struct {
		Body struct {
			Org    OrgView    `json:"org"`
			APIKey NewKeyView `json:"api_key"`
		}
	}, error) {
		o, nk, err := s.app.CreateOrg(ctx, in.Body.Name, in.Body.Live)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := &struct {
			Body struct {
				Org    OrgView    `json:"org"`
				APIKey NewKeyView `json:"api_key"`
			}
		}{}
		out.Body.Org, out.Body.APIKey = viewOrg(o), NewKeyView{viewKey(nk.Key), nk.Secret}
		return out, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-orgs", Method: http.MethodGet, Path: "/api/orgs", Tags: []string{"Orgs"},
		Summary: "List every org",
	}, access{operatorOnly: true}), func(ctx context.Context, _ *struct{}) (*struct{ Body []OrgView }, error) {
		orgs, err := s.app.ListOrgs(ctx)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := make([]OrgView, len(orgs))
		for i, o := range orgs {
			out[i] = viewOrg(o)
		}
		return &struct{ Body []OrgView }{out}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-org", Method: http.MethodGet, Path: "/api/org", Tags: []string{"Orgs"},
		Summary: "Get the caller's org",
	}, access{}), func(ctx context.Context, _ *struct{}) (*orgOut, error) {
		o, err := s.app.GetOrg(ctx, scopeFrom(ctx).OrgID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &orgOut{viewOrg(o)}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "update-org", Method: http.MethodPatch, Path: "/api/org", Tags: []string{"Orgs"},
		Summary: "Update the caller's org", Description: "Replaces the settings given; the name is kept when left out.",
		Errors: []int{422},
	}, access{}), func(ctx context.Context, in *struct {
		Body struct {
			Name     *string        `json:"name,omitempty" maxLength:"200"`
			Settings *settingsPatch `json:"settings,omitempty"`
		}
	}) (*orgOut, error) {
		cur, err := s.app.GetOrg(ctx, scopeFrom(ctx).OrgID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		settings := cur.Settings
		if p := in.Body.Settings; p != nil && p.MinimumWaitDays != nil {
			settings.MinimumWaitDays = *p.MinimumWaitDays
		}
		if p := in.Body.Settings; p != nil && p.NACHA != nil {
			settings.NACHA = p.NACHA
		}
		if p := in.Body.Settings; p != nil && p.SEPA != nil {
			settings.SEPA = p.SEPA
		}
		if p := in.Body.Settings; p != nil && p.Portal != nil {
			settings.Portal = *p.Portal
		}
		if p := in.Body.Settings; p != nil && p.PaymentExpiryMinutes != nil {
			settings.PaymentExpiryMinutes = *p.PaymentExpiryMinutes
		}
		if p := in.Body.Settings; p != nil && p.NotificationEmail != nil {
			settings.NotificationEmail = *p.NotificationEmail
		}
		if p := in.Body.Settings; p != nil && p.PaymentLinks != nil {
			settings.PaymentLinks = *p.PaymentLinks
		}
		if p := in.Body.Settings; p != nil && p.RequireVerifiedIdentity != nil {
			settings.RequireVerifiedIdentity = *p.RequireVerifiedIdentity
		}
		if p := in.Body.Settings; p != nil && p.MinimumWithdrawal != nil {
			settings.MinimumWithdrawal = map[string]int64{}
			for cur, amount := range p.MinimumWithdrawal {
				c, err := money.LookupCurrency(cur)
				if err != nil {
					return nil, s.fail(ctx, &app.Error{Kind: app.Invalid, Field: "settings.minimum_withdrawal." + cur, Message: err.Error(), Code: "validation_failed"})
				}
				v, err := money.ParseDecimal(amount, c)
				if err != nil {
					return nil, s.fail(ctx, &app.Error{Kind: app.Invalid, Field: "settings.minimum_withdrawal." + cur, Message: err.Error(), Code: "validation_failed"})
				}
				settings.MinimumWithdrawal[cur] = v
			}
		}
		o, err := s.app.UpdateOrgSettings(ctx, cur.ID, in.Body.Name, settings)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &orgOut{viewOrg(o)}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-api-keys", Method: http.MethodGet, Path: "/api/api_keys", Tags: []string{"API keys"},
		Summary: "List the org's API keys", Description: "Secrets are never shown again; `prefix` identifies a key.",
	}, access{}), func(ctx context.Context, _ *struct{}) (*struct{ Body []KeyView }, error) {
		keys, err := s.app.ListAPIKeys(ctx, scopeFrom(ctx).OrgID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := make([]KeyView, len(keys))
		for i, k := range keys {
			out[i] = viewKey(k)
		}
		return &struct{ Body []KeyView }{out}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-api-key", Method: http.MethodPost, Path: "/api/api_keys", Tags: []string{"API keys"},
		Summary:       "Create an API key",
		Description:   "The new key's scopes must be among the caller's own (no escalation); its role is the caller's unless `org-admin` is asked by an internal-admin. The secret is in this answer only.",
		DefaultStatus: http.StatusCreated, Errors: []int{422},
	}, access{}), func(ctx context.Context, in *struct {
		Body struct {
			Name   string   `json:"name,omitempty" maxLength:"200"`
			Mode   string   `json:"mode,omitempty" enum:"test,live" doc:"Must be the caller key's mode (the default): a test key cannot create live keys."`
			Role   string   `json:"role,omitempty" enum:"org-admin,internal-admin" doc:"Defaults to the caller key's role."`
			Scopes []string `json:"scopes,omitempty" doc:"Any of rewards, payouts, links, read_only (alone: the caller's scopes, read-only); the caller's own scopes when left out."`
		}
	}) (*struct{ Body NewKeyView }, error) {
		caller := keyFrom(ctx)
		b := in.Body
		scope := caller.Scope
		if b.Mode != "" && tenant.Mode(b.Mode) != caller.Scope.Mode {
			// A leaked test key must not be able to mint live keys.
			return nil, s.fail(ctx, &app.Error{Kind: app.Forbidden, Field: "mode", Code: "forbidden",
				Message: "a " + string(caller.Scope.Mode) + " key can only create " + string(caller.Scope.Mode) + " keys; create live keys with a live key or `payport apikey create --live`"})
		}
		role := caller.Role
		if b.Role != "" {
			role = org.Role(b.Role)
		}
		if role == org.RoleInternalAdmin && caller.Role != org.RoleInternalAdmin {
			return nil, s.fail(ctx, &app.Error{Kind: app.Forbidden, Field: "role", Code: "forbidden", Message: "only an internal-admin key can create internal-admin keys"})
		}
		requested := b.Scopes
		if len(requested) == 1 && requested[0] == string(org.ScopeReadOnly) {
			// "Read-only" means: read what the caller can read.
			requested = nil
			for _, sc := range caller.Scopes {
				requested = append(requested, string(sc))
			}
			if !caller.Has(org.ScopeReadOnly) {
				requested = append(requested, string(org.ScopeReadOnly))
			}
		} else if len(requested) == 0 {
			// Without scopes a key gets the caller's own.
			for _, sc := range caller.Scopes {
				requested = append(requested, string(sc))
			}
		}
		scopes, err := org.ParseScopes(requested)
		if err != nil {
			return nil, s.fail(ctx, &app.Error{Kind: app.Invalid, Field: "scopes", Code: "validation_failed", Message: err.Error()})
		}
		for _, sc := range scopes {
			if !caller.Has(sc) && sc != org.ScopeReadOnly {
				return nil, s.fail(ctx, &app.Error{Kind: app.Forbidden, Field: "scopes", Code: "forbidden", Message: "a key cannot grant the " + string(sc) + " scope it does not hold"})
			}
		}
		if caller.Has(org.ScopeReadOnly) && !slices.Contains(scopes, org.ScopeReadOnly) {
			scopes = append(scopes, org.ScopeReadOnly)
		}
		names := make([]string, len(scopes))
		for i, sc := range scopes {
			names[i] = string(sc)
		}
		nk, err := s.app.CreateAPIKey(ctx, scope, role, names, b.Name)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body NewKeyView }{NewKeyView{viewKey(nk.Key), nk.Secret}}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "revoke-api-key", Method: http.MethodDelete, Path: "/api/api_keys/{id}", Tags: []string{"API keys"},
		Summary: "Revoke an API key", Description: "The key is refused from the next request on (by other Payport processes on the same database within a second, the life of their key cache).",
		DefaultStatus: http.StatusNoContent, Errors: []int{404},
	}, access{}), func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*struct{}, error) {
		if err := s.app.RevokeAPIKey(ctx, scopeFrom(ctx).OrgID, in.ID); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})
}
