// Package portal serves the hosted portal's pages: server-rendered, mobile-first, with no
// external asset. A user arrives through a signed grant URL (/auth/ext/{token}), which is
// exchanged once for a session cookie; every page then works from that session.
package portal

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/mail"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

// staticFS serves the portal's own assets under /portal/.
var staticFS = func() fs.FS {
	sub, err := fs.Sub(staticRoot, "static")
	if err != nil {
		panic(err)
	}
	return prefixFS{sub}
}()

// prefixFS serves "portal/x" from the static folder's "x".
type prefixFS struct{ fs.FS }

func (p prefixFS) Open(name string) (fs.File, error) {
	return p.FS.Open(strings.TrimPrefix(name, "portal/"))
}

// CookieName is the portal session cookie.
const CookieName = "pp_portal"

// Handler serves the portal.
type Handler struct {
	app *app.App
	log *slog.Logger
	// secureCookies is false only for a plain-HTTP localhost public URL (development).
	secureCookies bool
	// logos caches each org's decoded logo (org id -> cachedLogo), so that a page does not
	// decode it again.
	logos sync.Map
}

// New builds the portal handler.
func New(a *app.App, log *slog.Logger) *Handler {
	h := &Handler{app: a, log: log,
		secureCookies: !(strings.HasPrefix(a.PublicURL, "http://127.0.0.1") || strings.HasPrefix(a.PublicURL, "http://localhost"))}
	return h
}

// pages are the portal's templates, each rendered inside layout.html.
var pages = []string{"error", "balance", "verify", "setup", "withdraw", "status", "close", "outbox", "checkin", "checkout", "payment", "link", "identity", "embed", "account"}

// templates are the portal's pages (and the dashboard's previews of them), parsed on first
// use: the parsed pages are about a megabyte that a server nobody has visited yet need not
// hold (idle RSS).
var templates = sync.OnceValue(parseTemplates)

func parseTemplates() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, page := range pages {
		out[page] = template.Must(template.New(page).Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/fields.html", "templates/"+page+".html"))
	}
	return out
}

// templateFuncs let a catalogue message hold markup given as an argument.
var templateFuncs = template.FuncMap{"msg": msg, "strong": strong, "link": link, "deref": deref}

// deref shows an optional string ("" for nil).
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// msg fills a catalogue message's fmt verbs, escaping the message and every argument except
// numbers and what is already template.HTML (from strong or link).
func msg(format string, args ...any) template.HTML {
	for i, a := range args {
		switch v := a.(type) {
		case template.HTML, int, int64, uint, uint64, float64:
		case string:
			args[i] = template.HTMLEscapeString(v)
		default:
			args[i] = template.HTMLEscapeString(fmt.Sprint(v))
		}
	}
	return template.HTML(fmt.Sprintf(template.HTMLEscapeString(format), args...))
}

// strong is text in <strong> with an id, for use as an argument of msg.
func strong(id, text string) template.HTML {
	return template.HTML(`<strong id="` + template.HTMLEscapeString(id) + `">` + template.HTMLEscapeString(text) + `</strong>`)
}

// link is a link to one of the portal's own paths, for use as an argument of msg.
func link(path, text string) template.HTML {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		path = "#"
	}
	return template.HTML(`<a href="` + template.HTMLEscapeString(path) + `">` + template.HTMLEscapeString(text) + `</a>`)
}

