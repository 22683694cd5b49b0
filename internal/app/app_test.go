package app_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

func ptr[T any](v T) *T { return &v }

// newOrg opens a fresh database of the engine and creates an org with a recipient.
func newOrg(t testing.TB, e storetest.Engine) (*app.App, tenant.Scope, app.RecipientView) {
	t.Helper()
	a := app.New(e.Open(t), nil, "http://127.0.0.1:8080")
	ctx := context.Background()
	o, _, err := a.CreateOrg(ctx, "Acme Energy", false)
	if err != nil {
		t.Fatal(err)
	}
	scope := tenant.Scope{OrgID: o.ID, Mode: tenant.Test}
	r, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr("site_1"), Email: ptr("ada@example.com"),
		Currency: ptr("EUR"), Country: ptr("DE")})
	if err != nil {
		t.Fatal(err)
	}
	return a, scope, r
}

func TestConcurrentDebitsNeverOverdraw(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a, scope, r := newOrg(t, e)
			ctx := context.Background()
			if _, _, err := a.Credit(ctx, scope, "site_1", app.MoneyInput{Amount: "100.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
				t.Fatal(err)
			}
			// 50 debits of 3.00 against 100.00: exactly 33 fit.
			var ok, refused atomic.Int64
			var wg sync.WaitGroup
			for i := 0; i < 50; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, err := a.Adjust(ctx, scope, r.ID, app.MoneyInput{Amount: "-3.00", Currency: "EUR", Description: "chargeback"}, app.IdemRequest{})
					var ae *app.Error
					switch {
					case err == nil:
						ok.Add(1)
					case errors.As(err, &ae) && ae.Code == "insufficient_funds":
						refused.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 33 || refused.Load() != 17 {
				t.Fatalf("got %d successes and %d refusals, want 33 and 17", ok.Load(), refused.Load())
			}
			info, err := a.GetBalanceInfo(ctx, scope, "site_1", "")
			if err != nil {
				t.Fatal(err)
			}
			if info.Balance.Amount != "1.00" || info.TotalEarnings.Amount != "1.00" {
				t.Fatalf("balance %+v", info)
			}
			violations, n, err := a.CheckLedger(ctx)
			if err != nil || len(violations) != 0 || n != 2 {
				t.Fatalf("ledger check: %v %v over %d accounts", violations, err, n)
			}
		})
	}
}

func scopeOf(orgID string) tenant.Scope { return tenant.Scope{OrgID: orgID, Mode: tenant.Test} }

func orgSettingsMin(currency string, minor int64) org.Settings {
	return org.Settings{MinimumWithdrawal: map[string]int64{currency: minor}}
}

func timeNow() time.Time { return time.Now().UTC() }

// validateSEPA checks a pain.001 file against the EPC schema with xmllint (CI installs it).
func validateSEPA(t *testing.T, content []byte) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is missing: apt-get install -y libxml2-utils")
		}
		t.Skip("xmllint is missing")
	}
	f := filepath.Join(t.TempDir(), "pain001.xml")
	if err := os.WriteFile(f, content, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", "../rail/sepa/testdata/pain.001.001.09_EPC132-08_2023_SCT_C2PSP.xsd", f).CombinedOutput()
	if err != nil {
		t.Fatalf("xmllint refuses the SEPA file: %v\n%s", err, out)
	}
}
