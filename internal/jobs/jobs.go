// Package jobs is Payport's durable job queue: River, on the same database as everything else,
// so a job is enqueued in the same transaction as the change that causes it and is never lost
// or run for a change that rolled back. One code path serves both engines through *sql.Tx.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Queue enqueues and works jobs.
type Queue struct {
	client *river.Client[*sql.Tx]
	db     *sql.DB
}

// Config says what the queue runs.
type Config struct {
	Logger *slog.Logger
	// Register adds the workers (river.AddWorker) before the client is built.
	Register func(*river.Workers)
	// Periodic jobs run on the elected leader process only.
	Periodic []*river.PeriodicJob
	// Workers is how many jobs run at once in this process (default 10).
	Workers int
	// PollInterval is how often idle workers look for new jobs (default 200 ms).
	PollInterval time.Duration
	// InsertOnly builds a client that can enqueue but works nothing (CLI commands).
	InsertOnly bool
}

func driverFor(engine string, db *sql.DB) (riverdriver.Driver[*sql.Tx], error) {
	switch engine {
	case "sqlite":
		return riversqlite.New(db), nil
	case "postgres":
		return riverdatabasesql.New(db), nil
	}
	return nil, fmt.Errorf("jobs: unknown engine %q", engine)
}

// Migrate creates or upgrades the queue's tables.
func Migrate(ctx context.Context, engine string, db *sql.DB) error {
	d, err := driverFor(engine, db)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(d, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	if engine == "postgres" {
		// River's migrator takes no lock: replicas starting at once on a fresh database
		// would create its tables at once, and all but one fail on duplicate types (found
		// by the crash soak). A session advisory lock, held on a connection of its own
		// while the pool migrates, lets one process migrate and the others find it done.
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
			return fmt.Errorf("lock the job queue's migrations: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockID)
		}()
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// jobTimeout bounds one run of a job.
const jobTimeout = time.Minute

// migrateLockID is the PostgreSQL advisory lock key serialising the job queue's migrations
// between processes (goose's lock for the store's migrations is a different key).
const migrateLockID int64 = 0x7061_7970_6f72_7401 // "payport" + 1

// New builds a queue on db (the store's writer handle) after migrating its tables.
func New(ctx context.Context, engine string, db *sql.DB, cfg Config) (*Queue, error) {
	if err := Migrate(ctx, engine, db); err != nil {
		return nil, err
	}
	d, err := driverFor(engine, db)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 10
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	workers := river.NewWorkers()
	if cfg.Register != nil {
		cfg.Register(workers)
	}
	rc := &river.Config{
		Logger:            cfg.Logger,
		Workers:           workers,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		MaxAttempts:       25,
		JobTimeout:        jobTimeout,
		// A process killed while it ran a job (or before River recorded its completion)
		// leaves the job "running"; River's default hands it to another worker only after
		// JobTimeout + 1 hour, which left payouts processing and payment link emails unsent
		// for an hour in the crash soak. Jobs are cut at JobTimeout, so one still running a
		// minute later is a dead process's: rescue it then (jobs are idempotent).
		RescueStuckJobsAfter: jobTimeout + time.Minute,
	}
	// An insert-only client (CLI tools) enqueues jobs that serve's workers run.
	rc.SkipUnknownJobCheck = cfg.InsertOnly
	if !cfg.InsertOnly {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
		rc.PeriodicJobs = cfg.Periodic
	}
	client, err := river.NewClient(d, rc)
	if err != nil {
		return nil, err
	}
	return &Queue{client: client, db: db}, nil
}

// Start begins working jobs in the background.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop stops fetching and waits for running jobs to finish (graceful shutdown).
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// InsertTx enqueues a job in the caller's transaction.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.client.InsertTx(ctx, tx, args, opts)
	return err
}

// Depth counts jobs waiting to run (available or scheduled), for the metrics endpoint.
func (q *Queue) Depth(ctx context.Context) (int64, error) {
	var n int64
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable')`).Scan(&n)
	return n, err
}
