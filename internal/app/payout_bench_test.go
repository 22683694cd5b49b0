package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/postgres"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// BenchmarkWithdrawalsThroughSandbox requests b.N withdrawals from 16 goroutines and waits
// until every one has succeeded through the sandbox rail (job queue, submission, settlement).
//
//	go test -run '^$' -bench WithdrawalsThroughSandbox -benchtime 2000x ./internal/app/
func BenchmarkWithdrawalsThroughSandbox(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		b.Run(eng.Name, func(b *testing.B) {
			e := newPayoutEnv(b, eng, true)
			ctx := context.Background()
			// 64 recipients with a bank account and a balance each, as on a real platform.
			refs := make([]string, 64)
			for i := range refs {
				r, err := e.a.CreateRecipient(ctx, e.scope, app.RecipientInput{ExternalID: ptr(fmt.Sprintf("b%d", i)), Currency: ptr("EUR")})
				if err != nil {
					b.Fatal(err)
				}
				refs[i] = r.ID
				if _, _, err := e.a.Credit(ctx, e.scope, r.ID, app.MoneyInput{Amount: "1000.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
					b.Fatal(err)
				}
				if _, err := e.a.AddPayoutMethod(ctx, e.scope, r.ID, app.PayoutMethodInput{HolderName: "Ada", IBAN: germanIBAN("0000")}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			var wg sync.WaitGroup
			ids := make(chan string, b.N)
			work := make(chan int, b.N)
			for i := range b.N {
				work <- i
			}
			close(work)
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						p, _, err := e.a.RequestWithdrawal(ctx, e.scope, refs[i%len(refs)], app.WithdrawalInput{Amount: "0.01", Currency: "EUR"}, app.IdemRequest{})
						if err != nil {
							b.Error(err)
							return
						}
						ids <- p.ID
					}
				}()
			}
			wg.Wait()
			close(ids)
			requested := b.Elapsed()
			for {
				var n int64
				err := e.a.Store.Read(ctx, func(tx store.Tx) error {
					sums, err := tx.SumPayments(ctx, payment.Payout, payment.Succeeded)
					for _, s := range sums {
						n += s.Count
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				if n >= int64(b.N) {
					break
				}
				if b.Failed() {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "withdrawals/s")
			b.ReportMetric(float64(b.N)/requested.Seconds(), "requests/s")
		})
	}
}

// BenchmarkExport100k measures exporting 100,000 pending payouts into one NACHA or SEPA file:
// decrypting their bank details, writing the file and moving every payout to processing, with
// the file's transition and event, in one transaction. dispatch-s/op is what the export leaves
// to the webhook dispatcher, untimed: writing the payouts' payment.processing events and
// dispatching them.
//
//	go test -run '^$' -bench Export100k -benchtime 1x -timeout 30m ./internal/app/
func BenchmarkExport100k(b *testing.B) {
	n := 100_000
	if v := os.Getenv("EXPORT_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	for _, eng := range storetest.Engines(b) {
		for _, railName := range []string{"nacha", "sepa"} {
			b.Run(eng.Name+"/"+railName, func(b *testing.B) {
				var dispatch time.Duration
				for range b.N {
					b.StopTimer()
					a, scope, pending := seedPendingPayouts(b, eng, railName, n)
					b.StartTimer()
					f, err := a.ExportRailFile(context.Background(), scope, railName, time.Now().UTC())
					if err != nil {
						b.Fatal(err)
					}
					if f.PaymentCount != pending {
						b.Fatalf("file carries %d payouts, want %d", f.PaymentCount, pending)
					}
					// Then what the export left to the webhook dispatcher: writing its payouts'
					// payment.processing events and dispatching them (no endpoints here).
					b.StopTimer()
					start := time.Now()
					for {
						n, err := a.WebhookRound(context.Background())
						if err != nil {
							b.Fatal(err)
						}
						if n == 0 {
							break
						}
					}
					dispatch += time.Since(start)
					var events int
					if err := a.Store.WriterDB().QueryRow(`SELECT count(*) FROM events WHERE type = 'payment.processing'`).Scan(&events); err != nil || events != pending {
						b.Fatalf("%d payment.processing events after the dispatch (%v), want %d", events, err, pending)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(n), "payouts/file")
				b.ReportMetric(dispatch.Seconds()/float64(b.N), "dispatch-s/op")
			})
		}
	}
}

// seedPendingPayouts makes n pending live payouts on a file rail, spread over EXPORT_RECIPIENTS
// recipients (default 1,000; each has its own bank account and balance, so the export changes
// thousands of balances), written straight through the store in one transaction (the API
// would take minutes to make them).
func seedPendingPayouts(b *testing.B, eng storetest.Engine, railName string, n int) (*app.App, tenant.Scope, int) {
	b.Helper()
	a, scope := liveOrg(b, eng)
	ctx := context.Background()
	nr := min(1000, n)
	if v := os.Getenv("EXPORT_RECIPIENTS"); v != "" {
		nr, _ = strconv.Atoi(v)
	}
	cur, input := "USD", app.PayoutMethodInput{HolderName: "Paul Jones", RoutingNumber: "091000019", AccountNumber: "123456789", AccountType: "checking"}
	if railName == "sepa" {
		cur, input = "EUR", app.PayoutMethodInput{HolderName: "Zoë Ærø", IBAN: germanIBAN("0000")}
	}
	recipients, methods := make([]string, nr), make([]string, nr)
	for i := range nr {
		r, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr(fmt.Sprint("bulk", i)), Currency: &cur})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: fmt.Sprint(n/nr + 1), Currency: cur}, app.IdemRequest{}); err != nil {
			b.Fatal(err)
		}
		m, err := a.AddPayoutMethod(ctx, scope, r.ID, input)
		if err != nil {
			b.Fatal(err)
		}
		recipients[i], methods[i] = r.ID, m.ID
	}
	now := time.Now().UTC()
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		postings := make([]ledger.Posting, n)
		for i := range n {
			r, m := recipients[i%nr], methods[i%nr]
			p := payment.Payment{ID: id.New("pay"), Scope: scope, Type: payment.Payout, Status: payment.Pending, Amount: 100,
				Currency: cur, RecipientID: r, PayoutMethodID: m, Rail: railName, Source: payment.SourceWithdrawal,
				CreatedAt: now, UpdatedAt: now}
			if err := tx.InsertPayment(ctx, p); err != nil {
				return err
			}
			postings[i] = ledger.Posting{Kind: app.KindWithdrawal, Amount: 100, PaymentID: p.ID,
				Source:      ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerRecipient, OwnerID: r, Kind: ledger.Available, Currency: cur},
				Destination: ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerRecipient, OwnerID: r, Kind: ledger.Pending, Currency: cur}}
		}
		_, err := ledger.Post(ctx, tx, now, postings)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	// What serve's maintenance (or the server's autovacuum) does within 30 s of such a
	// burst: the export is then planned with statistics of the tables as they are.
	if eng.Name == "postgres" {
		if _, err := postgres.MaintainOnce(ctx, a.Store.WriterDB()); err != nil {
			b.Fatal(err)
		}
	}
	return a, scope, n
}
