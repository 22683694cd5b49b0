package dashboard

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/portal"
	"github.com/payport/payport/internal/texts"
)

// Settings (issue 9, item 8): the org's name and the branding of its hosted pages, withdrawal
// rules, security defaults and link lifetimes, with a preview rendered by the portal's own
// templates. A rejected form writes nothing and names its field.

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, q *req, status int, o org.Org, f app.SettingsForm, errs map[string]string, saved bool) {
	d := q.base("settings", texts.For(r).DashOps.Settings)
	d["F"], d["FieldErrors"], d["Saved"], d["HasLogo"], d["PreviewKinds"] = f, errs, saved, o.Settings.Portal.Logo != "", previewKinds
	if c := o.Settings.Portal.BrandColor; c != "" {
		d["Swatch"] = c
	}
	h.render(w, r, status, "settings", d)
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	o, err := h.app.DashboardSettings(r.Context(), q.actor)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderSettings(w, r, q, http.StatusOK, o, app.SettingsFormOf(o), map[string]string{}, r.URL.Query().Get("saved") == "1")
}

// settingsForm reads the posted form; a logo file becomes a data: URL (checked by the use case:
// PNG, SVG or WebP, at most org.MaxLogoBytes).
func settingsForm(r *http.Request) app.SettingsForm {
	v := r.PostFormValue
	f := app.SettingsForm{Name: v("name"), DisplayName: v("display_name"), BrandColor: v("brand_color"), RemoveLogo: v("remove_logo") != "",
		PortalText: v("portal_text"), PayoutText: v("payout_text"), PayText: v("pay_text"), MinimumWithdrawal: v("minimum_withdrawal"),
		MinimumWaitDays: v("minimum_wait_days"), TwoFactor: v("two_factor") != "", AllowedOrigin: v("allowed_origin"),
		RedirectAllowlist: strings.ReplaceAll(v("redirect_allowlist"), "\r", ""), LinkDefaultHours: v("link_default_hours"),
		LinkMaxHours: v("link_max_hours"), PortalURLMinutes: v("portal_url_minutes"), RequireIdentity: v("require_identity") != ""}
	file, hdr, err := r.FormFile("logo")
	if err != nil {
		return f
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, org.MaxLogoBytes+1))
	if err != nil || len(data) == 0 {
		return f
	}
	ct, _, _ := mime.ParseMediaType(hdr.Header.Get("Content-Type"))
	switch strings.ToLower(path.Ext(hdr.Filename)) {
	case ".png":
		ct = "image/png"
	case ".svg":
		ct = "image/svg+xml"
	case ".webp":
		ct = "image/webp"
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	f.Logo = "data:" + ct + ";base64," + base64.StdEncoding.EncodeToString(data)
	return f
}

// fieldError is the form field an invalid use case error names, and its message.
func fieldError(err error) (map[string]string, bool) {
	var ae *app.Error
	if errors.As(err, &ae) && ae.Kind == app.Invalid {
		field := ae.Field
		if field == "" {
			field = "name"
		}
		return map[string]string{field: ae.Message}, true
	}
	return nil, false
}

func (h *Handler) settingsSave(w http.ResponseWriter, r *http.Request, q *req) {
	f := settingsForm(r)
	o, err := h.app.DashboardUpdateSettings(r.Context(), q.actor, f)
	if errs, ok := fieldError(err); ok {
		cur, rerr := h.app.DashboardSettings(r.Context(), q.actor)
		if rerr != nil {
			h.failErr(w, r, rerr)
			return
		}
		f.Logo = ""
		h.renderSettings(w, r, q, http.StatusUnprocessableEntity, cur, f, errs, false)
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	_ = o
	http.Redirect(w, r, "/dashboard/settings?saved=1", http.StatusSeeOther)
}

// settingsPreview shows a hosted page as the posted settings would make it, without saving
// them: the portal renders it from its own templates.
func (h *Handler) settingsPreview(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	cur, err := h.app.DashboardSettings(r.Context(), q.actor)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	f := settingsForm(r)
	o, err := app.ApplySettingsForm(cur, f)
	if errs, ok := fieldError(err); ok {
		f.Logo = ""
		h.renderSettings(w, r, q, http.StatusUnprocessableEntity, cur, f, errs, false)
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	portal.Preview(w, r, o, r.PostFormValue("kind"))
}
