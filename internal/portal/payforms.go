package portal

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/payment"
)

// The hosted forms of the Payments API (seed 003): /checkin/{id}, where the customer of a
// payout says where the money goes, and /checkout/{id}, where the customer of a payin pays.
// There is no session: the payment id in the URL is the capability, and each form posts a
// token bound to its payment (app.FormToken), which a page of another site cannot read.

// registerPayForms adds the hosted payment forms to mux.
func (h *Handler) registerPayForms(mux *http.ServeMux) {
	mux.HandleFunc("GET /checkin/{id}", h.payForm(payment.Payout, h.checkinPage))
	mux.HandleFunc("POST /checkin/{id}", h.payForm(payment.Payout, h.checkinSubmit))
	mux.HandleFunc("GET /checkout/{id}", h.payForm(payment.Payin, h.checkoutPage))
	mux.HandleFunc("POST /checkout/{id}/card", h.payForm(payment.Payin, h.checkoutCard))
	mux.HandleFunc("POST /checkout/{id}/bank_transfer", h.payForm(payment.Payin, h.checkoutBankTransfer))
}

type formHandler func(w http.ResponseWriter, r *http.Request, f app.PaymentForm)

// payForm loads the form's payment (404 for an unknown id or a payment of the other type),
// checks a POST's form token, and shows the payment's status instead of a form that can no
// longer be used.
func (h *Handler) payForm(typ payment.Type, next formHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := textsFor(r)
		f, err := h.app.PaymentForm(r.Context(), r.PathValue("id"))
		var ae *app.Error
		switch {
		case errors.As(err, &ae) && ae.Kind == app.NotFound, err == nil && f.Payment.Type != typ:
			h.fail(w, r, http.StatusNotFound, t.NotFoundTitle, t.Pay.FormNotFound)
			return
		case err != nil:
			h.log.Error("payment form", "err", err)
			h.unavailable(w, r)
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), h.app.FormToken(f.Payment.ID)) {
			h.fail(w, r, http.StatusForbidden, t.FormExpiredTitle, t.FormExpired)
			return
		}
		w = formActionTo(w, f.Payment.RedirectURL)
		if f.Closed != "" && r.Method == http.MethodPost {
			// A repeated submit (double click, back and resubmit) changes nothing. It ends where
			// the first one did: back at the platform when it gave a redirectUrl, else on the
			// form's status (by GET, so that a reload does not post again).
			h.finish(w, r, f.View, f.Payment.RedirectURL)
			return
		}
		if f.Closed != "" {
			h.paymentStatus(w, r, f)
			return
		}
		next(w, r, f)
	}
}

// formActionTo lets a form page's posts end at the platform's redirectUrl. Submitting a form
// answers 303 to that URL (finish), and browsers hold a form's redirects to the page's CSP
// form-action as well: with 'self' alone Chromium blocks the way back, and the customer stays
// on the form after the payment was made. The page's CSP therefore also allows the
// redirectUrl's origin, and only that.
func formActionTo(w http.ResponseWriter, redirectURL string) http.ResponseWriter {
	u, err := url.Parse(redirectURL)
	if redirectURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.ContainsAny(u.Host, " ;,'\"") {
		return w
	}
	return &formActionWriter{ResponseWriter: w, origin: u.Scheme + "://" + u.Host}
}

// formActionWriter adds origin to the form-action of the CSP the page is sent with.
type formActionWriter struct {
	http.ResponseWriter
	origin string
	wrote  bool
}

func (w *formActionWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if csp := w.Header().Get("Content-Security-Policy"); csp != "" {
			w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+w.origin, 1))
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *formActionWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *formActionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// payData is what every hosted form page shows: the org's branding and framing, the payment.
func (h *Handler) payData(r *http.Request, f app.PaymentForm, title string) map[string]any {
	return map[string]any{"org": f.Org, "T": textsFor(r), "Title": title, "P": f.View, "Form": f,
		"Payer": h.brandOf(f.Org).Name, "CSRF": h.app.FormToken(f.Payment.ID)}
}

