package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

// Enqueue turns a booking event into its deliveries — an email to the
// booking's user, a webhook request to the vendor if it configured one —
// and stores them, once per (event, channel): a redelivered event writes
// nothing. Events notification does not announce are ignored. An event
// that can never be rendered (undecodable, unknown vendor) is
// apperr.InvalidInput (the consumer dead-letters it); a failure to reach a
// service or the database is returned as is (the consumer retries).
func (a *App) Enqueue(ctx context.Context, e contracts.Event) error {
	kind, ok := domain.KindOf(e.Type)
	if !ok {
		return nil
	}
	if known, err := a.Store.Known(ctx, e.ID); err != nil || known {
		return err
	}
	var ch booking.Changed
	if err := e.Decode(&ch); err != nil {
		return apperr.E(apperr.InvalidInput, "undecodable %s data: %v", e.Type, err)
	}
	b := ch.Booking
	if b.ID == "" || b.VendorID == "" {
		return apperr.E(apperr.InvalidInput, "%s without booking or vendor id", e.Type)
	}
	if ch.From != "" && ch.From == b.Status {
		return nil // a restatement (the deposit settled): announced already
	}
	v, err := a.Vendors.Get(ctx, b.VendorID)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.E(apperr.InvalidInput, "booking %s names unknown vendor %s", b.ID, b.VendorID)
	}
	if err != nil {
		return fmt.Errorf("vendor %s: %w", b.VendorID, err)
	}
	now := a.Clock.Now()
	base := domain.Delivery{
		EventID: e.ID, EventType: e.Type, VendorID: b.VendorID, BookingID: b.ID, Version: b.Version,
		Status: notification.StatusPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
	}
	var ds []domain.Delivery
	batch := domain.Batch{EventID: e.ID, EventType: e.Type, VendorID: b.VendorID}
	lead := a.opts().ReminderBefore
	if lead > 0 {
		// Reminders follow the booking: the batch carries its id, version
		// and whether it ended.
		batch.BookingID, batch.Version = b.ID, b.Version
		batch.Final = kind == domain.KindCancellation || kind == domain.KindThankYou
	}

	// Email to the booking's user; a user who no longer exists gets none.
	if b.UserID != "" {
		c, err := a.Users.Contact(ctx, b.UserID)
		switch {
		case apperr.Is(err, apperr.NotFound):
		case err != nil:
			return fmt.Errorf("contact of user %s: %w", b.UserID, err)
		case c.Email != "":
			dv := domain.Vendor{Name: v.Name, Kind: v.Kind, Timezone: v.Timezone}
			m := domain.Render(kind, b, dv, c.Name)
			d := base
			d.ID, d.Channel, d.Recipient, d.Subject, d.Body = a.NewID(), notification.ChannelEmail, c.Email, m.Subject, m.Body
			ds = append(ds, d)
			if due := b.Start.Add(-lead); lead > 0 && !batch.Final && due.After(now) {
				rm := domain.RenderReminder(b, dv, c.Name, lead)
				r := base
				start := b.Start.UTC()
				r.ID, r.Channel, r.Recipient, r.Subject, r.Body = a.NewID(), notification.ChannelReminder, c.Email, rm.Subject, rm.Body
				r.NextAttemptAt, r.NotAfter = due.UTC(), &start
				batch.Reminder = &r
			}
		}
	}

	// Webhook to the vendor, if it configured one. The URL and secret are
	// read again at each attempt (a fixed URL or a rotated secret applies).
	wh, err := a.Store.Webhook(ctx, b.VendorID)
	switch {
	case apperr.Is(err, apperr.NotFound):
	case err != nil:
		return err
	default:
		body, err := json.Marshal(notification.WebhookEvent{EventID: e.ID, Type: kind.WebhookType(), OccurredAt: e.OccurredAt, Booking: b})
		if err != nil {
			return fmt.Errorf("encode webhook body: %w", err)
		}
		d := base
		d.ID, d.Channel, d.Recipient, d.Subject, d.Body = a.NewID(), notification.ChannelWebhook, wh.URL, kind.WebhookType(), string(body)
		ds = append(ds, d)
	}
	batch.Deliveries = ds
	if len(ds) == 0 && batch.BookingID == "" {
		return nil
	}
	n, err := a.Store.Insert(ctx, batch)
	if err != nil {
		return err
	}
	if n > 0 && a.Waker != nil {
		a.Waker.Wake()
	}
	return nil
}
