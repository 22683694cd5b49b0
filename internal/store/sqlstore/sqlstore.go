// Package sqlstore is the SQL both engines share. SQLite and PostgreSQL accept the same
// statements for everything Payport does (numbered $n parameters, RETURNING, ON CONFLICT), so
// the queries live here once; a Dialect carries the few differences (row locks, error codes,
// how times are bound), and store/sqlite and store/postgres open connections, run migrations
// and supply their Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/payport/payport/internal/cache"
	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/member"
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
	// IsUnavailable recognises errors that say the database cannot be used for now (lost
	// connection, server restarting, disk full); they reach callers as store.ErrUnavailable.
	IsUnavailable func(error) bool
	// LockKey takes a lock on a text key until the transaction ends ($1 is the key); "" when
	// the engine's single writer serializes writing transactions anyway (SQLite).
	LockKey string
	// TimeArg converts a time for binding. SQLite stores times as fixed-width UTC text so that
	// they sort and compare correctly as strings.
	TimeArg func(time.Time) any
	// RelaxedCommit is run first in an InTxRelaxed transaction ("" when the engine has no such
	// switch).
	RelaxedCommit string
	// ReusePlans is run by Tx.ReusePlans ("" when the engine plans statements once anyway).
	ReusePlans string
	// RelaxedPragmas, on engines whose durability is a per-connection setting that cannot
	// change inside a transaction (SQLite's synchronous), are the statements that lower it
	// before an InTxRelaxed transaction and restore it after, on a pinned connection.
	RelaxedPragmas [2]string
	// ArrayParams says the engine takes a list as one array parameter (PostgreSQL's
	// "= ANY($1)", unnest); long IN lists then become one short statement with a good plan.
	ArrayParams bool
	// CacheStatements keeps statements prepared: the SQLite driver would otherwise parse and
	// plan every statement again (a quarter of the CPU under load). pgx caches on its own.
	CacheStatements bool
	// AnonymousParams says bulk statements should use "?" parameters, bound in order. SQLite
	// finds each numbered "$N" by a linear search of the statement's parameter names, both
	// when parsing and when binding, which made a 2,800-parameter insert quadratic (three
	// quarters of a 100,000-payout export went there).
	AnonymousParams bool
}

// SQLiteTimeLayout is the fixed-width layout of times stored in SQLite.
const SQLiteTimeLayout = "2006-01-02T15:04:05.000000Z"

// DB implements store.Store over a writer and a reader handle (the same handle on PostgreSQL).
type DB struct {
	writer, reader *sql.DB
	d              Dialect
	// accountIDs caches committed ledger account ids by reference. Accounts are never
	// deleted once committed and their references never change, so an entry never goes stale.
	// It is bounded, so that memory stays flat however many recipients are created.
	accountIDs cache.Bounded[ledger.AccountRef, string]
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
	return db.unavailable(db.inTx(ctx, fn))
}

// unavailable marks an error that says the database cannot be used for now as
// store.ErrUnavailable, so that callers answer "retry later" rather than an internal error.
func (db *DB) unavailable(err error) error {
	if err == nil || db.d.IsUnavailable == nil || errors.Is(err, store.ErrUnavailable) || !db.d.IsUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}

// InTxRelaxed implements store.Store.
func (db *DB) InTxRelaxed(ctx context.Context, fn func(store.Tx) error) error {
	return db.unavailable(db.inTxRelaxed(ctx, fn))
}

func (db *DB) inTxRelaxed(ctx context.Context, fn func(store.Tx) error) error {
	switch {
	case db.d.RelaxedCommit != "":
		return db.inTx(ctx, func(tx store.Tx) error {
			if _, err := tx.(*Tx).exec(ctx, db.d.RelaxedCommit); err != nil {
				return err
			}
			return fn(tx)
		})
	case db.d.RelaxedPragmas[0] != "":
		return db.retry(ctx, func() error { return db.runRelaxedConn(ctx, fn) })
	default:
		return db.inTx(ctx, fn)
	}
}

// runRelaxedConn runs fn on a writer connection pinned for the transaction, with its
// durability lowered for that transaction only. In SQLite's WAL mode a relaxed commit skips
// its fsync; the next durable commit syncs the log, relaxed frames before it included, so
// order is kept. If the setting cannot be restored the connection is discarded: it must
// never carry a durable commit relaxed.
func (db *DB) runRelaxedConn(ctx context.Context, fn func(store.Tx) error) error {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, db.d.RelaxedPragmas[0]); err != nil {
		return fmt.Errorf("relax: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), db.d.RelaxedPragmas[1]); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	// pinned: statements it could not take from the cache are prepared by a later
	// transaction, since preparing on the pool would wait for this very connection.
	return db.runOn(ctx, db.writer, conn.BeginTx, false, true, fn)
}

func (db *DB) inTx(ctx context.Context, fn func(store.Tx) error) error {
	return db.retry(ctx, func() error { return db.run(ctx, db.writer, false, fn) })
}

// retry runs a transaction again while the engine reports a transient conflict.
func (db *DB) retry(ctx context.Context, run func() error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = run()
		if err == nil || !db.d.IsRetryable(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * time.Millisecond)
	}
	return err
}

