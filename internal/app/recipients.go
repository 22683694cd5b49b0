package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/payport/payport/internal/event"
	"github.com/payport/payport/internal/id"
	"github.com/payport/payport/internal/money"
	"github.com/payport/payport/internal/recipient"
	"github.com/payport/payport/internal/store"
	"github.com/payport/payport/internal/tenant"
)

// RecipientView is a recipient as the API and events show it.
type RecipientView struct {
	ID                      string          `json:"id" doc:"Payport's UUID for the recipient (the internal_site_id claim)."`
	ExternalID              string          `json:"external_id" doc:"The platform's id for the recipient (the seeds' site_id / company_id)."`
	Email                   string          `json:"email"`
	Name                    string          `json:"name"`
	Country                 string          `json:"country" doc:"ISO 3166-1 alpha-2 country code."`
	Currency                string          `json:"currency" doc:"ISO 4217 code of the recipient's balance currency."`
	MinimumWithdrawalAmount *string         `json:"minimum_withdrawal_amount" doc:"Recipient-specific minimum withdrawal; null means the org default applies."`
	Metadata                json.RawMessage `json:"metadata"`
	Livemode                bool            `json:"livemode"`
	// Identity is the onboarding status (seed 004), shown when one recipient is read.
	Identity  *IdentityView `json:"identity,omitempty" doc:"Identity verification status (unverified, pending, verified, rejected with a reason); the details are never shown."`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func viewRecipient(r recipient.Recipient) RecipientView {
	v := RecipientView{ID: r.ID, ExternalID: r.ExternalID, Email: r.Email, Name: r.Name, Country: r.Country,
		Currency: r.Currency, Metadata: r.Metadata, Livemode: r.Scope.Mode == tenant.Live,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if len(v.Metadata) == 0 {
		v.Metadata = json.RawMessage("{}")
	}
	if r.MinimumWithdrawal != nil {
		if c, err := money.LookupCurrency(r.Currency); err == nil {
			s := money.Format(*r.MinimumWithdrawal, c)
			v.MinimumWithdrawalAmount = &s
		}
	}
	return v
}

// RecipientInput is what a platform sends to create a recipient; on update, nil fields keep
// their value.
type RecipientInput struct {
	ExternalID              *string
	Email                   *string
	Name                    *string
	Country                 *string
	Currency                *string
	MinimumWithdrawalAmount *string
	// ClearMinimumWithdrawal removes the override (JSON null on update).
	ClearMinimumWithdrawal bool
	Metadata               json.RawMessage
}

// MaxMetadataBytes bounds metadata objects (seed 003's 4 KB rule, applied everywhere).
const MaxMetadataBytes = 4096

// CheckMetadata applies the metadata rules: a JSON object of at most 4 KB whose top-level
// values are neither arrays nor null.
func CheckMetadata(field string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	if len(raw) > MaxMetadataBytes {
		return invalid(field, "%s must be at most %d bytes when serialised", field, MaxMetadataBytes)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return invalid(field, "%s must be a JSON object", field)
	}
	for k, v := range obj {
		s := strings.TrimSpace(string(v))
		if s == "null" || strings.HasPrefix(s, "[") {
			return invalid(field+"."+k, "arrays and null values are not allowed at the root of %s", field)
		}
	}
	return nil
}

func validExternalID(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, c := range s {
		// Printable ASCII without '/', '?', '#', '%' and space, so the id is safe in a path.
		if c <= ' ' || c > '~' || strings.ContainsRune("/?#%\\", c) {
			return false
		}
	}
	return true
}

func checkEmail(s string) error {
	if s == "" {
		return nil
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 {
		return invalid("email", "email must be a plain address such as ada@example.com")
	}
	return nil
}

func checkCountry(s string) error {
	if s == "" {
		return nil
	}
	r, err := language.ParseRegion(s)
	if err != nil || len(s) != 2 || strings.ToUpper(s) != s || !r.IsCountry() || r.String() != s {
		return invalid("country", "country must be an ISO 3166-1 alpha-2 code in capitals, such as GB")
	}
	return nil
}

func currencyField(field, code string) (money.Currency, error) {
	c, err := money.LookupCurrency(code)
	if err != nil {
		return c, invalid(field, "%s", err.Error())
	}
	return c, nil
}

// amountField parses a positive-or-zero decimal amount of c for field.
func amountField(field, s string, c money.Currency) (int64, error) {
	v, err := money.ParseDecimal(s, c)
	if err != nil {
		return 0, invalid(field, "%s", err.Error())
	}
	return v, nil
}

// apply validates in and writes it onto r.
func (in RecipientInput) apply(r *recipient.Recipient, creating bool) error {
	if creating {
		if in.ExternalID == nil || !validExternalID(*in.ExternalID) {
			return invalid("external_id", "external_id is required: 1 to 255 printable characters without spaces, '/', '?', '#', '%%' or '\\'")
		}
		r.ExternalID = *in.ExternalID
		if in.Currency == nil {
			return invalid("currency", "currency is required")
		}
	} else if in.ExternalID != nil && *in.ExternalID != r.ExternalID {
		return invalid("external_id", "external_id cannot be changed")
	}
	if in.Email != nil {
		if err := checkEmail(*in.Email); err != nil {
			return err
		}
		r.Email = *in.Email
	}
	if in.Name != nil {
		if len(*in.Name) > 200 {
			return invalid("name", "name must be at most 200 characters")
		}
		r.Name = *in.Name
	}
	if in.Country != nil {
		if err := checkCountry(*in.Country); err != nil {
			return err
		}
		r.Country = *in.Country
	}
	if in.Currency != nil {
		if _, err := currencyField("currency", *in.Currency); err != nil {
			return err
		}
		if !creating && *in.Currency != r.Currency {
			return invalid("currency", "currency cannot be changed once the recipient exists")
		}
		r.Currency = *in.Currency
	}
	if in.ClearMinimumWithdrawal {
		r.MinimumWithdrawal = nil
	} else if in.MinimumWithdrawalAmount != nil {
		c, _ := money.LookupCurrency(r.Currency)
		v, err := amountField("minimum_withdrawal_amount", *in.MinimumWithdrawalAmount, c)
		if err != nil {
			return err
		}
		r.MinimumWithdrawal = &v
	}
	if in.Metadata != nil {
		if err := CheckMetadata("metadata", in.Metadata); err != nil {
			return err
		}
		r.Metadata = in.Metadata
	}
	return nil
}

// CreateRecipient creates a recipient and records recipient.created.
func (a *App) CreateRecipient(ctx context.Context, scope tenant.Scope, in RecipientInput) (RecipientView, error) {
	now := a.now()
	r := recipient.Recipient{ID: id.UUID(), Scope: scope, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&r, true); err != nil {
		return RecipientView{}, err
	}
	v := viewRecipient(r)
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.InsertRecipient(ctx, r); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &Error{Kind: Conflict, Field: "external_id", Code: "external_id_taken",
					Message: "a recipient with this external_id already exists"}
			}
			return err
		}
		return a.recordEvent(ctx, tx, scope, event.RecipientCreated, r.ID, v, now)
	})
	return v, err
}

