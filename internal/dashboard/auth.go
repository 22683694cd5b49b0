package dashboard

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/texts"
)

func (h *Handler) signinPage(w http.ResponseWriter, r *http.Request) {
	t := texts.For(r).Dash
	h.render(w, r, http.StatusOK, "signin", map[string]any{"Title": t.SignInTitle, "CSRF": h.preToken(w, r)})
}

// signinSubmit answers an unknown email and a wrong password with the same page and status.
func (h *Handler) signinSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.preChecked(w, r) {
		return
	}
	t := texts.For(r).Dash
	email := r.PostFormValue("email")
	ns, err := h.app.SignIn(r.Context(), email, r.PostFormValue("password"), clientIP(r), r.UserAgent())
	status, msg := 0, ""
	switch {
	case err == nil || errors.Is(err, app.ErrCodeLimit):
		// The session exists; a code that could not be sent for the limits can be asked
		// again from the code page.
		h.setSessionCookie(w, ns.Secret, ns.Session.ExpiresAt)
		h.headers(w)
		dest := "/dashboard/verify"
		if err != nil {
			dest += "?limit=1"
		}
		http.Redirect(w, r, dest, http.StatusSeeOther)
		return
	case errors.Is(err, app.ErrSignInFailed):
		status, msg = http.StatusUnauthorized, t.SignInFailed
	case errors.Is(err, app.ErrSignInLocked):
		status, msg = http.StatusTooManyRequests, t.SignInLocked
	default:
		h.log.Error("sign in", "err", err)
		status, msg = http.StatusServiceUnavailable, t.Unavailable
	}
	h.render(w, r, status, "signin", map[string]any{"Title": t.SignInTitle, "CSRF": h.preToken(w, r), "Error": msg, "Email": email})
}

func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.session.TwoFactorPending {
		http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
		return
	}
	d := map[string]any{"Title": texts.For(r).Dash.VerifyTitle, "CSRF": q.session.CSRFToken, "TOTP": q.member.TOTPSecret != ""}
	if r.URL.Query().Get("limit") == "1" {
		// The sign-in was right but no code could be sent within the limits.
		d["Error"] = texts.For(r).CodeLimit
	}
	h.render(w, r, http.StatusOK, "verify", d)
}

func (h *Handler) verifySubmit(w http.ResponseWriter, r *http.Request, q *req) {
	if !q.session.TwoFactorPending {
		http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
		return
	}
	t := texts.For(r)
	err := h.app.VerifyMemberCode(r.Context(), q.session, r.PostFormValue("code"), clientIP(r))
	if err == nil {
		h.headers(w)
		http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
		return
	}
	msg, status := app.CodeProblem(t, err), http.StatusUnprocessableEntity
	if msg == "" {
		if errors.Is(err, app.ErrSignInLocked) {
			// Too many wrong authenticator codes: the sign-in lockout.
			msg, status = t.Dash.SignInLocked, http.StatusTooManyRequests
		} else if msg, _ = errorText(err); msg == "" {
			h.log.Error("verify dashboard code", "err", err)
			msg, status = t.CodeCheckFailed, http.StatusServiceUnavailable
		}
	}
	h.render(w, r, status, "verify", map[string]any{"Title": t.Dash.VerifyTitle, "CSRF": q.session.CSRFToken, "Error": msg,
		"TOTP": q.member.TOTPSecret != ""})
}

func (h *Handler) verifyResend(w http.ResponseWriter, r *http.Request, q *req) {
	t := texts.For(r)
	if err := h.app.ResendMemberCode(r.Context(), q.session, clientIP(r)); err != nil {
		msg, status := app.CodeProblem(t, err), http.StatusTooManyRequests
		if msg == "" {
			h.log.Error("resend dashboard code", "err", err)
			msg, status = t.CodeNotSent, http.StatusServiceUnavailable
		}
		h.render(w, r, status, "verify", map[string]any{"Title": t.Dash.VerifyTitle, "CSRF": q.session.CSRFToken, "Error": msg})
		return
	}
	http.Redirect(w, r, "/dashboard/verify", http.StatusSeeOther)
}

func (h *Handler) signout(w http.ResponseWriter, r *http.Request, q *req) {
	if err := h.app.SignOut(r.Context(), q.actor); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.clearSessionCookie(w)
	h.headers(w)
	http.Redirect(w, r, "/dashboard/signin", http.StatusSeeOther)
}

func (h *Handler) resetPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "reset", map[string]any{"Title": texts.For(r).Dash.ResetTitle, "CSRF": h.preToken(w, r)})
}

