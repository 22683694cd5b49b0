// Package portal serves the hosted portal's pages: server-rendered, mobile-first, with no
// external asset. A user arrives through a signed grant URL (/auth/ext/{token}), which is
// exchanged once for a session cookie; every page then works from that session.
package portal

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// CookieName is the portal session cookie.
const CookieName = "pp_portal"

// Texts are the portal's words, kept in one place for translation.
type Texts struct {
	Balance, Pending, Minimum, Withdraw, Transactions, NoTransactions string
	LinkInvalid, LinkExpired, LinkUsed, SessionMissing, Forbidden     string
	TwoFactorPending                                                  string
}

// English is the default text set.
var English = Texts{
	Balance: "Your balance", Pending: "Withdrawals on their way", Minimum: "Minimum withdrawal",
	Withdraw: "Withdraw", Transactions: "Transactions", NoTransactions: "No transactions yet.",
	LinkInvalid:      "This link is not valid. Open the portal again from the app.",
	LinkExpired:      "This link has expired. Open the portal again from the app to get a new one.",
	LinkUsed:         "This link was already used. Open the portal again from the app to get a new one.",
	SessionMissing:   "Your session has ended. Open the portal again from the app.",
	Forbidden:        "This page is not part of the link you opened.",
	TwoFactorPending: "Check your email: a verification code is needed before your balance is shown.",
}

// Handler serves the portal.
type Handler struct {
	app  *app.App
	log  *slog.Logger
	tmpl map[string]*template.Template
	// secureCookies is false only for a plain-HTTP localhost public URL (development).
	secureCookies bool
}

// New builds the portal handler.
func New(a *app.App, log *slog.Logger) *Handler {
	h := &Handler{app: a, log: log, tmpl: map[string]*template.Template{},
		secureCookies: !(strings.HasPrefix(a.PublicURL, "http://127.0.0.1") || strings.HasPrefix(a.PublicURL, "http://localhost"))}
	for _, page := range []string{"error", "balance"} {
		h.tmpl[page] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html"))
	}
	return h
}

// Register adds the portal routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/ext/{token}", h.exchange)
	mux.HandleFunc("GET /rewards/balance", h.withSession("/rewards", h.balance))
	mux.HandleFunc("GET /rewards/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/rewards/balance", http.StatusSeeOther)
	})
}

func (h *Handler) headers(w http.ResponseWriter, frameAncestors string) {
	if frameAncestors == "" {
		frameAncestors = "'none'"
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors "+frameAncestors)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// The grant token travels in the URL path: never send it on as a referrer.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
}

// frameAncestors turns an org's allowed_origin ("*.axle.energy", "https://app.example.com")
// into a CSP source.
func frameAncestors(allowed string) string {
	if allowed == "" {
		return ""
	}
	if !strings.Contains(allowed, "://") {
		allowed = "https://" + allowed
	}
	if strings.ContainsAny(allowed, " ;,'\"") {
		return ""
	}
	return allowed
}

func (h *Handler) render(w http.ResponseWriter, status int, page, frame string, data map[string]any) {
	h.headers(w, frame)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := h.tmpl[page].ExecuteTemplate(w, "layout", data); err != nil {
		h.log.Error("render portal page", "page", page, "err", err)
	}
}

func (h *Handler) fail(w http.ResponseWriter, status int, heading, message string) {
	h.render(w, status, "error", "", map[string]any{"Title": heading, "Heading": heading, "Message": message})
}

// exchange turns a grant URL into a session, once, and sends the user on.
func (h *Handler) exchange(w http.ResponseWriter, r *http.Request) {
	s, err := h.app.ExchangeGrant(r.Context(), r.PathValue("token"))
	switch {
	case errors.Is(err, app.ErrGrantInvalid):
		h.fail(w, http.StatusUnauthorized, "Link not valid", English.LinkInvalid)
		return
	case errors.Is(err, app.ErrGrantExpired):
		h.fail(w, http.StatusGone, "Link expired", English.LinkExpired)
		return
	case errors.Is(err, app.ErrGrantUsed):
		h.fail(w, http.StatusGone, "Link already used", English.LinkUsed)
		return
	case err != nil:
		h.log.Error("exchange grant", "err", err)
		h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: s.Token, Path: "/", HttpOnly: true, Secure: h.secureCookies,
		SameSite: http.SameSiteLaxMode, Expires: s.ExpiresAt})
	dest := "/rewards/balance"
	if c := s.Claims; strings.HasPrefix(c.RedirectURI, "/") && c.RedirectURI != "" && !c.AutoRedirectToSetup {
		// An in-portal redirect_uri is where the portal opens (seed 001: /rewards/balance).
		if grant.CheckRedirect(c.RedirectURI, c.PermittedURLStubs, nil) == nil {
			dest = c.RedirectURI
		}
	}
	h.headers(w, "")
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

type sessionKey struct{}

// withSession requires a live session whose grant permits the path stub.
func (h *Handler) withSession(stub string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(CookieName)
		if err != nil {
			h.fail(w, http.StatusUnauthorized, "Session ended", English.SessionMissing)
			return
		}
		s, err := h.app.PortalSessionByToken(r.Context(), c.Value)
		if errors.Is(err, store.ErrNotFound) {
			h.fail(w, http.StatusUnauthorized, "Session ended", English.SessionMissing)
			return
		}
		if err != nil {
			h.log.Error("portal session", "err", err)
			h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
			return
		}
		if !strings.HasPrefix(r.URL.Path, stub) {
			h.fail(w, http.StatusForbidden, "Not available", English.Forbidden)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	}
}

func (h *Handler) balance(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	o, err := h.app.GetOrg(r.Context(), s.Scope.OrgID)
	if err != nil {
		h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
		return
	}
	frame := frameAncestors(o.Settings.Portal.AllowedOrigin)
	if s.TwoFactorPending {
		h.render(w, http.StatusOK, "error", frame, map[string]any{"Title": "Verify", "Heading": "Verify your email", "Message": English.TwoFactorPending})
		return
	}
	info, err := h.app.GetBalanceInfo(r.Context(), s.Scope, s.RecipientID, "")
	if err != nil {
		h.log.Error("portal balance", "err", err)
		h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
		return
	}
	txs, _, err := h.app.Transactions(r.Context(), s.Scope, s.RecipientID, "", 20)
	if err != nil {
		h.log.Error("portal transactions", "err", err)
	}
	h.render(w, http.StatusOK, "balance", frame, map[string]any{"Title": English.Balance, "T": English, "Info": info,
		"Transactions": txs, "ShowTransactions": !s.HideTransactions})
}
