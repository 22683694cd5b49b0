package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/payport/payport/internal/store/postgres"
	"github.com/payport/payport/internal/store/storetest"
)

// TestMaintainOnceAnalyzesAndVacuums runs on this project's PostgreSQL, whose autovacuum is
// off (as CI leaves it): tables that changed get planner statistics and their dead rows
// cleared, tables that did not are left alone, a second process finds nothing to do while
// the first holds the lock, and a Payport in another schema of the database does not hold
// this one back.
func TestMaintainOnceAnalyzesAndVacuums(t *testing.T) {
	eng, ok := storetest.Postgres(t)
	if !ok {
		t.Skip("PAYPORT_TEST_DATABASE_URL not set")
	}
	ctx := context.Background()
	st, err := postgres.Open(ctx, eng.URL(t), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.WriterDB()
	if off, err := postgres.AutovacuumOff(ctx, db); err != nil || !off {
		t.Skipf("the server's autovacuum is on (%v): nothing to prove here", err)
	}
	// 2,000 rows in one table, 1,500 of them updated (dead versions), nothing in the others.
	mustExec(t, db, `INSERT INTO orgs (id, name, settings, created_at, updated_at)
		SELECT 'org_' || g, 'Org ' || g, '{}', now(), now() FROM generate_series(1, 2000) g`)
	mustExec(t, db, `UPDATE orgs SET name = name || '!' WHERE id <= 'org_1500'`)
	waitStats(t, db, `n_live_tup = 2000 AND n_dead_tup > 0`)

	done, err := postgres.MaintainOnce(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(done.Vacuumed, func(s string) bool { return strings.HasSuffix(s, `"orgs"`) }) {
		t.Fatalf("orgs not vacuumed: %+v", done)
	}
	// Besides orgs, only the migrations' table has rows it was never analyzed with.
	if len(done.Vacuumed) != 1 || len(done.Analyzed) > 1 || (len(done.Analyzed) == 1 && !strings.HasSuffix(done.Analyzed[0], `"goose_db_version"`)) {
		t.Errorf("tables that did not change were maintained too: %+v", done)
	}
	var reltuples float64
	if err := db.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'orgs'::regclass`).Scan(&reltuples); err != nil {
		t.Fatal(err)
	}
	if reltuples != 2000 {
		t.Errorf("planner's row count of orgs after maintenance = %v, want 2000", reltuples)
	}
	waitStats(t, db, `n_dead_tup = 0 AND last_vacuum IS NOT NULL`)
	// Nothing changed since: a second pass does nothing.
	if done, err := postgres.MaintainOnce(ctx, db); err != nil || len(done.Vacuumed)+len(done.Analyzed) != 0 {
		t.Errorf("second pass: %+v, %v; want nothing done", done, err)
	}

	// Another process holds the lock: this one skips its pass.
	mustExec(t, db, `UPDATE orgs SET name = name || '?'`)
	waitStats(t, db, `n_dead_tup >= 2000`)
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.HoldMaintenanceLock(ctx, holder); err != nil {
		t.Fatal(err)
	}
	if done, err := postgres.MaintainOnce(ctx, db); err != nil || len(done.Vacuumed)+len(done.Analyzed) != 0 {
		t.Errorf("pass while another holds the lock: %+v, %v; want nothing done", done, err)
	}
	_ = postgres.ReleaseMaintenanceLock(ctx, holder)
	holder.Close()

	// A Payport in another schema of the same database maintains its own tables: holding
	// its lock does not hold this one's pass back.
	other, err := postgres.Open(ctx, eng.URL(t), postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherHolder, err := other.WriterDB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer otherHolder.Close()
	if err := postgres.HoldMaintenanceLock(ctx, otherHolder); err != nil {
		t.Fatal(err)
	}
	if done, err := postgres.MaintainOnce(ctx, db); err != nil || len(done.Vacuumed) != 1 {
		t.Errorf("pass after the lock is free (another schema's held): %+v, %v; want orgs vacuumed", done, err)
	}
}

func mustExec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", q, err))
	}
}

// waitStats waits until orgs' row in pg_stat_user_tables meets cond: a backend reports its
// counters when it goes idle, at most once a second.
func waitStats(t *testing.T, db *sql.DB, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		if err := db.QueryRow(`SELECT ` + cond + ` FROM pg_stat_user_tables WHERE relid = 'orgs'::regclass`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("orgs' statistics never showed %s", cond)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
