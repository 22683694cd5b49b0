// Package dashboard serves the merchant dashboard at /dashboard: server-rendered pages
// (html/template, embedded, no external asset, one style sheet and one script file of its
// own, so the CSP allows no inline code) for the members of an org. Members sign in with
// email, password and an emailed code; every POST carries a CSRF token; what a member may do
// is decided by package app from the member's role and org, and checked here as well.
package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/texts"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticRoot embed.FS

// CookieName is the session cookie; PreCookieName carries the CSRF token of the forms shown
// before a session exists (sign-in, reset, password links): a double-submit token, so that
// another site cannot sign a browser into an account of its choosing.
const (
	CookieName    = "pp_dash"
	PreCookieName = "pp_dash_pre"
)

// Handler serves the dashboard.
type Handler struct {
	app *app.App
	log *slog.Logger
	// secure marks cookies Secure: the public URL is HTTPS.
	secure bool
}

// New builds the dashboard handler.
func New(a *app.App, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{app: a, log: log, secure: strings.HasPrefix(a.PublicURL, "https://")}
}

// pages are the dashboard's templates, each rendered inside layout.html.
var pages = []string{"error", "signin", "verify", "reset", "password", "overview", "keys", "members", "sessions", "audit", "orgs"}

// templates are every dashboard page, parsed on first use: the parsed pages are about 2 MB
// that a server whose dashboard nobody has opened yet need not hold (idle RSS).
var templates = sync.OnceValue(func() map[string]*template.Template {
	t := parseTemplates()
	parseOpsTemplates(t)
	return t
})

func parseTemplates() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, p := range pages {
		out[p] = template.Must(template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	return out
}

var funcs = template.FuncMap{
	// when prints a time (or *time.Time) in the catalogue's layout.
	"when": func(t *texts.Texts, v any) string {
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(t.Dash.DateLayout)
		case *time.Time:
			if x != nil {
				return x.UTC().Format(t.Dash.DateLayout)
			}
		}
		return ""
	},
	// scopes names a key's permissions in the catalogue's words.
	"scopes": func(t *texts.Texts, ss []org.Scope) string {
		names := make([]string, 0, len(ss))
		for _, s := range ss {
			if n, ok := t.Dash.ScopeNames[string(s)]; ok {
				names = append(names, n)
			}
		}
		return strings.Join(names, ", ")
	},
}

