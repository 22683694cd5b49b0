package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/store/storetest"
	"github.com/payport/payport/internal/tenant"
)

// TestDashboardRecipientsPages: the dashboard's recipient list pages by cursor, oldest
// first, every recipient exactly once, each with its own balance.
func TestDashboardRecipientsPages(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			a, scope, first := newOrg(t, e)
			ctx := context.Background()
			want := []string{first.ID}
			for i := range 4 {
				r, err := a.CreateRecipient(ctx, scope, app.RecipientInput{ExternalID: ptr(fmt.Sprint("page_", i)), Currency: ptr("EUR")})
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := a.Credit(ctx, scope, r.ID, app.MoneyInput{Amount: fmt.Sprint(i + 1), Currency: "EUR"}, app.IdemRequest{}); err != nil {
					t.Fatal(err)
				}
				want = append(want, r.ID)
			}
			ac := app.Actor{MemberID: "mem_x", Role: member.RoleViewer, OrgID: scope.OrgID}
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				rows, next, err := a.DashboardRecipients(ctx, ac, tenant.Test, cursor, 2)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) > 2 || pages > 3 {
					t.Fatalf("page %d has %d rows (limit 2)", pages, len(rows))
				}
				for _, r := range rows {
					got = append(got, r.ID)
					if r.ID == want[2] && (len(r.Balances) != 1 || r.Balances[0].Available != "2.00") {
						t.Errorf("%s balances %+v, want 2.00 EUR available", r.ID, r.Balances)
					}
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("pages gave %v, want %v", got, want)
			}
		})
	}
}
