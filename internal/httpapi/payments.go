package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
	"github.com/payport/payport/internal/org"
	"github.com/payport/payport/internal/payment"
	"github.com/payport/payport/internal/store"
)

// createPaymentBody is seed 003's request, field for field.
type createPaymentBody struct {
	Amount      string             `json:"amount" maxLength:"40" example:"10.00" doc:"Decimal string with a dot, at most the currency's decimals."`
	Currency    string             `json:"currency" maxLength:"3" example:"EUR" doc:"ISO 4217, three capital letters."`
	Type        string             `json:"type,omitempty" example:"payout" doc:"payout or payin (the default). Payouts need a key with the payouts scope."`
	Description string             `json:"description,omitempty" doc:"At most 255 characters; shown to the customer and in listings."`
	Metadata    json.RawMessage    `json:"metadata,omitempty" doc:"A JSON object of at most 4 KB serialised; no arrays or nulls among its root values."`
	ExternalID  string             `json:"externalId,omitempty" doc:"Your id for the payment, unique per org and mode (at most 255 characters). A repeat with the same externalId and the same body answers the same payment."`
	RedirectURL string             `json:"redirectUrl,omitempty" doc:"HTTPS (at most 2 KB): where the customer returns after the hosted form, with payment_id, status and a signed payport_result. Not echoed back."`
	WebhookURL  string             `json:"webhookUrl,omitempty" doc:"HTTPS (at most 2 KB): receives this payment's events instead of the org's endpoints. Not echoed back."`
	Customer    *app.CustomerInput `json:"customer,omitempty" doc:"The platform's id and name of the person paid or paying. For payouts the id finds the saved bank accounts the form offers. Not echoed back."`
}

type paymentListIn struct {
	ListQuery
	Status        string    `query:"status" enum:"pending,processing,succeeded,failed,canceled,expired" doc:"Only payments in this status."`
	Type          string    `query:"type" enum:"payout,payin"`
	Recipient     string    `query:"recipient" maxLength:"255" doc:"Only this recipient's payments (UUID or external id)."`
	ExternalID    string    `query:"externalId" maxLength:"255" doc:"Only the payment with this externalId."`
	Customer      string    `query:"customer" maxLength:"255" doc:"Only payments of this customer.id."`
	CreatedGTE    time.Time `query:"created_gte" doc:"Only payments created at or after this time (RFC 3339)."`
	CreatedBefore time.Time `query:"created_lt" doc:"Only payments created before this time (RFC 3339)."`
}

func (s *Server) routePayments() {
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-payment", Method: http.MethodPost, Path: "/api/payments", Tags: []string{"Payments"},
		Summary: "Create a payout or payin (seed 003)",
		Description: "Creates a pending payment and answers the URL of its hosted form: /checkin/{id} for a payout (the customer enters " +
			"where the money goes), /checkout/{id} for a payin (the customer pays). 201 for a new payment, 200 for a repeat. " +
			"Repeats never create a second payment: with an Idempotency-Key the key's rules apply first (same body replays, " +
			"another body 422, a twin in flight 409); without one, a body whose externalId already exists answers that payment " +
			"when the body is the same and 409 naming it when it differs. Only a request with neither always creates a payment. " +
			"A payout with `type: payout` needs a key with the payouts scope.",
		Errors: []int{409, 422},
	}, access{}), func(ctx context.Context, in *struct {
		IdemHeader
		RawBody []byte
		Body    createPaymentBody
	}) (*paymentOut, error) {
		b := in.Body
		v, replayed, err := s.app.CreatePayment(ctx, scopeFrom(ctx), app.CreatePaymentInput{Amount: b.Amount, Currency: b.Currency,
			Type: b.Type, Description: b.Description, Metadata: b.Metadata, ExternalID: b.ExternalID, RedirectURL: b.RedirectURL,
			WebhookURL: b.WebhookURL, Customer: b.Customer, CanPayout: keyFrom(ctx).Allows(org.ScopePayouts, true)},
			idemOf(in.IdempotencyKey, http.MethodPost, "/api/payments", in.RawBody))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &paymentOut{created(replayed), v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-payment", Method: http.MethodGet, Path: "/api/payments/{id}", Tags: []string{"Payments"},
		Summary: "Get a payment", Description: "Poll a payout or payin until its status is final (succeeded, failed, canceled or expired). Another org's payment answers 404.",
		Errors: []int{404},
	}, access{}), func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*struct{ Body app.PaymentView }, error) {
		v, err := s.app.GetPayment(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.PaymentView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-payments", Method: http.MethodGet, Path: "/api/payments", Tags: []string{"Payments"},
		Summary: "List payments", Description: "Newest first, in pages (pass next_cursor as cursor), optionally filtered by status, type, recipient, externalId, customer and creation time.",
		Errors: []int{404},
	}, access{}), func(ctx context.Context, in *paymentListIn) (*struct{ Body Page[app.PaymentView] }, error) {
		f := store.PaymentFilter{RecipientID: in.Recipient, Type: payment.Type(in.Type), Status: payment.Status(in.Status),
			ExternalID: in.ExternalID, CustomerID: in.Customer, Before: in.Cursor, Limit: in.Limit}
		if !in.CreatedGTE.IsZero() {
			f.CreatedFrom = &in.CreatedGTE
		}
		if !in.CreatedBefore.IsZero() {
			f.CreatedTo = &in.CreatedBefore
		}
		items, next, err := s.app.ListPayments(ctx, scopeFrom(ctx), f)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body Page[app.PaymentView] }{page(items, next)}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "cancel-payment", Method: http.MethodPost, Path: "/api/payments/{id}/cancel", Tags: []string{"Payments"},
		Summary: "Cancel a pending payment",
		Description: "Only a payment that has not reached its rail can be canceled: a pending payout (its money returns to where it came from) " +
			"or a Payments API payin nobody has paid yet.",
		Errors: []int{404, 409},
	}, access{scope: org.ScopePayouts}), func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64"`
	}) (*struct{ Body app.PaymentView }, error) {
		v, err := s.app.CancelPayment(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.PaymentView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "mark-payin-received", Method: http.MethodPost, Path: "/api/payments/{id}/mark_received", Tags: []string{"Payments"},
		Summary: "Mark a bank-transfer payin received (operator)",
		Description: "For the operator who sees the transfer on the bank statement: the payin (named by its id, or by the transfer " +
			"reference the payer quoted) succeeds and the amount is credited to the org's funding account.",
		Errors: []int{404, 409},
	}, access{operatorOnly: true}), func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"64" doc:"The payment id or the transfer reference (PP...)."`
	}) (*struct{ Body app.PaymentView }, error) {
		v, err := s.app.MarkPayinReceived(ctx, in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.PaymentView }{v}, nil
	})
}
