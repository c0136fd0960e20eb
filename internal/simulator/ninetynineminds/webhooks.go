package ninetynineminds

import (
	"context"

	"github.com/customersync/customer-sync-operator/internal/simulator/hook"
)

// Webhook scopes 99minds sends (deletes are sent but not synchronized by the operator).
const (
	ScopeCreated = "customer/created"
	ScopeUpdated = "customer/updated"
	ScopeDeleted = "customer/deleted"
)

// WebhookBody is the 99minds webhook body, in the iPaaS.com hook format the contract assumes.
type WebhookBody struct {
	Notifications []WebhookNotification `json:"notifications"`
}

// WebhookNotification is one event; external_id is the 99minds customer id.
type WebhookNotification struct {
	Scope      string `json:"scope"`
	ExternalID string `json:"external_id"`
}

// notify queues a webhook for one customer event.
func (s *Server) notify(scope, customerID string) {
	body := WebhookBody{Notifications: []WebhookNotification{{Scope: scope, ExternalID: customerID}}}
	s.hooks.Send(func(int) any { return body })
}

// Notify sends a webhook as if the event had happened (e.g. ScopeDeleted, which the simulator
// never sends by itself, or an update without a data change).
func (s *Server) Notify(scope, customerID string) { s.notify(scope, customerID) }

// SetWebhook changes the webhook target at run time; an empty URL stops webhooks.
func (s *Server) SetWebhook(cfg hook.Config) { s.hooks.Set(cfg) }

// Webhook returns the webhook target.
func (s *Server) Webhook() hook.Config { return s.hooks.Config() }

// WaitWebhooks returns once every webhook sent so far has been delivered or given up on.
func (s *Server) WaitWebhooks(ctx context.Context) error { return s.hooks.Wait(ctx) }

// WebhookDeliveries returns the recent delivery attempts and how many webhooks were dropped.
func (s *Server) WebhookDeliveries() ([]hook.Delivery, int) { return s.hooks.Deliveries() }
