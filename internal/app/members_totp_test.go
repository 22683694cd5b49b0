package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
)

// TestResetMemberTOTP: the operator's way back in for a member who lost the authenticator
// app: it turns the app off once, says so when there is none, and names an unknown email.
func TestResetMemberTOTP(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a := app.New(e.Open(t), nil, "http://127.0.0.1:8080")
			t.Cleanup(a.Close)
			ctx := context.Background()
			m, _, err := a.CreateMember(ctx, "op@example.com", member.RoleInternalAdmin, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Store.InTx(ctx, func(tx store.Tx) error { return tx.SetMemberTOTP(ctx, m.ID, "sealed-secret", 1, time.Now()) }); err != nil {
				t.Fatal(err)
			}
			if _, err := a.ResetMemberTOTP(ctx, "OP@example.com"); err != nil {
				t.Fatal(err)
			}
			var got member.Member
			if err := a.Store.Read(ctx, func(tx store.Tx) error { got, err = tx.GetMember(ctx, m.ID); return err }); err != nil || got.TOTPSecret != "" {
				t.Fatalf("after the reset: %+v %v", got, err)
			}
			var ae *app.Error
			if _, err := a.ResetMemberTOTP(ctx, "op@example.com"); !errors.As(err, &ae) || ae.Code != "totp_off" {
				t.Fatalf("a second reset: %v", err)
			}
			if _, err := a.ResetMemberTOTP(ctx, "nobody@example.com"); !errors.As(err, &ae) || ae.Kind != app.NotFound {
				t.Fatalf("an unknown email: %v", err)
			}
		})
	}
}

// TestAddressLimitHoldsUnderConcurrency: password resets from one address, sent all at once,
// are counted one after the other: exactly the hour's limit is recorded, not more.
func TestAddressLimitHoldsUnderConcurrency(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a := app.New(e.Open(t), nil, "http://127.0.0.1:8080")
			t.Cleanup(a.Close)
			ctx := context.Background()
			var wg sync.WaitGroup
			for i := range 3 * member.ResetsPerClientPerHour {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := a.RequestPasswordReset(ctx, fmt.Sprintf("nobody%d@example.com", i), "203.0.113.9"); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			var n int
			if err := a.Store.Read(ctx, func(tx store.Tx) error {
				var err error
				n, err = tx.CountAddressRequests(ctx, member.AddressRequestReset, "203.0.113.9", time.Now().Add(-time.Hour))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if n != member.ResetsPerClientPerHour {
				t.Fatalf("%d resets counted from one address, want the limit %d", n, member.ResetsPerClientPerHour)
			}
		})
	}
}