// resetSubmit answers at once, the same for every address, and looks the address up after
// answering (as PocketBase's reset and OTP requests do), so that neither the page nor the
// time it takes says whether an account exists.
func (h *Handler) resetSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.preChecked(w, r) {
		return
	}
	email, ip := r.PostFormValue("email"), clientIP(r)
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
		defer cancel()
		// Past the per-address limit nothing is sent; the answer below is the same.
		if err := h.app.RequestPasswordReset(ctx, email, ip); err != nil {
			h.log.Error("password reset", "err", err)
		}
	}()
	h.render(w, r, http.StatusOK, "reset", map[string]any{"Title": texts.For(r).Dash.ResetTitle, "Sent": true})
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request) {
	t := texts.For(r).Dash
	link, err := h.app.PasswordLink(r.Context(), r.PathValue("token"))
	if errors.Is(err, app.ErrLinkInvalid) {
		h.fail(w, r, http.StatusGone, t.LinkInvalid)
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "password", map[string]any{"Title": t.PasswordTitle, "CSRF": h.preToken(w, r), "Link": link,
		"Action": "/dashboard/password/" + url.PathEscape(r.PathValue("token"))})
}

func (h *Handler) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.preChecked(w, r) {
		return
	}
	t := texts.For(r).Dash
	token := r.PathValue("token")
	err := h.app.UsePasswordLink(r.Context(), token, r.PostFormValue("password"), clientIP(r))
	switch {
	case err == nil:
		h.render(w, r, http.StatusOK, "password", map[string]any{"Title": t.PasswordTitle, "Done": true})
	case errors.Is(err, app.ErrLinkInvalid):
		h.fail(w, r, http.StatusGone, t.LinkInvalid)
	default:
		msg, status := errorText(err)
		if msg == "" {
			h.failErr(w, r, err)
			return
		}
		link, lerr := h.app.PasswordLink(r.Context(), token)
		if lerr != nil {
			h.failErr(w, r, lerr)
			return
		}
		h.render(w, r, status, "password", map[string]any{"Title": t.PasswordTitle, "CSRF": h.preToken(w, r), "Link": link,
			"Error": msg, "Action": "/dashboard/password/" + url.PathEscape(token)})
	}
}

func (h *Handler) renderSessions(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	ss, err := h.app.ListMemberSessions(r.Context(), q.actor)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("sessions", texts.For(r).Dash.Sessions)
	d["Sessions"], d["TOTPOn"], d["Script"] = ss, q.member.TOTPSecret != "", true
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "sessions", d)
}

func (h *Handler) sessionsPage(w http.ResponseWriter, r *http.Request, q *req) {
	t := texts.For(r).Dash
	extra := map[string]any{}
	switch r.URL.Query().Get("totp") {
	case "on":
		extra["Done"] = t.TOTPTurnedOn
	case "off":
		extra["Done"] = t.TOTPTurnedOff
	}
	h.renderSessions(w, r, q, http.StatusOK, extra)
}

// totpSetupData is the setup card's data: the otpauth:// link is a URL html/template would
// otherwise refuse (not http or https).
func totpSetupData(s app.TOTPSetup) map[string]any {
	return map[string]any{"Key": s.Key, "URI": template.URL(s.URI), "Sealed": s.Sealed}
}

// totpStart shows a new secret to add to an authenticator app (in the answer to a POST,
// never in a URL); nothing is stored yet.
func (h *Handler) totpStart(w http.ResponseWriter, r *http.Request, q *req) {
	s, err := h.app.StartTOTP(q.actor)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderSessions(w, r, q, http.StatusOK, map[string]any{"Setup": totpSetupData(s)})
}

func (h *Handler) totpEnable(w http.ResponseWriter, r *http.Request, q *req) {
	sealed := r.PostFormValue("sealed")
	err := h.app.EnableTOTP(r.Context(), q.actor, sealed, r.PostFormValue("code"))
	if msg, status := errorText(err); msg != "" {
		extra := map[string]any{"TOTPError": msg}
		if s, err := h.app.ResumeTOTP(q.actor, sealed); err == nil {
			extra["Setup"] = totpSetupData(s)
		}
		h.renderSessions(w, r, q, status, extra)
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/sessions?totp=on", http.StatusSeeOther)
}

func (h *Handler) totpDisable(w http.ResponseWriter, r *http.Request, q *req) {
	err := h.app.DisableTOTP(r.Context(), q.actor, r.PostFormValue("code"))
	if msg, status := errorText(err); msg != "" {
		h.renderSessions(w, r, q, status, map[string]any{"TOTPError": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/sessions?totp=off", http.StatusSeeOther)
}

func (h *Handler) sessionRevoke(w http.ResponseWriter, r *http.Request, q *req) {
	if err := h.app.RevokeMemberSession(r.Context(), q.actor, r.PathValue("id")); err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/sessions", http.StatusSeeOther)
}
