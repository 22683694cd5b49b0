package main

import "context"

// BenchLedgerCmd load-tests ledger credits over HTTP (see docs/BENCHMARKS.md).
type BenchLedgerCmd struct {
	URL string `default:"http://127.0.0.1:8080" help:"Base URL of a running payport server."`
}

// Run implements the command.
func (c *BenchLedgerCmd) Run(ctx context.Context, g *Globals) error { return nil }