// Register adds the dashboard's routes to mux. Routes that change an org's objects are
// marked write: a viewer is refused them here, and again by the use case.
func (h *Handler) Register(mux *http.ServeMux) {
	static, err := fs.Sub(staticRoot, "static")
	if err != nil {
		panic(err)
	}
	mux.Handle("GET /dashboard/static/", http.StripPrefix("/dashboard/static/", h.staticFiles(http.FileServerFS(static))))
	mux.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /dashboard/signin", h.signinPage)
	mux.HandleFunc("POST /dashboard/signin", h.signinSubmit)
	mux.HandleFunc("GET /dashboard/reset", h.resetPage)
	mux.HandleFunc("POST /dashboard/reset", h.resetSubmit)
	mux.HandleFunc("GET /dashboard/password/{token}", h.passwordPage)
	mux.HandleFunc("POST /dashboard/password/{token}", h.passwordSubmit)

	mux.HandleFunc("GET /dashboard/verify", h.session(false, h.verifyPage))
	mux.HandleFunc("POST /dashboard/verify", h.session(false, h.verifySubmit))
	mux.HandleFunc("POST /dashboard/verify/resend", h.session(false, h.verifyResend))
	mux.HandleFunc("POST /dashboard/signout", h.session(false, h.signout))
	mux.HandleFunc("GET /dashboard/{$}", h.session(false, h.overview))
	mux.HandleFunc("GET /dashboard/keys", h.session(false, h.keysPage))
	mux.HandleFunc("POST /dashboard/keys", h.session(true, h.keyCreate))
	mux.HandleFunc("POST /dashboard/keys/{id}/revoke", h.session(true, h.keyRevoke))
	mux.HandleFunc("GET /dashboard/members", h.session(false, h.membersPage))
	mux.HandleFunc("POST /dashboard/members", h.session(true, h.memberInvite))
	mux.HandleFunc("POST /dashboard/members/{id}/role", h.session(true, h.memberRole))
	mux.HandleFunc("POST /dashboard/members/{id}/remove", h.session(true, h.memberRemove))
	mux.HandleFunc("GET /dashboard/sessions", h.session(false, h.sessionsPage))
	// A viewer may end its own sessions: that changes nothing of the org's.
	mux.HandleFunc("POST /dashboard/sessions/{id}/revoke", h.session(false, h.sessionRevoke))
	// A member's own authenticator app, viewers' too: it is their account, not the org's.
	mux.HandleFunc("POST /dashboard/sessions/totp/start", h.session(false, h.totpStart))
	mux.HandleFunc("POST /dashboard/sessions/totp/enable", h.session(false, h.totpEnable))
	mux.HandleFunc("POST /dashboard/sessions/totp/disable", h.session(false, h.totpDisable))
	mux.HandleFunc("GET /dashboard/audit", h.session(false, h.auditPage))
	mux.HandleFunc("GET /dashboard/orgs", h.session(false, h.orgsPage))
	mux.HandleFunc("POST /dashboard/orgs", h.session(true, h.orgCreate))
	mux.HandleFunc("POST /dashboard/org", h.session(true, h.orgSwitch))
	h.registerOps(mux)
	h.registerPayments(mux)
	// Anything else under /dashboard/ is a page that does not exist: answered as a page, not
	// with the API's JSON problem.
	mux.HandleFunc("/dashboard/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, texts.For(r).Dash.NotFound)
	})
}

// WritePaths are the POST routes that change an org's objects (a viewer is refused each),
// with a sample path; tests walk them.
var WritePaths = []string{"/dashboard/keys", "/dashboard/keys/key_x/revoke", "/dashboard/members", "/dashboard/members/mem_x/role",
	"/dashboard/members/mem_x/remove", "/dashboard/orgs", "/dashboard/org"}

func (h *Handler) staticFiles(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.headers(w)
		w.Header().Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}

// headers are on every answer: no inline script or style, no framing (CSP and the older
// X-Frame-Options), no referrer (links carry secrets in their path), nothing cached. Frames
// may come from the dashboard itself only (the sandboxed email preview).
func (h *Handler) headers(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "+
		"frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
}

// render writes a page. data["T"] is the request's catalogue.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) {
	t := texts.For(r)
	data["T"] = t
	if _, ok := data["Title"]; !ok {
		data["Title"] = t.Dash.Product
	}
	h.headers(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept-Language")
	w.WriteHeader(status)
	if err := templates()[page].ExecuteTemplate(w, "layout", data); err != nil {
		h.log.Error("render dashboard page", "page", page, "err", err)
	}
}

// fail renders the error page with a sentence.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, message string) {
	h.render(w, r, status, "error", map[string]any{"Title": texts.For(r).Dash.ErrorTitle, "Message": message})
}

// failErr renders the page of a use case's error: its kind decides the status, and only an
// *app.Error's message is shown (anything else goes to the log).
func (h *Handler) failErr(w http.ResponseWriter, r *http.Request, err error) {
	t := texts.For(r).Dash
	var ae *app.Error
	if errors.As(err, &ae) {
		switch ae.Kind {
		case app.Forbidden:
			h.fail(w, r, http.StatusForbidden, t.NotAllowed)
		case app.NotFound:
			h.fail(w, r, http.StatusNotFound, t.NotFound)
		case app.Conflict:
			h.fail(w, r, http.StatusConflict, ae.Message)
		default:
			h.fail(w, r, http.StatusUnprocessableEntity, ae.Message)
		}
		return
	}
	h.log.Error("dashboard", "path", r.URL.Path, "err", err)
	h.fail(w, r, http.StatusServiceUnavailable, t.Unavailable)
}