// Register adds the portal routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/ext/{token}", h.exchange)
	mux.HandleFunc("GET /rewards/balance", h.withSession("/rewards", h.balance))
	mux.HandleFunc("GET /rewards/withdraw", h.withSession("/rewards", h.withdrawPage))
	mux.HandleFunc("POST /rewards/withdraw/confirm", h.withSession("/rewards", h.withdrawConfirm))
	mux.HandleFunc("POST /rewards/withdraw", h.withSession("/rewards", h.withdrawSubmit))
	// A query parameter, not a path segment: /rewards/{x}/{y} belongs to the API.
	mux.HandleFunc("GET /rewards/withdrawal", h.withSession("/rewards", h.statusPage))
	mux.HandleFunc("GET /rewards/done", h.withSession("/rewards", h.done))
	mux.Handle("GET /portal/close.js", http.FileServerFS(staticFS))
	mux.HandleFunc("GET /portal/logo/{org_id}", h.logo)
	mux.HandleFunc("GET /rewards/setup", h.withSession("/rewards", h.setupPage))
	mux.HandleFunc("POST /rewards/setup", h.withSession("/rewards", h.setupSubmit))
	mux.HandleFunc("POST /rewards/setup/remove", h.withSession("/rewards", h.setupRemove))
	mux.HandleFunc("GET /rewards/verify", h.withSession("/rewards", h.verifyPage))
	mux.HandleFunc("POST /rewards/verify", h.withSession("/rewards", h.verifySubmit))
	mux.HandleFunc("POST /rewards/verify/resend", h.withSession("/rewards", h.verifyResend))
	if h.app.UsesOutbox() {
		// Development only: with no SMTP server configured, emails are kept and shown here.
		mux.HandleFunc("GET /dev/outbox.json", h.outboxJSON)
		mux.HandleFunc("GET /dev/outbox", h.outboxPage)
	}
	h.registerPayForms(mux)
	h.registerLinks(mux)
	h.registerEmbed(mux)
	mux.HandleFunc("GET /account/identity", h.withSession("/account", h.identityPage))
	mux.HandleFunc("POST /account/identity", h.withSession("/account", h.identitySubmit))
	mux.HandleFunc("GET /account/country", h.withSession("/account", h.countryPage))
	mux.HandleFunc("POST /account/country", h.withSession("/account", h.accountSubmit("country")))
	mux.HandleFunc("GET /account/reset", h.withSession("/account", h.resetPage))
	mux.HandleFunc("POST /account/reset", h.withSession("/account", h.accountSubmit("reset")))
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

// render writes a page in the request's language (data["T"], the catalogue). With a "session"
// in data, one read of the session's org gives the page both its frame-ancestors (the org's
// allowed origin) and its branding; without one (error pages before a session exists) the page
// may not be framed. "Script" in data allows the portal's own script files.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) {
	if _, ok := data["T"]; !ok {
		data["T"] = textsFor(r)
	}
	frame := ""
	s, inSession := data["session"].(store.PortalSession)
	if inSession {
		if o, err := h.app.GetOrg(r.Context(), s.Scope.OrgID); err == nil {
			data["org"] = o
		}
	}
	// Hosted payment forms give the org directly.
	if o, ok := data["org"].(org.Org); ok {
		frame = frameAncestors(o.Settings.Portal.AllowedOrigin)
		b := h.brandOf(o)
		b.Note = brandNote(o.Settings.Portal.Texts, page)
		data["Brand"] = b
	}
	if inSession && s.EmbedOrigin != "" {
		// In the component's frame: framed only by the page that started the session, and
		// talking to it through embed.js.
		frame = s.EmbedOrigin
		data["Embed"] = map[string]string{"Origin": s.EmbedOrigin, "CSRF": s.CSRFToken, "ExpiresAt": s.ExpiresAt.UTC().Format(time.RFC3339)}
		data["Script"] = true
	}
	if _, ok := data["FrameAnyone"]; ok {
		frame = "*"
	}
	h.headers(w, frame)
	w.Header().Set("Vary", "Accept-Language")
	if _, ok := data["Script"]; ok {
		w.Header().Set("Content-Security-Policy", w.Header().Get("Content-Security-Policy")+"; script-src 'self'; connect-src 'self'")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := templates()[page].ExecuteTemplate(w, "layout", data); err != nil {
		h.log.Error("render portal page", "page", page, "err", err)
	}
}

// fail renders the error page: a heading and a sentence from the request's catalogue.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	h.render(w, r, status, "error", map[string]any{"Title": heading, "Heading": heading, "Message": message})
}

// unavailable is the error page for a failure the user can only retry.
func (h *Handler) unavailable(w http.ResponseWriter, r *http.Request) {
	t := textsFor(r)
	h.fail(w, r, http.StatusServiceUnavailable, t.TryAgainTitle, t.Unavailable)
}

