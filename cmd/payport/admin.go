package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/tenant"
)

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// MigrateCmd applies migrations (serve also does this on start).
type MigrateCmd struct {
	JSON bool `name:"json" help:"Print the result as JSON."`
}

// Run implements the command.
func (c *MigrateCmd) Run(ctx context.Context, g *Globals) error {
	db, err := g.openStore(ctx) // opening migrates
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrateJobs(ctx, db.Engine(), db.WriterDB()); err != nil {
		return err
	}
	if c.JSON {
		return printJSON(map[string]any{"migrated": true, "engine": db.Engine()})
	}
	fmt.Printf("database (%s) is up to date\n", db.Engine())
	return nil
}

// OrgCreateCmd creates an org.
type OrgCreateCmd struct {
	Name string `required:"" help:"The org's name."`
	Live bool   `help:"Issue a live API key instead of a test one."`
	JSON bool   `name:"json" help:"Print the result as JSON."`
}

// Run implements the command.
func (c *OrgCreateCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	o, nk, err := a.CreateOrg(ctx, c.Name, c.Live)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(map[string]any{"org": o, "api_key": keyJSON(nk.Key, nk.Secret)})
	}
	fmt.Printf("org %s (%s) created\nAPI key %s (%s, %s): %s\nThe key is shown only now.\n",
		o.Name, o.ID, nk.Key.ID, nk.Key.Role, nk.Key.Scope.Mode, nk.Secret)
	return nil
}

// OrgListCmd lists orgs.
type OrgListCmd struct {
	JSON bool `name:"json" help:"Print the result as JSON."`
}

// Run implements the command.
func (c *OrgListCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	orgs, err := a.ListOrgs(ctx)
	if err != nil {
		return err
	}
	if c.JSON {
		if orgs == nil {
			orgs = []org.Org{}
		}
		return printJSON(orgs)
	}
	for _, o := range orgs {
		fmt.Printf("%s  %s\n", o.ID, o.Name)
	}
	return nil
}

func keyJSON(k org.APIKey, secret string) map[string]any {
	m := map[string]any{"id": k.ID, "org_id": k.Scope.OrgID, "mode": k.Scope.Mode, "role": k.Role,
		"scopes": k.Scopes, "name": k.Name, "prefix": k.Prefix, "created_at": k.CreatedAt.Format(time.RFC3339)}
	if secret != "" {
		m["secret"] = secret
	}
	return m
}

// APIKeyCreateCmd creates a key.
type APIKeyCreateCmd struct {
	Org   string   `required:"" help:"The org's id."`
	Role  string   `default:"org-admin" enum:"org-admin,internal-admin" help:"org-admin or internal-admin (the operator's role, spanning orgs)."`
	Scope []string `help:"Scopes: rewards, payouts, links, read_only (repeat or comma-separate). Default: all but read_only."`
	Live  bool     `help:"A live key instead of a test key."`
	Name  string   `help:"A name to recognise the key by."`
	JSON  bool     `name:"json" help:"Print the result as JSON."`
}

// Run implements the command.
func (c *APIKeyCreateCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	mode := tenant.Test
	if c.Live {
		mode = tenant.Live
	}
	nk, err := a.CreateAPIKey(ctx, tenant.Scope{OrgID: c.Org, Mode: mode}, org.Role(c.Role), c.Scope, c.Name)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(keyJSON(nk.Key, nk.Secret))
	}
	scopes := make([]string, len(nk.Key.Scopes))
	for i, s := range nk.Key.Scopes {
		scopes[i] = string(s)
	}
	fmt.Printf("API key %s (%s, %s, scopes %s): %s\nThe key is shown only now.\n",
		nk.Key.ID, nk.Key.Role, mode, strings.Join(scopes, ","), nk.Secret)
	return nil
}

// APIKeyRevokeCmd revokes a key.
type APIKeyRevokeCmd struct {
	Org  string `required:"" help:"The org's id."`
	ID   string `arg:"" help:"The key's id (key_...)."`
	JSON bool   `name:"json" help:"Print the result as JSON."`
}

// Run implements the command.
func (c *APIKeyRevokeCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	if err := a.RevokeAPIKey(ctx, c.Org, c.ID); err != nil {
		return err
	}
	if c.JSON {
		return printJSON(map[string]any{"id": c.ID, "revoked": true})
	}
	fmt.Printf("API key %s revoked\n", c.ID)
	return nil
}

// LedgerCheckCmd verifies the ledger.
type LedgerCheckCmd struct {
	JSON bool `name:"json" help:"Print the report as JSON."`
}

// Run implements the command.
func (c *LedgerCheckCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	violations, accounts, err := a.CheckLedger(ctx)
	if err != nil {
		return err
	}
	if violations == nil {
		violations = []ledger.Violation{} // scripts iterate over it
	}
	if c.JSON {
		if err := printJSON(map[string]any{"ok": len(violations) == 0, "accounts": accounts, "violations": violations}); err != nil {
			return err
		}
	} else if len(violations) == 0 {
		fmt.Printf("ledger OK: %d accounts; balances equal their transfers, none below zero, every currency sums to zero\n", accounts)
	} else {
		fmt.Printf("ledger BROKEN: %d violations over %d accounts\n", len(violations), accounts)
		for _, v := range violations {
			fmt.Printf("  %-26s %s: %s\n", v.Rule, v.Subject, v.Detail)
		}
	}
	if len(violations) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d ledger invariant violations", len(violations))}
	}
	return nil
}

// VersionCmd prints the version.
type VersionCmd struct {
	JSON bool `name:"json" help:"Print as JSON."`
}

// Run implements the command.
func (c *VersionCmd) Run(g *Globals) error {
	if c.JSON {
		return printJSON(map[string]string{"version": version})
	}
	fmt.Println("payport", version)
	return nil
}
