package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/payport/payport/internal/app"
)

type endpointBody struct {
	URL         *string   `json:"url,omitempty" maxLength:"2048" doc:"HTTPS; in test mode plain HTTP too, and this machine's loopback (127.0.0.1) unless the operator turned that off. Private and metadata addresses are refused, also when a name resolves to one at delivery time."`
	Description *string   `json:"description,omitempty" maxLength:"500"`
	EventTypes  *[]string `json:"event_types,omitempty" doc:"Event types to send (docs/EVENTS.md); \"payment.*\" matches a family; empty or absent: all."`
	Enabled     *bool     `json:"enabled,omitempty" doc:"Enabling a disabled endpoint clears why it was disabled."`
}

func (b endpointBody) input() app.WebhookEndpointInput {
	return app.WebhookEndpointInput{URL: b.URL, Description: b.Description, EventTypes: b.EventTypes, Enabled: b.Enabled}
}

// EndpointRef names a webhook endpoint (or an event) in the path.
type EndpointRef struct {
	ID string `path:"id" maxLength:"64"`
}

type endpointOut struct {
	Status int
	Body   app.WebhookEndpointView
}

type eventListIn struct {
	ListQuery
	After string `query:"after" maxLength:"64" doc:"Page forward instead: events after this event id, oldest first (how to follow new events)."`
	Type  string `query:"type" maxLength:"100" doc:"Only events of this type (with the newest-first listing)."`
}

