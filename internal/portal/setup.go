package portal

import (
	"errors"
	"net/http"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/store"
)

// country is a choice on the set-up page; its form follows the country's bank format.
type country struct{ Code, Name string }

// setupCountries are offered first (named by the catalogue); any IBAN country works through
// the IBAN form.
var setupCountries = []string{"GB", "US", "DE", "FR", "NL", "ES", "IT", "IE"}

func countriesIn(t *Texts) []country {
	out := make([]country, len(setupCountries))
	for i, c := range setupCountries {
		out[i] = country{c, t.Countries[c]}
	}
	return out
}

// formField is one input of the bank form.
type formField struct {
	Name, Label, Value, Error, Autocomplete string
	Numeric                                 bool
	Options                                 []option
}

// option is a choice of a select: the value sent and the words shown.
type option struct{ Value, Label string }

// fieldsFor lists the inputs of a country's bank format, in order.
func fieldsFor(t *Texts, countryCode string) []formField {
	holder := formField{Name: "holder_name", Label: t.HolderName, Autocomplete: "name"}
	switch countryCode {
	case "GB":
		return []formField{holder, {Name: "sort_code", Label: t.SortCode, Numeric: true},
			{Name: "account_number", Label: t.UKAccountNumber, Numeric: true}}
	case "US":
		return []formField{holder, {Name: "routing_number", Label: t.RoutingNumber, Numeric: true},
			{Name: "account_number", Label: t.AccountNumber, Numeric: true},
			{Name: "account_type", Label: t.AccountType, Options: []option{{"checking", t.Checking}, {"savings", t.Savings}}}}
	}
	return []formField{holder, {Name: "iban", Label: t.IBAN}, {Name: "bic", Label: t.BICOptional}}
}

func (h *Handler) renderSetup(w http.ResponseWriter, r *http.Request, s store.PortalSession, status int, countryCode string, fields []formField, msg string) {
	methods, err := h.app.ListPayoutMethods(r.Context(), s.Scope, s.RecipientID)
	if err != nil {
		h.log.Error("portal setup", "err", err)
		h.unavailable(w, r)
		return
	}
	t := textsFor(r)
	h.render(w, r, status, "setup", map[string]any{"session": s, "T": t, "Title": t.SetupTitle, "Methods": methods, "CSRF": s.CSRFToken,
		"Countries": countriesIn(t), "Country": countryCode, "Fields": fields, "Error": msg})
}

func (h *Handler) setupPage(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	c := r.URL.Query().Get("country")
	if c == "" {
		if rec, err := h.app.GetRecipient(r.Context(), s.Scope, s.RecipientID); err == nil && rec.Country != "" {
			c = rec.Country
		} else {
			c = "GB"
		}
	}
	h.renderSetup(w, r, s, http.StatusOK, c, fieldsFor(textsFor(r), c), "")
}

// setupSubmit validates and stores the account; a field the engine refuses is marked inline.
func (h *Handler) setupSubmit(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	t := textsFor(r)
	c, fields, in := bankFormInput(r, t)
	_, err := h.app.AddPayoutMethod(r.Context(), s.Scope, s.RecipientID, in)
	var ae *app.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/rewards/balance", http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Kind != app.NotFound:
		// The engine's message names what is wrong with the value.
		msg := markField(fields, ae, t)
		h.renderSetup(w, r, s, http.StatusUnprocessableEntity, c, fields, msg)
	default:
		h.log.Error("portal add bank account", "err", err)
		h.renderSetup(w, r, s, http.StatusServiceUnavailable, c, fields, t.AccountNotSaved)
	}
}

func (h *Handler) setupRemove(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	if _, err := h.app.RemovePayoutMethod(r.Context(), s.Scope, s.RecipientID, r.PostFormValue("method_id")); err != nil {
		var ae *app.Error
		if !errors.As(err, &ae) {
			h.log.Error("portal remove bank account", "err", err)
		}
	}
	http.Redirect(w, r, "/rewards/setup", http.StatusSeeOther)
}
