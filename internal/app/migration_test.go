package app_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/ledger"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// runMigrationSection runs the Up or Down section of one of the engine's migration files on
// the open database, statement by statement (the files keep semicolons out of strings).
func runMigrationSection(t *testing.T, a *app.App, file, section string) {
	t.Helper()
	text, err := os.ReadFile(fmt.Sprintf("../store/%s/migrations/%s", a.Store.Engine(), file))
	if err != nil {
		t.Fatal(err)
	}
	up, down, ok := strings.Cut(string(text), "-- +goose Down")
	if !ok {
		t.Fatalf("%s has no Down section", file)
	}
	body := up
	if section == "down" {
		body = down
	}
	// Statements end with ";" at the end of a line, except in a StatementBegin/End block
	// (a DO block), which is one statement.
	var stmts []string
	var cur []string
	block := false
	for _, l := range strings.Split(body, "\n") {
		switch t := strings.TrimSpace(l); {
		case t == "-- +goose StatementBegin":
			block = true
		case t == "-- +goose StatementEnd":
			block = false
			stmts, cur = append(stmts, strings.Join(cur, "\n")), nil
		case strings.HasPrefix(t, "--"):
		default:
			cur = append(cur, l)
			if !block && strings.HasSuffix(t, ";") {
				stmts, cur = append(stmts, strings.Join(cur, "\n")), nil
			}
		}
	}
	for _, stmt := range append(stmts, strings.Join(cur, "\n")) {
		if q := strings.TrimSpace(stmt); q != "" {
			if _, err := a.Store.WriterDB().Exec(q); err != nil {
				t.Fatalf("%s %s: %v\n%s", file, section, err, q)
			}
		}
	}
}

