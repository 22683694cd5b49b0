// Package sqlstore is the SQL both engines share. SQLite and PostgreSQL accept the same
// statements for everything Payport does (numbered $n parameters, RETURNING, ON CONFLICT), so
// the queries live here once; a Dialect carries the few differences (row locks, error codes,
// how times are bound), and store/sqlite and store/postgres open connections, run migrations
// and supply their Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/ledger"

	"github.com/payport/payport/internal/store"
)

// Dialect is what differs between engines.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// LockRows is appended to SELECTs that must hold rows until commit (" FOR UPDATE" on
	// PostgreSQL; empty on SQLite, whose single writer already excludes others).
	LockRows string
	// SkipLocked is LockRows for work queues: rows another transaction holds are passed over
	// rather than waited for (" FOR UPDATE SKIP LOCKED" on PostgreSQL).
	SkipLocked string
	// IsUniqueViolation recognises the engine's unique-constraint error.
	IsUniqueViolation func(error) bool
	// IsRetryable recognises transient conflicts worth running a transaction again for.
	IsRetryable func(error) bool
	// TimeArg converts a time for binding. SQLite stores times as fixed-width UTC text so that
	// they sort and compare correctly as strings.
	TimeArg func(time.Time) any
	// RelaxedCommit is run first in an InTxRelaxed transaction ("" when the engine has no such
	// switch).
	RelaxedCommit string
	// ArrayParams says the engine takes a list as one array parameter (PostgreSQL's
	// "= ANY($1)", unnest); long IN lists then become one short statement with a good plan.
	ArrayParams bool
	// CacheStatements keeps statements prepared: the SQLite driver would otherwise parse and
	// plan every statement again (a quarter of the CPU under load). pgx caches on its own.
	CacheStatements bool
}

// SQLiteTimeLayout is the fixed-width layout of times stored in SQLite.
const SQLiteTimeLayout = "2006-01-02T15:04:05.000000Z"

// DB implements store.Store over a writer and a reader handle (the same handle on PostgreSQL).
type DB struct {
	writer, reader *sql.DB
	d              Dialect
	// accountIDs caches committed ledger account ids by reference. Accounts are never
	// deleted once committed and their references never change, so an entry never goes stale.
	accountIDs sync.Map
	// stmts caches prepared statements by handle and text (Dialect.CacheStatements).
	stmts     sync.Map
	stmtCount atomic.Int64
	// onClose releases what the engine package opened besides the handles.
	onClose func() error
}

// New wraps open handles. reader may equal writer.
func New(writer, reader *sql.DB, d Dialect, onClose func() error) *DB {
	return &DB{writer: writer, reader: reader, d: d, onClose: onClose}
}

var _ store.Store = (*DB)(nil)

// Engine implements store.Store.
func (db *DB) Engine() string { return db.d.Name }

// WriterDB implements store.Store.
func (db *DB) WriterDB() *sql.DB { return db.writer }

// ReaderDB is the read handle (benchmarks and checks).
func (db *DB) ReaderDB() *sql.DB { return db.reader }

// Ping implements store.Store.
func (db *DB) Ping(ctx context.Context) error {
	return db.reader.PingContext(ctx)
}

// Close implements store.Store.
func (db *DB) Close() error {
	db.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	if db.onClose != nil {
		err = errors.Join(err, db.onClose())
	}
	return err
}

const maxAttempts = 5

// InTx implements store.Store.
func (db *DB) InTx(ctx context.Context, fn func(store.Tx) error) error {
	return db.inTx(ctx, fn)
}

// InTxRelaxed implements store.Store.
func (db *DB) InTxRelaxed(ctx context.Context, fn func(store.Tx) error) error {
	if db.d.RelaxedCommit == "" {
		return db.inTx(ctx, fn)
	}
	return db.inTx(ctx, func(tx store.Tx) error {
		if _, err := tx.(*Tx).exec(ctx, db.d.RelaxedCommit); err != nil {
			return err
		}
		return fn(tx)
	})
}

func (db *DB) inTx(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = db.run(ctx, db.writer, false, fn)
		if err == nil || !db.d.IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * time.Millisecond)
	}
	return err
}

// Read implements store.Store.
func (db *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	return db.run(ctx, db.reader, true, fn)
}

