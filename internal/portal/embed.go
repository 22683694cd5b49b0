package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/store"
	js "github.com/payport/payport/sdk/js"
)

// The embedded component's frame (seed 004, docs/EMBED.md).

func (h *Handler) registerEmbed(mux *http.ServeMux) {
	mux.HandleFunc("GET /embed/frame", h.embedFrame)
	mux.HandleFunc("POST /embed/session", h.embedSession)
	mux.HandleFunc("POST /embed/session/refresh", h.embedRefresh)
	mux.HandleFunc("POST /embed/session/options", h.embedOptions)
	mux.Handle("GET /portal/embed.js", http.FileServerFS(staticFS))
	mux.Handle("GET /portal/embed-shell.js", http.FileServerFS(staticFS))
	mux.HandleFunc("GET /embed/payouts-session.js", h.componentBundle)
}

// componentBundle serves the component itself (sdk/js, built into the binary), for pages that
// load it straight from Payport: public, cacheable, loadable as a module from any origin.
func (h *Handler) componentBundle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeContent(w, r, "payouts-session.js", time.Time{}, bytes.NewReader(js.PayoutsSessionJS))
}

// embedFrame is the shell. It holds no data, so any page may frame it; what it loads next is
// framed only by the org's allowed origin.
func (h *Handler) embedFrame(w http.ResponseWriter, r *http.Request) {
	t := textsFor(r)
	h.render(w, r, http.StatusOK, "embed", map[string]any{"T": t, "Title": t.EmbedLoading, "Script": true, "FrameAnyone": true})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// embedProblem answers the frame's script with an RFC 9457 problem, like the API's.
func embedProblem(w http.ResponseWriter, status int, code, field, detail string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "urn:payport:problem:" + code, "title": http.StatusText(status),
		"status": status, "detail": detail, "code": code, "field": field})
}

// embedSession trades the access token the shell received for a portal session.
func (h *Handler) embedSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token, Origin string
		RedirectURL   string `json:"redirect_url"`
		Currency      string `json:"currency"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil || in.Token == "" {
		embedProblem(w, http.StatusBadRequest, "bad_request", "token", "send {token, origin}")
		return
	}
	s, err := h.app.StartEmbeddedSession(r.Context(), in.Token, in.Origin, in.RedirectURL, in.Currency)
	var ae *app.Error
	switch {
	case errors.Is(err, app.ErrEmbedToken):
		embedProblem(w, http.StatusUnauthorized, "invalid_token", "", err.Error())
		return
	case errors.Is(err, app.ErrEmbedOrigin):
		embedProblem(w, http.StatusForbidden, "origin_not_allowed", "", err.Error())
		return
	case errors.As(err, &ae):
		embedProblem(w, http.StatusUnprocessableEntity, ae.Code, ae.Field, ae.Message)
		return
	case err != nil:
		h.log.Error("embedded session", "err", err)
		embedProblem(w, http.StatusServiceUnavailable, "unavailable", "", "try again shortly")
		return
	}
	h.setSessionCookie(w, s.Token, s.ExpiresAt, true)
	writeJSON(w, http.StatusOK, map[string]string{"next": "/rewards/balance"})
}

// embedRefresh extends the frame's session with a fresh access token.
func (h *Handler) embedRefresh(w http.ResponseWriter, r *http.Request) {
	s, c, ok := h.embeddedSession(w, r)
	if !ok {
		return
	}
	var in struct{ Token string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil {
		embedProblem(w, http.StatusBadRequest, "bad_request", "token", "send {token}")
		return
	}
	exp, err := h.app.RefreshEmbeddedSession(r.Context(), s, in.Token)
	if err != nil {
		embedProblem(w, http.StatusUnauthorized, "invalid_token", "", "the new token is not valid for this session")
		return
	}
	h.setSessionCookie(w, c.Value, exp, true)
	writeJSON(w, http.StatusOK, map[string]string{"expires_at": exp.UTC().Format(time.RFC3339)})
}

// embeddedSession is the session of a request from the frame's script (cookie and CSRF header).
func (h *Handler) embeddedSession(w http.ResponseWriter, r *http.Request) (store.PortalSession, *http.Cookie, bool) {
	c, err := r.Cookie(CookieName)
	var s store.PortalSession
	if err == nil {
		s, err = h.app.PortalSessionByToken(r.Context(), c.Value)
	}
	if err != nil || !sameToken(r.Header.Get("X-Payport-CSRF"), s.CSRFToken) {
		embedProblem(w, http.StatusUnauthorized, "unauthorized", "", "the session has ended")
		return s, c, false
	}
	return s, c, true
}

// embedOptions applies the component's updateOptions (the currency shown).
func (h *Handler) embedOptions(w http.ResponseWriter, r *http.Request) {
	s, _, ok := h.embeddedSession(w, r)
	if !ok {
		return
	}
	var in struct{ Currency string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&in); err != nil {
		embedProblem(w, http.StatusBadRequest, "bad_request", "currency", "send {currency}")
		return
	}
	if err := h.app.SetEmbeddedCurrency(r.Context(), s, in.Currency); err != nil {
		embedProblem(w, http.StatusUnprocessableEntity, "invalid_currency", "currency", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"currency": in.Currency})
}
