package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/identity"
	"github.com/payport/payport/internal/store"
)

// The identity page of seed 004's onboarding (/account/identity): the form while the identity
// is unverified or rejected, its status otherwise, and the way back to the platform.

func identityFields(t *Texts) []formField {
	return []formField{
		{Name: "kind", Label: t.IdentityKind, Options: []option{{"individual", t.IdentityIndividual}, {"business", t.IdentityBusiness}}},
		{Name: "legal_name", Label: t.IdentityLegalName, Autocomplete: "name"},
		{Name: "date_of_birth", Label: t.IdentityDateOfBirth, Autocomplete: "bday"},
		{Name: "registration_number", Label: t.IdentityRegistration},
		{Name: "address_line1", Label: t.IdentityAddress, Autocomplete: "address-line1"},
		{Name: "city", Label: t.IdentityCity, Autocomplete: "address-level2"},
		{Name: "postal_code", Label: t.IdentityPostalCode, Autocomplete: "postal-code"},
		{Name: "country", Label: t.IdentityCountry, Autocomplete: "country"},
	}
}

func (h *Handler) renderIdentity(w http.ResponseWriter, r *http.Request, s store.PortalSession, status int, fields []formField, msg string) {
	t := textsFor(r)
	v, err := h.app.GetIdentity(r.Context(), s.Scope, s.RecipientID)
	if err != nil {
		h.log.Error("portal identity", "err", err)
		h.unavailable(w, r)
		return
	}
	data := map[string]any{"session": s, "T": t, "Title": t.IdentityTitle, "Identity": v, "CSRF": s.CSRFToken, "Fields": fields, "Error": msg,
		"Editable": v.Status == string(identity.Unverified) || v.Status == string(identity.Rejected),
		"Rewards":  app.PortalAllows(s, "/rewards/balance")}
	if strings.HasPrefix(s.RedirectURI, "https://") || strings.HasPrefix(s.RedirectURI, "http://") {
		data["ReturnURL"] = s.RedirectURI
	}
	h.render(w, r, status, "identity", data)
}

func (h *Handler) identityPage(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	h.renderIdentity(w, r, s, http.StatusOK, identityFields(textsFor(r)), "")
}

func (h *Handler) identitySubmit(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	t := textsFor(r)
	fields := identityFields(t)
	for i := range fields {
		fields[i].Value = r.PostFormValue(fields[i].Name)
	}
	_, err := h.app.SubmitIdentity(r.Context(), s.Scope, s.RecipientID, identity.Details{Kind: identity.Kind(r.PostFormValue("kind")),
		LegalName: r.PostFormValue("legal_name"), DateOfBirth: r.PostFormValue("date_of_birth"),
		RegistrationNumber: r.PostFormValue("registration_number"), AddressLine1: r.PostFormValue("address_line1"),
		City: r.PostFormValue("city"), PostalCode: r.PostFormValue("postal_code"), Country: r.PostFormValue("country")})
	var ae *app.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/account/identity", http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Kind == app.Conflict:
		http.Redirect(w, r, "/account/identity", http.StatusSeeOther)
	case errors.As(err, &ae):
		h.renderIdentity(w, r, s, http.StatusUnprocessableEntity, fields, markField(fields, ae, t))
	default:
		h.log.Error("portal identity submit", "err", err)
		h.unavailable(w, r)
	}
}

// The change-country and reset pages of seed 004's modals (/account/country, /account/reset).
func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, s store.PortalSession, page string, status int, msg string) {
	t := textsFor(r)
	rec, err := h.app.GetRecipient(r.Context(), s.Scope, s.RecipientID)
	if err != nil {
		h.unavailable(w, r)
		return
	}
	title := t.ChangeCountryTitle
	if page == "reset" {
		title = t.ResetTitle
	}
	h.render(w, r, status, "account", map[string]any{"session": s, "T": t, "Title": title, "Page": page, "CSRF": s.CSRFToken,
		"Countries": countriesIn(t), "Current": rec.Country, "Error": msg, "Rewards": app.PortalAllows(s, "/rewards/balance")})
}

func (h *Handler) countryPage(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, r.Context().Value(sessionKey{}).(store.PortalSession), "country", http.StatusOK, "")
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, r.Context().Value(sessionKey{}).(store.PortalSession), "reset", http.StatusOK, "")
}

// accountSubmit changes the country or resets the account, once the user ticked the
// confirmation; then the account's forms start over.
func (h *Handler) accountSubmit(page string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := r.Context().Value(sessionKey{}).(store.PortalSession)
		t := textsFor(r)
		if r.PostFormValue("confirm") != "yes" {
			h.renderAccount(w, r, s, page, http.StatusUnprocessableEntity, t.ConfirmRequired)
			return
		}
		var err error
		if page == "reset" {
			err = h.app.ResetAccount(r.Context(), s.Scope, s.RecipientID)
		} else {
			err = h.app.ChangeAccountCountry(r.Context(), s.Scope, s.RecipientID, r.PostFormValue("country"))
		}
		var ae *app.Error
		switch {
		case err == nil:
			dest := "/account/identity"
			if app.PortalAllows(s, "/rewards/setup") {
				dest = "/rewards/setup"
			}
			http.Redirect(w, r, dest, http.StatusSeeOther)
		case errors.As(err, &ae):
			h.renderAccount(w, r, s, page, http.StatusUnprocessableEntity, ae.Message)
		default:
			h.log.Error("portal account change", "err", err)
			h.unavailable(w, r)
		}
	}
}