// paymentStatus is the page of a form that was completed, expired or ended: the payment's
// status in words, and the way back to the platform when it gave one.
func (h *Handler) paymentStatus(w http.ResponseWriter, r *http.Request, f app.PaymentForm) {
	t := textsFor(r)
	key := string(f.Payment.Status)
	if f.Payment.Status == payment.Pending && f.Payment.PayinMethod == payment.PayinBankTransfer {
		key = "awaiting_transfer"
	} else if f.Closed == "expired" {
		key = "expired"
	}
	data := h.payData(r, f, t.Pay.StatusHeading[key])
	data["Heading"], data["Explain"], data["StatusKey"] = t.Pay.StatusHeading[key], t.Pay.StatusExplain[key], key
	if ret, err := h.app.PaymentReturnURL(r.Context(), f.View, f.Payment.RedirectURL); err == nil && ret != "" {
		data["ReturnURL"] = ret
	}
	status := http.StatusOK
	if key == "expired" {
		status = http.StatusGone
	}
	h.render(w, r, status, "payment", data)
}

// finish sends the customer on after a form: to the platform's redirectUrl (with the signed
// outcome) when it gave one, else to the form's own URL, which now shows the status.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, v app.PaymentView, redirectURL string) {
	dest := strings.TrimPrefix(v.URL, h.app.PublicURL) // the form, now showing the status
	if ret, err := h.app.PaymentReturnURL(r.Context(), v, redirectURL); err == nil && ret != "" {
		dest = ret
	} else if err != nil {
		h.log.Error("payment return URL", "err", err)
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

func (h *Handler) renderCheckin(w http.ResponseWriter, r *http.Request, f app.PaymentForm, status int, country string, fields []formField, msg string) {
	t := textsFor(r)
	data := h.payData(r, f, t.Pay.CheckinTitle)
	data["Countries"], data["Country"], data["Fields"], data["Error"] = countriesIn(t), country, fields, msg
	h.render(w, r, status, "checkin", data)
}

func (h *Handler) checkinPage(w http.ResponseWriter, r *http.Request, f app.PaymentForm) {
	c := r.URL.Query().Get("country")
	if c == "" {
		c = defaultCountry(f.Payment.Currency)
	}
	h.renderCheckin(w, r, f, http.StatusOK, c, fieldsFor(textsFor(r), c), "")
}

// defaultCountry guesses the bank form from the payout's currency.
func defaultCountry(currency string) string {
	switch currency {
	case "GBP":
		return "GB"
	case "USD":
		return "US"
	}
	return "DE"
}

func (h *Handler) checkinSubmit(w http.ResponseWriter, r *http.Request, f app.PaymentForm) {
	t := textsFor(r)
	in := app.CheckinInput{SavedMethodID: r.PostFormValue("saved_method_id")}
	c, fields := r.PostFormValue("country"), []formField(nil)
	if in.SavedMethodID == "" {
		c, fields, in.Method = bankFormInput(r, t)
	}
	v, err := h.app.SubmitCheckin(r.Context(), f.Payment.ID, in)
	var ae *app.Error
	switch {
	case err == nil:
		h.finish(w, r, v, f.Payment.RedirectURL)
	case errors.Is(err, app.ErrFormClosed):
		http.Redirect(w, r, "/checkin/"+f.Payment.ID, http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Kind != app.NotFound:
		if fields == nil {
			fields = fieldsFor(t, defaultCountry(f.Payment.Currency))
		}
		h.renderCheckin(w, r, f, http.StatusUnprocessableEntity, c, fields, markField(fields, ae, t))
	default:
		h.log.Error("checkin", "err", err)
		if fields == nil {
			fields = fieldsFor(t, defaultCountry(f.Payment.Currency))
		}
		h.renderCheckin(w, r, f, http.StatusServiceUnavailable, c, fields, t.AccountNotSaved)
	}
}

func (h *Handler) renderCheckout(w http.ResponseWriter, r *http.Request, f app.PaymentForm, status int, fields []formField, msg string) {
	t := textsFor(r)
	data := h.payData(r, f, t.Pay.CheckoutTitle)
	data["Fields"], data["Error"] = fields, msg
	h.render(w, r, status, "checkout", data)
}

// cardFields are the checkout's card inputs, with the browser's payment autofill names.
func cardFields(t *Texts) []formField {
	return []formField{
		{Name: "card_number", Label: t.Pay.CardNumber, Autocomplete: "cc-number", Numeric: true},
		{Name: "card_expiry", Label: t.Pay.CardExpiry, Autocomplete: "cc-exp", Numeric: true},
		{Name: "card_cvc", Label: t.Pay.CardCVC, Autocomplete: "cc-csc", Numeric: true},
		{Name: "card_holder", Label: t.Pay.CardHolder, Autocomplete: "cc-name"},
	}
}

func (h *Handler) checkoutPage(w http.ResponseWriter, r *http.Request, f app.PaymentForm) {
	h.renderCheckout(w, r, f, http.StatusOK, cardFields(textsFor(r)), "")
}

func (h *Handler) checkoutCard(w http.ResponseWriter, r *http.Request, f app.PaymentForm) {
	t := textsFor(r)
	fields := cardFields(t)
	for i := range fields {
		// The card's number and code are never sent back into the page.
		if fields[i].Name == "card_expiry" || fields[i].Name == "card_holder" {
			fields[i].Value = r.PostFormValue(fields[i].Name)
		}
	}
	// PayByCard finishes a started charge even if this request goes away.
	v, err := h.app.PayByCard(r.Context(), f.Payment.ID, app.CardInput{Number: r.PostFormValue("card_number"),
		Expiry: r.PostFormValue("card_expiry"), CVC: r.PostFormValue("card_cvc"), Holder: r.PostFormValue("card_holder")})
	var ae *app.Error
	switch {
	case err == nil:
		h.finish(w, r, v, f.Payment.RedirectURL)
	case errors.Is(err, app.ErrFormClosed):
		http.Redirect(w, r, "/checkout/"+f.Payment.ID, http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Kind != app.NotFound:
		h.renderCheckout(w, r, f, http.StatusUnprocessableEntity, fields, markField(fields, ae, t))
	default:
		h.log.Error("checkout card", "err", err)
		h.renderCheckout(w, r, f, http.StatusServiceUnavailable, fields, t.Pay.PaymentNotMade)
	}
}

func (h *Handler) checkoutBankTransfer(w http.ResponseWriter, r *http.Request, f app.PaymentForm) {
	if _, err := h.app.ChooseBankTransfer(r.Context(), f.Payment.ID); err != nil && !errors.Is(err, app.ErrFormClosed) {
		h.log.Error("checkout bank transfer", "err", err)
		h.unavailable(w, r)
		return
	}
	http.Redirect(w, r, "/checkout/"+f.Payment.ID, http.StatusSeeOther)
}

// bankFormInput reads a posted bank form: its country, its fields with the values typed (to
// show again next to any error) and the payout method they describe.
func bankFormInput(r *http.Request, t *Texts) (string, []formField, app.PayoutMethodInput) {
	c := r.PostFormValue("country")
	fields := fieldsFor(t, c)
	for i := range fields {
		fields[i].Value = r.PostFormValue(fields[i].Name)
	}
	in := app.PayoutMethodInput{HolderName: r.PostFormValue("holder_name"), IBAN: r.PostFormValue("iban"), BIC: r.PostFormValue("bic"),
		SortCode: r.PostFormValue("sort_code"), AccountNumber: r.PostFormValue("account_number"),
		RoutingNumber: r.PostFormValue("routing_number"), AccountType: r.PostFormValue("account_type")}
	if c != "GB" && c != "US" {
		in.Country = c
	}
	return c, fields, in
}

// markField puts a refused value's message beside its field and returns the sentence for the
// top of the form: "check the highlighted field", or the message itself when no field shows it.
func markField(fields []formField, ae *app.Error, t *Texts) string {
	for i := range fields {
		if fields[i].Name == ae.Field {
			fields[i].Error = ae.Message
			return t.CheckHighlighted
		}
	}
	return ae.Message
}
