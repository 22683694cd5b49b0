package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/store"
)

// LedgerCheckArgs is the periodic job that proves the ledger invariants and exports the
// number of violations as a metric, so an alert fires long before anyone runs the CLI.
type LedgerCheckArgs struct{}

// Kind implements river.JobArgs.
func (LedgerCheckArgs) Kind() string { return "ledger_check" }

// IdempotencyCleanupArgs is the periodic job that forgets idempotency keys past retention.
type IdempotencyCleanupArgs struct{}

// Kind implements river.JobArgs.
func (IdempotencyCleanupArgs) Kind() string { return "idempotency_cleanup" }

type ledgerCheckWorker struct {
	river.WorkerDefaults[LedgerCheckArgs]
	app *App
}

func (w *ledgerCheckWorker) Work(ctx context.Context, job *river.Job[LedgerCheckArgs]) error {
	violations, accounts, err := w.app.CheckLedger(ctx)
	if err != nil {
		return err
	}
	if w.app.Metrics != nil {
		w.app.Metrics.LedgerViolations.Set(float64(len(violations)))
	}
	for _, v := range violations {
		w.app.Log.Error("ledger invariant violated", "rule", v.Rule, "subject", v.Subject, "detail", v.Detail)
	}
	w.app.Log.Info("ledger check", "accounts", accounts, "violations", len(violations))
	return nil
}

type idempotencyCleanupWorker struct {
	river.WorkerDefaults[IdempotencyCleanupArgs]
	app *App
}

func (w *idempotencyCleanupWorker) Work(ctx context.Context, job *river.Job[IdempotencyCleanupArgs]) error {
	var n int64
	err := w.app.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteExpiredIdempotencyKeys(ctx, w.app.now())
		return err
	})
	if err == nil && n > 0 {
		w.app.Log.Info("forgot expired idempotency keys", "count", n)
	}
	return err
}

type expirePaymentsWorker struct {
	river.WorkerDefaults[expirePaymentsArgs]
	app *App
}

func (w *expirePaymentsWorker) Work(ctx context.Context, job *river.Job[expirePaymentsArgs]) error {
	n, err := w.app.ExpirePayments(ctx)
	if n > 0 {
		w.app.Log.Info("expired unfinished payments", "count", n)
	}
	return err
}

// RegisterWorkers adds the app's job workers to the queue's registry.
func (a *App) RegisterWorkers(w *river.Workers) {
	river.AddWorker(w, &ledgerCheckWorker{app: a})
	river.AddWorker(w, &idempotencyCleanupWorker{app: a})
	river.AddWorker(w, &retentionWorker{app: a})
	river.AddWorker(w, &submitPayoutWorker{app: a})
	river.AddWorker(w, &settlePayoutWorker{app: a})
	river.AddWorker(w, &settleFilesWorker{app: a})
	river.AddWorker(w, &sendEmailWorker{app: a})
	river.AddWorker(w, &expirePaymentsWorker{app: a})
	river.AddWorker(w, &sendLinkWorker{app: a})
	river.AddWorker(w, &remindLinksWorker{app: a})
	river.AddWorker(w, &remindLinksPeriodicWorker{app: a})
	river.AddWorker(w, &expireLinksWorker{app: a})
	river.AddWorker(w, &verifyIdentityWorker{app: a})
}

// PeriodicJobs are the app's scheduled jobs (run by the leader process only).
func (a *App) PeriodicJobs(ledgerCheckEvery time.Duration) []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(ledgerCheckEvery), func() (river.JobArgs, *river.InsertOpts) {
			return LedgerCheckArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return IdempotencyCleanupArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return RetentionArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return SettleFilesArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		// Forms check their expiry themselves; this only makes the status (and its event) follow.
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return expirePaymentsArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return expireLinksArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(a.linkRemindersEvery()), func() (river.JobArgs, *river.InsertOpts) {
			return remindLinksPeriodicArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}

func (a *App) linkRemindersEvery() time.Duration {
	if a.LinkRemindersEvery > 0 {
		return a.LinkRemindersEvery
	}
	return time.Hour
}
