package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

// SetWebhook sets a vendor's webhook URL with a new secret (managers).
func (a *App) SetWebhook(ctx context.Context, r notification.SetWebhookRequest) (domain.Webhook, error) {
	if err := checkURL(r.URL); err != nil {
		return domain.Webhook{}, err
	}
	if err := a.requireManager(ctx, r.VendorID); err != nil {
		return domain.Webhook{}, err
	}
	secret, err := NewSecret()
	if err != nil {
		return domain.Webhook{}, err
	}
	now := a.Clock.Now()
	return a.Store.PutWebhook(ctx, domain.Webhook{VendorID: r.VendorID, URL: r.URL, Secret: secret, CreatedAt: now, UpdatedAt: now})
}

// GetWebhook reads a vendor's webhook (managers).
func (a *App) GetWebhook(ctx context.Context, vendorID string) (domain.Webhook, error) {
	if err := a.requireManager(ctx, vendorID); err != nil {
		return domain.Webhook{}, err
	}
	return a.Store.Webhook(ctx, vendorID)
}

// DeleteWebhook removes a vendor's webhook (managers). Pending webhook
// deliveries then go dead at their next attempt.
func (a *App) DeleteWebhook(ctx context.Context, vendorID string) error {
	if err := a.requireManager(ctx, vendorID); err != nil {
		return err
	}
	return a.Store.DeleteWebhook(ctx, vendorID)
}

// requireManager checks the actor manages the vendor (the vendor service
// decides); an unknown vendor is not_found.
func (a *App) requireManager(ctx context.Context, vendorID string) error {
	if strings.TrimSpace(vendorID) == "" {
		return apperr.Field("vendor_id", "required")
	}
	actor := natsrpc.Actor(ctx)
	if actor == "" {
		return apperr.E(apperr.Unauthenticated, "authentication required")
	}
	res, err := a.Vendors.Authorize(ctx, vendorID, actor)
	if err != nil {
		return err
	}
	if res.Role == "" {
		return apperr.E(apperr.Forbidden, "you do not manage this vendor")
	}
	return nil
}

func checkURL(raw string) error {
	if raw == "" {
		return apperr.Field("url", "required")
	}
	if len(raw) > 2000 {
		return apperr.Field("url", "longer than 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return apperr.Field("url", "must be an absolute http or https URL")
	}
	if u.User != nil {
		return apperr.Field("url", "must not carry credentials")
	}
	if u.Fragment != "" {
		return apperr.Field("url", "must not have a fragment")
	}
	return nil
}

// NewSecret is a webhook signing secret: "whsec_" and 32 random bytes in hex.
// The whole string is the HMAC key.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

// DeadLetters pages through deliveries given up on, oldest first (operators).
func (a *App) DeadLetters(ctx context.Context, r notification.DeadLettersRequest) ([]domain.Delivery, string, error) {
	limit := r.Limit
	switch {
	case limit == 0:
		limit = 50
	case limit < 0 || limit > 500:
		return nil, "", apperr.Field("limit", "must be 1..500")
	}
	after := ""
	if r.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(r.Cursor)
		if err != nil || len(b) == 0 {
			return nil, "", apperr.Field("cursor", "not a cursor from this endpoint")
		}
		after = string(b)
	}
	ds, err := a.Store.Dead(ctx, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ds) > limit {
		ds = ds[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(ds[limit-1].ID))
	}
	return ds, next, nil
}

// Replay puts dead deliveries back to pending with their attempts reset
// (operators): the ones named, or all.
func (a *App) Replay(ctx context.Context, r notification.ReplayRequest) (int, error) {
	if !r.All && len(r.IDs) == 0 {
		return 0, apperr.E(apperr.InvalidInput, "name ids, or set all").With("field", "ids")
	}
	if r.All && len(r.IDs) > 0 {
		return 0, apperr.E(apperr.InvalidInput, "ids and all exclude each other").With("field", "ids")
	}
	if len(r.IDs) > 1000 {
		return 0, apperr.Field("ids", "at most 1000")
	}
	n, err := a.Store.Replay(ctx, r.IDs, r.All)
	if err == nil && n > 0 && a.Waker != nil {
		a.Waker.Wake()
	}
	return n, err
}
