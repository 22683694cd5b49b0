package app

import (
	"context"
	"testing"
	"time"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// bufferTx keeps audit entries as the store buffers them: an entry with the id of one already
// buffered replaces it. Any other method of store.Tx panics (nil embedded interface).
type bufferTx struct {
	store.Tx
	ids     []string
	entries map[string]member.AuditEntry
}

func (t *bufferTx) InsertAudit(_ context.Context, e member.AuditEntry) error {
	if t.entries == nil {
		t.entries = map[string]member.AuditEntry{}
	}
	if _, ok := t.entries[e.ID]; !ok {
		t.ids = append(t.ids, e.ID)
	}
	t.entries[e.ID] = e
	return nil
}

func (t *bufferTx) InsertEvent(context.Context, event.Event) error { return nil }

func (t *bufferTx) actions() []string {
	var out []string
	for _, id := range t.ids {
		out = append(out, t.entries[id].Action+" "+t.entries[id].ObjectID)
	}
	return out
}

func sameList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: entries %q, want %q", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: entries %q, want %q", what, got, want)
		}
	}
}

// One request writes one entry per transaction: the first event's, replaced by a later event
// on the same object or by an explicit entry; further explicit entries are further actions.
func TestAuditOneEntryPerRequestAndTransaction(t *testing.T) {
	a := &App{Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }}
	scope := tenant.Scope{OrgID: "org_1", Mode: tenant.Test}
	bg := context.Background()
	actor := AuditActor{Type: member.ActorPortalSession, ID: "grt_1", RecipientID: "rec_1"}
	rec := func(ctx context.Context, tx store.Tx, typ event.Type, obj string) {
		t.Helper()
		if err := a.recordEvent(ctx, tx, scope, typ, obj, map[string]string{}, a.now()); err != nil {
			t.Fatal(err)
		}
	}
	explicit := func(ctx context.Context, tx store.Tx, action, obj string) {
		t.Helper()
		if err := a.auditTx(ctx, tx, scope.OrgID, scope.Mode, action, "x", obj, ""); err != nil {
			t.Fatal(err)
		}
	}

	tx := &bufferTx{}
	rec(bg, tx, PaymentCreated, "pay_1")
	sameList(t, "no actor", tx.actions())

	ctx := WithAuditActor(bg, actor)
	rec(ctx, tx, PaymentCreated, "pay_1")
	rec(ctx, tx, WithdrawalRequested, "pay_1")
	rec(ctx, tx, event.BalanceAdjusted, "tr_1")
	sameList(t, "withdrawal", tx.actions(), "withdrawal.requested pay_1")
	if e := tx.entries[tx.ids[0]]; e.ActorType != "portal_session" || e.ActorID != "grt_1" || e.RecipientID != "rec_1" ||
		e.ObjectType != "payment" || e.Mode != "test" || e.OrgID != "org_1" {
		t.Fatalf("entry %+v", e)
	}

	tx = &bufferTx{}
	rec(ctx, tx, PaymentProcessing, "pay_1")
	explicit(ctx, tx, "rail_file.export", "file_1")
	rec(ctx, tx, PaymentProcessing, "pay_2")
	explicit(ctx, tx, "rail_file.note", "file_1")
	sameList(t, "explicit entries", tx.actions(), "rail_file.export file_1", "rail_file.note file_1")

	// Another transaction (a retry, or a second step) writes its own entry; so does another
	// request in the same transaction (a ledger batch).
	tx2 := &bufferTx{}
	rec(ctx, tx2, PaymentCreated, "pay_3")
	rec(WithAuditActor(bg, actor), tx2, PaymentCreated, "pay_4")
	sameList(t, "second transaction", tx2.actions(), "payment.created pay_3", "payment.created pay_4")

	// The batcher's context carries the request's state.
	tx3 := &bufferTx{}
	carried := carryAudit(bg, ctx)
	rec(carried, tx3, event.BalanceCredited, "tr_9")
	rec(ctx, tx3, event.BalanceCredited, "tr_10")
	sameList(t, "carried", tx3.actions(), "balance.credited tr_9")
	if tx3.entries[tx3.ids[0]].ObjectType != "transfer" {
		t.Fatalf("credit entry %+v", tx3.entries[tx3.ids[0]])
	}
}

func TestAuditURLDropsCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pw@hooks.example.com/x/y?token=abc#frag": "https://hooks.example.com/x/y",
		"http://127.0.0.1:9/hook":                              "http://127.0.0.1:9/hook",
		"::not a url":                                          "",
	} {
		if got := auditURL(in); got != want {
			t.Errorf("auditURL(%q) = %q, want %q", in, got, want)
		}
	}
}
