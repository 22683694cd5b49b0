package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/idempotency"
	"github.com/payport/payport/internal/org"
)

type moneyBody struct {
	Amount      string          `json:"amount" maxLength:"40" example:"12.34" doc:"Decimal string with a dot separator, within the currency's minor units."`
	Currency    string          `json:"currency" example:"GBP" doc:"ISO 4217, three capital letters."`
	Description string          `json:"description,omitempty" maxLength:"255" doc:"Shown in the recipient's transaction history."`
	Metadata    json.RawMessage `json:"metadata,omitempty" doc:"A JSON object of at most 4 KB; no arrays or nulls at its root."`
}

// IdemHeader is the Idempotency-Key request header.
type IdemHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Makes the request safe to retry: the same key and body replay the first answer (200); the same key with another body is refused (422); a twin still running answers 409. Keys are kept 24 hours."`
}

type moneyIn struct {
	RecipientRef
	IdemHeader
	RawBody []byte
	Body    moneyBody
}

type creditOut struct {
	Status int
	Body   app.CreditResult
}

func idemOf(key, method, path string, raw []byte) app.IdemRequest {
	if key == "" {
		return app.IdemRequest{}
	}
	return app.IdemRequest{Key: key, Fingerprint: idempotency.Fingerprint(method, path, raw)}
}

func created(replayed bool) int {
	if replayed {
		return http.StatusOK
	}
	return http.StatusCreated
}

type transactionsIn struct {
	RecipientRef
	ListQuery
}

type balanceInfoIn struct {
	SiteID   string `path:"site_id" maxLength:"255" doc:"The recipient's external id (your site id) or its UUID."`
	Currency string `query:"currency" doc:"Balance currency; defaults to the recipient's own."`
}

func (s *Server) routeBalances() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "credit-recipient", Method: http.MethodPost, Path: "/api/recipients/{id}/credits", Tags: []string{"Balances"},
		Summary:     "Credit a recipient's balance",
		Description: "Moves money from the org to the recipient's available balance (rewards earned, sales...). Answers 201 with the transfer and the new balance, or 200 when replaying an Idempotency-Key.",
		Errors:      []int{404, 409, 422},
	}, access{scope: org.ScopeRewards}), func(ctx context.Context, in *moneyIn) (*creditOut, error) {
		b := in.Body
		res, replayed, err := s.app.Credit(ctx, scopeFrom(ctx), in.ID,
			app.MoneyInput{Amount: b.Amount, Currency: b.Currency, Description: b.Description, Metadata: b.Metadata},
			idemOf(in.IdempotencyKey, http.MethodPost, "/api/recipients/"+in.ID+"/credits", in.RawBody))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &creditOut{created(replayed), res}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "adjust-recipient", Method: http.MethodPost, Path: "/api/recipients/{id}/adjustments", Tags: []string{"Balances"},
		Summary:     "Adjust a recipient's balance",
		Description: "An operator's correction by a signed amount (\"-5.00\" takes money back to the org). `description` is required and kept as the reason. A negative adjustment beyond the available balance answers 409 insufficient_funds.",
		Errors:      []int{404, 409, 422},
	}, access{scope: org.ScopeRewards}), func(ctx context.Context, in *moneyIn) (*creditOut, error) {
		b := in.Body
		res, replayed, err := s.app.Adjust(ctx, scopeFrom(ctx), in.ID,
			app.MoneyInput{Amount: b.Amount, Currency: b.Currency, Description: b.Description, Metadata: b.Metadata},
			idemOf(in.IdempotencyKey, http.MethodPost, "/api/recipients/"+in.ID+"/adjustments", in.RawBody))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &creditOut{created(replayed), res}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "reverse-credit", Method: http.MethodPost, Path: "/api/transfers/{id}/reversal", Tags: []string{"Balances"},
		Summary:       "Reverse a credit",
		Description:   "Takes a credit back from the recipient's available balance, once. Fails with 409 when the credit was already reversed or the balance no longer holds the amount.",
		DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, access{scope: org.ScopeRewards}), func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"64" doc:"The credit's transfer id (tr_...)."`
		Body *struct {
			Description string `json:"description,omitempty" maxLength:"255" doc:"Why the credit is reversed."`
		} `required:"false"`
	}) (*struct{ Body app.CreditResult }, error) {
		reason := ""
		if in.Body != nil {
			reason = in.Body.Description
		}
		res, err := s.app.Reverse(ctx, scopeFrom(ctx), in.ID, reason)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.CreditResult }{res}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-transactions", Method: http.MethodGet, Path: "/api/recipients/{id}/transactions", Tags: []string{"Balances"},
		Summary: "List a recipient's transactions", Description: "Ledger history of the recipient's balance, newest first, in pages.",
		Errors: []int{404},
	}, access{scope: org.ScopeRewards}), func(ctx context.Context, in *transactionsIn) (*struct{ Body Page[app.TransferView] }, error) {
		items, next, err := s.app.Transactions(ctx, scopeFrom(ctx), in.ID, in.Cursor, in.Limit)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body Page[app.TransferView] }{page(items, next)}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-balance-info", Method: http.MethodGet, Path: "/rewards/{site_id}/info", Tags: []string{"Rewards"},
		Summary:     "Get Balance Info",
		Description: "Seed 001's Get Balance Info: the balance, earnings, pending withdrawals and minimum, and whether the user can withdraw now, with a machine reason and a sentence to show when not. Call it to decide whether to enable your withdraw button.",
		Errors:      []int{404, 422},
	}, access{scope: org.ScopeRewards}), func(ctx context.Context, in *balanceInfoIn) (*struct{ Body app.BalanceInfo }, error) {
		info, err := s.app.GetBalanceInfo(ctx, scopeFrom(ctx), in.SiteID, in.Currency)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.BalanceInfo }{info}, nil
	})
}
