package dashboard

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/link"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/texts"
)

var linkStatusNames = []string{"active", "paid", "revoked", "expired"}

// renderLinks answers the links page: the filtered list with its total, and the forms.
func (h *Handler) renderLinks(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	mode := modeOf(r)
	v := r.URL.Query()
	d := q.base("links", texts.For(r).DashPay.Links)
	d["Mode"], d["Q"], d["Statuses"], d["Query"] = string(mode), v, linkStatusNames, template.URL(filterQuery(v))
	d["Form"] = map[string]string{}
	f := store.LinkFilter{Status: link.Status(v.Get("status")), Email: v.Get("email"), Before: v.Get("cursor")}
	var err error
	if f.CreatedFrom, err = parseDay("created_from", v.Get("created_from")); err == nil {
		f.CreatedTo, err = parseDay("created_before", v.Get("created_before"))
	}
	if err == nil {
		d["Links"], d["Total"], d["Next"], err = h.app.DashboardLinks(r.Context(), q.actor, mode, f)
	}
	if msg, st := errorText(err); msg != "" {
		d["Error"] = msg
		if status == http.StatusOK {
			status = st
		}
	} else if err != nil {
		h.failErr(w, r, err)
		return
	}
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "links", d)
}

func (h *Handler) linksPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	extra := map[string]any{}
	t := texts.For(r).DashPay
	switch r.URL.Query().Get("done") {
	case "resent":
		extra["Done"] = t.Resent
	case "revoked":
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		extra["Done"] = fmt.Sprintf(t.RevokedCount, n)
	}
	h.renderLinks(w, r, q, http.StatusOK, extra)
}

// linkInput reads the new-link form.
func linkInput(r *http.Request) (app.CreateLinkInput, error) {
	in := app.CreateLinkInput{Email: r.PostFormValue("email"), Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))),
		Reference: r.PostFormValue("reference"), PaymentAmount: app.JSONNumber(strings.TrimSpace(r.PostFormValue("amount")))}
	otp := r.PostFormValue("otp_required") == "1"
	in.OTPRequired = &otp
	if s := strings.TrimSpace(r.PostFormValue("expires_in_hours")); s != "" {
		hours, err := strconv.Atoi(s)
		if err != nil {
			return in, &app.Error{Kind: app.Invalid, Field: "expires_in_hours", Code: "validation_failed", Message: "expires in hours must be a whole number"}
		}
		in.ExpiresInHours = &hours
	}
	if in.Currency == "" && len(in.PaymentAmount) > 0 {
		return in, &app.Error{Kind: app.Invalid, Field: "currency", Code: "validation_failed", Message: "give the currency of the amount"}
	}
	return in, nil
}

// linkCreate creates a link, or (the preview button) shows the email it would send.
func (h *Handler) linkCreate(w http.ResponseWriter, r *http.Request, q *req) {
	mode := modeOf(r)
	form := map[string]string{}
	for _, k := range []string{"email", "amount", "currency", "reference", "expires_in_hours", "otp_required"} {
		form[k] = r.PostFormValue(k)
	}
	in, err := linkInput(r)
	preview := r.PostFormValue("preview") == "1"
	var extra map[string]any
	if err == nil && preview {
		var msg any
		msg, err = h.app.DashboardPreviewLink(r.Context(), q.actor, mode, in)
		extra = map[string]any{"Preview": msg, "Form": form}
	} else if err == nil {
		var l app.LinkView
		l, err = h.app.DashboardCreateLink(r.Context(), q.actor, mode, in)
		extra = map[string]any{"Done": fmt.Sprintf(texts.For(r).DashPay.LinkCreated, l.Email)}
	}
	if msg, status := errorText(err); msg != "" {
		h.renderLinks(w, r, q, status, map[string]any{"FormError": msg, "Form": form})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	status := http.StatusCreated
	if preview {
		status = http.StatusOK
	}
	h.renderLinks(w, r, q, status, extra)
}

func (h *Handler) linkResend(w http.ResponseWriter, r *http.Request, q *req) {
	mode := modeOf(r)
	if _, err := h.app.DashboardResendLink(r.Context(), q.actor, mode, r.PathValue("id")); err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/links?mode="+string(mode)+"&done=resent", http.StatusSeeOther)
}

func (h *Handler) linkRevoke(w http.ResponseWriter, r *http.Request, q *req) {
	mode := modeOf(r)
	ls, err := h.app.DashboardRevokeLinks(r.Context(), q.actor, mode, r.PathValue("id"), "")
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/dashboard/links?mode=%s&done=revoked&n=%d", mode, len(ls)), http.StatusSeeOther)
}

func (h *Handler) linksRevokeEmail(w http.ResponseWriter, r *http.Request, q *req) {
	mode := modeOf(r)
	ls, err := h.app.DashboardRevokeLinks(r.Context(), q.actor, mode, "", r.PostFormValue("email"))
	if msg, status := errorText(err); msg != "" {
		h.renderLinks(w, r, q, status, map[string]any{"RevokeError": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/dashboard/links?mode=%s&done=revoked&n=%d", mode, len(ls)), http.StatusSeeOther)
}
