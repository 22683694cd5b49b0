package dashboard

import (
	"io"
	"net/http"
	"strconv"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/texts"
)

// Bank files (issue 9, item 7): NACHA and SEPA files to download, an export now, and the
// bank's answers (a NACHA return file, a pain.002 status report) uploaded with the result of
// each import.

// railNames are the file rails.
var railNames = []string{"nacha", "sepa"}

func (h *Handler) renderRails(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	mode := opsMode(r)
	files, err := h.app.DashboardRailFiles(r.Context(), q.actor, mode)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("rails", texts.For(r).DashOps.Rails)
	d["Files"], d["Mode"], d["RailNames"] = files, string(mode), railNames
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "rails", d)
}

func (h *Handler) railsPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	h.renderRails(w, r, q, http.StatusOK, nil)
}

// railFileDownload answers a file exactly as exported.
func (h *Handler) railFileDownload(w http.ResponseWriter, r *http.Request, q *req) {
	v, content, err := h.app.DashboardRailFile(r.Context(), q.actor, opsMode(r), r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.headers(w)
	ct := "text/plain; charset=us-ascii"
	if v.Rail == "sepa" {
		ct = "application/xml"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+v.Filename+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	_, _ = w.Write(content)
}

func (h *Handler) railExport(w http.ResponseWriter, r *http.Request, q *req) {
	v, err := h.app.DashboardExportRailFile(r.Context(), q.actor, opsMode(r), r.PathValue("rail"))
	if msg, status := errorText(err); msg != "" {
		h.renderRails(w, r, q, status, map[string]any{"Error": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderRails(w, r, q, http.StatusCreated, map[string]any{"Exported": v})
}

// railImport reads the uploaded file (uploadLimit bounded the body) and shows what the import
// did.
func (h *Handler) railImport(w http.ResponseWriter, r *http.Request, q *req) {
	var content []byte
	if f, _, err := r.FormFile("file"); err == nil {
		content, err = io.ReadAll(io.LimitReader(f, app.MaxImportBytes+1))
		_ = f.Close()
		if err != nil {
			h.fail(w, r, http.StatusBadRequest, texts.For(r).Dash.FormExpired)
			return
		}
	}
	res, err := h.app.DashboardImportRailFile(r.Context(), q.actor, opsMode(r), r.PathValue("rail"), content)
	if msg, status := errorText(err); msg != "" {
		h.renderRails(w, r, q, status, map[string]any{"Error": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderRails(w, r, q, http.StatusOK, map[string]any{"Result": res})
}
