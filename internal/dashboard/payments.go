package dashboard

import (
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/texts"
)

// The payments, recipients and payment links pages (issue 9, items 3 to 5): this file, and
// recipients.go and links.go. Their routes are registered by registerPayments.

func init() {
	pages = append(pages, "payments", "payment", "recipients", "recipient", "links")
	// linkAmount prints a link's fixed amount and currency ("" when the customer chooses).
	funcs["linkAmount"] = func(v app.LinkView) string {
		if len(v.PaymentAmount) == 0 || string(v.PaymentAmount) == "null" || v.Currency == nil {
			return ""
		}
		return string(v.PaymentAmount) + " " + *v.Currency
	}
	WritePaths = append(WritePaths, "/dashboard/payments/pay_x/cancel", "/dashboard/payments/pay_x/redeliver",
		"/dashboard/recipients/rcp_x/balance", "/dashboard/recipients/rcp_x/portal-link", "/dashboard/recipients/rcp_x/account-link",
		"/dashboard/links", "/dashboard/links/pl_x/resend", "/dashboard/links/pl_x/revoke", "/dashboard/links/revoke")
}

// registerPayments adds the routes of the payments, recipients and links pages.
func (h *Handler) registerPayments(mux *http.ServeMux) {
	mux.HandleFunc("GET /dashboard/payments", h.session(false, h.paymentsPage))
	mux.HandleFunc("GET /dashboard/payments.csv", h.session(false, h.paymentsCSV))
	mux.HandleFunc("GET /dashboard/payments/{id}", h.session(false, h.paymentPage))
	mux.HandleFunc("POST /dashboard/payments/{id}/cancel", h.session(true, h.paymentCancel))
	mux.HandleFunc("POST /dashboard/payments/{id}/redeliver", h.session(true, h.paymentRedeliver))

	mux.HandleFunc("GET /dashboard/recipients", h.session(false, h.recipientsPage))
	mux.HandleFunc("GET /dashboard/recipients/{id}", h.session(false, h.recipientPage))
	mux.HandleFunc("POST /dashboard/recipients/{id}/balance", h.session(true, h.recipientBalance))
	mux.HandleFunc("POST /dashboard/recipients/{id}/portal-link", h.session(true, h.recipientPortalLink))
	mux.HandleFunc("POST /dashboard/recipients/{id}/account-link", h.session(true, h.recipientAccountLink))

	mux.HandleFunc("GET /dashboard/links", h.session(false, h.linksPage))
	mux.HandleFunc("POST /dashboard/links", h.session(true, h.linkCreate))
	mux.HandleFunc("GET /dashboard/links/preview", h.session(true, h.linkPreviewFrame))
	mux.HandleFunc("POST /dashboard/links/{id}/resend", h.session(true, h.linkResend))
	mux.HandleFunc("POST /dashboard/links/{id}/revoke", h.session(true, h.linkRevoke))
	mux.HandleFunc("POST /dashboard/links/revoke", h.session(true, h.linksRevokeEmail))
}

// modeOf is the mode a page or form names (test unless it says live).
func modeOf(r *http.Request) tenant.Mode {
	if r.FormValue("mode") == string(tenant.Live) {
		return tenant.Live
	}
	return tenant.Test
}

// isNotFound: a use case's "not found".
func isNotFound(err error) bool {
	var ae *app.Error
	return errors.As(err, &ae) && ae.Kind == app.NotFound
}

// dateLayout is the value of an <input type="date">.
const dateLayout = "2006-01-02"

// parseDay reads a date input as the start of that day in UTC (nil when empty).
func parseDay(field, s string) (*time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return nil, &app.Error{Kind: app.Invalid, Field: field, Code: "validation_failed", Message: "a date is written 2026-01-31"}
	}
	return &t, nil
}

// paymentFilter reads the payments API's filters from a query.
func paymentFilter(v url.Values) (store.PaymentFilter, error) {
	f := store.PaymentFilter{Status: payment.Status(v.Get("status")), Type: payment.Type(v.Get("type")),
		RecipientID: strings.TrimSpace(v.Get("recipient")), ExternalID: strings.TrimSpace(v.Get("external_id")),
		CustomerID: strings.TrimSpace(v.Get("customer")), Before: v.Get("cursor")}
	var err error
	if f.CreatedFrom, err = parseDay("created_from", v.Get("created_from")); err != nil {
		return f, err
	}
	f.CreatedTo, err = parseDay("created_before", v.Get("created_before"))
	return f, err
}

// filterQuery is the page's query without its cursor, for the next page's and the export's
// links.
func filterQuery(v url.Values) string {
	out := url.Values{}
	for k, vs := range v {
		if k != "cursor" && len(vs) > 0 && vs[0] != "" {
			out.Set(k, vs[0])
		}
	}
	return out.Encode()
}