// setSessionCookie sets the portal session cookie. A portal that may be framed by the
// platform's site (allowed_origin, or the embedded component) is a third party there: a Lax
// cookie would not be sent, and an unpartitioned third-party cookie is blocked. A partitioned
// (CHIPS) cookie lives only in that top-level site's jar. Browsers require Secure for both, so
// plain-HTTP development keeps Lax (same-site framing only).
func (h *Handler) setSessionCookie(w http.ResponseWriter, token string, expires time.Time, framed bool) {
	ck := &http.Cookie{Name: CookieName, Value: token, Path: "/", HttpOnly: true, Secure: h.secureCookies,
		SameSite: http.SameSiteLaxMode, Expires: expires}
	if h.secureCookies && framed {
		ck.SameSite, ck.Partitioned = http.SameSiteNoneMode, true
	}
	http.SetCookie(w, ck)
}

// exchange turns a grant URL into a session, once, and sends the user on.
func (h *Handler) exchange(w http.ResponseWriter, r *http.Request) {
	s, err := h.app.ExchangeGrant(r.Context(), r.PathValue("token"))
	t := textsFor(r)
	if (errors.Is(err, app.ErrGrantExpired) || errors.Is(err, app.ErrGrantUsed)) && s.Claims.RefreshURL != "" {
		// Seed 004: an account link that expired or was used sends the user to the platform,
		// which mints a new one. The URL was checked against the allowlist when minted.
		h.headers(w, "")
		http.Redirect(w, r, s.Claims.RefreshURL, http.StatusSeeOther)
		return
	}
	switch {
	case errors.Is(err, app.ErrGrantInvalid):
		h.fail(w, r, http.StatusUnauthorized, t.LinkInvalidTitle, t.LinkInvalid)
		return
	case errors.Is(err, app.ErrGrantExpired):
		h.fail(w, r, http.StatusGone, t.LinkExpiredTitle, t.LinkExpired)
		return
	case errors.Is(err, app.ErrGrantUsed):
		h.fail(w, r, http.StatusGone, t.LinkUsedTitle, t.LinkUsed)
		return
	case err != nil:
		h.log.Error("exchange grant", "err", err)
		h.unavailable(w, r)
		return
	}
	h.setSessionCookie(w, s.Token, s.ExpiresAt, s.Claims.AllowedOrigin != "")
	dest := "/rewards/balance"
	if s.Claims.Type == string(grant.AccountOnboarding) {
		dest = "/account/identity"
	}
	if s.TwoFactorPending {
		dest = "/rewards/verify"
	} else if s.Claims.AutoRedirectToSetup && !h.hasBankAccount(r, s.PortalSession) {
		// Seed 001: a user with no bank account skips the balance page.
		dest = "/rewards/setup"
	} else if c := s.Claims; strings.HasPrefix(c.RedirectURI, "/") && c.RedirectURI != "" && !c.AutoRedirectToSetup {
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
		t := textsFor(r)
		c, err := r.Cookie(CookieName)
		if err != nil {
			h.fail(w, r, http.StatusUnauthorized, t.SessionEndedTitle, t.SessionMissing)
			return
		}
		s, err := h.app.PortalSessionByToken(r.Context(), c.Value)
		if errors.Is(err, store.ErrNotFound) {
			h.fail(w, r, http.StatusUnauthorized, t.SessionEndedTitle, t.SessionMissing)
			return
		}
		if err != nil {
			h.log.Error("portal session", "err", err)
			h.unavailable(w, r)
			return
		}
		if !strings.HasPrefix(r.URL.Path, stub) || !app.PortalAllows(s, r.URL.Path) {
			h.fail(w, r, http.StatusForbidden, t.NotAvailableTitle, t.Forbidden)
			return
		}
		if s.TwoFactorPending && !strings.HasPrefix(r.URL.Path, "/rewards/verify") {
			// Nothing is shown before the emailed code is entered.
			http.Redirect(w, r, "/rewards/verify", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), s.CSRFToken) {
			h.fail(w, r, http.StatusForbidden, t.FormExpiredTitle, t.FormExpired)
			return
		}
		// The session, for its recipient, is the actor every change of this request is audited under.
		ctx := app.WithAuditActor(r.Context(), app.PortalActor(s, clientIP(r)))
		next(w, r.WithContext(context.WithValue(ctx, sessionKey{}, s)))
	}
}

