package app

import (
	"context"
	"errors"

	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// DemoOrgName names the org `payport serve --demo` creates.
const DemoOrgName = "Payport Demo"

// Demo is what the demo set-up made. Secret is empty when the demo existed already: secrets
// are shown only once.
type Demo struct {
	Org       org.Org
	Secret    string
	Recipient RecipientView
	Created   bool
}

// EnsureDemo creates, once, a demo org with a test org-admin key and a recipient site_demo
// with an email and a credited balance.
func (a *App) EnsureDemo(ctx context.Context) (Demo, error) {
	var existing org.Org
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		existing, err = tx.OrgByName(ctx, DemoOrgName)
		return err
	})
	if err == nil {
		scope := tenant.Scope{OrgID: existing.ID, Mode: tenant.Test}
		r, err := a.GetRecipient(ctx, scope, "site_demo")
		var ae *Error
		if errors.As(err, &ae) && ae.Kind == NotFound {
			// A first run died half-way: finish it.
			r, err = a.demoRecipient(ctx, scope)
		}
		return Demo{Org: existing, Recipient: r}, err
	}
	if !errors.Is(err, store.ErrNotFound) {
		return Demo{}, err
	}
	o, key, err := a.CreateOrg(ctx, DemoOrgName, false)
	if err != nil {
		return Demo{}, err
	}
	scope := tenant.Scope{OrgID: o.ID, Mode: tenant.Test}
	if o, err = a.UpdateOrgSettings(ctx, o.ID, nil, org.Settings{MinimumWithdrawal: map[string]int64{"EUR": 1000, "GBP": 1000, "USD": 1000}}); err != nil {
		return Demo{}, err
	}
	r, err := a.demoRecipient(ctx, scope)
	if err != nil {
		return Demo{}, err
	}
	return Demo{Org: o, Secret: key.Secret, Recipient: r, Created: true}, nil
}

// demoRecipient creates site_demo with its welcome credit (the credit's key makes a repeat
// harmless).
func (a *App) demoRecipient(ctx context.Context, scope tenant.Scope) (RecipientView, error) {
	ext, email, name, country, cur := "site_demo", "demo@example.com", "Demo Site", "GB", "GBP"
	r, err := a.CreateRecipient(ctx, scope, RecipientInput{ExternalID: &ext, Email: &email, Name: &name, Country: &country, Currency: &cur})
	if err != nil {
		return r, err
	}
	_, _, err = a.Credit(ctx, scope, r.ID, MoneyInput{Amount: "42.50", Currency: "GBP", Description: "Welcome reward"},
		IdemRequest{Key: "demo-welcome-credit", Fingerprint: "demo"})
	return r, err
}
