package main

import (
	"context"
	"fmt"
)

// PaymentsMarkReceivedCmd records that a bank-transfer payin arrived, for the operator who sees
// it on the bank statement.
type PaymentsMarkReceivedCmd struct {
	Ref  string `arg:"" help:"The payin's id (pay_...) or the transfer reference the payer quoted (PP...)."`
	JSON bool   `name:"json" help:"Print the payment as JSON."`
}

// Run implements the command.
func (c *PaymentsMarkReceivedCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	v, err := a.MarkPayinReceived(ctx, c.Ref)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(v)
	}
	fmt.Printf("payment %s: %s %s %s, credited to the org's funding account\n", v.ID, v.Status, v.Amount, v.Currency)
	return nil
}
