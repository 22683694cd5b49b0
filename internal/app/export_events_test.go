package app_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/store/storetest"
)

// TestExportEventsFanOutInFileOrder: a file's export records one rail_file.exported event;
// the webhook dispatcher then writes each payout's payment.processing event, a chunk a round,
// right after it in the events' order: before the payouts' settlement, which here happens
// before the dispatcher runs at all. Every event is written once, carries its payout as the
// export left it, and reaches the endpoint that asked for it. Each payout's history shows its
// export as one transition, read from the file.
func TestExportEventsFanOutInFileOrder(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			a, scope := liveOrg(t, eng)
			a.SetFanOutChunk(2)
			ctx := context.Background()
			// Live endpoints take https only: this one is never reached, the test counts the
			// messages the dispatcher makes for it.
			ep, err := a.CreateWebhookEndpoint(ctx, scope, app.WebhookEndpointInput{URL: ptr("https://hooks.example.invalid/payport"),
				EventTypes: ptr([]string{"rail_file.exported", "payment.processing", "payment.succeeded"})})
			if err != nil {
				t.Fatal(err)
			}
			messages := func() map[string]int {
				t.Helper()
				rows, err := a.Store.WriterDB().QueryContext(ctx, `SELECT e.type, count(*) FROM webhook_messages m
					JOIN events e ON e.id = m.event_id WHERE m.endpoint_id = $1 GROUP BY e.type`, ep.ID)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				n := map[string]int{}
				for rows.Next() {
					var typ string
					var c int
					if err := rows.Scan(&typ, &c); err != nil {
						t.Fatal(err)
					}
					n[typ] = c
				}
				return n
			}

			_, ids, f := exportWithdrawals(t, a, scope, "fan_1", "1.00", "2.00", "3.00", "4.00", "5.00")
			slices.Sort(ids) // the file's order
			events := func() []app.EventView {
				t.Helper()
				es, _, err := a.ListEvents(ctx, scope, "", "evt_", "", 1000)
				if err != nil {
					t.Fatal(err)
				}
				return es
			}
			count := func(es []app.EventView, typ string) int {
				n := 0
				for _, e := range es {
					if e.Type == typ {
						n++
					}
				}
				return n
			}
			if es := events(); count(es, "rail_file.exported") != 1 || count(es, "payment.processing") != 0 {
				t.Fatalf("right after the export: %d rail_file.exported and %d payment.processing events, want 1 and 0",
					count(es, "rail_file.exported"), count(es, "payment.processing"))
			}
			// Settled before the dispatcher has run: the settlements' events are newer.
			if _, err := a.ConfirmRailFile(ctx, scope, f.ID, "paid"); err != nil {
				t.Fatal(err)
			}

			loop, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { a.RunWebhooks(loop); close(done) }()
			want := map[string]int{"rail_file.exported": 1, "payment.processing": 5, "payment.succeeded": 5}
			var got map[string]int
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if got = messages(); maps.Equal(got, want) || time.Now().After(deadline) {
					break
				}
			}
			stop()
			<-done
			if !maps.Equal(got, want) {
				t.Errorf("messages for the endpoint: %v, want %v", got, want)
			}

			// In the events' order: the file, its payouts' processing in file order, then the
			// settlements.
			var order []string
			for _, e := range events() {
				var p struct {
					ID     string `json:"id"`
					Status string `json:"status"`
					Rail   string `json:"rail"`
				}
				_ = json.Unmarshal(e.Data, &p)
				switch e.Type {
				case "rail_file.exported":
					order = append(order, "file")
				case "payment.processing":
					if p.Status != "processing" || p.Rail != "nacha" {
						t.Errorf("payment.processing event %s carries status %q on rail %q", e.ID, p.Status, p.Rail)
					}
					order = append(order, "processing "+p.ID)
				case "payment.succeeded":
					order = append(order, "succeeded")
				}
			}
			wantOrder := []string{"file"}
			for _, id := range ids {
				wantOrder = append(wantOrder, "processing "+id)
			}
			wantOrder = append(wantOrder, "succeeded", "succeeded", "succeeded", "succeeded", "succeeded")
			if !slices.Equal(order, wantOrder) {
				t.Errorf("events in order:\n%v\nwant\n%v", order, wantOrder)
			}

			err = a.Store.Read(ctx, func(tx store.Tx) error {
				ts, err := tx.ListTransitions(ctx, ids[0])
				if err != nil {
					return err
				}
				var steps []string
				for _, tr := range ts {
					steps = append(steps, string(tr.From)+">"+string(tr.To))
				}
				want := []string{string(payment.Pending) + ">" + string(payment.Processing), "processing>succeeded"}
				if len(steps) < 2 || !slices.Equal(steps[len(steps)-2:], want) || ts[len(ts)-2].Reason != "exported in "+f.ID {
					t.Errorf("transitions of an exported payout: %v (%+v)", steps, ts)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			okLedger(t, a)
		})
	}
}

// TestExportEventFencesOtherDispatchers: on PostgreSQL a dispatcher skips events another one
// holds. While another holds a file's rail_file.exported event (writing its payouts' events),
// a dispatcher dispatches nothing after it, such as the payouts' settlements; once it is free
// the file's events are written first and everything is dispatched.
func TestExportEventFencesOtherDispatchers(t *testing.T) {
	pg, ok := storetest.Postgres(t)
	if !ok {
		t.Skip("PostgreSQL not configured")
	}
	a, scope := liveOrg(t, pg)
	a.SetFanOutChunk(2)
	ctx := context.Background()
	_, _, f := exportWithdrawals(t, a, scope, "fence_1", "1.00", "2.00", "3.00")
	if _, err := a.ConfirmRailFile(ctx, scope, f.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	undispatched := func(typ string) int {
		t.Helper()
		var n int
		if err := a.Store.WriterDB().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE type = $1 AND dispatched_at IS NULL`, typ).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Everything before the export is dispatched; the settlements wait behind it.
	drain := func() {
		t.Helper()
		for range 100 {
			n, err := a.WebhookRound(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
		t.Fatal("dispatch rounds did not finish")
	}
	other, err := a.Store.WriterDB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback() // after a failure: the test's schema is dropped at its end
	var fileEvent string
	if err := held.QueryRowContext(ctx, `SELECT id FROM events WHERE type = 'rail_file.exported' FOR UPDATE`).Scan(&fileEvent); err != nil {
		t.Fatal(err)
	}
	drain()
	if n := undispatched("payment.succeeded"); n != 3 {
		t.Fatalf("%d of 3 settlements dispatched while another dispatcher held the export's event", 3-n)
	}
	if n := undispatched("payment.processing"); n != 0 {
		t.Fatalf("%d payment.processing events undispatched", n)
	}
	if err := held.Rollback(); err != nil {
		t.Fatal(err)
	}
	drain()
	var processing int
	if err := a.Store.WriterDB().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE type = 'payment.processing' AND id > $1`, fileEvent).Scan(&processing); err != nil {
		t.Fatal(err)
	}
	if processing != 3 || undispatched("payment.succeeded") != 0 || undispatched("rail_file.exported") != 0 {
		t.Fatalf("after the other dispatcher let go: %d payment.processing events after the file's, %d settlements and %d file events undispatched",
			processing, undispatched("payment.succeeded"), undispatched("rail_file.exported"))
	}
}
