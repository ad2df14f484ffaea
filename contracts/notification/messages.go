package notification

import (
	"time"

	"github.com/slotmesh/slotmesh/contracts/booking"
)

// Delivery channels.
const (
	ChannelEmail    = "email"
	ChannelWebhook  = "webhook"
	ChannelReminder = "reminder" // an email some hours before the start
)

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSent      = "sent"
	StatusDead      = "dead"
	StatusCancelled = "cancelled" // a reminder the booking's later change or end made moot
)

// SetWebhookRequest sets (or replaces) a vendor's webhook URL. The caller
// (actor) must manage the vendor. Every set generates a new secret.
type SetWebhookRequest struct {
	VendorID string `json:"vendor_id"`
	URL      string `json:"url"` // absolute http(s) URL
}

// WebhookRequest names a vendor's webhook (get, delete).
type WebhookRequest struct {
	VendorID string `json:"vendor_id"`
}

// Webhook is a vendor's webhook configuration. Secret signs every request
// (see Sign); only the vendor's managers ever see it.
type Webhook struct {
	VendorID  string    `json:"vendor_id"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	CreatedAt time.Time `json:"created_at"`
}

// Deleted answers a delete.
type Deleted struct {
	Deleted bool `json:"deleted"`
}

// DeadLettersRequest pages through dead deliveries, oldest first.
type DeadLettersRequest struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"` // default 50, max 500
}

// Delivery is one message to one channel for one event.
type Delivery struct {
	ID            string     `json:"id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	Channel       string     `json:"channel"`   // email | webhook | reminder
	Recipient     string     `json:"recipient"` // email address or webhook URL
	Subject       string     `json:"subject"`
	Status        string     `json:"status"` // pending | sent | dead | cancelled
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// DeliveryPage is one page of deliveries.
type DeliveryPage struct {
	Items      []Delivery `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// ReplayRequest puts dead deliveries back to pending with their attempts
// reset: the ones named by id, or every dead one with All.
type ReplayRequest struct {
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
}

// ReplayResponse says how many deliveries went back to pending.
type ReplayResponse struct {
	Replayed int `json:"replayed"`
}

// Webhook event types (the "type" of a WebhookEvent).
const (
	TypeBookingConfirmed = "booking.confirmed"
	TypeBookingUpdated   = "booking.updated"
	TypeBookingCancelled = "booking.cancelled"
	TypeBookingAvailed   = "booking.availed"
)

// WebhookEvent is the JSON body POSTed to a vendor's webhook URL.
type WebhookEvent struct {
	EventID    string          `json:"event_id"` // also the Slotmesh-Event-Id header: dedupe by it
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	Booking    booking.Booking `json:"booking"`
}

// Headers of a webhook request.
const (
	HeaderEventID   = "Slotmesh-Event-Id"
	HeaderSignature = "Slotmesh-Signature"
)
