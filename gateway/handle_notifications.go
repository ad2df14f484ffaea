package gateway

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts/notification"
)

// Vendors' webhooks (notification service). The service validates the URL
// and asks the vendor service whether the caller manages the vendor.

// WebhookOut is a vendor's webhook configuration.
type WebhookOut struct {
	VendorID  string    `json:"vendor_id" doc:"Vendor id (UUID)"`
	URL       string    `json:"url" doc:"Where booking news is POSTed"`
	Secret    string    `json:"secret" doc:"Signs every request: Slotmesh-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>; a new one on every PUT"`
	CreatedAt time.Time `json:"created_at"`
}

type webhookOutput struct {
	Body WebhookOut
}

func webhookOut(w notification.Webhook) *webhookOutput {
	return &webhookOutput{Body: WebhookOut{VendorID: w.VendorID, URL: w.URL, Secret: w.Secret, CreatedAt: w.CreatedAt}}
}

type setWebhookInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	Body struct {
		URL string `json:"url" maxLength:"2000" doc:"Absolute http or https URL, without credentials" example:"https://vendor.example/slotmesh"`
	}
}

func (s *Server) notifications() *notification.Client { return notification.NewClient(s.nc) }

func (s *Server) handleSetWebhook(ctx context.Context, in *setWebhookInput) (*webhookOutput, error) {
	w, err := s.notifications().SetWebhook(ctx, notification.SetWebhookRequest{VendorID: in.ID, URL: in.Body.URL})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return webhookOut(w), nil
}

func (s *Server) handleGetWebhook(ctx context.Context, in *vendorPath) (*webhookOutput, error) {
	w, err := s.notifications().GetWebhook(ctx, in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return webhookOut(w), nil
}

func (s *Server) handleDeleteWebhook(ctx context.Context, in *vendorPath) (*struct{}, error) {
	if _, err := s.notifications().DeleteWebhook(ctx, in.ID); err != nil {
		return nil, s.fail(ctx, err)
	}
	return nil, nil
}

// webhookDoc explains the requests a webhook receives.
const webhookDoc = "Booking news (confirmed, updated, cancelled, availed) is POSTed as JSON " +
	"`{event_id, type, occurred_at, booking}` with headers `Slotmesh-Event-Id` (dedupe by it: delivery is at least once) and " +
	"`Slotmesh-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`. Verify the HMAC over the raw body " +
	"with the whole secret as key, in constant time, and reject a `t` more than 5 minutes old. Answer 2xx when done; " +
	"408, 429 and 5xx are retried with back-off, any other status is final."
