package notification

import (
	"context"

	"github.com/nats-io/nats.go"
)

// Client calls the notification service over NATS. Webhook calls need the
// actor in ctx (natsrpc.WithActor), a manager of the vendor.
type Client struct{ nc *nats.Conn }

// NewClient returns a client on nc.
func NewClient(nc *nats.Conn) *Client { return &Client{nc: nc} }

// SetWebhook sets a vendor's webhook URL and returns it with a new secret.
func (c *Client) SetWebhook(ctx context.Context, r SetWebhookRequest) (Webhook, error) {
	return OpSetWebhook.Call(ctx, c.nc, r)
}

// GetWebhook reads a vendor's webhook; not_found when none is set.
func (c *Client) GetWebhook(ctx context.Context, vendorID string) (Webhook, error) {
	return OpGetWebhook.Call(ctx, c.nc, WebhookRequest{VendorID: vendorID})
}

// DeleteWebhook removes a vendor's webhook; not_found when none is set.
func (c *Client) DeleteWebhook(ctx context.Context, vendorID string) (Deleted, error) {
	return OpDeleteWebhook.Call(ctx, c.nc, WebhookRequest{VendorID: vendorID})
}

// DeadLetters pages through deliveries given up on.
func (c *Client) DeadLetters(ctx context.Context, r DeadLettersRequest) (DeliveryPage, error) {
	return OpDeadLetters.Call(ctx, c.nc, r)
}

// Replay puts dead deliveries back to pending.
func (c *Client) Replay(ctx context.Context, r ReplayRequest) (ReplayResponse, error) {
	return OpReplay.Call(ctx, c.nc, r)
}
