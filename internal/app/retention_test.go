package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/otp"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
)

// TestRetentionPrunesWhatOutlivedItsUse: events past their retention go with their delivered
// messages and attempts, expired codes and old outbox mail go, and what is still in its
// retention (or still to be delivered) stays. Money is never pruned.
func TestRetentionPrunesWhatOutlivedItsUse(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a, scope, r := newOrg(t, e) // recipient.created, made now
			kr, err := secret.NewKeyring(make([]byte, 32))
			if err != nil {
				t.Fatal(err)
			}
			a.Sealer = kr
			var received atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { received.Add(1) }))
			defer srv.Close()
			if _, err := a.CreateWebhookEndpoint(ctx, scope, app.WebhookEndpointInput{URL: ptr(srv.URL + "/hook"),
				EventTypes: ptr([]string{"balance.credited"})}); err != nil {
				t.Fatal(err)
			}
			clock := time.Now().UTC()
			a.Now = func() time.Time { return clock }
			if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "1.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
				t.Fatal(err)
			}
			hooksCtx, stopHooks := context.WithCancel(ctx)
			hooksDone := make(chan struct{})
			go func() { a.RunWebhooks(hooksCtx); close(hooksDone) }()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				var pending int
				if err := a.Store.WriterDB().QueryRow(`SELECT COUNT(*) FROM webhook_messages WHERE status = 'pending'`).Scan(&pending); err != nil {
					t.Fatal(err)
				}
				if received.Load() == 1 && pending == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the credit's event was not delivered and recorded (received %d, pending %d)", received.Load(), pending)
				}
			}
			stopHooks()
			<-hooksDone

			clock = clock.Add(31 * 24 * time.Hour)
			fresh, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "2.00", Currency: "EUR"}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			err = a.Store.InTx(ctx, func(tx store.Tx) error {
				for _, m := range []mail.Message{
					{ID: id.New("msg"), To: "old@example.com", Subject: "old", CreatedAt: clock.Add(-8 * 24 * time.Hour)},
					{ID: id.New("msg"), To: "new@example.com", Subject: "new", CreatedAt: clock},
				} {
					if err := tx.InsertMail(ctx, m); err != nil {
						return err
					}
				}
				for _, c := range []otp.Code{
					{ID: id.New("otp"), Subject: "old", CodeHash: "x", ExpiresAt: clock.Add(-8 * 24 * time.Hour), CreatedAt: clock.Add(-8 * 24 * time.Hour)},
					{ID: id.New("otp"), Subject: "new", CodeHash: "x", ExpiresAt: clock.Add(5 * time.Minute), CreatedAt: clock},
				} {
					if err := tx.InsertOTP(ctx, c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			n, err := a.PruneRetained(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{"events": 2, "webhook_messages": 1, "webhook_attempts": 1, "mail_outbox": 1, "otp_codes": 1}
			for table, c := range want {
				if n[table] != c {
					t.Errorf("pruned %d rows of %s, want %d (all: %v)", n[table], table, c, n)
				}
			}
			err = a.Store.Read(ctx, func(tx store.Tx) error {
				events, err := tx.ListEvents(ctx, scope, "", 10)
				if err != nil {
					return err
				}
				if len(events) != 1 || events[0].ObjectID != fresh.Transfer.ID {
					t.Errorf("events left: %v, want only the fresh credit's", events)
				}
				if _, err := tx.LatestOTP(ctx, "new", false); err != nil {
					t.Errorf("the live code was pruned: %v", err)
				}
				mails, err := tx.ListMail(ctx, 10)
				if err != nil {
					return err
				}
				if len(mails) != 1 || mails[0].To != "new@example.com" {
					t.Errorf("outbox left: %v, want the new mail only", mails)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if again, err := a.PruneRetained(ctx); err != nil || len(nonZero(again)) != 0 {
				t.Errorf("a second pruning deleted %v (%v), want nothing", nonZero(again), err)
			}
			if v, _, err := a.CheckLedger(ctx); err != nil || len(v) != 0 {
				t.Errorf("ledger after pruning: %v %v", v, err)
			}
		})
	}
}

func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// TestIdempotencyKeyRetention: a key's record is kept for the configured retention (here three
// days), pruning included: the same key with another body is refused as reused, and the same
// body is answered again. Past it the record is pruned and another body is no longer compared.
// (A credit's key also names its ledger transfer, which never posts twice whatever the age.)
func TestIdempotencyKeyRetention(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a, scope, r := newOrg(t, e)
			now := time.Now().UTC()
			a.Now = func() time.Time { return now }
			a.Retention = app.Retention{IdempotencyKeys: 72 * time.Hour}
			credit := func(fingerprint string) (app.CreditResult, bool, error) {
				return a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "1.00", Currency: "EUR"},
					app.IdemRequest{Key: "retained-credit", Fingerprint: fingerprint})
			}
			prune := func() {
				t.Helper()
				if err := a.Store.InTx(ctx, func(tx store.Tx) error {
					_, err := tx.DeleteExpiredIdempotencyKeys(ctx, now)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			first, _, err := credit("body one")
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(48 * time.Hour) // past the draft's 24 hours, within the three days
			prune()
			again, replayed, err := credit("body one")
			if err != nil || !replayed || again.Transfer.ID != first.Transfer.ID {
				t.Fatalf("after 48 h: replayed %v, transfer %s, err %v; want the first credit %s", replayed, again.Transfer.ID, err, first.Transfer.ID)
			}
			var ae *app.Error
			if _, _, err := credit("body two"); !errors.As(err, &ae) || ae.Code != "idempotency_key_reused" {
				t.Fatalf("another body after 48 h: %v, want idempotency_key_reused", err)
			}
			now = now.Add(25 * time.Hour)
			prune()
			if _, _, err := credit("body two"); err != nil {
				t.Fatalf("after 73 h the key's record should be gone: %v", err)
			}
		})
	}
}
