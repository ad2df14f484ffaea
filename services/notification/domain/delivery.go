// Package domain holds the notification service's entities and pure logic:
// deliveries (one message to one channel for one event) and their retry
// schedule, webhook configurations, and the rendering of booking news into
// messages. No I/O.
package domain

import (
	"time"

	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/internal/backoff"
)

// Delivery is one message for one channel caused by one event; at most one
// exists per (EventID, Channel).
type Delivery struct {
	ID            string
	EventID       string
	EventType     string
	Channel       string // notification.ChannelEmail | ChannelWebhook | ChannelReminder
	VendorID      string // whose webhook (webhook channel)
	BookingID     string
	Version       int64      // the booking's version the event carried
	NotAfter      *time.Time // not sent after this (a reminder: the booking's start)
	Recipient     string     // email address, or the webhook URL when enqueued
	Subject       string
	Body          string // email: plain text; webhook: the JSON body, signed as is
	Status        string // notification.StatusPending | StatusSent | StatusDead | StatusCancelled
	Attempts      int    // sends started (claims)
	LastError     string
	NextAttemptAt time.Time // pending: due then; while claimed: the claim's lease
	SentAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Batch is what one booking event records, in one transaction: its
// deliveries, and what it means for the booking's reminder.
type Batch struct {
	BookingID string
	Version   int64
	// Final: the booking ended (cancelled, availed); pending reminders of
	// it are cancelled, and a reminder of an older version arriving late
	// (another topic) is never scheduled.
	Final bool
	// EventID and EventType of the event (for the final marker row).
	EventID, EventType, VendorID string
	Deliveries                   []Delivery
	// Reminder, if any, replaces the booking's pending reminders of older
	// versions, unless a newer version of the booking is already known.
	Reminder *Delivery
}

// Pending reports whether the delivery still waits to be sent.
func (d Delivery) Pending() bool { return d.Status == notification.StatusPending }

// Backoff is the wait after the attempt-th failed attempt (1-based):
// min·2^(attempt-1), capped at max, with "equal jitter" (half fixed, half
// random) so retries of many deliveries after one outage spread out.
func Backoff(attempt int, min, max time.Duration) time.Duration {
	return backoff.Exp{Min: min, Max: max, Jitter: 0.5}.Next(attempt)
}

// Webhook is a vendor's webhook configuration.
type Webhook struct {
	VendorID  string
	URL       string
	Secret    string
	CreatedAt time.Time
	UpdatedAt time.Time
}
