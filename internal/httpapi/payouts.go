package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
)

type payoutMethodBody struct {
	Type          string `json:"type,omitempty" enum:"bank_account" doc:"Only bank_account so far."`
	HolderName    string `json:"holder_name" maxLength:"140" doc:"The account holder's name."`
	Country       string `json:"country,omitempty" doc:"ISO 3166-1 alpha-2 of the bank; derived from the IBAN or the scheme when left out."`
	Currency      string `json:"currency,omitempty" doc:"Currency the account receives; EUR for IBANs, GBP for UK and USD for US accounts by default."`
	IBAN          string `json:"iban,omitempty" maxLength:"64" doc:"SEPA and other IBAN countries. Spaces and lower case are accepted."`
	BIC           string `json:"bic,omitempty" maxLength:"16"`
	SortCode      string `json:"sort_code,omitempty" maxLength:"10" doc:"UK: 6 digits, dashes and spaces accepted."`
	AccountNumber string `json:"account_number,omitempty" maxLength:"20" doc:"UK: 8 digits. US: 4 to 17 digits."`
	RoutingNumber string `json:"routing_number,omitempty" maxLength:"9" doc:"US: 9-digit ABA routing number."`
	AccountType   string `json:"account_type,omitempty" enum:"checking,savings" doc:"US: checking or savings."`
	Default       bool   `json:"default,omitempty" doc:"Make it the recipient's default method (the first one always is)."`
}

type methodRef struct {
	RecipientRef
	MethodID string `path:"method_id" maxLength:"64"`
}

type withdrawalBody struct {
	Amount         string `json:"amount" maxLength:"40" example:"30.00" doc:"Decimal string; at least the minimum withdrawal, at most the available balance."`
	Currency       string `json:"currency" example:"EUR"`
	PayoutMethodID string `json:"payout_method_id,omitempty" maxLength:"64" doc:"Defaults to the recipient's default payout method."`
	Description    string `json:"description,omitempty" maxLength:"255"`
}

type paymentOut struct {
	Status int
	Body   app.PaymentView
}

func (s *Server) routePayouts() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "add-payout-method", Method: http.MethodPost, Path: "/api/recipients/{id}/payout_methods", Tags: []string{"Payouts"},
		Summary:       "Add a payout method",
		Description:   "Registers a bank account a platform already holds: `iban` (+ `bic`), or `sort_code` + `account_number`, or `routing_number` + `account_number` + `account_type`. Details are validated (IBAN check digits and length, ABA check digit), sealed at rest, and never shown again: answers show the masked form.",
		DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *struct {
		RecipientRef
		IdemHeader
		RawBody []byte
		Body    payoutMethodBody
	}) (*struct {
		Status int
		Body   app.PayoutMethodView
	}, error) {
		b := in.Body
		v, replayed, err := s.app.AddPayoutMethodIdem(ctx, scopeFrom(ctx), in.ID, app.PayoutMethodInput{Type: b.Type, HolderName: b.HolderName,
			Country: b.Country, Currency: b.Currency, IBAN: b.IBAN, BIC: b.BIC, SortCode: b.SortCode, AccountNumber: b.AccountNumber,
			RoutingNumber: b.RoutingNumber, AccountType: b.AccountType, MakeDefault: b.Default},
			idemOf(in.IdempotencyKey, http.MethodPost, "/api/recipients/"+in.ID+"/payout_methods", in.RawBody))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct {
			Status int
			Body   app.PayoutMethodView
		}{created(replayed), v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-payout-methods", Method: http.MethodGet, Path: "/api/recipients/{id}/payout_methods", Tags: []string{"Payouts"},
		Summary: "List a recipient's payout methods", Description: "Active methods, the default first, masked.", Errors: []int{404},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *RecipientRef) (*struct{ Body []app.PayoutMethodView }, error) {
		v, err := s.app.ListPayoutMethods(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body []app.PayoutMethodView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "remove-payout-method", Method: http.MethodDelete, Path: "/api/recipients/{id}/payout_methods/{method_id}", Tags: []string{"Payouts"},
		Summary: "Remove a payout method", Description: "Archives the method; if it was the default, the newest remaining one becomes the default. A payout already queued for it fails with payout_method_removed.",
		Errors: []int{404},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *methodRef) (*struct{ Body app.PayoutMethodView }, error) {
		v, err := s.app.RemovePayoutMethod(ctx, scopeFrom(ctx), in.ID, in.MethodID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.PayoutMethodView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "set-default-payout-method", Method: http.MethodPost, Path: "/api/recipients/{id}/payout_methods/{method_id}/default", Tags: []string{"Payouts"},
		Summary: "Make a payout method the default", Errors: []int{404},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *methodRef) (*struct{ Body app.PayoutMethodView }, error) {
		v, err := s.app.SetDefaultPayoutMethod(ctx, scopeFrom(ctx), in.ID, in.MethodID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.PayoutMethodView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "request-withdrawal", Method: http.MethodPost, Path: "/api/recipients/{id}/withdrawals", Tags: []string{"Payouts"},
		Summary:     "Withdraw a recipient's balance",
		Description: "Pays part of the recipient's available balance out to a payout method. The amount moves to pending at once (so concurrent withdrawals can never overdraw), then the payout goes to its rail (the sandbox in test mode) and ends succeeded or failed, the money returning to the balance on failure. Answers the payment (201, or 200 when replaying an Idempotency-Key); follow it at GET /api/payments/{id}.",
		Errors:      []int{404, 409, 422},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *struct {
		RecipientRef
		IdemHeader
		RawBody []byte
		Body    withdrawalBody
	}) (*paymentOut, error) {
		b := in.Body
		v, replayed, err := s.app.RequestWithdrawal(ctx, scopeFrom(ctx), in.ID,
			app.WithdrawalInput{Amount: b.Amount, Currency: b.Currency, PayoutMethodID: b.PayoutMethodID, Description: b.Description},
			idemOf(in.IdempotencyKey, http.MethodPost, "/api/recipients/"+in.ID+"/withdrawals", in.RawBody))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &paymentOut{created(replayed), v}, nil
	})
}
