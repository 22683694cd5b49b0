package sqlstore

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// pendingWrite is a write statement held back so that it reaches PostgreSQL together with
// the writes before and after it, in one round trip.
type pendingWrite struct {
	table string
	// update marks an UPDATE: two writes to one table never share a statement when either
	// updates, since PostgreSQL leaves undefined which of two changes to one row wins there.
	update bool
	// sql numbers its parameters from $1; args are their values.
	sql  string
	args []any
	// want is how many rows the write must touch; what names it in the error when it does not.
	// An INSERT from arrays inserts every row or fails, so within a combined statement only
	// updates are counted: counting is a RETURNING row per changed row, kept in a tuplestore
	// that spills to disk past work_mem (it slowed a 100,000-payout export by half).
	want int
	what string
}

// deferWrite holds w back until the transaction's next read, next write that cannot join it,
// or commit, whichever comes first (on PostgreSQL, inside a transaction; elsewhere it runs
// now). The writes held back then go as one statement: a credit batch's transfers, balances,
// events, audit entries and stored answers cost one round trip instead of five. Statement
// order is kept, since every other statement flushes what is held first; only the moment an
// error shows moves, to that flush, and the transaction fails either way.
func (t *Tx) deferWrite(ctx context.Context, w pendingWrite) error {
	if !t.d.ArrayParams || t.tx == nil || w.want > maxHeldRows {
		res, err := t.exec(ctx, w.sql, w.args...)
		return checkAffected(res, err, w.want, w.what)
	}
	if t.flushErr != nil {
		return t.flushErr
	}
	// A statement takes at most 65,535 parameters: a long run of small writes goes in parts.
	if len(t.pending) >= maxPendingWrites {
		if err := t.flushWrites(ctx); err != nil {
			return err
		}
	}
	for _, p := range t.pending {
		if p.table == w.table && (p.update || w.update) {
			if err := t.flushWrites(ctx); err != nil {
				return err
			}
			break
		}
	}
	t.pending = append(t.pending, w)
	return nil
}

// maxHeldRows is the largest write held back. Round trips matter to small writes only; a
// bulk write (an export's 10,000-row chunks) runs at once, since in a combined statement
// 100,000 payouts took 12.8 s to export instead of 9.3 to 10.4.
const maxHeldRows = 1_000

// maxPendingWrites bounds the writes held back (each has at most a few dozen parameters).
const maxPendingWrites = 64

var paramRef = regexp.MustCompile(`\$(\d+)`)

// flushWrites sends the writes held back: one alone as it is, several as the data-modifying
// common table expressions of one statement, which PostgreSQL runs each exactly once and to
// completion, and whose row counts the statement returns to be checked.
func (t *Tx) flushWrites(ctx context.Context) error {
	if t.flushErr != nil {
		return t.flushErr
	}
	if len(t.pending) == 0 {
		return nil
	}
	ws := t.pending
	t.pending = nil
	if len(ws) == 1 {
		res, err := t.exec(ctx, ws[0].sql, ws[0].args...)
		t.flushErr = checkAffected(res, err, ws[0].want, ws[0].what)
		return t.flushErr
	}
	var q strings.Builder
	var args []any
	q.WriteString("WITH ")
	for i, w := range ws {
		if i > 0 {
			q.WriteString(", ")
		}
		offset := len(args)
		renumbered := paramRef.ReplaceAllStringFunc(w.sql, func(m string) string {
			n, _ := strconv.Atoi(m[1:])
			return "$" + strconv.Itoa(n+offset)
		})
		if w.update {
			fmt.Fprintf(&q, "w%d AS (%s RETURNING 1)", i, renumbered)
		} else {
			fmt.Fprintf(&q, "w%d AS (%s)", i, renumbered)
		}
		args = append(args, w.args...)
	}
	q.WriteString(" SELECT 0")
	var counted []int
	for i, w := range ws {
		if w.update {
			fmt.Fprintf(&q, ", (SELECT count(*) FROM w%d)", i)
			counted = append(counted, i)
		}
	}
	counts := make([]int64, 1+len(counted))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	err := t.mapErr(t.q.QueryRowContext(ctx, q.String(), args...).Scan(dest...))
	if err == nil {
		for j, i := range counted {
			if w := ws[i]; counts[j+1] != int64(w.want) {
				err = fmt.Errorf("sqlstore: %s changed %d of %d rows", w.what, counts[j+1], w.want)
				break
			}
		}
	}
	t.flushErr = err
	return err
}