func (h *Handler) balance(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	t := textsFor(r)
	info, err := h.app.GetBalanceInfo(r.Context(), s.Scope, s.RecipientID, h.app.PortalCurrency(r.Context(), s))
	if err != nil {
		h.log.Error("portal balance", "err", err)
		h.unavailable(w, r)
		return
	}
	var txs []app.TransferView
	var next string
	before := r.URL.Query().Get("before")
	if !s.HideTransactions {
		if txs, next, err = h.app.Transactions(r.Context(), s.Scope, s.RecipientID, before, 20); err != nil {
			h.log.Error("portal transactions", "err", err)
		}
	}
	h.render(w, r, http.StatusOK, "balance", map[string]any{"session": s, "Title": t.BalanceTitle, "T": t, "Info": info,
		"Why": whyNot(t, info), "Transactions": txs, "ShowTransactions": !s.HideTransactions, "Older": next, "Paged": before != ""})
}

// whyNot says in the catalogue's words why a withdrawal is not possible ("" when it is). A
// reason the catalogue does not know keeps the engine's sentence.
func whyNot(t *Texts, info app.BalanceInfo) string {
	if info.CanWithdraw {
		return ""
	}
	switch info.Reason {
	case recipient.ReasonNoBalance:
		return t.ReasonNoBalance
	case recipient.ReasonWaitPeriod:
		return fmt.Sprintf(t.ReasonWaitPeriod, info.MinimumWaitDays)
	case recipient.ReasonBelowMinimum:
		return fmt.Sprintf(t.ReasonBelowMinimum, info.MinimumWithdrawalAmount.Amount, info.WithdrawableBalance.Amount, info.Currency)
	case recipient.ReasonNoBankAccount:
		return t.ReasonNoBankAccount
	case recipient.ReasonOnboardingPending:
		return t.ReasonOnboarding
	}
	return info.Message
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// clientIP is the address limits are counted against (the direct peer: a proxy in front of
// Payport should be trusted explicitly before forwarded headers are believed).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func maskEmail(e string) string {
	at := strings.IndexByte(e, '@')
	if at <= 1 {
		return e
	}
	return e[:1] + strings.Repeat("•", min(at-1, 6)) + e[at:]
}

func (h *Handler) renderVerify(w http.ResponseWriter, r *http.Request, s store.PortalSession, status int, msg string) {
	rec, err := h.app.GetRecipient(r.Context(), s.Scope, s.RecipientID)
	if err != nil {
		h.unavailable(w, r)
		return
	}
	h.render(w, r, status, "verify", map[string]any{"session": s, "Title": textsFor(r).VerifyTitle, "MaskedEmail": maskEmail(rec.Email),
		"CSRF": s.CSRFToken, "Error": msg, "Invalid": status == http.StatusUnprocessableEntity})
}

// verifyPage sends a code on the first visit (not on every reload: the cool-down applies)
// and shows the form.
func (h *Handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	if !s.TwoFactorPending {
		http.Redirect(w, r, "/rewards/balance", http.StatusSeeOther)
		return
	}
	t, msg := textsFor(r), ""
	if err := h.app.SendPortalCode(r.Context(), s, clientIP(r)); errors.Is(err, app.ErrCodeLimit) {
		msg = fmt.Sprintf(t.CodeSendFailed, t.CodeLimit)
	} else if err != nil && !errors.Is(err, app.ErrCodeCooldown) {
		// The error itself is for the log, not for the user.
		h.log.Error("send portal code", "err", err)
		msg = t.CodeNotSent
	}
	h.renderVerify(w, r, s, http.StatusOK, msg)
}