// Read implements store.Store.
func (db *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	return db.unavailable(db.run(ctx, db.reader, true, fn))
}

func (db *DB) run(ctx context.Context, h *sql.DB, readOnly bool, fn func(store.Tx) error) (err error) {
	return db.runOn(ctx, h, h.BeginTx, readOnly, false, fn)
}

// runOn runs fn in a transaction begun by begin (on the pool h, or on a connection pinned
// from it); h keys the statement cache.
func (db *DB) runOn(ctx context.Context, h *sql.DB, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error),
	readOnly, pinned bool, fn func(store.Tx) error) (err error) {
	var opts *sql.TxOptions
	if readOnly && db.d.Name == "postgres" {
		// One snapshot for the whole read, as SQLite's read transactions have: at READ
		// COMMITTED each statement sees its own, and the ledger check compared balances and
		// payouts read a moment apart (a payout moving between them looked like a violation).
		// A read-only REPEATABLE READ transaction never fails to serialize.
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	sqlTx, err := begin(ctx, opts)
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
		if t.flushErr != nil {
			return t.flushErr // the cause; what fn saw after it is the aborted transaction
		}
		return err
	}
	if err := t.flushCompletions(ctx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := t.flushEvents(ctx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := t.flushAudit(ctx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := t.flushWrites(ctx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for ref, id := range t.newAccounts {
		db.accountIDs.Store(ref, id)
	}
	if len(t.unprepared) > 0 && !pinned {
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
	return db.unavailable(fn(&Tx{q: db.reader, h: db.reader, d: db.d, db: db}))
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
	// completions are idempotent answers, buffered like events.
	completions []completion
	// audits are audit entries, buffered like events; auditAt finds one by id.
	audits  []member.AuditEntry
	auditAt map[string]int
	// unprepared are statements to add to the cache after the transaction; txStmts are those
	// of them prepared on the transaction for its own repeated use.
	unprepared []string
	txStmts    map[string]*sql.Stmt
	// pending are writes held back to go to PostgreSQL together (see deferWrite); flushErr
	// is the error of a flush that failed, which the transaction then returns.
	pending  []pendingWrite
	flushErr error
}

var _ store.Tx = (*Tx)(nil)

// SQLTx implements store.Tx (nil for Query).
func (t *Tx) SQLTx() *sql.Tx { return t.tx }

// ReusePlans implements store.Tx.
func (t *Tx) ReusePlans(ctx context.Context) error {
	if t.d.ReusePlans == "" || t.tx == nil {
		return nil
	}
	_, err := t.exec(ctx, t.d.ReusePlans)
	return err
}

func (t *Tx) ts(v time.Time) any { return t.d.TimeArg(v) }

func (t *Tx) tsPtr(v *time.Time) any {
	if v == nil {
		return nil
	}
	return t.d.TimeArg(*v)
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := t.flushWrites(ctx); err != nil {
		return nil, err
	}
	if s := t.stmt(ctx, q); s != nil {
		res, err := s.ExecContext(ctx, args...)
		return res, t.mapErr(err)
	}
	res, err := t.q.ExecContext(ctx, q, args...)
	return res, t.mapErr(err)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := t.flushWrites(ctx); err != nil {
		return nil, err
	}
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.q.QueryContext(ctx, q, args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	// A failed flush has aborted the transaction: the query then fails too (never "no rows"),
	// and the transaction returns the flush's error.
	_ = t.flushWrites(ctx)
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
			// holds (SQLite has one writer connection): prepare once it is released. A
			// statement this transaction runs again (the chunks of a bulk write: 250 of them
			// in a 100,000-payout export) is prepared on the transaction meanwhile, so that
			// it is parsed once.
			if s, ok := t.txStmts[q]; ok {
				return s
			}
			if !slices.Contains(t.unprepared, q) {
				t.unprepared = append(t.unprepared, q)
				return nil
			}
			prepared, err := t.tx.PrepareContext(ctx, q)
			if err != nil {
				return nil // the direct call reports the error
			}
			if t.txStmts == nil {
				t.txStmts = map[string]*sql.Stmt{}
			}
			t.txStmts[q] = prepared // closed by database/sql when the transaction ends
			return prepared
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

// param is parameter n of a statement whose parameters all come in order, each used once:
// "?" where the engine prefers anonymous parameters (Dialect.AnonymousParams), else "$n".
func (t *Tx) param(n int) string {
	if t.d.AnonymousParams {
		return "?"
	}
	return fmt.Sprintf("$%d", n)
}

// bulkParams is placeholders for statements whose parameters all come in order:
// anonymous "?" where the engine prefers them (Dialect.AnonymousParams).
func (t *Tx) bulkParams(start, n int) string {
	if !t.d.AnonymousParams {
		return placeholders(start, n)
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// valuesList is "VALUES (?, ?), (?, ?)..." with rows of n parameters, for SQLite's bulk
// statements (its VALUES columns are named column1, column2...).
func (t *Tx) valuesList(rows, n int) string {
	var sb strings.Builder
	sb.WriteString("VALUES ")
	row := "(" + t.bulkParams(1, n) + ")"
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(row)
	}
	return sb.String()
}

// checkAffected turns an update that changed other than want rows into an error: the rows
// were read (and locked) earlier in the transaction, so a difference is a bug, not a race.
func checkAffected(res sql.Result, err error, want int, what string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(want) {
		return fmt.Errorf("sqlstore: %s changed %d of %d rows (%v)", what, n, want, err)
	}
	return nil
}

// bulkTable is a table as insertRows writes it: its columns and, for PostgreSQL, their types.
type bulkTable struct {
	name    string
	columns string
	pgTypes []string
}

// newBulkTable pairs a column list with its PostgreSQL types (same order, comma-separated).
func newBulkTable(name, columns, pgTypes string) bulkTable {
	types := strings.Split(pgTypes, ",")
	for i := range types {
		types[i] = strings.TrimSpace(types[i])
	}
	if n := len(strings.Split(columns, ",")); n != len(types) {
		panic(fmt.Sprintf("sqlstore: table %s has %d columns and %d types", name, n, len(types)))
	}
	return bulkTable{name: name, columns: columns, pgTypes: types}
}

// insertRows inserts n rows; row returns the values of row i, in the order of the columns.
//
// On PostgreSQL the rows go column by column as text arrays, unnested and cast to their types
// in one statement per 10,000 rows: one short statement text whatever the row count, instead
// of 14 parameters per row to parse and bind. SQLite takes multi-row INSERT statements of at
// most 400 rows with anonymous parameters (it allows 32,766 parameters per statement).
func (t *Tx) insertRows(ctx context.Context, tbl bulkTable, n int, row func(i int) []any) error {
	ncols := len(tbl.pgTypes)
	if t.d.ArrayParams {
		const chunk = 10_000
		for start := 0; start < n; start += chunk {
			end := min(start+chunk, n)
			cols := make([][]*string, ncols)
			for c := range cols {
				cols[c] = make([]*string, end-start)
			}
			for i := start; i < end; i++ {
				for c, v := range row(i) {
					text, err := arrayText(v)
					if err != nil {
						return fmt.Errorf("sqlstore: %s column %d: %w", tbl.name, c+1, err)
					}
					cols[c][i-start] = text
				}
			}
			args := make([]any, ncols)
			var sel, params, names strings.Builder
			for c, typ := range tbl.pgTypes {
				if c > 0 {
					sel.WriteString(", ")
					params.WriteString(", ")
					names.WriteString(", ")
				}
				fmt.Fprintf(&sel, "c%d::%s", c+1, typ)
				fmt.Fprintf(&params, "$%d::text[]", c+1)
				fmt.Fprintf(&names, "c%d", c+1)
				args[c] = cols[c]
			}
			if err := t.deferWrite(ctx, pendingWrite{table: tbl.name, want: end - start, what: "insert into " + tbl.name,
				sql: `INSERT INTO ` + tbl.name + ` (` + tbl.columns + `) SELECT ` + sel.String() +
					` FROM unnest(` + params.String() + `) AS u(` + names.String() + `)`, args: args}); err != nil {
				return err
			}
		}
		return nil
	}
	const chunk = 400
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ` + tbl.name + ` (` + tbl.columns + `) VALUES `)
		args := make([]any, 0, (end-start)*ncols)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + t.bulkParams((i-start)*ncols+1, ncols) + ")")
			args = append(args, row(i)...)
		}
		if _, err := t.exec(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// arrayText is a value as an element of a text array (nil for NULL), cast back to its column's
// type by the statement. Times keep every digit PostgreSQL stores (microseconds).
func arrayText(v any) (*string, error) {
	var s string
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case bool:
		s = strconv.FormatBool(v)
	case time.Time:
		s = v.UTC().Format(time.RFC3339Nano)
	default:
		return nil, fmt.Errorf("no text form for %T", v)
	}
	return &s, nil
}
