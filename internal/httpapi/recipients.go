package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
)

// NullableString is a JSON field that distinguishes "absent" (keep) from null (clear).
type NullableString struct {
	Set   bool
	Null  bool
	Value string
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *NullableString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// Schema implements huma.SchemaProvider.
func (n NullableString) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{Type: "string", Nullable: true}
}

type recipientBody struct {
	ExternalID              string          `json:"external_id" maxLength:"255" doc:"Your id for the recipient (the seeds' site_id / company_id); unique in your org and mode."`
	Email                   string          `json:"email,omitempty" maxLength:"254" doc:"Needed for emailed two-factor codes."`
	Name                    string          `json:"name,omitempty" maxLength:"200"`
	Country                 string          `json:"country,omitempty" doc:"ISO 3166-1 alpha-2, e.g. GB."`
	Currency                string          `json:"currency" doc:"ISO 4217 code of the balance, e.g. GBP."`
	MinimumWithdrawalAmount string          `json:"minimum_withdrawal_amount,omitempty" doc:"Overrides the org's default minimum withdrawal, as a decimal string."`
	Metadata                json.RawMessage `json:"metadata,omitempty" doc:"A JSON object of at most 4 KB; no arrays or nulls at its root."`
}

type recipientPatchBody struct {
	Email                   *string         `json:"email,omitempty" maxLength:"254"`
	Name                    *string         `json:"name,omitempty" maxLength:"200"`
	Country                 *string         `json:"country,omitempty"`
	MinimumWithdrawalAmount NullableString  `json:"minimum_withdrawal_amount,omitempty" doc:"A decimal string, or null to fall back to the org default."`
	Metadata                json.RawMessage `json:"metadata,omitempty" doc:"Replaces the metadata object."`
}

type recipientOut struct {
	Body app.RecipientView
}

// RecipientRef is the path parameter naming a recipient.
type RecipientRef struct {
	ID string `path:"id" maxLength:"255" doc:"The recipient's UUID or your external_id."`
}

// ListQuery is the paging of list endpoints.
type ListQuery struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"255" doc:"next_cursor of the previous page."`
}

// Page is a page of a list with the cursor of the next one.
type Page[T any] struct {
	Items      []T     `json:"items"`
	HasMore    bool    `json:"has_more"`
	NextCursor *string `json:"next_cursor" doc:"Pass as cursor to get the next page; null on the last page."`
}

func page[T any](items []T, next string) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if next != "" {
		p.HasMore, p.NextCursor = true, &next
	}
	return p
}

func ptrIfSet(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) routeRecipients() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-recipient", Method: http.MethodPost, Path: "/api/recipients", Tags: []string{"Recipients"},
		Summary:       "Create a recipient",
		Description:   "A recipient is one end user the org owes money to. `external_id` is your id for it and works in every path where a recipient id is expected.",
		DefaultStatus: http.StatusCreated, Errors: []int{409, 422},
	}, access{}), func(ctx context.Context, in *struct{ Body recipientBody }) (*recipientOut, error) {
		b := in.Body
		v, err := s.app.CreateRecipient(ctx, scopeFrom(ctx), app.RecipientInput{
			ExternalID: &b.ExternalID, Email: &b.Email, Name: &b.Name, Country: &b.Country, Currency: &b.Currency,
			MinimumWithdrawalAmount: ptrIfSet(b.MinimumWithdrawalAmount), Metadata: b.Metadata,
		})
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &recipientOut{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-recipient", Method: http.MethodGet, Path: "/api/recipients/{id}", Tags: []string{"Recipients"},
		Summary: "Get a recipient", Errors: []int{404},
	}, access{}), func(ctx context.Context, in *RecipientRef) (*recipientOut, error) {
		v, err := s.app.GetRecipient(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &recipientOut{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "update-recipient", Method: http.MethodPatch, Path: "/api/recipients/{id}", Tags: []string{"Recipients"},
		Summary: "Update a recipient", Description: "Fields left out keep their value.", Errors: []int{404, 422},
	}, access{}), func(ctx context.Context, in *struct {
		RecipientRef
		Body recipientPatchBody
	}) (*recipientOut, error) {
		b := in.Body
		ri := app.RecipientInput{Email: b.Email, Name: b.Name, Country: b.Country, Metadata: b.Metadata}
		if b.MinimumWithdrawalAmount.Set {
			if b.MinimumWithdrawalAmount.Null {
				ri.ClearMinimumWithdrawal = true
			} else {
				ri.MinimumWithdrawalAmount = &b.MinimumWithdrawalAmount.Value
			}
		}
		v, err := s.app.UpdateRecipient(ctx, scopeFrom(ctx), in.ID, ri)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &recipientOut{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-recipients", Method: http.MethodGet, Path: "/api/recipients", Tags: []string{"Recipients"},
		Summary: "List recipients", Description: "Oldest first, in pages.",
	}, access{}), func(ctx context.Context, in *ListQuery) (*struct{ Body Page[app.RecipientView] }, error) {
		items, next, err := s.app.ListRecipients(ctx, scopeFrom(ctx), in.Cursor, in.Limit)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body Page[app.RecipientView] }{page(items, next)}, nil
	})
}