// UpdateRecipient changes the given fields and records recipient.updated.
func (a *App) UpdateRecipient(ctx context.Context, scope tenant.Scope, ref string, in RecipientInput) (RecipientView, error) {
	var v RecipientView
	err := a.Store.InTx(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		if err := in.apply(&r, false); err != nil {
			return err
		}
		r.UpdatedAt = a.now()
		if err := tx.UpdateRecipient(ctx, r); err != nil {
			return err
		}
		v = viewRecipient(r)
		return a.recordEvent(ctx, tx, scope, event.RecipientUpdated, r.ID, v, r.UpdatedAt)
	})
	return v, err
}

// GetRecipient reads a recipient by UUID or external id.
func (a *App) GetRecipient(ctx context.Context, scope tenant.Scope, ref string) (RecipientView, error) {
	var v RecipientView
	err := a.Store.Read(ctx, func(tx store.Tx) error {
		r, err := tx.GetRecipient(ctx, scope, ref)
		if err != nil {
			return mapNotFound(err, "recipient")
		}
		v = viewRecipient(r)
		id, err := tx.GetIdentity(ctx, scope, r.ID, false)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		iv := viewIdentity(id)
		v.Identity = &iv
		return nil
	})
	return v, err
}

// recipientKey is a cache key: a reference (UUID or external id) in one scope.
type recipientKey struct {
	scope tenant.Scope
	ref   string
}

// cachedRecipient is what the identity cache keeps: the fields that never change once a
// recipient exists (the scope is the cache key's).
type cachedRecipient struct{ id, externalID, currency string }

// recipientIdentity resolves a reference to the recipient's id, external id and currency
// (the returned Recipient has only those and its scope). The mapping never changes
// (recipients are not deleted; external ids and currencies cannot be changed), so it is
// cached: a credit then costs no lookup before it joins a ledger batch. Only existing
// recipients are cached; an unknown reference is looked up every time.
func (a *App) recipientIdentity(ctx context.Context, scope tenant.Scope, ref string) (recipient.Recipient, error) {
	k := recipientKey{scope, ref}
	if c, ok := a.recipients.Load(k); ok {
		return recipient.Recipient{ID: c.id, Scope: scope, ExternalID: c.externalID, Currency: c.currency}, nil
	}
	var r recipient.Recipient
	err := a.Store.Query(ctx, func(tx store.Tx) error {
		var err error
		r, err = tx.GetRecipient(ctx, scope, ref)
		return mapNotFound(err, "recipient")
	})
	if err != nil {
		return r, err
	}
	a.recipients.Store(k, cachedRecipient{id: r.ID, externalID: r.ExternalID, currency: r.Currency})
	return recipient.Recipient{ID: r.ID, Scope: r.Scope, ExternalID: r.ExternalID, Currency: r.Currency}, nil
}

// ListRecipients pages through recipients, oldest first; next is the cursor of the following
// page, empty on the last.
func (a *App) ListRecipients(ctx context.Context, scope tenant.Scope, cursor string, limit int) (items []RecipientView, next string, err error) {
	err = a.Store.Read(ctx, func(tx store.Tx) error {
		rs, err := tx.ListRecipients(ctx, scope, cursor, limit+1)
		if err != nil {
			return err
		}
		if len(rs) > limit {
			rs = rs[:limit]
			next = rs[limit-1].ID
		}
		items = make([]RecipientView, len(rs))
		for i, r := range rs {
			items[i] = viewRecipient(r)
		}
		return nil
	})
	return items, next, err
}
