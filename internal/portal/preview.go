package portal

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
)

// PreviewKinds are the pages a preview shows: the portal's balance page, the hosted payout
// form (/checkin) and the hosted pay form (/checkout).
var PreviewKinds = []string{"portal", "payout", "pay"}

// Preview renders a hosted page with sample figures and an org's branding as it would be
// saved: the dashboard's settings preview, from the portal's own templates. The logo is its
// data: URL (it may not be saved yet), so this answer alone lets images come from data:; its
// forms go nowhere (form-action 'none') and it may not be framed.
func Preview(w http.ResponseWriter, r *http.Request, o org.Org, kind string) {
	t := textsFor(r)
	b := Brand{Name: o.Settings.Portal.DisplayName, Color: "#0b57d0"}
	if b.Name == "" {
		b.Name = o.Name
	}
	if c := o.Settings.Portal.BrandColor; len(c) == 7 && c[0] == '#' && strings.Trim(c[1:], "0123456789abcdefABCDEF") == "" {
		b.Color = template.CSS(c)
	}
	if l := o.Settings.Portal.Logo; l != "" {
		if _, err := org.ParseLogo(l); err == nil {
			// Checked by ParseLogo: a PNG, SVG or WebP image, shown as an <img> (an SVG's
			// scripts never run there).
			b.Logo = template.URL(l)
		}
	}
	page := map[string]string{"portal": "balance", "payout": "checkin", "pay": "checkout"}[kind]
	if page == "" {
		page = "balance"
	}
	b.Note = brandNote(o.Settings.Portal.Texts, page)
	data := map[string]any{"T": t, "Brand": b, "CSRF": ""}
	switch page {
	case "balance":
		info := app.BalanceInfo{Currency: "EUR", Balance: app.Amount{Amount: "125.00", AmountMinor: 12500},
			WithdrawableBalance: app.Amount{Amount: "125.00", AmountMinor: 12500}, CanWithdraw: true}
		data["Title"], data["Info"], data["ShowTransactions"] = t.BalanceTitle, info, true
		data["Transactions"] = []app.TransferView{{Kind: "credit", Direction: "in", Amount: app.Amount{Amount: "125.00"}, Currency: "EUR"}}
	case "checkin":
		data["Title"], data["Payer"] = t.Pay.CheckinTitle, b.Name
		data["P"] = app.PaymentView{ID: "pay_preview", Type: "payout", Status: "pending", Amount: "125.00", Currency: "EUR"}
		data["Form"], data["Countries"], data["Country"], data["Fields"] = app.PaymentForm{}, countriesIn(t), "DE", fieldsFor(t, "DE")
	case "checkout":
		data["Title"], data["Payer"] = t.Pay.CheckoutTitle, b.Name
		data["P"] = app.PaymentView{ID: "pay_preview", Type: "payin", Status: "pending", Amount: "125.00", Currency: "EUR"}
		data["Fields"] = cardFields(t)
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := templates()[page].ExecuteTemplate(w, "layout", data); err != nil {
		http.Error(w, "preview failed", http.StatusInternalServerError)
	}
}
