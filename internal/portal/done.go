package portal

import (
	"net/http"
	"strings"

	"github.com/payport/payport/internal/grant"
	"github.com/payport/payport/internal/store"
)

// done sends the user back as the grant's redirect_uri says (seed 001): an in-portal path
// stays in the portal; the modal magic string renders a page that posts {type: "payport:close"}
// to its opener or parent and closes; a deep link or allowlisted URL gets the outcome appended
// and signed.
func (h *Handler) done(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	status, withdrawalID := "done", ""
	if id := r.URL.Query().Get("id"); id != "" {
		if p, err := h.app.GetPayment(r.Context(), s.Scope, id); err == nil && p.RecipientID == s.RecipientID {
			status, withdrawalID = p.Status, p.ID
		}
	}
	switch uri := s.RedirectURI; {
	case uri == grant.CloseMagic:
		o, _ := h.app.GetOrg(r.Context(), s.Scope.OrgID)
		target := o.Settings.Portal.AllowedOrigin
		if target == "" || strings.Contains(target, "*") {
			// postMessage takes one exact origin; the message carries no secret, so a wildcard
			// allowed origin falls back to "*".
			target = "*"
		} else if !strings.Contains(target, "://") {
			target = "https://" + target
		}
		h.render(w, r, http.StatusOK, "close", map[string]any{"session": s, "Script": true, "Title": textsFor(r).Done,
			"TargetOrigin": target, "Status": status, "WithdrawalID": withdrawalID})
	case uri == "" || strings.HasPrefix(uri, "/"):
		dest := uri
		if dest == "" {
			dest = "/rewards/balance"
		}
		http.Redirect(w, r, dest, http.StatusSeeOther)
	default:
		out, err := h.app.OutcomeURL(r.Context(), uri, s.RecipientID, status, withdrawalID)
		if err != nil {
			h.log.Error("portal outcome", "err", err)
			t := textsFor(r)
			h.fail(w, r, http.StatusServiceUnavailable, t.TryAgainTitle, t.RedirectNotMade)
			return
		}
		http.Redirect(w, r, out, http.StatusSeeOther)
	}
}
