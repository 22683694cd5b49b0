package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/payport/payport/internal/bank"
	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/payout"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// Sealer encrypts secrets at rest (secret.Keyring implements it). aad binds a ciphertext to
// the row it belongs to.
type Sealer interface {
	Seal(plaintext, aad []byte) (string, error)
	Open(sealed string, aad []byte) ([]byte, error)
	// Fingerprint is a keyed hash, so stored fingerprints cannot be brute-forced.
	Fingerprint(data []byte) string
}

// Event types of payout methods.
const (
	PayoutMethodCreated event.Type = "payout_method.created"
	PayoutMethodRemoved event.Type = "payout_method.removed"
	PayoutMethodUpdated event.Type = "payout_method.updated"
)

// PayoutMethodView is a payout method as the API shows it: masked, never the full number.
type PayoutMethodView struct {
	ID          string    `json:"id"`
	RecipientID string    `json:"recipient_id"`
	Type        string    `json:"type" enum:"bank_account"`
	Scheme      string    `json:"scheme" enum:"iban,uk_sort_code,us_ach" doc:"How the account is addressed."`
	HolderName  string    `json:"holder_name"`
	Country     string    `json:"country"`
	Currency    string    `json:"currency"`
	Last4       string    `json:"last4" doc:"The end of the IBAN or account number."`
	BankCode    string    `json:"bank_code,omitempty" doc:"BIC, sort code or routing number."`
	AccountType string    `json:"account_type,omitempty" enum:"checking,savings,"`
	IsDefault   bool      `json:"is_default"`
	Status      string    `json:"status" enum:"active,archived"`
	CreatedAt   time.Time `json:"created_at"`
}

func viewMethod(m payout.Method) PayoutMethodView {
	return PayoutMethodView{ID: m.ID, RecipientID: m.RecipientID, Type: string(m.Type), Scheme: string(m.Masked.Scheme),
		HolderName: m.Masked.HolderName, Country: m.Masked.Country, Currency: m.Masked.Currency, Last4: m.Masked.Last4,
		BankCode: m.Masked.BankCode, AccountType: m.Masked.AccountType, IsDefault: m.IsDefault, Status: m.Status,
		CreatedAt: m.CreatedAt}
}

// PayoutMethodInput is a bank account as a platform or a recipient enters it. The scheme
// follows from the fields given: iban (+ bic), or sort_code + account_number, or
// routing_number + account_number + account_type.
type PayoutMethodInput struct {
	Type          string
	HolderName    string
	Country       string
	Currency      string
	IBAN          string
	BIC           string
	SortCode      string
	AccountNumber string
	RoutingNumber string
	AccountType   string
	MakeDefault   bool
}

// details validates the input into normalised bank details.
func (in PayoutMethodInput) details() (bank.Details, error) {
	if in.Type != "" && in.Type != string(payout.BankAccount) {
		return bank.Details{}, invalid("type", "type must be %q", payout.BankAccount)
	}
	d := bank.Details{HolderName: in.HolderName, Country: in.Country, Currency: in.Currency, IBAN: in.IBAN, BIC: in.BIC,
		SortCode: in.SortCode, AccountNumber: in.AccountNumber, RoutingNumber: in.RoutingNumber, AccountType: in.AccountType}
	switch {
	case strings.TrimSpace(in.IBAN) != "":
		d.Scheme = bank.IBAN
	case strings.TrimSpace(in.SortCode) != "":
		d.Scheme = bank.UKSortCode
	case strings.TrimSpace(in.RoutingNumber) != "":
		d.Scheme = bank.USACH
	default:
		return d, invalid("iban", "give an iban (SEPA), or a sort_code and account_number (UK), or a routing_number, account_number and account_type (US)")
	}
	n, err := bank.Normalize(d)
	var fe *bank.FieldError
	if errors.As(err, &fe) {
		return n, invalid(fe.Field, "%s", fe.Message)
	}
	return n, err
}

// AddPayoutMethod validates, seals and stores a bank account for a recipient. The first
// method (or one added with MakeDefault) becomes the default. Adding an account the
// recipient already has answers 409 naming it.
func (a *App) AddPayoutMethod(ctx context.Context, scope tenant.Scope, ref string, in PayoutMethodInput) (PayoutMethodView, error) {
	v, _, err := a.AddPayoutMethodIdem(ctx, scope, ref, in, IdemRequest{})
	return v, err
}

// AddPayoutMethodIdem is AddPayoutMethod with an Idempotency-Key: a retry replays the first
// answer (replayed = true) instead of answering 409 duplicate_payout_method.
func (a *App) AddPayoutMethodIdem(ctx context.Context, scope tenant.Scope, ref string, in PayoutMethodInput, idem IdemRequest) (PayoutMethodView, bool, error) {
	m, err := a.sealMethod(scope, in)
	if err != nil {
		return PayoutMethodView{}, false, err
	}
	return idempotentTx(ctx, a, scope, idem, func(tx store.Tx) (PayoutMethodView, error) {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return PayoutMethodView{}, mapNotFound(err, "recipient")
		}
		m, dup, err := a.insertMethodTx(ctx, tx, r.ID, m, in.MakeDefault)
		if err != nil {
			return PayoutMethodView{}, err
		}
		if dup {
			return PayoutMethodView{}, &Error{Kind: Conflict, Code: "duplicate_payout_method", Field: "account_number",
				Message: "this account is already payout method " + m.ID}
		}
		return viewMethod(m), nil
	})
}

