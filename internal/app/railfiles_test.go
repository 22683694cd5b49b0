package app_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/jobs"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/rail"
	"github.com/payport/payport/internal/rail/sandbox"
	"github.com/payport/payport/internal/secret"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// liveOrg is a live-mode org with NACHA and SEPA set up; the NACHA ODFI is the one of the
// real return file in ../shared/fixtures, so that file's returns find this org's payouts.
func liveOrg(t testing.TB, e storetest.Engine) (*app.App, tenant.Scope) {
	t.Helper()
	a := app.New(e.Open(t), nil, "http://127.0.0.1:8080")
	t.Cleanup(a.Close)
	ctx := context.Background()
	o, _, err := a.CreateOrg(ctx, "Live Org", true)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	kr, _ := secret.NewKeyring(key)
	a.Sealer = kr
	a.Rails = &rail.Registry{Sandbox: sandbox.Rail{}, Live: []rail.Rail{rail.NACHA, rail.SEPA}}
	// A queue that is not worked: the test drives submission and settlement itself.
	if a.Jobs, err = jobs.New(ctx, a.Store.Engine(), a.Store.WriterDB(), jobs.Config{InsertOnly: true}); err != nil {
		t.Fatal(err)
	}
	_, err = a.UpdateOrgSettings(ctx, o.ID, nil, org.Settings{
		NACHA: &org.NACHAOriginator{CompanyName: "Live Org", CompanyID: "1234567890", ImmediateOrigin: "091400606",
			ImmediateOriginName: "FIRST BANK", ImmediateDestination: "011000015", ImmediateDestinationName: "FEDERAL RESERVE",
			ODFIIdentification: "09140060", EntryClass: "PPD", EntryDescription: "PAYOUT"},
		SEPA: &org.SEPADebtor{Name: "Live Org GmbH", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", MessageIDPrefix: "PPT"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, tenant.Scope{OrgID: o.ID, Mode: tenant.Live}
}

func TestNACHAFileRail(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			a, scope := liveOrg(t, eng)
			ctx := context.Background()
			r := usRecipient(t, a, scope, "us_1", "500.00")
			var ids []string
			for _, amount := range []string{"123.54", "20.00", "45.65"} {
				p, _, err := a.RequestWithdrawal(ctx, scope, r.ID, app.WithdrawalInput{Amount: amount, Currency: "USD"}, app.IdemRequest{})
				if err != nil {
					t.Fatal(err)
				}
				if p.Rail != "nacha" || !p.Livemode {
					t.Fatalf("live USD withdrawal on rail %q (livemode %v)", p.Rail, p.Livemode)
				}
				// Submitting a file-rail payout only queues it for the next file.
				if err := a.SubmitPayout(ctx, scope, p.ID); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, p.ID)
			}
			if p, _ := a.GetPayment(ctx, scope, ids[0]); p.Status != "pending" {
				t.Fatalf("queued payout is %s", p.Status)
			}
			// A fourth payout whose account is removed before the export stays out of the file.
			savings, err := a.AddPayoutMethod(ctx, scope, r.ID, app.PayoutMethodInput{HolderName: "Paul Jones",
				RoutingNumber: "091000019", AccountNumber: "987654321", AccountType: "savings"})
			if err != nil {
				t.Fatal(err)
			}
			orphan, _, err := a.RequestWithdrawal(ctx, scope, r.ID, app.WithdrawalInput{Amount: "7.00", Currency: "USD", PayoutMethodID: savings.ID}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.RemovePayoutMethod(ctx, scope, r.ID, savings.ID); err != nil {
				t.Fatal(err)
			}
			f, err := a.ExportRailFile(ctx, scope, "nacha", timeNow())
			if err != nil {
				t.Fatal(err)
			}
			if f.PaymentCount != 3 || f.TotalAmount.Amount != "189.19" || f.Currency != "USD" {
				t.Fatalf("file %+v", f)
			}
			_, content, err := a.RailFile(ctx, scope, f.ID)
			if err != nil || !strings.HasPrefix(string(content), "101") || !strings.Contains(string(content), "091400600000003") {
				t.Fatalf("file content (%v):\n%s", err, content)
			}
			for _, id := range ids {
				if p, _ := a.GetPayment(ctx, scope, id); p.Status != "processing" {
					t.Fatalf("exported payout is %s", p.Status)
				}
			}
			if _, err := a.ExportRailFile(ctx, scope, "nacha", timeNow()); appCode(err) != "nothing_to_export@" {
				t.Fatalf("second export: %s", appCode(err))
			}
			if p, _ := a.GetPayment(ctx, scope, orphan.ID); p.Status != "failed" || p.FailureCode != "payout_method_removed" {
				t.Fatalf("payout to a removed account: %+v", p)
			}
			okLedger(t, a)

			// The bank's real return file: R01 for trace ...0001 and R03 for ...0003.
			returns, err := os.ReadFile("../rail/nacha/testdata/return-WEB.ach")
			if err != nil {
				t.Fatal(err)
			}
			res, err := a.ImportRailFile(ctx, scope, "nacha", returns)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Failed) != 2 || res.Duplicate {
				t.Fatalf("import %+v", res)
			}
			p1, _ := a.GetPayment(ctx, scope, ids[0])
			p3, _ := a.GetPayment(ctx, scope, ids[2])
			if p1.Status != "failed" || p1.FailureCode != "insufficient_funds" || !strings.Contains(p1.FailureMessage, "R01") {
				t.Fatalf("R01 payout %+v", p1)
			}
			if p3.Status != "failed" || p3.FailureCode != "no_account" {
				t.Fatalf("R03 payout %+v", p3)
			}
			again, err := a.ImportRailFile(ctx, scope, "nacha", returns)
			if err != nil || !again.Duplicate || len(again.Failed) != 2 {
				t.Fatalf("second import %+v %v", again, err)
			}
			okLedger(t, a)

			// The operator confirms the file: the payout without a return succeeds.
			if _, err := a.ConfirmRailFile(ctx, scope, f.ID, "bank statement"); err != nil {
				t.Fatal(err)
			}
			if p2, _ := a.GetPayment(ctx, scope, ids[1]); p2.Status != "succeeded" {
				t.Fatalf("confirmed payout is %s", p2.Status)
			}
			if p1, _ := a.GetPayment(ctx, scope, ids[0]); p1.Status != "failed" {
				t.Fatalf("confirming the file changed a returned payout to %s", p1.Status)
			}
			info, _ := a.GetBalanceInfo(ctx, scope, r.ID, "")
			if info.Balance.Amount != "480.00" || info.PendingWithdrawals.Amount != "0.00" {
				t.Fatalf("balance after returns and settlement %+v", info)
			}
			okLedger(t, a)

			// A notification of change is kept on the payout method.
			cor, _ := os.ReadFile("../rail/nacha/testdata/cor-example.ach")
			if res, err := a.ImportRailFile(ctx, scope, "nacha", cor); err != nil || len(res.Notices)+len(res.Ignored) == 0 {
				t.Fatalf("COR import %+v %v", res, err)
			}
		})
	}
}

