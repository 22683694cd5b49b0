// Package postgres is the production storage engine: PostgreSQL through pgx. Payport
// processes keep no state of their own, so any number of them may share one database.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/payport/payport/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is PostgreSQL's flavour of the shared SQL.
var Dialect = sqlstore.Dialect{
	Name:       "postgres",
	LockRows:   " FOR UPDATE",
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	IsUniqueViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	// Besides serialization failures and deadlocks, a transaction is run again when the
	// driver says nothing reached the server (a pooled connection that died with a
	// PostgreSQL restart): the next attempt takes a fresh connection.
	IsRetryable: func(err error) bool {
		var e *pgconn.PgError
		return (errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")) || pgconn.SafeToRetry(err)
	},
	IsUnavailable: unavailable,
	LockKey:       "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
	TimeArg:       func(t time.Time) any { return t.UTC() },
	RelaxedCommit: "SET LOCAL synchronous_commit TO OFF",
	// A ledger batch's statements take arrays of a few rows, and the connections plan every
	// execution (force_custom_plan, below): 0.5 ms of the 1.3 ms a batch's statements took in
	// the server was planning. Their generic plans are the same index lookups (made anew
	// whenever ANALYZE changes the tables' statistics). LOCAL: the setting ends with the
	// transaction.
	ReusePlans:  "SET LOCAL plan_cache_mode = force_generic_plan",
	ArrayParams: true,
}

// unavailable recognises a server that cannot be reached or is shutting down or starting
// (SQLSTATE class 08, 57P01-57P03, 53300 too many connections), and a connection lost
// mid-statement.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET)
}

// Options tune the connection pool.
type Options struct {
	// MaxConns bounds open connections per process (default 20).
	MaxConns int
}

// Open connects to url and migrates the database.
func Open(ctx context.Context, url string, opts Options) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	// Every statement is planned for its own arguments. With the driver's statement cache
	// PostgreSQL would otherwise settle, after five runs on a connection, on a generic plan
	// made when the tables were small (a hash join over every ledger account for a batch's
	// balance update) and keep it as they grow: credits slowed from 1,000 to 200 a second
	// within minutes under the mixed load. Planning costs tens of microseconds a statement.
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	db := stdlib.OpenDB(*cfg)
	if opts.MaxConns <= 0 {
		opts.MaxConns = 20
	}
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, db, Dialect, nil), nil
}

// Migrate applies Payport's embedded migrations.
func Migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	// The session lock keeps two processes starting at once from migrating at once.
	// Retry the lock every second (goose's default is 5 s, which every replica starting
	// beside another would wait out even with nothing to migrate).
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate postgres: %w", err)
	}
	return nil
}
