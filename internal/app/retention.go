package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/idempotency"
	"github.com/payport/payport/internal/store"
)

// Retention says how long Payport keeps what has served its purpose. Money never expires:
// payments, transfers, transitions, rail files and the audit log are kept for good.
type Retention struct {
	// Sessions is how long expired portal and dashboard sessions, grants, one-time codes,
	// member links, sign-in failures and development outbox mail are kept (default 7 days).
	Sessions time.Duration
	// Events is how long events are kept, with their webhook messages and attempts, once
	// every delivery of theirs is final (default 30 days, as long as an endpoint can be
	// replayed from the event list).
	Events time.Duration
	// IdempotencyKeys is how long an Idempotency-Key is remembered after its request (default
	// and minimum 24 hours, the IETF draft's). It applies to keys used from then on.
	IdempotencyKeys time.Duration
}

// Retention defaults.
const (
	DefaultRetainSessions = 7 * 24 * time.Hour
	DefaultRetainEvents   = 30 * 24 * time.Hour
)

func (a *App) retention() Retention {
	r := a.Retention
	if r.Sessions <= 0 {
		r.Sessions = DefaultRetainSessions
	}
	if r.Events <= 0 {
		r.Events = DefaultRetainEvents
	}
	r.IdempotencyKeys = max(r.IdempotencyKeys, idempotency.Retention)
	return r
}

// pruneBatch bounds one pruning transaction per table.
const pruneBatch = 1000

// PruneRetained deletes what outlived its retention, in short transactions, and returns how
// many rows went from each table.
func (a *App) PruneRetained(ctx context.Context) (map[string]int64, error) {
	r := a.retention()
	now := a.now()
	cut := store.RetentionCutoffs{Sessions: now.Add(-r.Sessions), Events: now.Add(-r.Events)}
	total := map[string]int64{}
	for {
		var n map[string]int64
		err := a.Store.InTx(ctx, func(tx store.Tx) error {
			var err error
			n, err = tx.PruneRetained(ctx, cut, pruneBatch)
			return err
		})
		if err != nil {
			return total, err
		}
		more := false
		for table, c := range n {
			total[table] += c
			if c >= pruneBatch {
				more = true
			}
		}
		if !more {
			return total, nil
		}
	}
}

// RetentionArgs is the periodic job that prunes what outlived its retention.
type RetentionArgs struct{}

// Kind implements river.JobArgs.
func (RetentionArgs) Kind() string { return "retention" }

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	app *App
}

func (w *retentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	n, err := w.app.PruneRetained(ctx)
	for table, c := range n {
		if c > 0 {
			w.app.Log.Info("pruned rows past retention", "table", table, "count", c)
		}
	}
	return err
}
