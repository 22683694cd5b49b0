package main

import (
	"context"

	"fmt"
	"github.com/alecthomas/kong"
	"os"
	"path/filepath"
	"time"

	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/rail/sandbox"
	"github.com/payport/payport/internal/tenant"
)

// RailsCmd groups the file rails' operator commands.
type RailsCmd struct {
	Nacha   NachaCmd       `cmd:"" help:"US ACH files."`
	Sepa    SepaCmd        `cmd:"" help:"SEPA credit transfer files."`
	Confirm RailConfirmCmd `cmd:"" help:"Confirm the bank paid an exported file: its processing payouts succeed."`
}

// NachaCmd holds the NACHA commands.
type NachaCmd struct {
	Export        RailExportCmd `cmd:"" help:"Write the org's pending US ACH payouts into a NACHA file."`
	ImportReturns RailImportCmd `cmd:"" name:"import-returns" help:"Apply a NACHA return (or notification of change) file from the bank."`
}

// BeforeApply tells the subcommands which rail they act on.
func (NachaCmd) BeforeApply(kctx *kong.Context) error {
	kctx.Bind(railName("nacha"))
	return nil
}

// SepaCmd holds the SEPA commands.
type SepaCmd struct {
	Export       RailExportCmd `cmd:"" help:"Write the org's pending EUR payouts into a SEPA pain.001 file."`
	ImportStatus RailImportCmd `cmd:"" name:"import-status" help:"Apply a pain.002 status report from the bank."`
}

// BeforeApply tells the subcommands which rail they act on.
func (SepaCmd) BeforeApply(kctx *kong.Context) error {
	kctx.Bind(railName("sepa"))
	return nil
}

// railTarget names the org and mode a rail command acts on.
type railTarget struct {
	Org  string `required:"" help:"The org's id."`
	Test bool   `help:"Act on test-mode objects (file rails carry live payouts; test payouts use the sandbox)."`
	JSON bool   `name:"json" help:"Print the result as JSON."`
}

func (t railTarget) scope() tenant.Scope {
	if t.Test {
		return tenant.Scope{OrgID: t.Org, Mode: tenant.Test}
	}
	return tenant.Scope{OrgID: t.Org, Mode: tenant.Live}
}

// RailExportCmd exports a bank file.
type RailExportCmd struct {
	railTarget
	Out  string `help:"Write the file here (default: the data directory's files/ folder)."`
	Date string `help:"Execution date YYYY-MM-DD (default today)."`
}

// Run implements the command.
func (c *RailExportCmd) Run(ctx context.Context, g *Globals, rails railName) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	if err := g.wirePayouts(ctx, a); err != nil {
		return err
	}
	var date time.Time
	if c.Date != "" {
		if date, err = time.Parse(time.DateOnly, c.Date); err != nil {
			return fmt.Errorf("--date must be YYYY-MM-DD")
		}
	}
	f, err := a.ExportRailFile(ctx, c.scope(), string(rails), date)
	if err != nil {
		return err
	}
	_, content, err := a.RailFile(ctx, c.scope(), f.ID)
	if err != nil {
		return err
	}
	out := c.Out
	if out == "" {
		dir := filepath.Join(g.DataDir, "files")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		out = filepath.Join(dir, f.Filename)
	}
	if err := os.WriteFile(out, content, 0o600); err != nil {
		return err
	}
	if c.JSON {
		return printJSON(map[string]any{"file": f, "path": out})
	}
	fmt.Printf("%s: %d payouts, %s %s, written to %s\n", f.ID, f.PaymentCount, f.TotalAmount.Amount, f.Currency, out)
	return nil
}

// RailImportCmd imports the bank's answer.
type RailImportCmd struct {
	railTarget
	File string `arg:"" help:"The bank's file." type:"existingfile"`
}

// Run implements the command.
func (c *RailImportCmd) Run(ctx context.Context, g *Globals, rails railName) error {
	content, err := os.ReadFile(c.File)
	if err != nil {
		return err
	}
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	if err := g.wirePayouts(ctx, a); err != nil {
		return err
	}
	res, err := a.ImportRailFile(ctx, c.scope(), string(rails), content)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(res)
	}
	if res.Duplicate {
		fmt.Println("this file was imported before; nothing changed")
	}
	fmt.Printf("%s: %d failed, %d succeeded, %d notices, %d ignored\n", res.ID, len(res.Failed), len(res.Succeeded), len(res.Notices), len(res.Ignored))
	for _, l := range append(append(append(res.Failed, res.Succeeded...), res.Notices...), res.Ignored...) {
		fmt.Printf("  %-22s %-36s %-5s %s\n", l.Reference, l.PaymentID, l.Code, l.Outcome)
	}
	return nil
}

// RailConfirmCmd confirms a file.
type RailConfirmCmd struct {
	railTarget
	ID string `arg:"" help:"The file's id (file_...)."`
}

// Run implements the command.
func (c *RailConfirmCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	if err := g.wirePayouts(ctx, a); err != nil {
		return err
	}
	f, err := a.ConfirmRailFile(ctx, c.scope(), c.ID, "confirmed by an operator")
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(f)
	}
	fmt.Printf("%s settled\n", f.ID)
	return nil
}

// railName is bound by the nacha/sepa parent commands.
type railName string

// registry is the rails every process uses: the sandbox for test mode, NACHA and SEPA files
// for live mode.
func registry(settleAfter time.Duration) *rail.Registry {
	return &rail.Registry{Sandbox: sandbox.Rail{SettleAfter: settleAfter}, Live: []rail.Rail{rail.NACHA, rail.SEPA}}
}
