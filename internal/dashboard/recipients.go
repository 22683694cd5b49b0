package dashboard

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/texts"
)

func (h *Handler) recipientsPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	mode := modeOf(r)
	items, next, err := h.app.DashboardRecipients(r.Context(), q.actor, mode, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := q.base("recipients", texts.For(r).DashPay.Recipients)
	d["Mode"], d["Recipients"], d["Next"] = string(mode), items, next
	h.render(w, r, http.StatusOK, "recipients", d)
}

// formKey is a fresh one-time key for a form that moves money: the same form sent twice
// moves it once.
func formKey() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (h *Handler) renderRecipient(w http.ResponseWriter, r *http.Request, q *req, status int, extra map[string]any) {
	mode := modeOf(r)
	rd, err := h.app.DashboardRecipient(r.Context(), q.actor, mode, r.PathValue("id"), r.URL.Query().Get("cursor"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	title := rd.Name
	if title == "" {
		title = rd.ExternalID
	}
	d := q.base("recipients", title)
	d["R"], d["Mode"], d["FormKey"], d["Script"] = rd, string(mode), formKey(), true
	d["Form"] = map[string]string{"kind": "credit", "currency": rd.Currency}
	d["Account"] = map[string]string{}
	for k, v := range extra {
		d[k] = v
	}
	h.render(w, r, status, "recipient", d)
}

func (h *Handler) recipientPage(w http.ResponseWriter, r *http.Request, q *req) {
	if h.noOrg(w, r, q) {
		return
	}
	h.renderRecipient(w, r, q, http.StatusOK, nil)
}

// recipientBalance credits or adjusts the balance and answers the page with the outcome.
func (h *Handler) recipientBalance(w http.ResponseWriter, r *http.Request, q *req) {
	t := texts.For(r).DashPay
	in := app.BalanceChange{Adjust: r.PostFormValue("kind") == "adjust", Amount: r.PostFormValue("amount"),
		Currency: r.PostFormValue("currency"), Reason: r.PostFormValue("reason"), FormKey: r.PostFormValue("key")}
	res, replayed, err := h.app.DashboardChangeBalance(r.Context(), q.actor, modeOf(r), r.PathValue("id"), in)
	if msg, status := errorText(err); msg != "" {
		h.renderRecipient(w, r, q, status, map[string]any{"BalanceError": msg,
			"Form": map[string]string{"kind": r.PostFormValue("kind"), "amount": in.Amount, "currency": in.Currency, "reason": in.Reason}})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	done := fmt.Sprintf(t.BalanceChanged, res.Transfer.Amount.Amount, res.Balance.Currency, res.Balance.Available.Amount)
	if res.Transfer.Direction == "out" {
		done = fmt.Sprintf(t.BalanceChanged, "-"+res.Transfer.Amount.Amount, res.Balance.Currency, res.Balance.Available.Amount)
	}
	if replayed {
		done = t.BalanceReplayed
	}
	h.renderRecipient(w, r, q, http.StatusCreated, map[string]any{"BalanceDone": done})
}

// supportLink is a minted link shown once, in the answer to the form.
type supportLink struct {
	URL, Until string
}

func (h *Handler) recipientPortalLink(w http.ResponseWriter, r *http.Request, q *req) {
	u, err := h.app.DashboardPortalLink(r.Context(), q.actor, modeOf(r), r.PathValue("id"))
	if msg, status := errorText(err); msg != "" {
		h.renderRecipient(w, r, q, status, map[string]any{"LinkError": msg})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderRecipient(w, r, q, http.StatusCreated, map[string]any{"NewLink": supportLink{URL: u.BalanceWithdrawalURL, Until: u.URLExpiryTimestamp}})
}

func (h *Handler) recipientAccountLink(w http.ResponseWriter, r *http.Request, q *req) {
	l, err := h.app.DashboardAccountLink(r.Context(), q.actor, modeOf(r), r.PathValue("id"), app.AccountLinkInput{
		UseCase: r.PostFormValue("use_case"), ReturnURL: r.PostFormValue("return_url"), RefreshURL: r.PostFormValue("refresh_url")})
	if msg, status := errorText(err); msg != "" {
		h.renderRecipient(w, r, q, status, map[string]any{"LinkError": msg,
			"Account": map[string]string{"use_case": r.PostFormValue("use_case"), "return_url": r.PostFormValue("return_url"), "refresh_url": r.PostFormValue("refresh_url")}})
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.renderRecipient(w, r, q, http.StatusCreated, map[string]any{"NewLink": supportLink{URL: l.URL, Until: l.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")}})
}
