package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/sqlstore"
	"github.com/payport/payport/internal/store/storetest"
)

// BenchmarkCreateLinks measures POST /payment-links through the use case (HTTP excluded; the
// email job is queued in the same transaction), from 16 goroutines.
//
//	go test -run '^$' -bench CreateLinks -benchtime 2000x ./internal/app/
func BenchmarkCreateLinks(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			env := newPayoutEnv(b, e, false)
			key := org.APIKey{Role: org.RoleOrgAdmin, Scope: env.scope}
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					if _, err := env.a.CreateLink(context.Background(), key, app.CreateLinkInput{Email: fmt.Sprintf("c%d@example.com", i%1000),
						OrgID: env.scope.OrgID, PaymentAmount: app.JSONNumber("10.5"), Currency: "EUR"}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "links/s")
		})
	}
}

// BenchmarkDispatch100kReminders times one POST /payment-links/scheduled over 100,000 due
// links (the use case: one INSERT ... SELECT claims the window's reminders, and one job per
// 1,000 links is queued in the same transaction). The links are inserted with one statement
// first, untimed.
//
//	go test -run '^$' -bench Dispatch100k -benchtime 1x -timeout 15m ./internal/app/
func BenchmarkDispatch100kReminders(b *testing.B) {
	const n = 100_000
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			env := newPayoutEnv(b, e, false)
			at := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
			db := env.a.Store.WriterDB()
			var err error
			if e.Name == "postgres" {
				_, err = db.Exec(`INSERT INTO payment_links (id, org_id, mode, email, currency, scheduled_at, status, expires_at, created_at, updated_at)
					SELECT 'pl_b' || g, $1, 'test', 'c' || g || '@example.com', 'EUR', $2, 'active', $3, $4, $4 FROM generate_series(1, $5) g`,
					env.scope.OrgID, at, at.Add(72*time.Hour), time.Now().UTC(), n)
			} else {
				f := func(t time.Time) string { return t.UTC().Format(sqlstore.SQLiteTimeLayout) }
				_, err = db.Exec(`WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < $5)
					INSERT INTO payment_links (id, org_id, mode, email, currency, scheduled_at, status, expires_at, created_at, updated_at)
					SELECT 'pl_b' || x, $1, 'test', 'c' || x || '@example.com', 'EUR', $2, 'active', $3, $4, $4 FROM g`,
					env.scope.OrgID, f(at), f(at.Add(72*time.Hour)), f(time.Now()), n)
			}
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				got, err := env.a.DispatchReminders(context.Background(), at.Add(-time.Minute), 24*time.Hour)
				if err != nil || got != n {
					b.Fatalf("dispatched %d, %v", got, err)
				}
				b.ReportMetric(time.Since(start).Seconds(), "s/dispatch")
				if again, err := env.a.DispatchReminders(context.Background(), at.Add(-time.Minute), 24*time.Hour); err != nil || again != 0 {
					b.Fatalf("again: %d %v", again, err)
				}
			}
		})
	}
}