func TestSEPAFileRail(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			a, scope := liveOrg(t, eng)
			ctx := context.Background()
			r, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr("eu_1"), Currency: ptr("EUR"), Country: ptr("DE")})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: "600.00", Currency: "EUR"}, app.IdemRequest{}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.AddPayoutMethod(ctx, scope, r.ID, app.PayoutMethodInput{HolderName: "Zoë Ærø & Söhne", IBAN: germanIBAN("0000")}); err != nil {
				t.Fatal(err)
			}
			var ids []string
			// The amounts the status report quotes for its rejected lines.
			for _, amount := range []string{"10.00", "500.50", "50.25"} {
				p, _, err := a.RequestWithdrawal(ctx, scope, r.ID, app.WithdrawalInput{Amount: amount, Currency: "EUR"}, app.IdemRequest{})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, p.ID)
			}
			f, err := a.ExportRailFile(ctx, scope, "sepa", timeNow())
			if err != nil {
				t.Fatal(err)
			}
			_, content, _ := a.RailFile(ctx, scope, f.ID)
			e2e := func(id string) string { return strings.Replace(id, "_", "", 1) }
			if f.PaymentCount != 3 || !strings.Contains(string(content), "<EndToEndId>"+e2e(ids[1])+"</EndToEndId>") {
				t.Fatalf("file %+v:\n%s", f, content)
			}
			validateSEPA(t, content)

			// A status report: the first accepted (not final), the second rejected AC04, the third AC01.
			report, err := os.ReadFile("../rail/sepa/testdata/pain.002.001.10-status-report.xml")
			if err != nil {
				t.Fatal(err)
			}
			doc := strings.NewReplacer(
				"pay-0193c5e8a1f27c3d9b4e6a8f0c2d4e6", e2e(ids[0]),
				"pay-0193c5e8a1f27c3d9b4e6a8f0c2d4e7", e2e(ids[1]),
				"pay-0193c5e8a1f27c3d9b4e6a8f0c2d4e8", e2e(ids[2])).Replace(string(report))
			res, err := a.ImportRailFile(ctx, scope, "sepa", []byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if p, _ := a.GetPayment(ctx, scope, ids[0]); p.Status != "processing" {
				t.Fatalf("accepted (not settled) payout is %s; import %+v", p.Status, res)
			}
			p2, _ := a.GetPayment(ctx, scope, ids[1])
			p3, _ := a.GetPayment(ctx, scope, ids[2])
			if p2.Status != "failed" || p2.FailureCode != "account_closed" || p3.Status != "failed" || p3.FailureCode != "invalid_account_number" {
				t.Fatalf("rejected payouts: %+v %+v; import %+v", p2, p3, res)
			}
			if info, _ := a.GetBalanceInfo(ctx, scope, r.ID, ""); info.Balance.Amount != "590.00" || info.PendingWithdrawals.Amount != "10.00" {
				t.Fatalf("balance after rejections %+v", info)
			}
			okLedger(t, a)
		})
	}
}

