package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/sqlite"
)

// synchronousIn reads the synchronous level the transaction's connection commits with
// (1 = NORMAL, 2 = FULL).
func synchronousIn(t *testing.T, tx store.Tx) int {
	t.Helper()
	var level int
	if err := tx.SQLTx().QueryRow(`PRAGMA synchronous`).Scan(&level); err != nil {
		t.Fatal(err)
	}
	return level
}

// TestRelaxedCommitsStayOnTheirTransaction: a relaxed transaction commits without its fsync
// (synchronous NORMAL), and no durable transaction, before, after or racing with relaxed
// ones on the single writer connection, ever runs relaxed.
func TestRelaxedCommitsStayOnTheirTransaction(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if err := db.InTxRelaxed(ctx, func(tx store.Tx) error {
					if got := synchronousIn(t, tx); got != 1 {
						t.Errorf("relaxed transaction runs with synchronous %d, want 1 (NORMAL)", got)
					}
					return nil
				}); err != nil {
					t.Error(err)
				}
				return
			}
			if err := db.InTx(ctx, func(tx store.Tx) error {
				if got := synchronousIn(t, tx); got != 2 {
					t.Errorf("durable transaction runs with synchronous %d, want 2 (FULL)", got)
				}
				return nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// TestWriterKeepsTemporaryDataInMemory: the writer's statement journals (a multi-row write's
// undo pages) stay in memory instead of spilling to a temporary file per statement.
func TestWriterKeepsTemporaryDataInMemory(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.InTx(ctx, func(tx store.Tx) error {
		var mode int
		if err := tx.SQLTx().QueryRow(`PRAGMA temp_store`).Scan(&mode); err != nil {
			return err
		}
		if mode != 2 {
			t.Errorf("writer temp_store is %d, want 2 (MEMORY)", mode)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
