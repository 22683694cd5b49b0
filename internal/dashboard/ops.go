package dashboard

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/portal"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/texts"
)

// The operations pages (issue 9, items 6 to 9): webhooks and events (webhooks.go), bank files
// (rails.go), settings (settings.go) and the overview's charts (charts.go). Their templates
// are parsed here beside the foundation's, and their words are in texts.DashOpsTexts.

// opsPages are the operations pages' templates, each rendered inside layout.html.
var opsPages = []string{"webhooks", "webhook", "events", "event", "rails", "settings"}

// OpsWritePaths are the operations pages' POST routes that change an org's objects (a viewer
// is refused each), with sample paths; tests walk them as they walk WritePaths.
var OpsWritePaths = []string{"/dashboard/webhooks", "/dashboard/webhooks/we_x/rotate", "/dashboard/webhooks/we_x/disable",
	"/dashboard/webhooks/we_x/enable", "/dashboard/events/evt_x/redeliver", "/dashboard/rails/nacha/export",
	"/dashboard/rails/nacha/import", "/dashboard/settings"}

var opsFuncs = template.FuncMap{
	// importGroups lists an import's outcomes in the order the page shows them.
	"importGroups": func(t *texts.Texts, r app.ImportResult) []importGroup {
		o := t.DashOps
		return []importGroup{{"failed", o.FailedLines, r.Failed}, {"succeeded", o.SucceededLines, r.Succeeded},
			{"notices", o.NoticeLines, r.Notices}, {"ignored", o.IgnoredLines, r.Ignored}}
	},
	// previewLabel names a preview button.
	"previewLabel": func(t *texts.Texts, kind string) string {
		switch kind {
		case "payout":
			return t.DashOps.PreviewPayout
		case "pay":
			return t.DashOps.PreviewPay
		}
		return t.DashOps.PreviewPortal
	},
}

type importGroup struct {
	Key, Name string
	Lines     []app.ImportedLine
}

// parseOpsTemplates parses the operations pages, and the overview again with its charts.
func parseOpsTemplates(into map[string]*template.Template) {
	for _, p := range opsPages {
		into[p] = template.Must(template.New(p).Funcs(funcs).Funcs(opsFuncs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	into["overview"] = template.Must(template.New("overview").Funcs(funcs).Funcs(opsFuncs).ParseFS(templateFS,
		"templates/layout.html", "templates/overview.html", "templates/charts.html"))
}

// registerOps adds the operations pages' routes (called from Register).
func (h *Handler) registerOps(mux *http.ServeMux) {
	mux.HandleFunc("GET /dashboard/webhooks", h.session(false, h.webhooksPage))
	mux.HandleFunc("POST /dashboard/webhooks", h.session(true, h.endpointCreate))
	mux.HandleFunc("GET /dashboard/webhooks/{id}", h.session(false, h.endpointPage))
	mux.HandleFunc("POST /dashboard/webhooks/{id}/rotate", h.session(true, h.endpointRotate))
	mux.HandleFunc("POST /dashboard/webhooks/{id}/disable", h.session(true, h.endpointEnabled(false)))
	mux.HandleFunc("POST /dashboard/webhooks/{id}/enable", h.session(true, h.endpointEnabled(true)))
	mux.HandleFunc("GET /dashboard/events", h.session(false, h.eventsPage))
	mux.HandleFunc("GET /dashboard/events/{id}", h.session(false, h.eventPage))
	mux.HandleFunc("POST /dashboard/events/{id}/redeliver", h.session(true, h.eventRedeliver))
	mux.HandleFunc("GET /dashboard/rails", h.session(false, h.railsPage))
	mux.HandleFunc("GET /dashboard/rails/files/{id}", h.session(false, h.railFileDownload))
	mux.HandleFunc("POST /dashboard/rails/{rail}/export", h.session(true, h.railExport))
	mux.HandleFunc("POST /dashboard/rails/{rail}/import", h.uploadLimit(h.session(true, h.railImport)))
	mux.HandleFunc("GET /dashboard/settings", h.session(false, h.settingsPage))
	mux.HandleFunc("POST /dashboard/settings", h.uploadLimit(h.session(true, h.settingsSave)))
	// A preview changes nothing: anyone who may read the settings may look at it.
	mux.HandleFunc("POST /dashboard/settings/preview", h.uploadLimit(h.session(false, h.settingsPreview)))
}

// maxUpload bounds a multipart form: the largest bank file plus the form's other fields.
const maxUpload = app.MaxImportBytes + 1<<20

// uploadLimit parses a multipart form within maxUpload before the session check reads its
// CSRF token; a larger body is refused with 413 and nothing read past the limit.
func (h *Handler) uploadLimit(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if err := r.ParseMultipartForm(2 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if asMaxBytes(err, &tooBig) {
				h.fail(w, r, http.StatusRequestEntityTooLarge, texts.For(r).DashOps.UploadHint)
				return
			}
			if err != http.ErrNotMultipart {
				h.fail(w, r, http.StatusBadRequest, texts.For(r).Dash.FormExpired)
				return
			}
		}
		next(w, r)
	}
}

// opsMode is the mode a request asks for: live when it says so, else test.
func opsMode(r *http.Request) tenant.Mode {
	m := r.URL.Query().Get("mode")
	if r.Method == http.MethodPost {
		m = r.PostFormValue("mode")
	}
	if m == string(tenant.Live) {
		return tenant.Live
	}
	return tenant.Test
}

// previewKinds are the preview buttons of the settings page.
var previewKinds = portal.PreviewKinds

func asMaxBytes(err error, target **http.MaxBytesError) bool {
	return errors.As(err, target)
}
