package portal

import (
	"errors"
	"net/http"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/store"
)

// country is a choice on the set-up page; its form follows the country's bank format.
type country struct{ Code, Name string }

// setupCountries are offered first; any IBAN country works through the IBAN form.
var setupCountries = []country{{"GB", "United Kingdom"}, {"US", "United States"}, {"DE", "Germany"},
	{"FR", "France"}, {"NL", "Netherlands"}, {"ES", "Spain"}, {"IT", "Italy"}, {"IE", "Ireland"}}

// formField is one input of the bank form.
type formField struct {
	Name, Label, Value, Error, Autocomplete string
	Numeric                                 bool
	Options                                 []string
}

// fieldsFor lists the inputs of a country's bank format, in order.
func fieldsFor(countryCode string) []formField {
	holder := formField{Name: "holder_name", Label: "Account holder name", Autocomplete: "name"}
	switch countryCode {
	case "GB":
		return []formField{holder, {Name: "sort_code", Label: "Sort code (6 digits)", Numeric: true},
			{Name: "account_number", Label: "Account number (8 digits)", Numeric: true}}
	case "US":
		return []formField{holder, {Name: "routing_number", Label: "Routing number (9 digits)", Numeric: true},
			{Name: "account_number", Label: "Account number", Numeric: true},
			{Name: "account_type", Label: "Account type", Options: []string{"checking", "savings"}}}
	}
	return []formField{holder, {Name: "iban", Label: "IBAN"}, {Name: "bic", Label: "BIC (optional)"}}
}

func (h *Handler) renderSetup(w http.ResponseWriter, r *http.Request, s store.PortalSession, status int, countryCode string, fields []formField, msg string) {
	methods, err := h.app.ListPayoutMethods(r.Context(), s.Scope, s.RecipientID)
	if err != nil {
		h.log.Error("portal setup", "err", err)
		h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
		return
	}
	h.render(w, r, status, "setup", map[string]any{"session": s, "Title": "Bank account", "Methods": methods, "CSRF": s.CSRFToken,
		"Countries": setupCountries, "Country": countryCode, "Fields": fields, "Error": msg})
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
	h.renderSetup(w, r, s, http.StatusOK, c, fieldsFor(c), "")
}

// setupSubmit validates and stores the account; a field the engine refuses is marked inline.
func (h *Handler) setupSubmit(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	c := r.PostFormValue("country")
	fields := fieldsFor(c)
	for i := range fields {
		fields[i].Value = r.PostFormValue(fields[i].Name)
	}
	in := app.PayoutMethodInput{HolderName: r.PostFormValue("holder_name"), IBAN: r.PostFormValue("iban"), BIC: r.PostFormValue("bic"),
		SortCode: r.PostFormValue("sort_code"), AccountNumber: r.PostFormValue("account_number"),
		RoutingNumber: r.PostFormValue("routing_number"), AccountType: r.PostFormValue("account_type")}
	if c != "GB" && c != "US" {
		in.Country = c
	}
	_, err := h.app.AddPayoutMethod(r.Context(), s.Scope, s.RecipientID, in)
	var ae *app.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/rewards/balance", http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Kind != app.NotFound:
		marked := false
		for i := range fields {
			if fields[i].Name == ae.Field {
				fields[i].Error, marked = ae.Message, true
			}
		}
		msg := "Please check the highlighted field."
		if !marked {
			msg = ae.Message
		}
		h.renderSetup(w, r, s, http.StatusUnprocessableEntity, c, fields, msg)
	default:
		h.log.Error("portal add bank account", "err", err)
		h.renderSetup(w, r, s, http.StatusServiceUnavailable, c, fields, "We could not save the account just now; try again.")
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