func (db *DB) run(ctx context.Context, h *sql.DB, readOnly bool, fn func(store.Tx) error) (err error) {
	var opts *sql.TxOptions
	if readOnly && db.d.Name == "postgres" {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	sqlTx, err := h.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	t := &Tx{tx: sqlTx, q: sqlTx, h: h, d: db.d, db: db}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := t.flushEvents(ctx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for ref, id := range t.newAccounts {
		db.accountIDs.Store(ref, id)
	}
	if len(t.unprepared) > 0 {
		// The connection is free again: prepare what this transaction ran uncached.
		after := &Tx{q: h, h: h, d: db.d, db: db}
		for _, q := range t.unprepared {
			after.stmt(ctx, q)
		}
	}
	return nil
}

// Query implements store.Store: each statement runs on its own on the read pool, without
// BEGIN and COMMIT round trips. For lookups that are one statement.
func (db *DB) Query(ctx context.Context, fn func(store.Tx) error) error {
	return fn(&Tx{q: db.reader, h: db.reader, d: db.d, db: db})
}

// querier is what statements run on: a transaction, or the pool for single-statement reads.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx implements store.Tx on one transaction (or, for Query, on the read pool).
type Tx struct {
	tx *sql.Tx
	q  querier
	// h is the pool the statements run on, for the statement cache.
	h  *sql.DB
	d  Dialect
	db *DB
	// newAccounts are account ids this transaction saw; they enter the DB's cache only once
	// the transaction commits, so a rolled-back account is never cached.
	newAccounts map[ledger.AccountRef]string
	// events are buffered and written with one statement before commit.
	events []event.Event
	// unprepared are statements to add to the cache after the transaction.
	unprepared []string
}

var _ store.Tx = (*Tx)(nil)

// SQLTx implements store.Tx (nil for Query).
func (t *Tx) SQLTx() *sql.Tx { return t.tx }

func (t *Tx) ts(v time.Time) any { return t.d.TimeArg(v) }

func (t *Tx) tsPtr(v *time.Time) any {
	if v == nil {
		return nil
	}
	return t.d.TimeArg(*v)
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, q); s != nil {
		res, err := s.ExecContext(ctx, args...)
		return res, t.mapErr(err)
	}
	res, err := t.q.ExecContext(ctx, q, args...)
	return res, t.mapErr(err)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.q.QueryContext(ctx, q, args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.q.QueryRowContext(ctx, q, args...)
}

// maxCachedStatements bounds the cache: statements with a variable number of parameters
// (IN lists, multi-row inserts) come in many shapes.
const maxCachedStatements = 4096

// stmt returns a cached prepared statement for q bound to this transaction, or nil when the
// engine does not cache (the caller then runs q directly).
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if !t.d.CacheStatements || t.h == nil {
		return nil
	}
	type key struct {
		h *sql.DB
		q string
	}
	k := key{t.h, q}
	var s *sql.Stmt
	if v, ok := t.db.stmts.Load(k); ok {
		s = v.(*sql.Stmt)
	} else {
		if t.db.stmtCount.Load() >= maxCachedStatements {
			return nil
		}
		if t.tx != nil {
			// Preparing on the pool now could wait for the connection this transaction
			// holds (SQLite has one writer connection): prepare once it is released.
			t.unprepared = append(t.unprepared, q)
			return nil
		}
		prepared, err := t.h.PrepareContext(ctx, q)
		if err != nil {
			return nil // the direct call reports the error
		}
		if v, loaded := t.db.stmts.LoadOrStore(k, prepared); loaded {
			prepared.Close()
			s = v.(*sql.Stmt)
		} else {
			t.db.stmtCount.Add(1)
			s = prepared
		}
	}
	if t.tx != nil {
		return t.tx.StmtContext(ctx, s)
	}
	return s
}

func (t *Tx) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case t.d.IsUniqueViolation(err):
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

// expectOne turns "no row changed" into ErrNotFound.
func expectOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Time scans a time stored by either engine (time.Time from PostgreSQL, text from SQLite).
type Time struct{ T time.Time }

// Scan implements sql.Scanner.
func (s *Time) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		s.T = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", v)
	}
	return nil
}

func (s *Time) parse(v string) error {
	p, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return err
	}
	s.T = p.UTC()
	return nil
}

// NullTime scans a nullable time.
type NullTime struct{ T *time.Time }

// Scan implements sql.Scanner.
func (s *NullTime) Scan(v any) error {
	if v == nil {
		s.T = nil
		return nil
	}
	var t Time
	if err := t.Scan(v); err != nil {
		return err
	}
	s.T = &t.T
	return nil
}

// bytesOf scans JSON columns (text in SQLite, jsonb in PostgreSQL) into raw bytes.
type bytesOf struct{ b *[]byte }

func (s bytesOf) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.b = nil
	case string:
		*s.b = []byte(x)
	case []byte:
		*s.b = append([]byte(nil), x...)
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into bytes", v)
	}
	return nil
}

// placeholders returns "$start, $start+1, ..." for n parameters.
func placeholders(start, n int) string {
	b := make([]byte, 0, n*4)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = fmt.Appendf(b, "$%d", start+i)
	}
	return string(b)
}

// insertRows inserts n rows with multi-row INSERT statements of at most 400 rows (SQLite
// allows 32,766 parameters per statement). row returns the values of row i, in the order of
// columns.
func (t *Tx) insertRows(ctx context.Context, table, columns string, ncols, n int, row func(i int) []any) error {
	const chunk = 400
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ` + table + ` (` + columns + `) VALUES `)
		args := make([]any, 0, (end-start)*ncols)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + placeholders((i-start)*ncols+1, ncols) + ")")
			args = append(args, row(i)...)
		}
		if _, err := t.exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}
