package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// maintenanceLockKey, with the schema's name hashed as the second key, is the advisory lock
// that lets one process of many do the maintenance of the tables of one schema. Advisory
// locks span the database: with one key for all, Payports in other schemas of the same
// database (test runs, or installations side by side) skipped each other's passes.
const maintenanceLockKey int32 = 0x7061_7970 // "payp"

// maintenanceLockArgs are the lock's two keys for the connection's schema ($1 is
// maintenanceLockKey).
const maintenanceLockArgs = `$1::int4, hashtext(current_schema())`

// MaintenanceInterval is how often RunMaintenance looks at the tables.
const MaintenanceInterval = 30 * time.Second

// AutovacuumOff reports whether the server runs without autovacuum.
func AutovacuumOff(ctx context.Context, db *sql.DB) (bool, error) {
	var v string
	if err := db.QueryRowContext(ctx, `SHOW autovacuum`).Scan(&v); err != nil {
		return false, err
	}
	return v == "off", nil
}

// MaintenanceDone is what one MaintainOnce pass did.
type MaintenanceDone struct {
	Vacuumed []string // VACUUM (ANALYZE)
	Analyzed []string // ANALYZE only
}

// MaintainOnce does for Payport's tables (those of the connection's current schema) what
// autovacuum would, with autovacuum's default thresholds: ANALYZE a table once more than
// 50 + 10% of its rows changed since the last analysis (or it never had one), and VACUUM it
// once more than 50 + 20% of its rows are dead or 1,000 + 20% were inserted since the last
// vacuum. Without it, on a server whose autovacuum is off, the planner keeps the statistics
// of empty tables: under the mixed load, every payment lookup by id then walked all the
// org's payments through another index (180 million rows read in four minutes), and the rate
// fell from 750 to 400 requests a second in two minutes. Only one process runs a pass at a
// time (an advisory lock); a process that finds it taken does nothing.
func MaintainOnce(ctx context.Context, db *sql.DB) (MaintenanceDone, error) {
	var done MaintenanceDone
	conn, err := db.Conn(ctx)
	if err != nil {
		return done, err
	}
	defer conn.Close()
	var locked bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+maintenanceLockArgs+`)`, maintenanceLockKey).Scan(&locked); err != nil {
		return done, err
	}
	if !locked {
		return done, nil
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+maintenanceLockArgs+`)`, maintenanceLockKey)
	}()
	rows, err := conn.QueryContext(ctx, `SELECT schemaname, relname,
			n_dead_tup > 50 + 0.2 * n_live_tup OR n_ins_since_vacuum > 1000 + 0.2 * n_live_tup,
			n_mod_since_analyze > 50 + 0.1 * n_live_tup OR (last_analyze IS NULL AND last_autoanalyze IS NULL AND n_live_tup > 0)
		FROM pg_stat_user_tables WHERE schemaname = current_schema() ORDER BY relname`)
	if err != nil {
		return done, err
	}
	type table struct {
		name            string
		vacuum, analyze bool
	}
	var due []table
	for rows.Next() {
		var schema, name string
		var t table
		if err := rows.Scan(&schema, &name, &t.vacuum, &t.analyze); err != nil {
			rows.Close()
			return done, err
		}
		t.name = pgx.Identifier{schema, name}.Sanitize()
		if t.vacuum || t.analyze {
			due = append(due, t)
		}
	}
	if err := rows.Close(); err != nil {
		return done, err
	}
	for _, t := range due {
		// VACUUM cannot run in a transaction: these run on the session, one statement each.
		if t.vacuum {
			if _, err := conn.ExecContext(ctx, `VACUUM (ANALYZE) `+t.name); err != nil {
				return done, fmt.Errorf("vacuum %s: %w", t.name, err)
			}
			done.Vacuumed = append(done.Vacuumed, t.name)
			continue
		}
		if _, err := conn.ExecContext(ctx, `ANALYZE `+t.name); err != nil {
			return done, fmt.Errorf("analyze %s: %w", t.name, err)
		}
		done.Analyzed = append(done.Analyzed, t.name)
	}
	return done, nil
}

// RunMaintenance runs MaintainOnce every interval until ctx ends, while the server's
// autovacuum is off (it asks again each time: an operator may turn it on). It warns once when
// it finds autovacuum off, since the server's other databases get no such care.
func RunMaintenance(ctx context.Context, db *sql.DB, log *slog.Logger, interval time.Duration) {
	warned := false
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		off, err := AutovacuumOff(ctx, db)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				log.Debug("database maintenance: read autovacuum setting", "err", err)
			}
		case off:
			if !warned {
				log.Warn("PostgreSQL's autovacuum is off: Payport vacuums and analyzes its own tables (turn autovacuum on for the server's other databases)")
				warned = true
			}
			done, err := MaintainOnce(ctx, db)
			if err != nil && ctx.Err() == nil {
				log.Warn("database maintenance", "err", err)
			} else if len(done.Vacuumed)+len(done.Analyzed) > 0 {
				log.Debug("database maintenance", "vacuumed", done.Vacuumed, "analyzed", done.Analyzed)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
