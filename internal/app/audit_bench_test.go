package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
)

// BenchmarkCreditAudited is BenchmarkCredit with an API key's actor in the context, as every
// HTTP credit has: each credit also buffers an audit entry, written in bulk with its batch.
// Compare the two to see what the audit log costs on the hot path:
//
//	go test -run '^$' -bench 'Credit$|CreditAudited' ./internal/app/
func BenchmarkCreditAudited(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			a := app.New(e.Open(b), nil, "")
			defer a.Close()
			ctx := context.Background()
			o, _, err := a.CreateOrg(ctx, "Bench", false)
			if err != nil {
				b.Fatal(err)
			}
			scope := scopeOf(o.ID)
			ids := make([]string, 64)
			for i := range ids {
				v, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr(fmt.Sprintf("r%d", i)), Currency: ptr("EUR")})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = v.ID
			}
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					ctx := app.WithAuditActor(ctx, app.AuditActor{Type: member.ActorAPIKey, ID: "key_bench", IP: "127.0.0.1"})
					if _, _, err := a.Credit(ctx, scope, ids[i%len(ids)], app.MoneyInput{Amount: "0.01", Currency: "EUR"}, app.IdemRequest{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "credits/s")
		})
	}
}