// usRecipient is a US recipient credited with amount USD and with a checking account, the
// default payout method of its live withdrawals (the NACHA rail).
// exportWithdrawals makes a US recipient credited 100.00 whose withdrawals of amounts go into
// one NACHA file, and exports it; it returns the recipient, the payouts' ids in the order of
// amounts, and the file.
func exportWithdrawals(t *testing.T, a *app.App, scope tenant.Scope, externalID string, amounts ...string) (app.RecipientView, []string, app.RailFileView) {
	t.Helper()
	ctx := context.Background()
	r := usRecipient(t, a, scope, externalID, "100.00")
	var ids []string
	for _, amount := range amounts {
		p, _, err := a.RequestWithdrawal(ctx, scope, r.ID, app.WithdrawalInput{Amount: amount, Currency: "USD"}, app.IdemRequest{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	f, err := a.ExportRailFile(ctx, scope, "nacha", timeNow())
	if err != nil {
		t.Fatal(err)
	}
	return r, ids, f
}

func usRecipient(t *testing.T, a *app.App, scope tenant.Scope, externalID, amount string) app.RecipientView {
	t.Helper()
	ctx := context.Background()
	r, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr(externalID), Currency: ptr("USD"), Country: ptr("US")})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: amount, Currency: "USD"}, app.IdemRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPayoutMethod(ctx, scope, r.ID, app.PayoutMethodInput{HolderName: "Paul Jones",
		RoutingNumber: "091000019", AccountNumber: "123456789", AccountType: "checking"}); err != nil {
		t.Fatal(err)
	}
	return r
}

func okLedger(t *testing.T, a *app.App) {
	t.Helper()
	v, _, err := a.CheckLedger(context.Background())
	if err != nil || len(v) != 0 {
		t.Fatalf("ledger check: %v %v", v, err)
	}
}
