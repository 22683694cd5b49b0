// Package sqlite is the embedded storage engine: one SQLite file in the data directory, in WAL
// mode, with a single writer connection (transactions begin IMMEDIATE, so a writer never fails
// half-way on a lock upgrade) and a pool of read-only connections that never wait for it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/payport/payport/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune the engine.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: FULL (the default) makes every commit
	// durable against power loss; NORMAL only against a crash of the process.
	Synchronous string
}

// Dialect is SQLite's flavour of the shared SQL.
var Dialect = sqlstore.Dialect{
	Name:     "sqlite",
	LockRows: "",
	IsUniqueViolation: func(err error) bool {
		var e *sqlite.Error
		return asSQLite(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	IsRetryable: func(err error) bool {
		var e *sqlite.Error
		return asSQLite(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_BUSY)
	},
	// A full disk or a failing write leaves the database as it was (the transaction rolls
	// back); the same request succeeds once space returns.
	IsUnavailable: func(err error) bool {
		var e *sqlite.Error
		return asSQLite(err, &e) && (e.Code()&0xff == sqlite3.SQLITE_FULL || e.Code()&0xff == sqlite3.SQLITE_IOERR)
	},
	TimeArg:         func(t time.Time) any { return t.UTC().Format(sqlstore.SQLiteTimeLayout) },
	CacheStatements: true,
	AnonymousParams: true,
}

// Open opens (creating if needed) the database file at path and migrates it.
func Open(ctx context.Context, path string, opts Options) (*sqlstore.DB, error) {
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" && sync != "EXTRA" {
		return nil, fmt.Errorf("sqlite synchronous must be FULL, NORMAL or EXTRA, not %q", opts.Synchronous)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync + ")"
	// The one writer gets a 16 MiB page cache (SQLite's default is 2 MiB): a busy hour touches
	// more index pages than 2 MiB holds, and each miss is a read system call. Pages are
	// allocated only as they are used, so an idle server stays small. Not more: a cached page
	// costs about twice its size in the process (with 64 MiB the mixed load's RSS settled
	// 100 MB higher), and neither the 100,000-payout export nor the mixed load's rate was
	// faster with 64 MiB (the operating system caches the file as well).
	// temp_store=MEMORY keeps the statement journal of a multi-row write (the pages it must
	// be able to roll back alone) in memory: past 64 KiB SQLite otherwise spilled it to a new
	// temporary file, a file creation and a write system call per page, which cost the
	// ledger's batched credits about 15% of their rate. The writer sorts little, so its
	// temporary b-trees stay small; readers keep the default.
	writer, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=cache_size(-16384)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := Migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", base+"&_pragma=query_only(ON)")
	if err != nil {
		writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)*2))
	reader.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)*2))
	d := Dialect
	if sync != "NORMAL" {
		d.RelaxedPragmas = [2]string{"PRAGMA synchronous = NORMAL", "PRAGMA synchronous = " + sync}
	}
	return sqlstore.New(writer, reader, d, nil), nil
}

// Migrate applies Payport's embedded migrations.
func Migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate sqlite: %w", err)
	}
	return nil
}

func asSQLite(err error, target **sqlite.Error) bool {
	for err != nil {
		if e, ok := err.(*sqlite.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