func (s *Server) routeWebhooks() {
	tags := []string{"Webhooks"}
	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "create-webhook-endpoint", Method: http.MethodPost, Path: "/api/webhook_endpoints", Tags: tags,
		Summary:     "Add a webhook endpoint",
		Description: "Events of the key's org and mode are POSTed to the URL, signed per the Standard Webhooks specification with the secret in this answer (shown once).",
		Errors:      []int{422},
	}, access{}), func(ctx context.Context, in *struct{ Body endpointBody }) (*endpointOut, error) {
		v, err := s.app.CreateWebhookEndpoint(ctx, scopeFrom(ctx), in.Body.input())
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &endpointOut{http.StatusCreated, v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-webhook-endpoints", Method: http.MethodGet, Path: "/api/webhook_endpoints", Tags: tags,
		Summary: "List webhook endpoints",
	}, access{}), func(ctx context.Context, in *ListQuery) (*struct{ Body Page[app.WebhookEndpointView] }, error) {
		items, next, err := s.app.ListWebhookEndpoints(ctx, scopeFrom(ctx), in.Cursor, in.Limit)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body Page[app.WebhookEndpointView] }{page(items, next)}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-webhook-endpoint", Method: http.MethodGet, Path: "/api/webhook_endpoints/{id}", Tags: tags,
		Summary: "Get a webhook endpoint", Errors: []int{404},
	}, access{}), func(ctx context.Context, in *EndpointRef) (*endpointOut, error) {
		v, err := s.app.GetWebhookEndpoint(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &endpointOut{http.StatusOK, v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "update-webhook-endpoint", Method: http.MethodPatch, Path: "/api/webhook_endpoints/{id}", Tags: tags,
		Summary: "Change a webhook endpoint", Description: "Only the fields given change.", Errors: []int{404, 422},
	}, access{}), func(ctx context.Context, in *struct {
		EndpointRef
		Body endpointBody
	}) (*endpointOut, error) {
		v, err := s.app.UpdateWebhookEndpoint(ctx, scopeFrom(ctx), in.ID, in.Body.input())
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &endpointOut{http.StatusOK, v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "delete-webhook-endpoint", Method: http.MethodDelete, Path: "/api/webhook_endpoints/{id}", Tags: tags,
		Summary: "Remove a webhook endpoint", Description: "Its pending deliveries are canceled; its delivery log stays.", Errors: []int{404},
		DefaultStatus: http.StatusNoContent,
	}, access{}), func(ctx context.Context, in *EndpointRef) (*struct{}, error) {
		if err := s.app.DeleteWebhookEndpoint(ctx, scopeFrom(ctx), in.ID); err != nil {
			return nil, s.fail(ctx, err)
		}
		return nil, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "rotate-webhook-endpoint-secret", Method: http.MethodPost, Path: "/api/webhook_endpoints/{id}/rotate_secret", Tags: tags,
		Summary:     "Rotate an endpoint's secret",
		Description: "Answers the new secret, once. For 24 hours deliveries carry two signatures, one per secret, so the receiver can switch without losing a delivery.",
		Errors:      []int{404},
	}, access{}), func(ctx context.Context, in *EndpointRef) (*endpointOut, error) {
		v, err := s.app.RotateEndpointSecret(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &endpointOut{http.StatusOK, v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-webhook-deliveries", Method: http.MethodGet, Path: "/api/webhook_endpoints/{id}/deliveries", Tags: tags,
		Summary: "An endpoint's delivery log", Description: "Every attempt, newest first: time, status code, latency and the first kilobyte of the answer.",
		Errors: []int{404},
	}, access{}), func(ctx context.Context, in *struct {
		EndpointRef
		ListQuery
	}) (*struct{ Body Page[app.WebhookAttemptView] }, error) {
		items, next, err := s.app.ListDeliveries(ctx, scopeFrom(ctx), in.ID, in.Cursor, in.Limit)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body Page[app.WebhookAttemptView] }{page(items, next)}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "reveal-webhook-secret", Method: http.MethodGet, Path: "/api/webhook_secret", Tags: tags,
		Summary:     "The secret of payments' own webhookUrl",
		Description: "A payment's webhookUrl (seed 003) has no endpoint of its own: its webhooks are signed with this org-wide secret (one per mode), created on first use. It is shown once; a second read answers 409. Reading it uses it up, so a read-only key may not.",
		Errors:      []int{409},
	}, access{changesState: true}), func(ctx context.Context, in *struct{}) (*struct{ Body app.WebhookSecretView }, error) {
		v, err := s.app.RevealWebhookSecret(ctx, scopeFrom(ctx))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.WebhookSecretView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "rotate-webhook-secret", Method: http.MethodPost, Path: "/api/webhook_secret/rotate", Tags: tags,
		Summary: "Rotate the secret of payments' webhookUrl", Description: "Answers the new secret, once; the old one keeps signing beside it for 24 hours.",
	}, access{}), func(ctx context.Context, in *struct{}) (*struct{ Body app.WebhookSecretView }, error) {
		v, err := s.app.RotateWebhookSecret(ctx, scopeFrom(ctx))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.WebhookSecretView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "list-events", Method: http.MethodGet, Path: "/api/events", Tags: tags,
		Summary: "List events", Description: "Newest first (cursor pages backward), or oldest first after an event id with after=.",
	}, access{}), func(ctx context.Context, in *eventListIn) (*struct{ Body Page[app.EventView] }, error) {
		items, next, err := s.app.ListEvents(ctx, scopeFrom(ctx), in.Cursor, in.After, in.Type, in.Limit)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body Page[app.EventView] }{page(items, next)}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "get-event", Method: http.MethodGet, Path: "/api/events/{id}", Tags: tags,
		Summary: "Get an event", Errors: []int{404},
	}, access{}), func(ctx context.Context, in *EndpointRef) (*struct{ Body app.EventView }, error) {
		v, err := s.app.GetEvent(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &struct{ Body app.EventView }{v}, nil
	})

	huma.Register(s.api, s.secured(huma.Operation{
		OperationID: "redeliver-event", Method: http.MethodPost, Path: "/api/events/{id}/redeliver", Tags: tags,
		Summary:     "Send an event again",
		Description: "Queues the event again for its destinations as they are now (enabled endpoints that want it, or the payment's webhookUrl), with the same webhook-id.",
		Errors:      []int{404},
	}, access{}), func(ctx context.Context, in *EndpointRef) (*struct {
		Body struct {
			Queued int `json:"queued" doc:"How many deliveries were queued."`
		}
	}, error) {
		n, err := s.app.RedeliverEvent(ctx, scopeFrom(ctx), in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := &struct {
			Body struct {
				Queued int `json:"queued" doc:"How many deliveries were queued."`
			}
		}{}
		out.Body.Queued = n
		return out, nil
	})
}
