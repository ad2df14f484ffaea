// Package app holds the notification service's use cases and the interfaces
// they need: the delivery log and webhook table (Store, adapters/postgres),
// the user and vendor services (Users, Vendors: contracts clients), email
// (Mailer: adapters/smtp, adapters/logmail) and webhooks (Poster:
// adapters/webhook).
//
// The Kafka handler (Enqueue) only writes deliveries — one row per (event,
// channel), a repeat insert does nothing — so an offset commit never waits
// for a mail server. The sender (SendDue) claims due rows under a lease,
// sends them and marks them sent, or schedules the next attempt with
// back-off, or gives up (dead) after MaxAttempts or a permanent refusal.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/slotmesh/slotmesh/contracts/user"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

// Store is the notification schema: deliveries and webhooks.
type Store interface {
	// Insert records a booking event's batch in one transaction: the
	// deliveries that do not exist yet (by event id and channel), and the
	// reminder rules of domain.Batch. It reports how many rows it wrote.
	Insert(ctx context.Context, b domain.Batch) (int, error)
	// Known reports whether any delivery of the event exists.
	Known(ctx context.Context, eventID string) (bool, error)
	// Claim takes up to limit pending deliveries that are due, skipping rows
	// another replica is claiming, counts an attempt on each and leases them
	// for lease (they are due again only then, should the claimant vanish).
	Claim(ctx context.Context, lease time.Duration, limit int) ([]domain.Delivery, error)
	// Finish records the outcome of the attempt-th attempt of a claimed
	// delivery: status sent (SentAt set), pending again at next, or dead.
	// A delivery claimed since by someone else (attempts moved on) is left
	// alone; Finish then reports false.
	Finish(ctx context.Context, id string, attempt int, status string, next time.Time, lastErr string) (bool, error)
	// Dead lists dead deliveries after the cursor id, oldest first.
	Dead(ctx context.Context, afterID string, limit int) ([]domain.Delivery, error)
	// Replay puts dead deliveries (ids, or all) back to pending, due now,
	// attempts reset, and reports how many.
	Replay(ctx context.Context, ids []string, all bool) (int, error)
	// PutWebhook creates or replaces a vendor's webhook.
	PutWebhook(ctx context.Context, w domain.Webhook) (domain.Webhook, error)
	// Webhook reads a vendor's webhook; apperr.NotFound if none.
	Webhook(ctx context.Context, vendorID string) (domain.Webhook, error)
	// DeleteWebhook removes a vendor's webhook; apperr.NotFound if none.
	DeleteWebhook(ctx context.Context, vendorID string) error
}

// Users is the user service.
type Users interface {
	Contact(ctx context.Context, id string) (user.Contact, error)
}

// Vendors is the vendor service.
type Vendors interface {
	Get(ctx context.Context, id string) (vendors.Vendor, error)
	Authorize(ctx context.Context, vendorID, userID string) (vendors.AuthorizeResponse, error)
}

// Email is one message to send.
type Email struct {
	MessageID string // without angle brackets, e.g. <event id>@notification.slotmesh
	To        string
	Subject   string
	Body      string // plain text
	Date      time.Time
}

// Mailer sends email. An error wrapped with Permanent will never succeed
// (e.g. the recipient was refused); any other is retried.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// Poster POSTs a signed webhook request. nil: delivered (2xx). Permanent:
// the receiver refused it for good (4xx other than 408 and 429, or a
// redirect). Other errors are retried.
type Poster interface {
	Post(ctx context.Context, url, secret, eventID string, body []byte) error
}

// PermanentError marks a failure that retrying cannot fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as permanent.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err was marked permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// Options tune delivery; zero values take the defaults.
type Options struct {
	MaxAttempts int           // attempts before a delivery is dead; default 8
	BackoffMin  time.Duration // wait after the first failure; default 1 s
	BackoffMax  time.Duration // longest wait; default 10 min
	SendTimeout time.Duration // one SMTP or HTTP attempt; default 15 s
	Lease       time.Duration // a claim's hold on a row; at least 2·SendTimeout; default 1 min
	Batch       int           // rows one claim takes; default 32
	Parallel    int           // sends at once; default 8
	// ReminderBefore schedules a reminder email this long before a
	// confirmed booking starts; 0: no reminders.
	ReminderBefore time.Duration
}

func (o Options) withDefaults() Options {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = time.Second
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = max(10*time.Minute, o.BackoffMin)
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 15 * time.Second
	}
	if o.Lease < 2*o.SendTimeout {
		o.Lease = max(time.Minute, 2*o.SendTimeout)
	}
	if o.Batch <= 0 {
		o.Batch = 32
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	return o
}

// Waker is told that deliveries were enqueued (wakes the sender).
type Waker interface{ Wake() }

// App is the notification service's application layer.
type App struct {
	Store   Store
	Users   Users
	Vendors Vendors
	Mailer  Mailer
	Poster  Poster
	Waker   Waker // may be nil
	Options Options
	Clock   clock.Clock
	NewID   func() string
}

func (a *App) opts() Options { return a.Options.withDefaults() }
