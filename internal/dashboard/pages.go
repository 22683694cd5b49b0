package dashboard

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/member"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/tenant"
	"github.com/payport/payport/internal/texts"
)

// noOrg answers a page that needs an org when the session looks at none (an operator before
// any org exists): the orgs page, where one is made.
func (h *Handler) noOrg(w http.ResponseWriter, r *http.Request, q *req) bool {
	if q.actor.OrgID != "" {
		return false
	}
	if q.actor.Role == member.RoleInternalAdmin {
		http.Redirect(w, r, "/dashboard/orgs", http.StatusSeeOther)
	} else {
		h.fail(w, r, http.StatusForbidden, texts.For(r).Dash.NotAllowed)
	}
	return true
}

// overview lists the org's key figures in one mode.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	mode := tenant.Test
	if r.URL.Query().Get("mode") == string(tenant.Live) {
		mode = tenant.Live
	}
	f, err := h.app.DashboardOverview(r.Context(), q.actor, mode)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("overview", texts.For(r).Dash.Overview)
	d["Figures"], d["Mode"] = f, string(mode)
	h.addCharts(r, q, mode, d)
	h.render(w, r, http.StatusOK, "overview", d)
}

// keyScopes are the permission checkboxes, in the seeds' order.
var keyScopes = []org.Scope{org.ScopePayouts, org.ScopeRewards, org.ScopeLinks, org.ScopeReadOnly}

func (h *Handler) renderKeys(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	keys, err := h.app.DashboardKeys(r.Context(), q.actor)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("keys", texts.For(r).Dash.Keys)
	d["Keys"], d["Scopes"], d["Script"] = keys, keyScopes, true
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "keys", d)
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	h.renderKeys(w, r, q, http.StatusOK, nil)
}

// keyCreate shows the new key's secret once, in the answer to the POST (never in a URL).
func (h *Handler) keyCreate(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	_ = r.ParseForm()
	nk, err := h.app.DashboardCreateKey(r.Context(), q.actor, tenant.Mode(r.PostFormValue("mode")), r.PostForm["scope"], r.PostFormValue("name"))
	if msg, status := errorText(err); msg != "" {
		h.renderKeys(w, r, q, status, map[string]any{"Error": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderKeys(w, r, q, http.StatusCreated, map[string]any{"NewKey": nk})
}

func (h *Handler) keyRevoke(w http.ResponseWriter, r *http.Request, q *req) {
	if err := h.app.DashboardRevokeKey(r.Context(), q.actor, r.PathValue("id")); err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/keys", http.StatusSeeOther)
}

func (h *Handler) renderMembers(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	ms, err := h.app.DashboardMembers(r.Context(), q.actor)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("members", texts.For(r).Dash.Members)
	d["Members"] = ms
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "members", d)
}

func (h *Handler) membersPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	h.renderMembers(w, r, q, http.StatusOK, map[string]any{"Sent": r.URL.Query().Get("sent") == "1"})
}

func (h *Handler) memberInvite(w http.ResponseWriter, r *http.Request, q *req) {
	err := h.app.InviteMember(r.Context(), q.actor, r.PostFormValue("email"), member.Role(r.PostFormValue("role")))
	if errors.Is(err, app.ErrTooManyRequests) {
		h.renderMembers(w, r, q, http.StatusTooManyRequests, map[string]any{"Error": texts.For(r).Dash.TooManyRequests})
		return
	}
	if msg, status := errorText(err); msg != "" {
		h.renderMembers(w, r, q, status, map[string]any{"Error": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/members?sent=1", http.StatusSeeOther)
}

// memberEmail is the email of a member of the actor's org, for the answer's sentence.
func (h *Handler) memberEmail(r *http.Request, q *req, id string) string {
	ms, _ := h.app.DashboardMembers(r.Context(), q.actor)
	for _, m := range ms {
		if m.ID == id {
			return m.Email
		}
	}
	return ""
}

// memberRole changes a member's role; the answer is the members page with what happened or
// why not (the last org-admin stays one).
func (h *Handler) memberRole(w http.ResponseWriter, r *http.Request, q *req) {
	id := r.PathValue("id")
	email := h.memberEmail(r, q, id)
	err := h.app.ChangeMemberRole(r.Context(), q.actor, id, member.Role(r.PostFormValue("role")))
	if err == nil && id == q.member.ID {
		// The actor changed its own role: the next page is drawn with the new one.
		http.Redirect(w, r, "/dashboard/members", http.StatusSeeOther)
		return
	}
	h.memberChanged(w, r, q, err, texts.For(r).Dash.RoleChanged, email)
}

// memberRemove removes a member: its sessions end at once.
func (h *Handler) memberRemove(w http.ResponseWriter, r *http.Request, q *req) {
	id := r.PathValue("id")
	email := h.memberEmail(r, q, id)
	err := h.app.RemoveMember(r.Context(), q.actor, id)
	if err == nil && id == q.member.ID {
		// The actor removed itself: its own session has just ended.
		h.clearSessionCookie(w)
		h.headers(w)
		http.Redirect(w, r, "/dashboard/signin", http.StatusSeeOther)
		return
	}
	h.memberChanged(w, r, q, err, texts.For(r).Dash.MemberRemoved, email)
}

func (h *Handler) memberChanged(w http.ResponseWriter, r *http.Request, q *req, err error, done, email string) {
	if msg, status := errorText(err); msg != "" {
		h.renderMembers(w, r, q, status, map[string]any{"Error": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderMembers(w, r, q, http.StatusOK, map[string]any{"Done": fmt.Sprintf(done, email)})
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	entries, older, err := h.app.AuditLog(r.Context(), q.actor, r.URL.Query().Get("before"), 50)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("audit", texts.For(r).Dash.Audit)
	d["Entries"], d["Older"] = entries, older
	h.render(w, r, http.StatusOK, "audit", d)
}

func (h *Handler) renderOrgs(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	if q.actor.Role != member.RoleInternalAdmin {
		h.fail(w, r, http.StatusForbidden, texts.For(r).Dash.NotAllowed)
		return
	}
	orgs, err := h.app.DashboardOrgs(r.Context(), q.actor)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("orgs", texts.For(r).Dash.Orgs)
	d["Orgs"], d["Script"] = orgs, true
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "orgs", d)
}

func (h *Handler) orgsPage(w http.ResponseWriter, r *http.Request, q *req) {
	h.renderOrgs(w, r, q, http.StatusOK, nil)
}

func (h *Handler) orgCreate(w http.ResponseWriter, r *http.Request, q *req) {
	o, nk, err := h.app.DashboardCreateOrg(r.Context(), q.actor, r.PostFormValue("name"))
	if msg, status := errorText(err); msg != "" {
		h.renderOrgs(w, r, q, status, map[string]any{"Error": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if q.actor.OrgID == "" {
		// The operator's first org: look at it.
		if err := h.app.SwitchOrg(r.Context(), q.actor, o.ID); err != nil {
			h.failErr(w, r, err)
			return
		}
		q.actor.OrgID, q.org = o.ID, &o
	}
	h.renderOrgs(w, r, q, http.StatusCreated, map[string]any{"NewKey": app.NewKey{Key: nk.Key, Secret: nk.Secret}, "NewOrg": o.Name})
}

func (h *Handler) orgSwitch(w http.ResponseWriter, r *http.Request, q *req) {
	if err := h.app.SwitchOrg(r.Context(), q.actor, r.PostFormValue("org")); err != nil {
		h.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
}
