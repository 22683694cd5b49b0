package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/payport/payport/internal/secret"
)

// BackupCmd makes a consistent online copy of the embedded SQLite database (VACUUM INTO: a
// snapshot of one transaction, taken while `payport serve` keeps running), into a new
// directory that is a complete data directory: restore by pointing --data-dir at it, or by
// copying its files into the old one while Payport is stopped. The master key file is copied
// too unless PAYPORT_MASTER_KEY is used, because the sealed bank details and keys in the
// database are unreadable without it. PostgreSQL is backed up with its own tools
// (docs/OPERATIONS.md).
type BackupCmd struct {
	Out  string `arg:"" help:"A new directory to write the backup to (it must not exist)."`
	JSON bool   `name:"json" help:"Print the result as JSON."`
}

// Run implements the command.
func (c *BackupCmd) Run(ctx context.Context, g *Globals) error {
	if g.DatabaseURL != "" {
		return errors.New("payport backup copies the embedded SQLite database; back PostgreSQL up with pg_dump or its continuous archiving (docs/OPERATIONS.md)")
	}
	if _, err := os.Stat(c.Out); err == nil {
		return fmt.Errorf("%s exists already: back up into a new directory", c.Out)
	}
	if err := os.MkdirAll(c.Out, 0o700); err != nil {
		return err
	}
	db, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	dbFile := filepath.Join(c.Out, "payport.db")
	if _, err := db.WriterDB().ExecContext(ctx, `VACUUM INTO ?`, dbFile); err != nil {
		return fmt.Errorf("copy the database: %w", err)
	}
	keyCopied := false
	if g.MasterKey == "" {
		key, err := os.ReadFile(filepath.Join(g.DataDir, secret.KeyFileName))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err == nil {
			if err := os.WriteFile(filepath.Join(c.Out, secret.KeyFileName), key, 0o600); err != nil {
				return err
			}
			keyCopied = true
		}
	}
	info, err := os.Stat(dbFile)
	if err != nil {
		return err
	}
	if c.JSON {
		return printJSON(map[string]any{"directory": c.Out, "database_bytes": info.Size(), "master_key_copied": keyCopied})
	}
	fmt.Printf("backup in %s: payport.db (%d bytes)", c.Out, info.Size())
	if keyCopied {
		fmt.Printf(" and %s (keep it as secret as the database)", secret.KeyFileName)
	} else {
		fmt.Printf("; the master key comes from PAYPORT_MASTER_KEY: keep it with the backup")
	}
	fmt.Printf("\nrestore: payport serve --data-dir %s\n", c.Out)
	return nil
}
