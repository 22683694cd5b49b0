package httpapi

import (
	"html/template"
	"net/http"
	"sort"
	"strings"
)

// docsPage renders the OpenAPI description as a plain HTML page: no scripts, no CDN, so the
// docs work on a machine with no internet (huma's default page loads its renderer online).
func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	type op struct {
		Method, Path, Summary, ID string
		Description               []string
	}
	groups := map[string][]op{}
	oa := s.api.OpenAPI()
	for path, item := range oa.Paths {
		add := func(method string, summary, desc, id string, tags []string) {
			tag := "Other"
			if len(tags) > 0 {
				tag = tags[0]
			}
			groups[tag] = append(groups[tag], op{Method: method, Path: path, Summary: summary, ID: id,
				Description: strings.Split(desc, "\n\n")})
		}
		if o := item.Get; o != nil {
			add("GET", o.Summary, o.Description, o.OperationID, o.Tags)
		}
		if o := item.Post; o != nil {
			add("POST", o.Summary, o.Description, o.OperationID, o.Tags)
		}
		if o := item.Put; o != nil {
			add("PUT", o.Summary, o.Description, o.OperationID, o.Tags)
		}
		if o := item.Patch; o != nil {
			add("PATCH", o.Summary, o.Description, o.OperationID, o.Tags)
		}
		if o := item.Delete; o != nil {
			add("DELETE", o.Summary, o.Description, o.OperationID, o.Tags)
		}
	}
	type group struct {
		Name string
		Ops  []op
	}
	var list []group
	for name, ops := range groups {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		list = append(list, group{name, ops})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = docsTemplate.Execute(w, map[string]any{"Title": oa.Info.Title, "Version": oa.Info.Version,
		"Description": oa.Info.Description, "Groups": list})
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} {{.Version}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
code,.path{font-family:ui-monospace,monospace}.op{border-top:1px solid #ddd;padding:.75rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700}.GET{color:#0b6e2e}.POST{color:#0b4f9e}.PATCH,.PUT{color:#8a5300}.DELETE{color:#a4161a}
</style></head><body>
<h1>{{.Title}} <small>{{.Version}}</small></h1>
<p>{{.Description}}</p>
<p>The machine-readable description is at <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).</p>
{{range .Groups}}<h2 id="{{.Name}}">{{.Name}}</h2>
{{range .Ops}}<div class="op" id="{{.ID}}"><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span> — {{.Summary}}
{{range .Description}}{{if .}}<p>{{.}}</p>{{end}}{{end}}</div>
{{end}}{{end}}
</body></html>`))