func (h *Handler) verifySubmit(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	err := h.app.VerifyPortalCode(r.Context(), s, r.PostFormValue("code"))
	switch {
	case err == nil:
		dest := "/rewards/balance"
		if s.AutoRedirect && !h.hasBankAccount(r, s) {
			dest = "/rewards/setup" // seed 001's auto_redirect_to_setup, after the code
		}
		http.Redirect(w, r, dest, http.StatusSeeOther)
	case errors.Is(err, app.ErrCodeWrong), errors.Is(err, app.ErrCodeExpired), errors.Is(err, app.ErrCodeLocked):
		h.renderVerify(w, r, s, http.StatusUnprocessableEntity, app.CodeProblem(textsFor(r), err))
	default:
		h.log.Error("verify portal code", "err", err)
		h.renderVerify(w, r, s, http.StatusServiceUnavailable, textsFor(r).CodeCheckFailed)
	}
}

func (h *Handler) verifyResend(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	if !s.TwoFactorPending {
		// Nothing to verify: no code is sent (and no mail sent on a session's whim).
		http.Redirect(w, r, "/rewards/balance", http.StatusSeeOther)
		return
	}
	if err := h.app.SendPortalCode(r.Context(), s, clientIP(r)); err != nil {
		status, msg := http.StatusTooManyRequests, app.CodeProblem(textsFor(r), err)
		if !errors.Is(err, app.ErrCodeCooldown) && !errors.Is(err, app.ErrCodeLimit) {
			h.log.Error("resend portal code", "err", err)
			status, msg = http.StatusServiceUnavailable, textsFor(r).CodeNotSent
		}
		h.renderVerify(w, r, s, status, msg)
		return
	}
	http.Redirect(w, r, "/rewards/verify", http.StatusSeeOther)
}

func (h *Handler) outboxJSON(w http.ResponseWriter, r *http.Request) {
	msgs, err := h.app.Outbox(r.Context(), 50)
	if err != nil {
		http.Error(w, "outbox unavailable", http.StatusServiceUnavailable)
		return
	}
	if msgs == nil {
		msgs = []mail.Message{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(msgs)
}

func (h *Handler) hasBankAccount(r *http.Request, s store.PortalSession) bool {
	methods, err := h.app.ListPayoutMethods(r.Context(), s.Scope, s.RecipientID)
	return err == nil && len(methods) > 0
}

// Brand is how an org's portal looks: its name, accent colour and logo.
type Brand struct {
	Name  string
	Color template.CSS
	// Logo is the path of the org's logo (versioned by its content), "" without one; a
	// settings preview gives the logo's checked data: URL instead.
	Logo template.URL
	// Note is the org's own text for the page ("" for none).
	Note string
}

// brandNote picks the org's own text for a page: the payout form's, the pay forms', or the
// portal's on its other pages (none on error and status pages).
func brandNote(t org.PortalTexts, page string) string {
	switch page {
	case "checkin":
		return t.Payout
	case "checkout", "link":
		return t.Pay
	case "balance", "withdraw", "setup", "verify", "account", "identity":
		return t.Portal
	}
	return ""
}

// brandOf is an org's branding. The colour was validated as #RRGGBB when it was saved, and is
// checked again here before it goes into CSS; the logo likewise (logoOf).
func (h *Handler) brandOf(o org.Org) Brand {
	b := Brand{Name: o.Settings.Portal.DisplayName, Color: "#0b57d0"}
	if b.Name == "" {
		b.Name = o.Name
	}
	if c := o.Settings.Portal.BrandColor; len(c) == 7 && c[0] == '#' && strings.Trim(c[1:], "0123456789abcdefABCDEF") == "" {
		b.Color = template.CSS(c)
	}
	if l, ok := h.logoOf(o); ok {
		b.Logo = template.URL("/portal/logo/" + url.PathEscape(o.ID) + "?v=" + l.version)
	}
	return b
}

// outboxPage shows the development outbox. Only the text part is shown: the HTML part is the
// platform's template and is not rendered inside Payport's page.
func (h *Handler) outboxPage(w http.ResponseWriter, r *http.Request) {
	t := textsFor(r)
	msgs, err := h.app.Outbox(r.Context(), 50)
	if err != nil {
		h.fail(w, r, http.StatusServiceUnavailable, t.TryAgainTitle, t.OutboxUnavailable)
		return
	}
	h.render(w, r, http.StatusOK, "outbox", map[string]any{"Title": t.OutboxTitle, "T": t, "Messages": msgs})
}
