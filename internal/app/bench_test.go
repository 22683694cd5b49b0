package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store/storetest"
)

// BenchmarkCredit measures credits through the use case (group commit included, HTTP
// excluded) on each engine, from as many goroutines as -cpu x SetParallelism(8).
//
//	go test -run '^$' -bench 'Credit$|CreditAudited' ./internal/app/
func BenchmarkCredit(b *testing.B) { benchmarkCredits(context.Background(), b) }

// BenchmarkCreditAudited is BenchmarkCredit with an API key's actor in the context, as every
// HTTP credit has: each credit also buffers an audit entry, written in bulk with its batch.
// The two side by side say what the audit log costs on the hot path.
func BenchmarkCreditAudited(b *testing.B) {
	benchmarkCredits(app.WithAuditActor(context.Background(), app.AuditActor{Type: member.ActorAPIKey, ID: "key_bench", IP: "127.0.0.1"}), b)
}

func benchmarkCredits(ctx context.Context, b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			a := app.New(e.Open(b), nil, "")
			defer a.Close()
			o, _, err := a.CreateOrg(context.Background(), "Bench", false)
			if err != nil {
				b.Fatal(err)
			}
			scope := scopeOf(o.ID)
			ids := make([]string, 64)
			for i := range ids {
				v, err := a.CreateRecipient(context.Background(), scope, app.RecipientInput{ExternalID: ptr(fmt.Sprintf("r%d", i)), Currency: ptr("EUR")})
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

// BenchmarkMintBalanceURL measures seed 001's Get Balance Withdrawal URL through the use case
// (HTTP excluded). Run it per core with -cpu 1:
//
//	go test -run '^$' -bench MintBalanceURL -cpu 1,2 ./internal/app/
func BenchmarkMintBalanceURL(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		b.Run(e.Name, func(b *testing.B) {
			a := app.New(e.Open(b), nil, "http://127.0.0.1:8080")
			kr, err := secret.NewKeyring(make([]byte, 32))
			if err != nil {
				b.Fatal(err)
			}
			a.Sealer = kr
			defer a.Close()
			ctx := context.Background()
			o, _, err := a.CreateOrg(ctx, "Bench", false)
			if err != nil {
				b.Fatal(err)
			}
			scope := scopeOf(o.ID)
			if _, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr("site_bench"), Currency: ptr("EUR")}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := a.BalanceWithdrawalURL(ctx, scope, "site_bench", app.BalanceURLOptions{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "urls/s")
		})
	}
}
