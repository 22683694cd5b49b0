package portal

import (
	"errors"
	"net/http"
	"time"

	"github.com/payport/payport/internal/app"
)

// The page of a payment link (seed 002): /pay/{id}. An OTP-gated link first asks for a code
// emailed to the link's address; proving it sets a cookie holding the same payment-link token
// PUT /payment-links/otp answers. Paying hands over to the payin checkout of the Payments API.

// LinkCookie holds the payment-link token of the email a visitor proved.
const LinkCookie = "pp_link"

func (h *Handler) registerLinks(mux *http.ServeMux) {
	mux.HandleFunc("GET /pay/{id}", h.linkPage)
	mux.HandleFunc("POST /pay/{id}", h.linkForm(h.linkPay))
	mux.HandleFunc("POST /pay/{id}/code", h.linkForm(h.linkSendCode))
	mux.HandleFunc("POST /pay/{id}/verify", h.linkForm(h.linkVerify))
}

// linkEmail is the email the visitor proved with a code, if any.
func (h *Handler) linkEmail(r *http.Request) string {
	c, err := r.Cookie(LinkCookie)
	if err != nil {
		return ""
	}
	return h.app.LinkTokenEmail(r.Context(), c.Value)
}

func (h *Handler) loadLink(w http.ResponseWriter, r *http.Request) (app.LinkPage, bool) {
	t := textsFor(r)
	p, err := h.app.OpenLink(r.Context(), r.PathValue("id"), h.linkEmail(r))
	var ae *app.Error
	switch {
	case errors.As(err, &ae) && ae.Kind == app.NotFound:
		h.fail(w, r, http.StatusNotFound, t.NotFoundTitle, t.Pay.LinkNotFound)
		return p, false
	case err != nil:
		h.log.Error("payment link page", "err", err)
		h.unavailable(w, r)
		return p, false
	}
	return p, true
}

// renderLink shows the link page in its state: closed, asking for a code, or ready to pay.
func (h *Handler) renderLink(w http.ResponseWriter, r *http.Request, p app.LinkPage, status int, extra map[string]any) {
	t := textsFor(r)
	data := map[string]any{"org": p.Org, "T": t, "Title": t.Pay.LinkTitle, "L": p.Link, "Page": p, "Payer": h.brandOf(p.Org).Name,
		"CSRF": h.app.FormToken("link:" + p.Link.ID), "MaskedEmail": maskEmail(p.Link.Email)}
	for k, v := range extra {
		data[k] = v
	}
	if p.Closed != "" && status == http.StatusOK {
		status = http.StatusGone
		if p.Closed == "paid" {
			status = http.StatusOK
		}
	}
	h.render(w, r, status, "link", data)
}

func (h *Handler) linkPage(w http.ResponseWriter, r *http.Request) {
	if p, ok := h.loadLink(w, r); ok {
		h.renderLink(w, r, p, http.StatusOK, nil)
	}
}

// linkForm checks a link form's token and that the link is still usable.
func (h *Handler) linkForm(next func(http.ResponseWriter, *http.Request, app.LinkPage)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := h.loadLink(w, r)
		if !ok {
			return
		}
		if !sameToken(r.PostFormValue("csrf"), h.app.FormToken("link:"+p.Link.ID)) {
			t := textsFor(r)
			h.fail(w, r, http.StatusForbidden, t.FormExpiredTitle, t.FormExpired)
			return
		}
		if p.Closed != "" {
			http.Redirect(w, r, "/pay/"+p.Link.ID, http.StatusSeeOther)
			return
		}
		next(w, r, p)
	}
}

func (h *Handler) linkSendCode(w http.ResponseWriter, r *http.Request, p app.LinkPage) {
	t := textsFor(r)
	if err := h.app.SendLinkCode(r.Context(), p.Link.Email, clientIP(r)); err != nil {
		if !errors.Is(err, app.ErrCodeLimit) {
			h.log.Error("payment link code", "err", err)
		}
		h.renderLink(w, r, p, http.StatusTooManyRequests, map[string]any{"Error": t.CodeLimit})
		return
	}
	h.renderLink(w, r, p, http.StatusOK, map[string]any{"CodeSent": true})
}

func (h *Handler) linkVerify(w http.ResponseWriter, r *http.Request, p app.LinkPage) {
	t := textsFor(r)
	tok, err := h.app.VerifyLinkCode(r.Context(), p.Link.Email, r.PostFormValue("code"))
	if errors.Is(err, app.ErrLinkCode) {
		h.renderLink(w, r, p, http.StatusUnprocessableEntity, map[string]any{"CodeSent": true, "Error": t.Pay.LinkCodeWrong})
		return
	}
	if err != nil {
		h.log.Error("payment link verify", "err", err)
		h.unavailable(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: LinkCookie, Value: tok.Token, Path: "/pay/", HttpOnly: true, Secure: h.secureCookies,
		SameSite: http.SameSiteLaxMode, Expires: tok.ExpiresAt.Add(-time.Minute)})
	http.Redirect(w, r, "/pay/"+p.Link.ID, http.StatusSeeOther)
}

func (h *Handler) linkPay(w http.ResponseWriter, r *http.Request, p app.LinkPage) {
	t := textsFor(r)
	v, err := h.app.PayLink(r.Context(), p.Link.ID, h.linkEmail(r), r.PostFormValue("amount"))
	var ae *app.Error
	switch {
	case err == nil:
		http.Redirect(w, r, app.CheckoutPath(v.ID), http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Kind == app.Invalid:
		h.renderLink(w, r, p, http.StatusUnprocessableEntity, map[string]any{"Error": ae.Message, "Amount": r.PostFormValue("amount")})
	case errors.As(err, &ae):
		http.Redirect(w, r, "/pay/"+p.Link.ID, http.StatusSeeOther)
	default:
		h.log.Error("pay link", "err", err)
		h.renderLink(w, r, p, http.StatusServiceUnavailable, map[string]any{"Error": t.Pay.PaymentNotMade})
	}
}
