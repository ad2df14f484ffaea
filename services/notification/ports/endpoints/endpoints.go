// Package endpoints is the notification service's inbound NATS port: the
// webhook configuration the gateway calls for managers, and the operator's
// dead-letter list and replay.
package endpoints

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/notification/app"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

// List returns every endpoint of the notification service.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(notification.OpSetWebhook, o, func(ctx context.Context, r notification.SetWebhookRequest) (notification.Webhook, error) {
			w, err := a.SetWebhook(ctx, r)
			return webhookToWire(w), err
		}),
		platform.Handle(notification.OpGetWebhook, o, func(ctx context.Context, r notification.WebhookRequest) (notification.Webhook, error) {
			w, err := a.GetWebhook(ctx, r.VendorID)
			return webhookToWire(w), err
		}),
		platform.Handle(notification.OpDeleteWebhook, o, func(ctx context.Context, r notification.WebhookRequest) (notification.Deleted, error) {
			err := a.DeleteWebhook(ctx, r.VendorID)
			return notification.Deleted{Deleted: err == nil}, err
		}),
		platform.Handle(notification.OpDeadLetters, o, func(ctx context.Context, r notification.DeadLettersRequest) (notification.DeliveryPage, error) {
			ds, next, err := a.DeadLetters(ctx, r)
			page := notification.DeliveryPage{Items: make([]notification.Delivery, 0, len(ds)), NextCursor: next}
			for _, d := range ds {
				page.Items = append(page.Items, DeliveryToWire(d))
			}
			return page, err
		}),
		platform.Handle(notification.OpReplay, o, func(ctx context.Context, r notification.ReplayRequest) (notification.ReplayResponse, error) {
			n, err := a.Replay(ctx, r)
			return notification.ReplayResponse{Replayed: n}, err
		}),
	}
}

func webhookToWire(w domain.Webhook) notification.Webhook {
	return notification.Webhook{VendorID: w.VendorID, URL: w.URL, Secret: w.Secret, CreatedAt: w.CreatedAt}
}

// DeliveryToWire is a delivery as the contract spells it (no body: it may
// hold personal data and operators do not need it to replay).
func DeliveryToWire(d domain.Delivery) notification.Delivery {
	return notification.Delivery{
		ID: d.ID, EventID: d.EventID, EventType: d.EventType, Channel: d.Channel, Recipient: d.Recipient,
		Subject: d.Subject, Status: d.Status, Attempts: d.Attempts, LastError: d.LastError,
		NextAttemptAt: d.NextAttemptAt, SentAt: d.SentAt, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
	}
}