// recipientHeld is what the recipient's pending and in_transit accounts hold, in minor units.
func recipientHeld(t *testing.T, a *app.App, scope tenant.Scope, recipientID string) (pending, inTransit int64) {
	t.Helper()
	err := a.Store.Read(context.Background(), func(tx store.Tx) error {
		accounts, err := tx.OwnerAccounts(context.Background(), scope, ledger.OwnerRecipient, recipientID)
		for _, acc := range accounts {
			switch acc.Ref.Kind {
			case ledger.Pending:
				pending = acc.Balance
			case ledger.InTransit:
				inTransit = acc.Balance
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pending, inTransit
}

// TestMigrationKeepsProcessingPayoutsInPending: a ledger written before migration 00019, where
// a payout reaching its rail moved its money pending -> in_transit, is migrated so that those
// payouts' money is in pending again and they settle from there; the migration's Down puts
// it back. The ledger check holds at every step.
func TestMigrationKeepsProcessingPayoutsInPending(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			a, scope := liveOrg(t, eng)
			ctx := context.Background()
			r, ids, f := exportWithdrawals(t, a, scope, "old_1", "30.00", "20.00")
			if pending, inTransit := recipientHeld(t, a, scope, r.ID); pending != 5000 || inTransit != 0 {
				t.Fatalf("after the export pending holds %d and in_transit %d, want 5000 and 0", pending, inTransit)
			}
			// What earlier versions wrote when the file was exported.
			err := a.Store.InTx(ctx, func(tx store.Tx) error {
				var postings []ledger.Posting
				for i, id := range ids {
					ref := func(k ledger.Kind) ledger.AccountRef {
						return ledger.AccountRef{Scope: scope, OwnerType: ledger.OwnerRecipient, OwnerID: r.ID, Kind: k, Currency: "USD"}
					}
					postings = append(postings, ledger.Posting{Kind: "payout_submitted", Amount: []int64{3000, 2000}[i], PaymentID: id,
						Key: "payout_submitted:" + id, Source: ref(ledger.Pending), Destination: ref(ledger.InTransit)})
				}
				_, err := ledger.Post(ctx, tx, timeNow(), postings)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			okLedger(t, a)
			for _, step := range []struct {
				section            string
				pending, inTransit int64
			}{{"up", 5000, 0}, {"down", 0, 5000}, {"up", 5000, 0}} {
				runMigrationSection(t, a, "00019_payouts_stay_pending.sql", step.section)
				if pending, inTransit := recipientHeld(t, a, scope, r.ID); pending != step.pending || inTransit != step.inTransit {
					t.Fatalf("after %s pending holds %d and in_transit %d, want %d and %d", step.section, pending, inTransit, step.pending, step.inTransit)
				}
				okLedger(t, a)
			}
			if _, err := a.ConfirmRailFile(ctx, scope, f.ID, "bank statement"); err != nil {
				t.Fatal(err)
			}
			info, _ := a.GetBalanceInfo(ctx, scope, r.ID, "")
			if info.Balance.Amount != "50.00" || info.PendingWithdrawals.Amount != "0.00" {
				t.Fatalf("balance after settlement %+v", info)
			}
			if pending, inTransit := recipientHeld(t, a, scope, r.ID); pending != 0 || inTransit != 0 {
				t.Fatalf("after settlement pending holds %d and in_transit %d", pending, inTransit)
			}
			okLedger(t, a)
		})
	}
}

// TestExportIndexMigrationKeepsTransitions: migration 00020 rebuilds SQLite's transitions table
// and re-keys PostgreSQL's; going down and up again on a database with payouts in every state
// of an export keeps every transition, and the export's queries still find what they look for.
func TestExportIndexMigrationKeepsTransitions(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			a, scope := liveOrg(t, eng)
			ctx := context.Background()
			r, exportedIDs, _ := exportWithdrawals(t, a, scope, "idx_1", "30.00")
			exported := exportedIDs[0]
			queued, _, err := a.RequestWithdrawal(ctx, scope, r.ID, app.WithdrawalInput{Amount: "20.00", Currency: "USD"}, app.IdemRequest{})
			if err != nil {
				t.Fatal(err)
			}
			transitions := func() map[string]int {
				t.Helper()
				n := map[string]int{}
				err := a.Store.Read(ctx, func(tx store.Tx) error {
					for _, id := range []string{exported, queued.ID} {
						ts, err := tx.ListTransitions(ctx, id)
						if err != nil {
							return err
						}
						n[id] = len(ts)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := transitions()
			if before[exported] < 2 || before[queued.ID] < 1 {
				t.Fatalf("transitions before the migration: %v", before)
			}
			runMigrationSection(t, a, "00020_export_indexes.sql", "down")
			if got := transitions(); got[exported] != before[exported] || got[queued.ID] != before[queued.ID] {
				t.Fatalf("after Down: %v, want %v", got, before)
			}
			runMigrationSection(t, a, "00020_export_indexes.sql", "up")
			if got := transitions(); got[exported] != before[exported] || got[queued.ID] != before[queued.ID] {
				t.Fatalf("after Up again: %v, want %v", got, before)
			}
			// The queue still holds the pending payout only, and the export takes it.
			f, err := a.ExportRailFile(ctx, scope, "nacha", timeNow())
			if err != nil || f.PaymentCount != 1 {
				t.Fatalf("export after the migration: %+v, %v", f, err)
			}
			okLedger(t, a)
		})
	}
}

// TestExportOncePerFileMigration: migration 00021 deletes the pending -> processing rows that
// exports used to store per payout, since the file now records them; its Down section writes
// them back. Either way a payout's history holds its export once, and its other transitions.
func TestExportOncePerFileMigration(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			a, scope := liveOrg(t, eng)
			ctx := context.Background()
			_, ids, f := exportWithdrawals(t, a, scope, "once_1", "30.00")
			p := ids[0]
			if _, err := a.ConfirmRailFile(ctx, scope, f.ID, "paid"); err != nil {
				t.Fatal(err)
			}
			history := func() (steps []string, stored int) {
				t.Helper()
				err := a.Store.Read(ctx, func(tx store.Tx) error {
					ts, err := tx.ListTransitions(ctx, p)
					for _, tr := range ts {
						steps = append(steps, string(tr.From)+">"+string(tr.To)+" "+tr.Reason)
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := a.Store.WriterDB().QueryRowContext(ctx, `SELECT count(*) FROM payment_transitions WHERE payment_id = $1 AND reason = $2`,
					p, "exported in "+f.ID).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				return steps, stored
			}
			steps, stored := history()
			exported := "pending>processing exported in " + f.ID
			if stored != 0 || !slices.Contains(steps, exported) || !strings.HasPrefix(steps[len(steps)-1], "processing>succeeded") {
				t.Fatalf("history after the export: %q (%d stored rows)", steps, stored)
			}
			runMigrationSection(t, a, "00021_export_once_per_file.sql", "down")
			if _, stored := history(); stored != 1 {
				t.Fatalf("after Down %d stored export rows, want 1", stored)
			}
			runMigrationSection(t, a, "00021_export_once_per_file.sql", "up")
			if got, stored := history(); stored != 0 || !slices.Equal(got, steps) {
				t.Fatalf("after Up again: %q (%d stored), want %q", got, stored, steps)
			}
			if eng.Name == "postgres" {
				// Bank files are compressed with lz4 where the server has it (this one does).
				var method string
				if err := a.Store.WriterDB().QueryRowContext(ctx, `SELECT attcompression::text FROM pg_attribute
					WHERE attrelid = 'rail_files'::regclass AND attname = 'content'`).Scan(&method); err != nil || method != "l" {
					t.Errorf("rail_files.content compression %q (%v), want l (lz4)", method, err)
				}
			}
		})
	}
}
