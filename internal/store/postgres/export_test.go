package postgres

import (
	"context"
	"database/sql"
)

// HoldMaintenanceLock takes, on conn, the lock a maintenance pass of conn's schema takes
// (tests only: another process holding it).
func HoldMaintenanceLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+maintenanceLockArgs+`)`, maintenanceLockKey)
	return err
}

// ReleaseMaintenanceLock releases what HoldMaintenanceLock took.
func ReleaseMaintenanceLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+maintenanceLockArgs+`)`, maintenanceLockKey)
	return err
}
