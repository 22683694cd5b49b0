package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/store"
)

// postingBatcher commits concurrent ledger postings together ("group commit"): requests that
// arrive while a transaction is committing wait for the next one, which then carries all of
// them. One transaction, one lock of each account, one fsync for many requests, and each
// request still answers only after its own posting committed. Every posting keeps its own
// outcome: one that would overdraw fails alone.
type postingBatcher struct {
	a        *App
	in       chan *postingRequest
	maxBatch int
	stop     chan struct{}
	wg       sync.WaitGroup
}

// postingRequest is one posting waiting for a batch.
type postingRequest struct {
	ctx     context.Context
	posting ledger.Posting
	// after runs in the batch's transaction when the posting succeeded or replayed (events,
	// idempotency records); an error from it fails this request only. It gets the batch's
	// context: the request's may be canceled while the batch it joined commits.
	after func(ctx context.Context, tx store.Tx, r ledger.Result) error
	done  chan error
	// result is set before done is signalled.
	result ledger.Result
}

// newPostingBatcher starts committers that each take what is queued and commit it. Several
// committers overlap their transactions (on PostgreSQL; SQLite has one writer anyway): only
// recipients' accounts are locked, in id order, so batches of different recipients commit in
// parallel and the database merges their fsyncs.
func newPostingBatcher(a *App, maxBatch, committers int) *postingBatcher {
	b := &postingBatcher{a: a, in: make(chan *postingRequest, maxBatch*4), maxBatch: maxBatch, stop: make(chan struct{})}
	for range committers {
		b.wg.Add(1)
		go b.loop()
	}
	return b
}

// post submits a posting and waits for its outcome. The result's Err is the posting's own
// failure; the returned error is that or a storage failure.
func (b *postingBatcher) post(ctx context.Context, p ledger.Posting, after func(ctx context.Context, tx store.Tx, r ledger.Result) error) (ledger.Result, error) {
	req := &postingRequest{ctx: ctx, posting: p, after: after, done: make(chan error, 1)}
	select {
	case <-b.stop:
		return ledger.Result{}, errors.New("the ledger is shutting down")
	default:
	}
	select {
	case b.in <- req:
	case <-ctx.Done():
		return ledger.Result{}, ctx.Err()
	case <-b.stop:
		return ledger.Result{}, errors.New("the ledger is shutting down")
	}
	// Once queued, the request is waited for even if the client goes away: it may commit.
	err := <-req.done
	return req.result, err
}

func (b *postingBatcher) close() {
	close(b.stop)
	b.wg.Wait()
}

func (b *postingBatcher) loop() {
	defer b.wg.Done()
	for {
		var first *postingRequest
		select {
		case first = <-b.in:
		case <-b.stop:
			// Finish what was queued before stopping.
			for {
				select {
				case r := <-b.in:
					b.commit([]*postingRequest{r})
				default:
					return
				}
			}
		}
		batch := []*postingRequest{first}
	drain:
		for len(batch) < b.maxBatch {
			select {
			case r := <-b.in:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		b.commit(batch)
	}
}

// commit runs a batch in one transaction; if that fails as a whole, each request is retried
// alone so that one bad request cannot fail the others.
func (b *postingBatcher) commit(batch []*postingRequest) {
	live := batch[:0]
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.done <- r.ctx.Err()
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if b.a.Metrics != nil {
		b.a.Metrics.BatchSize.Observe(float64(len(live)))
	}
	err := b.run(context.Background(), live)
	if err == nil || len(live) == 1 {
		for _, r := range live {
			if err != nil {
				r.done <- err
			} else {
				r.done <- r.result.Err
			}
		}
		return
	}
	b.a.Log.Warn("ledger batch failed; retrying its requests one by one", "size", len(live), "err", err)
	for _, r := range live {
		one := []*postingRequest{r}
		if err := b.run(context.Background(), one); err != nil {
			r.done <- err
		} else {
			r.done <- r.result.Err
		}
	}
}

func (b *postingBatcher) run(ctx context.Context, batch []*postingRequest) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	postings := make([]ledger.Posting, len(batch))
	for i, r := range batch {
		postings[i] = r.posting
	}
	return b.a.Store.InTx(ctx, func(tx store.Tx) error {
		// Every batch runs the same few statements with a few rows each: plan them once.
		if err := tx.ReusePlans(ctx); err != nil {
			return err
		}
		results, err := ledger.Post(ctx, tx, b.a.now(), postings)
		if err != nil {
			return err
		}
		for i, r := range batch {
			r.result = results[i]
			if results[i].Err == nil && r.after != nil {
				if err := r.after(carryAudit(ctx, r.ctx), tx, results[i]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
