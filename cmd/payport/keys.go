package main

import (
	"context"
	"fmt"
)

// KeysRotateCmd rotates the grant signing key.
type KeysRotateCmd struct {
	JSON bool `name:"json" help:"Print the result as JSON."`
}

// Run implements the command.
func (c *KeysRotateCmd) Run(ctx context.Context, g *Globals) error {
	a, closeFn, err := g.openApp(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	if a.Sealer, err = g.keyring(); err != nil {
		return err
	}
	kid, err := a.RotateSigningKeys(ctx)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(map[string]string{"kid": kid})
	}
	fmt.Printf("new signing key %s; older keys verify their tokens until those expire, then leave the JWKS\n", kid)
	return nil
}
