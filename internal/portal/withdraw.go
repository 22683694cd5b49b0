package portal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/store"
)

func (h *Handler) withdrawData(r *http.Request, s store.PortalSession) (map[string]any, error) {
	info, err := h.app.GetBalanceInfo(r.Context(), s.Scope, s.RecipientID, "")
	if err != nil {
		return nil, err
	}
	methods, err := h.app.ListPayoutMethods(r.Context(), s.Scope, s.RecipientID)
	if err != nil {
		return nil, err
	}
	d := map[string]any{"session": s, "Title": "Withdraw", "Info": info, "CSRF": s.CSRFToken, "Amount": info.WithdrawableBalance.Amount}
	if len(methods) > 0 {
		d["Method"] = methods[0] // the default comes first
	}
	return d, nil
}

// withdrawPage asks for the amount, the whole withdrawable balance by default.
func (h *Handler) withdrawPage(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	d, err := h.withdrawData(r, s)
	if err != nil {
		h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
		return
	}
	info := d["Info"].(app.BalanceInfo)
	if !info.CanWithdraw {
		if info.Reason == "no_bank_account" {
			http.Redirect(w, r, "/rewards/setup", http.StatusSeeOther)
			return
		}
		d["Error"] = info.Message
	}
	h.render(w, r, http.StatusOK, "withdraw", d)
}

// withdrawConfirm shows what will happen, with a one-time form id: submitting the same form
// twice (double click, refresh, back and submit again) makes one withdrawal.
func (h *Handler) withdrawConfirm(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	d, err := h.withdrawData(r, s)
	if err != nil {
		h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
		return
	}
	info := d["Info"].(app.BalanceInfo)
	amount := r.PostFormValue("amount")
	d["Amount"] = amount
	if msg := checkAmount(amount, info); msg != "" {
		d["Error"] = msg
		h.render(w, r, http.StatusUnprocessableEntity, "withdraw", d)
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	d["Confirm"], d["FormID"] = true, hex.EncodeToString(b)
	h.render(w, r, http.StatusOK, "withdraw", d)
}

// checkAmount applies the bounds (minimum to withdrawable) before the confirmation step; the
// engine checks them again when the withdrawal is made.
func checkAmount(amount string, info app.BalanceInfo) string {
	c, err := money.LookupCurrency(info.Currency)
	if err != nil {
		return err.Error()
	}
	v, err := money.ParseDecimal(strings.TrimSpace(amount), c)
	switch {
	case err != nil:
		return "Enter an amount such as " + info.MinimumWithdrawalAmount.Amount + "."
	case v < info.MinimumWithdrawalAmount.AmountMinor || v == 0:
		return "The minimum withdrawal is " + info.MinimumWithdrawalAmount.Amount + " " + info.Currency + "."
	case v > info.WithdrawableBalance.AmountMinor:
		return "You can withdraw at most " + info.WithdrawableBalance.Amount + " " + info.Currency + "."
	}
	return ""
}

func (h *Handler) withdrawSubmit(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	formID := r.PostFormValue("form_id")
	if len(formID) != 32 {
		http.Redirect(w, r, "/rewards/withdraw", http.StatusSeeOther)
		return
	}
	info, err := h.app.GetBalanceInfo(r.Context(), s.Scope, s.RecipientID, "")
	if err != nil {
		h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
		return
	}
	amount := r.PostFormValue("amount")
	p, _, err := h.app.RequestWithdrawal(r.Context(), s.Scope, s.RecipientID,
		app.WithdrawalInput{Amount: amount, Currency: info.Currency, Description: "Withdrawal from the portal"},
		app.IdemRequest{Key: "portal:" + s.TokenHash[:16] + ":" + formID, Fingerprint: amount + " " + info.Currency})
	var ae *app.Error
	if errors.As(err, &ae) {
		d, derr := h.withdrawData(r, s)
		if derr != nil {
			h.fail(w, http.StatusServiceUnavailable, "Try again", "The portal cannot open right now; please try again in a moment.")
			return
		}
		d["Amount"], d["Error"] = amount, ae.Message
		h.render(w, r, http.StatusUnprocessableEntity, "withdraw", d)
		return
	}
	if err != nil {
		h.log.Error("portal withdrawal", "err", err)
		h.fail(w, http.StatusServiceUnavailable, "Try again", "We could not make the withdrawal just now; nothing was taken from your balance. Try again.")
		return
	}
	http.Redirect(w, r, "/rewards/withdrawal?id="+p.ID, http.StatusSeeOther)
}

var statusText = map[string][2]string{
	"pending":    {"requested", "Your withdrawal is on its way to the bank."},
	"processing": {"on its way", "The bank is processing your withdrawal."},
	"succeeded":  {"paid", "The money has been paid to your bank account."},
	"failed":     {"failed", "The withdrawal failed and the money is back in your balance."},
	"canceled":   {"canceled", "The withdrawal was canceled and the money is back in your balance."},
}

// statusPage follows a withdrawal until it is final (the page refreshes itself meanwhile).
func (h *Handler) statusPage(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	p, err := h.app.GetPayment(r.Context(), s.Scope, r.URL.Query().Get("id"))
	if err != nil || p.RecipientID != s.RecipientID {
		h.fail(w, http.StatusNotFound, "Not found", "This withdrawal does not exist.")
		return
	}
	t := statusText[p.Status]
	if p.Status == "pending" || p.Status == "processing" {
		w.Header().Set("Refresh", "3")
	}
	h.render(w, r, http.StatusOK, "status", map[string]any{"session": s, "Title": "Withdrawal", "Payment": p,
		"StatusText": t[0], "Explain": t[1], "Final": p.Status != "pending" && p.Status != "processing"})
}
