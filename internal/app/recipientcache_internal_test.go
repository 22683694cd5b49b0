package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// TestRecipientCacheStaysBounded: the identity cache starts over when it would pass its bound,
// so a run that creates recipients without end keeps a bounded cache, and every lookup still
// finds the right recipient, cached or not.
func TestRecipientCacheStaysBounded(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			a := New(eng.Open(t), nil, "http://127.0.0.1:8080")
			t.Cleanup(a.Close)
			a.recipients.Limit = 3
			ctx := context.Background()
			o, _, err := a.CreateOrg(ctx, "Cache", false)
			if err != nil {
				t.Fatal(err)
			}
			scope := tenant.Scope{OrgID: o.ID, Mode: tenant.Test}
			cur := "EUR"
			ids := map[string]string{}
			for i := range 8 {
				ext := fmt.Sprint("site_", i)
				r, err := a.CreateRecipient(ctx, scope, RecipientInput{ExternalID: &ext, Currency: &cur})
				if err != nil {
					t.Fatal(err)
				}
				ids[ext] = r.ID
			}
			for round := range 2 {
				for ext, want := range ids {
					r, err := a.recipientIdentity(ctx, scope, ext)
					if err != nil || r.ID != want || r.ExternalID != ext || r.Currency != cur || r.Scope != scope {
						t.Fatalf("round %d: %s resolved to %+v, %v; want id %s", round, ext, r, err, want)
					}
					if entries := a.recipients.Len(); entries > 3 {
						t.Fatalf("round %d: the cache holds %d entries, bound 3", round, entries)
					}
				}
			}
		})
	}
}
