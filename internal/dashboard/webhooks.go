package dashboard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/texts"
)

// Webhook endpoints, their delivery log and the event browser (issue 9, item 6).

func (h *Handler) renderWebhooks(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	mode := opsMode(r)
	eps, err := h.app.DashboardEndpoints(r.Context(), q.actor, mode)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("webhooks", texts.For(r).DashOps.Webhooks)
	d["Endpoints"], d["Mode"], d["Types"], d["Form"], d["Script"] = eps, string(mode), app.KnownEventTypes, app.EndpointForm{}, true
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "webhooks", d)
}

func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	h.renderWebhooks(w, r, q, http.StatusOK, nil)
}

// endpointCreate shows the new endpoint's secret once, in the answer to the POST.
func (h *Handler) endpointCreate(w http.ResponseWriter, r *http.Request, q *req) {
	f := app.EndpointForm{URL: r.PostFormValue("url"), Description: r.PostFormValue("description"), EventTypes: r.PostForm["event_type"]}
	v, err := h.app.DashboardCreateEndpoint(r.Context(), q.actor, opsMode(r), f)
	if msg, status := errorText(err); msg != "" {
		h.renderWebhooks(w, r, q, status, map[string]any{"Error": msg, "Form": f})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderWebhooks(w, r, q, http.StatusCreated, map[string]any{"NewSecret": v.Secret})
}

func (h *Handler) renderEndpoint(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	mode := opsMode(r)
	ep, attempts, older, err := h.app.DashboardEndpoint(r.Context(), q.actor, mode, r.PathValue("id"), r.URL.Query().Get("before"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("webhooks", texts.For(r).DashOps.Endpoint)
	d["Endpoint"], d["Attempts"], d["Older"], d["Mode"], d["Script"] = ep, attempts, older, string(mode), true
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "webhook", d)
}

func (h *Handler) endpointPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	h.renderEndpoint(w, r, q, http.StatusOK, nil)
}

// endpointRotate shows the new secret once, in the answer to the POST.
func (h *Handler) endpointRotate(w http.ResponseWriter, r *http.Request, q *req) {
	v, err := h.app.DashboardRotateEndpointSecret(r.Context(), q.actor, opsMode(r), r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderEndpoint(w, r, q, http.StatusOK, map[string]any{"NewSecret": v.Secret})
}

func (h *Handler) endpointEnabled(enabled bool) func(http.ResponseWriter, *http.Request, *req) {
	return func(w http.ResponseWriter, r *http.Request, q *req) {
		mode := opsMode(r)
		v, err := h.app.DashboardSetEndpointEnabled(r.Context(), q.actor, mode, r.PathValue("id"), enabled)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		http.Redirect(w, r, "/dashboard/webhooks/"+v.ID+"?mode="+string(mode), http.StatusSeeOther)
	}
}

func (h *Handler) eventsPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	mode, typ := opsMode(r), r.URL.Query().Get("type")
	evs, older, err := h.app.DashboardEvents(r.Context(), q.actor, mode, typ, r.URL.Query().Get("before"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("events", texts.For(r).DashOps.Events)
	d["Events"], d["Older"], d["Mode"], d["Type"], d["Types"] = evs, older, string(mode), typ, app.KnownEventTypes
	h.render(w, r, http.StatusOK, "events", d)
}

func (h *Handler) renderEvent(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	mode := opsMode(r)
	ev, attempts, err := h.app.DashboardEvent(r.Context(), q.actor, mode, r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	var pretty bytes.Buffer
	env, _ := json.Marshal(ev)
	if json.Indent(&pretty, env, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(env)
	}
	d := q.base("events", ev.Type)
	d["Event"], d["Attempts"], d["Payload"], d["Mode"] = ev, attempts, pretty.String(), string(mode)
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "event", d)
}

func (h *Handler) eventPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("sent")); err == nil {
		h.renderEvent(w, r, q, http.StatusOK, map[string]any{"Redelivered": true, "Count": n})
		return
	}
	h.renderEvent(w, r, q, http.StatusOK, nil)
}

func (h *Handler) eventRedeliver(w http.ResponseWriter, r *http.Request, q *req) {
	mode := opsMode(r)
	n, err := h.app.DashboardRedeliverEvent(r.Context(), q.actor, mode, r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/events/"+r.PathValue("id")+"?mode="+string(mode)+"&sent="+strconv.Itoa(n), http.StatusSeeOther)
}