// sealMethod validates a bank account and seals its details into a new method (not stored).
func (a *App) sealMethod(scope tenant.Scope, in PayoutMethodInput) (payout.Method, error) {
	d, err := in.details()
	if err != nil {
		return payout.Method{}, err
	}
	if a.Sealer == nil {
		return payout.Method{}, errors.New("no master key configured for sealing bank details")
	}
	now := a.now()
	m := payout.Method{ID: id.New("pm"), Scope: scope, Type: payout.BankAccount, Masked: bank.Mask(d),
		Fingerprint: a.Sealer.Fingerprint([]byte(bank.Fingerprint(d))), Status: payout.StatusActive, CreatedAt: now, UpdatedAt: now}
	plain, err := json.Marshal(d)
	if err != nil {
		return payout.Method{}, err
	}
	m.Sealed, err = a.Sealer.Seal(plain, payout.SealAAD(m.ID))
	return m, err
}

// insertMethodTx stores a sealed method for a recipient and records payout_method.created. The
// first method (or one added with makeDefault) becomes the default. When the recipient already
// has the same account, nothing is written and that method is returned with dup = true.
func (a *App) insertMethodTx(ctx context.Context, tx store.Tx, recipientID string, m payout.Method, makeDefault bool) (payout.Method, bool, error) {
	m.RecipientID = recipientID
	existing, err := tx.ListPayoutMethods(ctx, m.Scope, recipientID)
	if err != nil {
		return m, false, err
	}
	for _, e := range existing {
		if e.Fingerprint == m.Fingerprint {
			return e, true, nil
		}
	}
	if len(existing) == 0 || makeDefault {
		if err := tx.ClearDefaultPayoutMethod(ctx, m.Scope, recipientID); err != nil {
			return m, false, err
		}
		m.IsDefault = true
	}
	if err := tx.InsertPayoutMethod(ctx, m); err != nil {
		return m, false, err
	}
	return m, false, a.recordEvent(ctx, tx, m.Scope, PayoutMethodCreated, m.ID, viewMethod(m), m.CreatedAt)
}

// ListPayoutMethods lists a recipient's active payout methods, the default first.
func (a *App) ListPayoutMethods(ctx context.Context, scope tenant.Scope, ref string) ([]PayoutMethodView, error) {
	var out []PayoutMethodView
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		ms, err := tx.ListPayoutMethods(ctx, scope, r.ID)
		out = make([]PayoutMethodView, len(ms))
		for i, m := range ms {
			out[i] = viewMethod(m)
		}
		return err
	})
	return out, err
}

// RemovePayoutMethod archives a method (payments that used it keep naming it). If it was the
// default, the newest remaining method becomes the default.
func (a *App) RemovePayoutMethod(ctx context.Context, scope tenant.Scope, ref, methodID string) (PayoutMethodView, error) {
	var v PayoutMethodView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		m, err := tx.GetPayoutMethod(ctx, scope, methodID)
		if err != nil || m.RecipientID != r.ID || m.Status != payout.StatusActive {
			return notFound("payout method")
		}
		now := a.now()
		wasDefault := m.IsDefault
		if m, err = a.archiveMethodTx(ctx, tx, m, now); err != nil {
			return err
		}
		if wasDefault {
			rest, err := tx.ListPayoutMethods(ctx, scope, r.ID)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				next := rest[0]
				next.IsDefault, next.UpdatedAt = true, now
				if err := tx.UpdatePayoutMethod(ctx, next); err != nil {
					return err
				}
			}
		}
		v = viewMethod(m)
		return nil
	})
	return v, err
}

// archiveMethodTx archives a payout method (payments that used it keep naming it) and records
// payout_method.removed.
func (a *App) archiveMethodTx(ctx context.Context, tx store.Tx, m payout.Method, now time.Time) (payout.Method, error) {
	m.Status, m.IsDefault, m.UpdatedAt = payout.StatusArchived, false, now
	if err := tx.UpdatePayoutMethod(ctx, m); err != nil {
		return m, err
	}
	return m, a.recordEvent(ctx, tx, m.Scope, PayoutMethodRemoved, m.ID, viewMethod(m), now)
}

// SetDefaultPayoutMethod makes a method the recipient's default.
func (a *App) SetDefaultPayoutMethod(ctx context.Context, scope tenant.Scope, ref, methodID string) (PayoutMethodView, error) {
	var v PayoutMethodView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		m, err := tx.GetPayoutMethod(ctx, scope, methodID)
		if err != nil || m.RecipientID != r.ID || m.Status != payout.StatusActive {
			return notFound("payout method")
		}
		if err := tx.ClearDefaultPayoutMethod(ctx, scope, r.ID); err != nil {
			return err
		}
		m.IsDefault, m.UpdatedAt = true, a.now()
		if err := tx.UpdatePayoutMethod(ctx, m); err != nil {
			return err
		}
		v = viewMethod(m)
		return a.recordEvent(ctx, tx, scope, PayoutMethodUpdated, m.ID, v, m.UpdatedAt)
	})
	return v, err
}

// openDetails decrypts a method's bank details.
func (a *App) openDetails(m payout.Method) (bank.Details, error) {
	var d bank.Details
	if a.Sealer == nil {
		return d, errors.New("no master key configured to open bank details")
	}
	plain, err := a.Sealer.Open(m.Sealed, payout.SealAAD(m.ID))
	if err != nil {
		return d, err
	}
	return d, json.Unmarshal(plain, &d)
}
