// Package storetest opens real databases for tests: a fresh SQLite file, and, when
// PAYPORT_TEST_DATABASE_URL is set, a fresh schema on that PostgreSQL server (dropped after the
// test), so tests run in parallel without seeing each other. Under CI=true a missing
// PostgreSQL fails the test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/payport/payport/internal/store/postgres"
	"github.com/payport/payport/internal/store/sqlite"
	"github.com/payport/payport/internal/store/sqlstore"
)

// Engine is a way to open a fresh test database.
type Engine struct {
	Name string
	// Open returns a fresh, migrated database, closed when the test ends.
	Open func(t testing.TB) *sqlstore.DB
	// URL returns the connection string of a fresh database for out-of-process servers:
	// a SQLite file path or a PostgreSQL URL with its own search_path.
	URL func(t testing.TB) string
}

// Engines returns SQLite always and PostgreSQL when configured.
func Engines(t testing.TB) []Engine {
	out := []Engine{SQLite()}
	if pg, ok := Postgres(t); ok {
		out = append(out, pg)
	}
	return out
}

// SQLite is the embedded engine on a temporary file.
func SQLite() Engine {
	e := Engine{Name: "sqlite"}
	e.URL = func(t testing.TB) string { return filepath.Join(t.TempDir(), "payport.db") }
	e.Open = func(t testing.TB) *sqlstore.DB {
		db, err := sqlite.Open(context.Background(), e.URL(t), sqlite.Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return e
}

// Postgres is the PostgreSQL engine, or false when PAYPORT_TEST_DATABASE_URL is unset (a
// failure under CI=true).
func Postgres(t testing.TB) (Engine, bool) {
	base := os.Getenv("PAYPORT_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PAYPORT_TEST_DATABASE_URL is not set; CI must test PostgreSQL")
		}
		return Engine{}, false
	}
	e := Engine{Name: "postgres"}
	e.URL = func(t testing.TB) string { return freshSchema(t, base) }
	e.Open = func(t testing.TB) *sqlstore.DB {
		db, err := postgres.Open(context.Background(), e.URL(t), postgres.Options{MaxConns: 30})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return e, true
}

// freshSchema creates a schema of its own and returns base with search_path set to it.
func freshSchema(t testing.TB, base string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
