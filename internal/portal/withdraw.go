package portal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
)

func (h *Handler) withdrawData(r *http.Request, s store.PortalSession) (map[string]any, error) {
	t := textsFor(r)
	info, err := h.app.GetBalanceInfo(r.Context(), s.Scope, s.RecipientID, h.app.PortalCurrency(r.Context(), s))
	if err != nil {
		return nil, err
	}
	methods, err := h.app.ListPayoutMethods(r.Context(), s.Scope, s.RecipientID)
	if err != nil {
		return nil, err
	}
	d := map[string]any{"session": s, "T": t, "Title": t.Withdraw, "Info": info, "CSRF": s.CSRFToken, "Amount": info.WithdrawableBalance.Amount}
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
		h.unavailable(w, r)
		return
	}
	info := d["Info"].(app.BalanceInfo)
	if !info.CanWithdraw {
		if info.Reason == recipient.ReasonNoBankAccount {
			http.Redirect(w, r, "/rewards/setup", http.StatusSeeOther)
			return
		}
		d["Error"] = whyNot(textsFor(r), info)
	}
	h.render(w, r, http.StatusOK, "withdraw", d)
}

// withdrawConfirm shows what will happen, with a one-time form id: submitting the same form
// twice (double click, refresh, back and submit again) makes one withdrawal.
func (h *Handler) withdrawConfirm(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	d, err := h.withdrawData(r, s)
	if err != nil {
		h.unavailable(w, r)
		return
	}
	info := d["Info"].(app.BalanceInfo)
	amount := r.PostFormValue("amount")
	d["Amount"] = amount
	msg := checkAmount(textsFor(r), amount, info)
	if msg == "" && !info.CanWithdraw {
		// The amount is fine but something else blocks a withdrawal (no bank account): say
		// what, rather than confirm one the engine would refuse.
		msg = whyNot(textsFor(r), info)
	}
	if msg != "" {
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
func checkAmount(t *Texts, amount string, info app.BalanceInfo) string {
	c, err := money.LookupCurrency(info.Currency)
	if err != nil {
		return t.Unavailable
	}
	v, err := money.ParseDecimal(strings.TrimSpace(amount), c)
	switch {
	case err != nil:
		return fmt.Sprintf(t.AmountExample, info.MinimumWithdrawalAmount.Amount)
	case v < info.MinimumWithdrawalAmount.AmountMinor || v == 0:
		return fmt.Sprintf(t.AmountTooSmall, info.MinimumWithdrawalAmount.Amount, info.Currency)
	case v > info.WithdrawableBalance.AmountMinor:
		return fmt.Sprintf(t.AmountTooLarge, info.WithdrawableBalance.Amount, info.Currency)
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
	info, err := h.app.GetBalanceInfo(r.Context(), s.Scope, s.RecipientID, h.app.PortalCurrency(r.Context(), s))
	if err != nil {
		h.unavailable(w, r)
		return
	}
	t := textsFor(r)
	amount := r.PostFormValue("amount")
	p, _, err := h.app.RequestWithdrawal(r.Context(), s.Scope, s.RecipientID,
		app.WithdrawalInput{Amount: amount, Currency: info.Currency, Description: t.WithdrawalDescribe},
		app.IdemRequest{Key: "portal:" + s.TokenHash[:16] + ":" + formID, Fingerprint: amount + " " + info.Currency})
	var ae *app.Error
	if errors.As(err, &ae) {
		d, derr := h.withdrawData(r, s)
		if derr != nil {
			h.unavailable(w, r)
			return
		}
		d["Amount"], d["Error"] = amount, ae.Message
		h.render(w, r, http.StatusUnprocessableEntity, "withdraw", d)
		return
	}
	if err != nil {
		h.log.Error("portal withdrawal", "err", err)
		h.fail(w, r, http.StatusServiceUnavailable, t.TryAgainTitle, t.WithdrawalNotMade)
		return
	}
	http.Redirect(w, r, "/rewards/withdrawal?id="+p.ID, http.StatusSeeOther)
}

// statusPage follows a withdrawal until it is final (the page refreshes itself meanwhile).
func (h *Handler) statusPage(w http.ResponseWriter, r *http.Request) {
	s := r.Context().Value(sessionKey{}).(store.PortalSession)
	t := textsFor(r)
	p, err := h.app.GetPayment(r.Context(), s.Scope, r.URL.Query().Get("id"))
	if err != nil || p.RecipientID != s.RecipientID {
		h.fail(w, r, http.StatusNotFound, t.NotFoundTitle, t.WithdrawalNotFound)
		return
	}
	if p.Status == "pending" || p.Status == "processing" {
		w.Header().Set("Refresh", "3")
	}
	heading, ok := t.StatusHeading[p.Status]
	if !ok {
		heading = t.StatusTitle
	}
	h.render(w, r, http.StatusOK, "status", map[string]any{"session": s, "T": t, "Title": t.StatusTitle, "Payment": p,
		"Heading": heading, "Explain": t.StatusExplain[p.Status], "Final": p.Status != "pending" && p.Status != "processing"})
}