func (h *Handler) paymentsPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	t := texts.For(r)
	mode := modeOf(r)
	d := q.base("payments", t.DashPay.Payments)
	d["Mode"], d["Q"], d["Statuses"], d["Types"] = string(mode), r.URL.Query(), paymentStatusNames, paymentTypeNames
	d["Query"] = template.URL(filterQuery(r.URL.Query()))
	status := http.StatusOK
	f, err := paymentFilter(r.URL.Query())
	if err == nil {
		d["Payments"], d["Next"], err = h.app.DashboardPayments(r.Context(), q.actor, mode, f)
	}
	if msg, st := errorText(err); msg != "" {
		d["Error"], status = msg, st
	} else if isNotFound(err) {
		// A recipient filter naming no recipient of the org: nothing matches.
		d["Payments"] = []app.PaymentView{}
	} else if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, status, "payments", d)
}

var (
	paymentStatusNames = []string{"pending", "processing", "succeeded", "failed", "canceled", "expired"}
	paymentTypeNames   = []string{"payout", "payin"}
)

// csvHeader names the export's columns (the payments API's field names).
var csvHeader = []string{"id", "createdAt", "type", "status", "amount", "currency", "externalId", "recipientId", "source",
	"rail", "description", "failureCode", "updatedAt"}

// csvCell guards a cell against formula injection: a spreadsheet runs a cell starting with
// = + - @ (or a tab or carriage return before one) as a formula, so such a cell gets a
// leading apostrophe, which spreadsheets show as text. Quoting is encoding/csv's.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// paymentsCSV streams the filtered payments as CSV, newest first, amounts as exact decimal
// strings in the currency's minor unit.
func (h *Handler) paymentsCSV(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	mode := modeOf(r)
	f, err := paymentFilter(r.URL.Query())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	cw := csv.NewWriter(w)
	started := false
	start := func() {
		started = true
		h.headers(w)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="payments-%s-%s.csv"`, mode, time.Now().UTC().Format("20060102")))
		w.WriteHeader(http.StatusOK)
		_ = cw.Write(csvHeader)
	}
	n := 0
	err = h.app.DashboardExportPayments(r.Context(), q.actor, mode, f, func(p app.PaymentView) error {
		if !started {
			start()
		}
		ext := ""
		if p.ExternalID != nil {
			ext = *p.ExternalID
		}
		row := []string{p.ID, p.CreatedAt.UTC().Format(time.RFC3339), p.Type, p.Status, p.Amount, p.Currency, ext, p.RecipientID,
			p.Source, p.Rail, p.Description, p.FailureCode, p.UpdatedAt.UTC().Format(time.RFC3339)}
		for i := range row {
			row[i] = csvCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			cw.Flush()
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
		}
		return cw.Error()
	})
	if isNotFound(err) && !started {
		err = nil // a recipient filter naming nobody: an empty export
	}
	if err != nil {
		if !started {
			h.failErr(w, r, err)
			return
		}
		// The status is sent: the download ends short, and the log says why.
		h.log.Error("dashboard payments export", "err", err)
		return
	}
	if !started {
		start()
	}
	cw.Flush()
}

func (h *Handler) renderPayment(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	mode := modeOf(r)
	p, err := h.app.DashboardPayment(r.Context(), q.actor, mode, r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	t := texts.For(r)
	d := q.base("payments", fmt.Sprintf(t.DashPay.PaymentTitle, p.Payment.ID))
	d["P"], d["Mode"] = p, string(mode)
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "payment", d)
}

func (h *Handler) paymentPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	done := ""
	switch r.URL.Query().Get("done") {
	case "canceled":
		done = texts.For(r).DashPay.Canceled
	case "retry":
		done = texts.For(r).DashPay.RetryQueued
	}
	h.renderPayment(w, r, q, http.StatusOK, map[string]any{"Done": done})
}

// afterPayment sends the browser back to the payment's page with what was done.
func afterPayment(w http.ResponseWriter, r *http.Request, mode tenant.Mode, id, done string) {
	http.Redirect(w, r, "/dashboard/payments/"+url.PathEscape(id)+"?mode="+string(mode)+"&done="+done, http.StatusSeeOther)
}

func (h *Handler) paymentCancel(w http.ResponseWriter, r *http.Request, q *req) {
	mode := modeOf(r)
	if _, err := h.app.DashboardCancelPayment(r.Context(), q.actor, mode, r.PathValue("id")); err != nil {
		h.failErr(w, r, err)
		return
	}
	afterPayment(w, r, mode, r.PathValue("id"), "canceled")
}

func (h *Handler) paymentRedeliver(w http.ResponseWriter, r *http.Request, q *req) {
	mode := modeOf(r)
	if err := h.app.DashboardRedeliver(r.Context(), q.actor, mode, r.PostFormValue("event"), r.PostFormValue("attempt")); err != nil {
		h.failErr(w, r, err)
		return
	}
	afterPayment(w, r, mode, r.PathValue("id"), "retry")
}