// errorText is what a form shows for a use case's error it can redisplay ("" otherwise).
func errorText(err error) (string, int) {
	var ae *app.Error
	if errors.As(err, &ae) && (ae.Kind == app.Invalid || ae.Kind == app.Conflict) {
		status := http.StatusUnprocessableEntity
		if ae.Kind == app.Conflict {
			status = http.StatusConflict
		}
		return ae.Message, status
	}
	return "", 0
}

func sameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// clientIP is the direct peer: limits count against it (a proxy in front must be trusted
// explicitly before forwarded headers are believed).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// preToken returns the pre-session CSRF token, setting its cookie when there is none.
func (h *Handler) preToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(PreCookieName); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: PreCookieName, Value: v, Path: "/dashboard", HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	return v
}

// preChecked checks a pre-session form's token against its cookie.
func (h *Handler) preChecked(w http.ResponseWriter, r *http.Request) bool {
	c, err := r.Cookie(PreCookieName)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		h.fail(w, r, http.StatusForbidden, texts.For(r).Dash.FormExpired)
		return false
	}
	return true
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: secret, Path: "/dashboard", HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteLaxMode, Expires: expires})
}

func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/dashboard", HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// req is a signed-in request: the session, its member and the actor the use cases get.
type req struct {
	session member.Session
	member  member.Member
	actor   app.Actor
	org     *org.Org
}

// base is the data every signed-in page starts from (the header and navigation).
func (q *req) base(active, title string) map[string]any {
	d := map[string]any{"Me": q.member, "CSRF": q.session.CSRFToken, "Active": active, "Title": title,
		"CanWrite": q.actor.Role.CanWrite(), "SessionID": q.session.ID}
	if q.org != nil {
		d["Org"] = *q.org
	}
	return d
}

type reqKey struct{}

// session requires a live session (else: to sign-in), the emailed code entered (else: to the
// code page), a valid CSRF token on POST and, for write routes, a role that may write.
func (h *Handler) session(write bool, next func(http.ResponseWriter, *http.Request, *req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := texts.For(r).Dash
		c, err := r.Cookie(CookieName)
		if err != nil {
			h.toSignIn(w, r)
			return
		}
		s, m, err := h.app.MemberSession(r.Context(), c.Value)
		if errors.Is(err, app.ErrNoSession) {
			h.clearSessionCookie(w)
			h.toSignIn(w, r)
			return
		}
		if err != nil {
			h.log.Error("dashboard session", "err", err)
			h.fail(w, r, http.StatusServiceUnavailable, t.Unavailable)
			return
		}
		isVerify := strings.HasPrefix(r.URL.Path, "/dashboard/verify")
		if s.TwoFactorPending && !isVerify && r.URL.Path != "/dashboard/signout" {
			h.headers(w)
			http.Redirect(w, r, "/dashboard/verify", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), s.CSRFToken) {
			h.fail(w, r, http.StatusForbidden, t.FormExpired)
			return
		}
		orgID := m.OrgID
		if m.Role == member.RoleInternalAdmin {
			orgID = s.OrgID
		}
		q := &req{session: s, member: m, actor: app.Actor{MemberID: m.ID, Email: m.Email, Role: m.Role, OrgID: orgID,
			SessionID: s.ID, IP: clientIP(r)}}
		if write && !m.Role.CanWrite() {
			h.fail(w, r, http.StatusForbidden, t.NotAllowed)
			return
		}
		if orgID != "" && !isVerify {
			if o, err := h.app.GetOrg(r.Context(), orgID); err == nil {
				q.org = &o
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), reqKey{}, q)), q)
	}
}

// toSignIn sends a browser without a session to sign in; a form post gets the error page
// (its data would be lost in a redirect).
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		h.fail(w, r, http.StatusUnauthorized, texts.For(r).Dash.SessionEnded)
		return
	}
	h.headers(w)
	http.Redirect(w, r, "/dashboard/signin", http.StatusSeeOther)
}
