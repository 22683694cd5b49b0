package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// The dashboard's use cases beyond accounts: each checks the actor's role and org itself, so
// that no page can reach past them, and writes its audit entry in the same transaction as the
// change it records.

// DashboardOrgs lists the orgs an actor may look at: every org for an internal-admin, its
// own for anyone else.
func (a *App) DashboardOrgs(ctx context.Context, ac Actor) ([]org.Org, error) {
	var out []org.Org
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		if ac.Role == member.RoleInternalAdmin {
			var err error
			out, err = tx.ListOrgs(ctx)
			return err
		}
		o, err := tx.GetOrg(ctx, ac.OrgID)
		out = []org.Org{o}
		return mapNotFound(err, "org")
	})
	return out, err
}

// SwitchOrg makes an internal-admin's session look at another org.
func (a *App) SwitchOrg(ctx context.Context, ac Actor, orgID string) error {
	if ac.Role != member.RoleInternalAdmin {
		return forbidden("only an internal-admin switches orgs")
	}
	return a.Store.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.GetOrg(ctx, orgID); err != nil {
			return mapNotFound(err, "org")
		}
		if err := tx.SetMemberSessionOrg(ctx, ac.SessionID, orgID); err != nil {
			return err
		}
		ac.OrgID = orgID
		return a.audit(ctx, tx, ac, "org.switch", "org", orgID, "")
	})
}

// DashboardCreateOrg creates an org and its first test key (shown once), for an
// internal-admin.
func (a *App) DashboardCreateOrg(ctx context.Context, ac Actor, name string) (org.Org, NewKey, error) {
	if ac.Role != member.RoleInternalAdmin {
		return org.Org{}, NewKey{}, forbidden("only an internal-admin creates orgs")
	}
	o, nk, err := a.CreateOrg(ctx, name, false)
	if err != nil {
		return o, nk, err
	}
	err = a.Store.InTx(ctx, func(tx store.Tx) error {
		ac.OrgID = o.ID
		return a.audit(ctx, tx, ac, "org.create", "org", o.ID, o.Name)
	})
	return o, nk, err
}

// DashboardKeys lists the keys of the actor's org, both modes, newest first.
func (a *App) DashboardKeys(ctx context.Context, ac Actor) ([]org.APIKey, error) {
	keys, err := a.ListAPIKeys(ctx, ac.OrgID)
	slices.SortFunc(keys, func(x, y org.APIKey) int { return strings.Compare(y.ID, x.ID) })
	return keys, err
}

// DashboardCreateKey creates a key of the actor's org with the ticked permissions (at least
// one) in a mode. Its secret is in the answer only.
func (a *App) DashboardCreateKey(ctx context.Context, ac Actor, mode tenant.Mode, scopes []string, name string) (NewKey, error) {
	if err := ac.canWrite(); err != nil {
		return NewKey{}, err
	}
	if len(scopes) == 0 {
		return NewKey{}, invalid("scopes", "tick at least one permission")
	}
	if mode != tenant.Test && mode != tenant.Live {
		return NewKey{}, invalid("mode", "mode must be test or live")
	}
	name = strings.TrimSpace(name)
	var nk NewKey
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		if nk, err = a.createKey(ctx, tx, tenant.Scope{OrgID: ac.OrgID, Mode: mode}, org.RoleOrgAdmin, scopes, name, a.now()); err != nil {
			return err
		}
		names := make([]string, len(nk.Key.Scopes))
		for i, s := range nk.Key.Scopes {
			names[i] = string(s)
		}
		// The prefix only: the secret is never kept.
		return a.audit(ctx, tx, ac, "api_key.create", "api_key", nk.Key.ID, string(mode)+" "+strings.Join(names, ",")+" "+nk.Key.Prefix)
	})
	return nk, err
}

// DashboardRevokeKey revokes a key of the actor's org (another org's key is not found).
func (a *App) DashboardRevokeKey(ctx context.Context, ac Actor, keyID string) error {
	if err := ac.canWrite(); err != nil {
		return err
	}
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.RevokeAPIKey(ctx, ac.OrgID, keyID, a.now()); err != nil {
			return mapNotFound(err, "API key")
		}
		return a.audit(ctx, tx, ac, "api_key.revoke", "api_key", keyID, "")
	})
	if err == nil {
		a.apiKeys.forget(keyID)
	}
	return err
}

// DashboardMembers lists the members of the actor's org.
func (a *App) DashboardMembers(ctx context.Context, ac Actor) ([]member.Member, error) {
	var out []member.Member
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.ListMembers(ctx, ac.OrgID)
		return err
	})
	return out, err
}

// AuditView is one audit entry with the member's email.
type AuditView struct {
	member.AuditEntry
	MemberEmail string
}

// AuditLog pages the actor's org's audit log, newest first.
func (a *App) AuditLog(ctx context.Context, ac Actor, before string, limit int) ([]AuditView, string, error) {
	var out []AuditView
	var next string
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		entries, err := tx.ListAudit(ctx, ac.OrgID, before, limit+1)
		if err != nil {
			return err
		}
		if len(entries) > limit {
			entries = entries[:limit]
			next = entries[limit-1].ID
		}
		emails := map[string]string{}
		for _, e := range entries {
			if _, ok := emails[e.MemberID]; !ok {
				m, err := tx.GetMember(ctx, e.MemberID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				emails[e.MemberID] = m.Email
			}
			out = append(out, AuditView{AuditEntry: e, MemberEmail: emails[e.MemberID]})
		}
		return nil
	})
	return out, next, err
}

// Overview is an org's key figures in one mode, amounts formatted in their currency.
type Overview struct {
	Recipients int64
	Owed       []OverviewAmount
	Payments   []OverviewPayments
}

// OverviewAmount is an amount in one currency.
type OverviewAmount struct {
	Currency string
	Amount   string
}

// OverviewPayments counts payments of one type, status and currency.
type OverviewPayments struct {
	Type, Status, Currency string
	Count                  int64
	Amount                 string
}

// DashboardOverview reads the actor's org's key figures in a mode.
func (a *App) DashboardOverview(ctx context.Context, ac Actor, mode tenant.Mode) (Overview, error) {
	var f store.Figures
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		f, err = tx.DashboardFigures(ctx, tenant.Scope{OrgID: ac.OrgID, Mode: mode})
		return err
	})
	if err != nil {
		return Overview{}, err
	}
	v := Overview{Recipients: f.Recipients}
	for _, o := range f.Owed {
		v.Owed = append(v.Owed, OverviewAmount{Currency: o.Currency, Amount: formatIn(o.Total, o.Currency)})
	}
	for _, p := range f.Payments {
		v.Payments = append(v.Payments, OverviewPayments{Type: string(p.Type), Status: string(p.Status), Currency: p.Currency,
			Count: p.Count, Amount: formatIn(p.Total, p.Currency)})
	}
	return v, nil
}

// formatIn prints minor units in a currency ("" currency codes the ledger holds are known).
func formatIn(minor int64, code string) string {
	c, err := money.LookupCurrency(code)
	if err != nil {
		return ""
	}
	return money.Format(minor, c)
}
