package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"database/sql"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/jobs"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store/postgres"
	"github.com/payport/payport/internal/store/sqlite"
	"github.com/payport/payport/internal/store/sqlstore"
)

func (g *Globals) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(g.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if g.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// openStore opens PostgreSQL when a URL is configured, else SQLite in the data directory
// (created 0700: it will hold keys and bank details).
func (g *Globals) openStore(ctx context.Context) (*sqlstore.DB, error) {
	if g.DatabaseURL != "" {
		if !strings.HasPrefix(g.DatabaseURL, "postgres://") && !strings.HasPrefix(g.DatabaseURL, "postgresql://") {
			return nil, fmt.Errorf("PAYPORT_DATABASE_URL must start with postgres:// (got %q...)", firstChars(g.DatabaseURL, 12))
		}
		return postgres.Open(ctx, g.DatabaseURL, postgres.Options{})
	}
	if err := os.MkdirAll(g.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if err := os.Chmod(g.DataDir, 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, filepath.Join(g.DataDir, "payport.db"), sqlite.Options{Synchronous: g.SQLiteSync})
}

// keyring opens the master key that seals bank details: PAYPORT_MASTER_KEY, or a key file
// generated (0600) in the data directory. Several processes on one PostgreSQL must share it.
func (g *Globals) keyring() (*secret.Keyring, error) {
	return secret.Open(g.DataDir, g.MasterKey)
}

// wirePayouts gives a one-shot command what payouts need: the master key, the rails and a
// job queue that enqueues (serve's workers run the jobs).
func (g *Globals) wirePayouts(ctx context.Context, a *app.App) error {
	var err error
	if a.Sealer, err = g.keyring(); err != nil {
		return err
	}
	a.Rails = registry(0)
	a.Jobs, err = jobs.New(ctx, a.Store.Engine(), a.Store.WriterDB(), jobs.Config{InsertOnly: true, Logger: g.logger()})
	return err
}

func firstChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// openApp opens the store and builds the use cases over it, for one-shot commands.
func (g *Globals) openApp(ctx context.Context) (*app.App, func(), error) {
	db, err := g.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	a := app.New(db, g.logger(), "")
	return a, func() { db.Close() }, nil
}

func migrateJobs(ctx context.Context, engine string, db *sql.DB) error {
	return jobs.Migrate(ctx, engine, db)
}
