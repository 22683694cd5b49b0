package dashboard

import (
	"net/url"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/texts"
)

// paymentPageCases are the render cases of the payments, recipients and links pages, each
// branch with data (TestPagesRender adds them to its own).
func paymentPageCases() map[string][]map[string]any {
	now := time.Now()
	me := member.Member{ID: "mem_1", Email: "ada@example.com", Role: member.RoleOrgAdmin}
	o := org.Org{ID: "org_1", Name: "Acme <Energy>"}
	signedIn := func(active string, extra map[string]any) map[string]any {
		d := map[string]any{"Me": me, "Org": o, "CSRF": "c", "Active": active, "Title": "x", "CanWrite": true, "SessionID": "mss_1", "Mode": "test"}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	viewer := func(d map[string]any) map[string]any { d["CanWrite"] = false; return d }
	ext := "order-1"
	pay := app.PaymentView{ID: "pay_1", Type: "payout", Status: "pending", Amount: "12.30", Currency: "EUR", ExternalID: &ext,
		RecipientID: "rcp_1", Source: "withdrawal", Rail: "sandbox", Description: "<b>x</b>", FailureCode: "account_closed",
		PaymentMethod: "IBAN •••• 3000", CreatedAt: now, UpdatedAt: now}
	detail := app.PaymentDetail{Payment: pay, CanCancel: true,
		Transitions: []payment.Transition{{ID: "ptr_1", From: "pending", To: "canceled", Reason: "canceled", CreatedAt: now}},
		Transfers:   []app.PaymentTransfer{{ID: "tr_1", Kind: "withdrawal", Amount: "12.30", Currency: "EUR", From: "recipient available", To: "recipient pending", CreatedAt: now}},
		Events: []app.PaymentEvent{
			{ID: "evt_1", Type: "payment.created", CreatedAt: now, Deliveries: []app.PaymentDelivery{
				{WebhookAttemptView: app.WebhookAttemptView{ID: "wat_1", Attempt: 1, StatusCode: 500, Error: "server error", CreatedAt: now}, Failed: true},
				{WebhookAttemptView: app.WebhookAttemptView{ID: "wat_2", Attempt: 2, StatusCode: 0, CreatedAt: now}, Failed: true},
				{WebhookAttemptView: app.WebhookAttemptView{ID: "wat_3", Attempt: 3, StatusCode: 204, CreatedAt: now}}}},
			{ID: "evt_2", Type: "payment.canceled", CreatedAt: now}}}
	row := app.RecipientRow{RecipientView: app.RecipientView{ID: "rcp_1", ExternalID: "site-1", Name: "Ada", Email: "ada@example.com", Country: "DE", Currency: "EUR", CreatedAt: now},
		Balances:        []app.RecipientBalance{{Currency: "EUR", Available: "10.00", Pending: "2.00"}, {Currency: "USD", Available: "1.00", Pending: "0.00"}},
		HasPayoutMethod: true, IdentityStatus: "verified"}
	bare := app.RecipientRow{RecipientView: app.RecipientView{ID: "rcp_2", ExternalID: "site-2"}, IdentityStatus: "unverified"}
	rd := app.RecipientDetail{RecipientRow: row, Identity: app.IdentityView{Status: "rejected", Reason: "document_mismatch"},
		Methods:      []app.PayoutMethodView{{ID: "pm_1", Scheme: "iban", HolderName: "Ada", Country: "DE", Currency: "EUR", Last4: "3000", BankCode: "DEUTDEFF", IsDefault: true, Status: "active"}},
		Transactions: []app.TransferView{{ID: "tr_1", Kind: "credit", Direction: "in", Account: "available", Amount: app.Amount{Amount: "10.00"}, Currency: "EUR", Description: "bonus", CreatedAt: now}, {ID: "tr_2", Kind: "withdrawal", Direction: "out", Amount: app.Amount{Amount: "2.00"}, Currency: "EUR", CreatedAt: now}},
		Older:        "tr_2"}
	cur := "EUR"
	l := app.LinkView{ID: "pl_1", Status: "active", Email: "c@example.com", PaymentAmount: app.JSONNumber("12.5"), Currency: &cur, Reference: "inv 1", ExpiresAt: now, SentAt: &now, CreatedAt: now}
	l2 := app.LinkView{ID: "pl_2", Status: "revoked", Email: "d@example.com", PaymentAmount: app.JSONNumber("null"), ExpiresAt: now, CreatedAt: now}
	q := url.Values{"status": {"pending"}, "type": {"payout"}, "created_from": {"2026-01-01"}}
	return map[string][]map[string]any{
		"payments": {
			signedIn("payments", map[string]any{"Q": q, "Statuses": paymentStatusNames, "Types": paymentTypeNames, "Query": "mode=test&status=pending",
				"Payments": []app.PaymentView{pay, {ID: "pay_2", Type: "payin", Status: "succeeded", Amount: "1", Currency: "JPY"}}, "Next": "pay_2"}),
			viewer(signedIn("payments", map[string]any{"Q": url.Values{}, "Statuses": paymentStatusNames, "Types": paymentTypeNames, "Query": "", "Error": "x"})),
		},
		"payment": {
			signedIn("payments", map[string]any{"P": detail, "Done": "done"}),
			viewer(signedIn("payments", map[string]any{"P": app.PaymentDetail{Payment: app.PaymentView{ID: "pay_2", Type: "payin", Status: "succeeded"}}})),
		},
		"recipients": {
			signedIn("recipients", map[string]any{"Recipients": []app.RecipientRow{row, bare}, "Next": "rcp_2"}),
			viewer(signedIn("recipients", nil)),
		},
		"recipient": {
			signedIn("recipients", map[string]any{"R": rd, "FormKey": "k", "Script": true, "Form": map[string]string{"kind": "adjust", "amount": "-1", "currency": "EUR", "reason": "x"},
				"Account": map[string]string{"use_case": "payouts_portal"}, "BalanceDone": "done", "BalanceError": "x", "LinkError": "y",
				"NewLink": supportLink{URL: "http://x/auth/ext/t", Until: "2026-01-01T00:00:00Z"}}),
			viewer(signedIn("recipients", map[string]any{"R": app.RecipientDetail{RecipientRow: bare, Identity: app.IdentityView{Status: "unverified"}},
				"FormKey": "k", "Form": map[string]string{}, "Account": map[string]string{}})),
		},
		"links": {
			signedIn("links", map[string]any{"Q": url.Values{"status": {"active"}}, "Statuses": linkStatusNames, "Query": "mode=test", "Form": map[string]string{"otp_required": "1"},
				"Links": []app.LinkView{l, l2}, "Total": int64(2), "Next": "pl_2", "Done": "d", "FormError": "e", "RevokeError": "r", "Error": "x",
				"Preview": mail.Message{To: "c@example.com", Subject: "Acme asks you to pay", Text: "Pay here"}}),
			viewer(signedIn("links", map[string]any{"Q": url.Values{}, "Statuses": linkStatusNames, "Query": "", "Form": map[string]string{}, "Total": int64(0)})),
		},
	}
}

// TestPaymentTemplatesUseKnownTexts: every {{.T.DashPay.X}} a template names is in the
// catalogue.
func TestPaymentTemplatesUseKnownTexts(t *testing.T) {
	re := regexp.MustCompile(`\.T\.DashPay\.([A-Za-z]+)`)
	typ := reflect.TypeFor[texts.DashPayTexts]()
	n := 0
	entries, _ := templateFS.ReadDir("templates")
	for _, e := range entries {
		b, _ := templateFS.ReadFile("templates/" + e.Name())
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if _, ok := typ.FieldByName(m[1]); !ok {
				t.Errorf("%s: .T.DashPay.%s is not in the catalogue", e.Name(), m[1])
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d texts found: is the pattern still finding them?", n)
	}
	// No entry of the catalogue is empty.
	for _, c := range texts.Catalogues {
		v := reflect.ValueOf(c.DashPay)
		for i := range v.NumField() {
			if v.Field(i).IsZero() {
				t.Errorf("%s: DashPay.%s is empty", c.Lang, v.Type().Field(i).Name)
			}
		}
	}
}

// TestCSVCell: cells a spreadsheet would run as formulas become text.
func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-2": "'-2", "@cmd": "'@cmd", "\t=x": "'\t=x",
		"\r=x": "'\r=x", "12.30": "12.30", "": "", "a=b": "a=b", "pay_1": "pay_1"} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}
