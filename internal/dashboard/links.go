package dashboard

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/link"
	"github.com/payport/payport/internal/mail"
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

// linkFields are the new-link form's fields.
var linkFields = []string{"email", "amount", "currency", "reference", "expires_in_hours", "otp_required"}

// linkInput reads the new-link form (posted, or in the preview frame's query).
func linkInput(v url.Values) (app.CreateLinkInput, error) {
	in := app.CreateLinkInput{Email: v.Get("email"), Currency: strings.ToUpper(strings.TrimSpace(v.Get("currency"))),
		Reference: v.Get("reference"), PaymentAmount: app.JSONNumber(strings.TrimSpace(v.Get("amount")))}
	otp := v.Get("otp_required") == "1"
	in.OTPRequired = &otp
	if s := strings.TrimSpace(v.Get("expires_in_hours")); s != "" {
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
	frame := url.Values{"mode": {string(mode)}}
	for _, k := range linkFields {
		form[k] = r.PostFormValue(k)
		if form[k] != "" {
			frame.Set(k, form[k])
		}
	}
	_ = r.ParseForm()
	in, err := linkInput(r.PostForm)
	preview := r.PostFormValue("preview") == "1"
	var extra map[string]any
	if err == nil && preview {
		var msg any
		msg, err = h.app.DashboardPreviewLink(r.Context(), q.actor, mode, in)
		// The HTML part is shown in a sandboxed frame from its own route (linkPreviewFrame),
		// which alone allows the email's inline styles.
		extra = map[string]any{"Preview": msg, "Form": form, "PreviewFrame": template.URL("/dashboard/links/preview?" + frame.Encode())}
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

// PreviewCSP is the only policy of the dashboard that allows inline styles: those of an
// email's HTML part. sandbox (without allow-scripts or allow-same-origin) gives the document
// an opaque origin where no script runs, default-src 'none' loads nothing, and only the
// dashboard's own pages may frame it.
const PreviewCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"

// linkPreviewFrame answers the HTML part of the email a link would send (the form's fields in
// the query), for the sandboxed frame of the links page. It runs the same rolled-back
// creation as the preview button, with every check; nothing is written.
func (h *Handler) linkPreviewFrame(w http.ResponseWriter, r *http.Request, q *req) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", PreviewCSP)
	hd.Set("X-Frame-Options", "SAMEORIGIN")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	in, err := linkInput(r.URL.Query())
	var msg mail.Message
	if err == nil {
		msg, err = h.app.DashboardPreviewLink(r.Context(), q.actor, modeOf(r), in)
	}
	if err != nil {
		// The links page shows the error itself; the frame says it in plain text.
		text, status := errorText(err)
		if text == "" {
			h.log.Error("link email preview", "err", err)
			text, status = texts.For(r).Dash.Unavailable, http.StatusServiceUnavailable
			var ae *app.Error
			if errors.As(err, &ae) && ae.Kind == app.Forbidden {
				text, status = texts.For(r).Dash.NotAllowed, http.StatusForbidden
			}
		}
		hd.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
		return
	}
	hd.Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, msg.HTML)
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
