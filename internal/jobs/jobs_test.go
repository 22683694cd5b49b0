package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/payport/payport/internal/jobs"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
)

type noteArgs struct {
	Note string `json:"note"`
}

func (noteArgs) Kind() string { return "test_note" }

type noteWorker struct {
	river.WorkerDefaults[noteArgs]
	seen     chan string
	failures *atomic.Int32
}

func (w *noteWorker) Work(ctx context.Context, job *river.Job[noteArgs]) error {
	// The first attempt of a "flaky" job fails, to prove retries happen.
	if job.Args.Note == "flaky" && job.Attempt == 1 {
		w.failures.Add(1)
		return errors.New("first attempt fails")
	}
	w.seen <- job.Args.Note
	return nil
}

func (w *noteWorker) NextRetry(job *river.Job[noteArgs]) time.Time {
	return time.Now().Add(50 * time.Millisecond)
}

// TestJobsFollowTheirTransaction shows the queue's promise on both engines: a job enqueued in a
// transaction that commits runs (and is retried when it fails), while one enqueued in a
// transaction that rolls back never runs.
func TestJobsFollowTheirTransaction(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			db := e.Open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			w := &noteWorker{seen: make(chan string, 10), failures: &atomic.Int32{}}
			q, err := jobs.New(ctx, db.Engine(), db.WriterDB(), jobs.Config{
				Register:     func(ws *river.Workers) { river.AddWorker(ws, w) },
				PollInterval: 50 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q.Stop(context.Background())

			enqueue := func(note string, commit bool) {
				err := db.InTx(ctx, func(tx store.Tx) error {
					if err := q.InsertTx(ctx, tx.SQLTx(), noteArgs{Note: note}, nil); err != nil {
						return err
					}
					if !commit {
						return errors.New("roll back")
					}
					return nil
				})
				if commit && err != nil {
					t.Fatal(err)
				}
			}
			enqueue("rolled-back", false)
			enqueue("committed", true)
			enqueue("flaky", true)

			got := map[string]bool{}
			for len(got) < 2 {
				select {
				case n := <-w.seen:
					got[n] = true
				case <-ctx.Done():
					t.Fatalf("jobs did not run; saw %v", got)
				}
			}
			if !got["committed"] || !got["flaky"] {
				t.Fatalf("saw %v, want committed and flaky", got)
			}
			if w.failures.Load() != 1 {
				t.Fatalf("flaky job failed %d times, want 1 then a successful retry", w.failures.Load())
			}
			select {
			case n := <-w.seen:
				t.Fatalf("unexpected job %q ran", n)
			case <-time.After(300 * time.Millisecond):
			}
			depth, err := q.Depth(ctx)
			if err != nil || depth != 0 {
				t.Fatalf("queue depth %d (%v), want 0", depth, err)
			}
		})
	}
}

// TestMigrateFromSeveralProcessesAtOnce starts the queue's migrations from several connection
// pools at once on a fresh PostgreSQL schema, as replicas rolling out together do: every one
// must succeed (River's migrator takes no lock of its own; the crash soak found them failing).
func TestMigrateFromSeveralProcessesAtOnce(t *testing.T) {
	pg, ok := storetest.Postgres(t)
	if !ok {
		t.Skip("PostgreSQL not configured: set PAYPORT_TEST_DATABASE_URL")
	}
	url := pg.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n = 4
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		go func() {
			<-start
			errs <- jobs.Migrate(ctx, "postgres", db)
		}()
	}
	close(start)
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("migration %d: %v", i, err)
		}
	}
}
