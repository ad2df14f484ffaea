package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/notification/domain"
)

// Outcome is what one attempt did, for the sender's log.
type Outcome struct {
	Delivery domain.Delivery
	Status   string // sent | pending (retry later) | dead
	Err      error  // the failure, if any
	Stale    bool   // the claim was lost (lease ran out): the outcome was not recorded
}

// SendDue claims the due deliveries (one batch), sends them in parallel and
// records each outcome. It returns the outcomes; an error only when the
// claim itself failed.
func (a *App) SendDue(ctx context.Context) ([]Outcome, error) {
	o := a.opts()
	ds, err := a.Store.Claim(ctx, o.Lease, o.Batch)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	out := make([]Outcome, len(ds))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = a.attempt(ctx, d, o)
		}()
	}
	wg.Wait()
	return out, nil
}

// attempt sends one claimed delivery and records the outcome.
func (a *App) attempt(ctx context.Context, d domain.Delivery, o Options) Outcome {
	if ctx.Err() != nil {
		// Stopping before this send began: give the row back, due now.
		_, _ = a.finish(ctx, d, notification.StatusPending, a.Clock.Now(), d.LastError)
		return Outcome{Delivery: d, Status: notification.StatusPending, Stale: true}
	}
	if d.NotAfter != nil && a.Clock.Now().After(*d.NotAfter) {
		// A reminder that could not go out before the booking started is moot.
		res := Outcome{Delivery: d, Status: notification.StatusDead, Err: Permanent(errors.New("too late: the booking has started"))}
		if ok, err := a.finish(ctx, d, res.Status, a.Clock.Now(), res.Err.Error()); err != nil || !ok {
			res.Stale = true
		}
		return res
	}
	// A send that began finishes (bounded by SendTimeout) even when the
	// service is stopping: cutting it off could leave a message accepted
	// by the server but not marked sent.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.SendTimeout)
	err := a.send(sctx, d)
	cancel()
	res := Outcome{Delivery: d, Err: err}
	next, lastErr := a.Clock.Now(), ""
	switch {
	case err == nil:
		res.Status = notification.StatusSent
	case IsPermanent(err) || d.Attempts >= o.MaxAttempts:
		res.Status, lastErr = notification.StatusDead, truncate(err.Error(), 1000)
	default:
		res.Status, lastErr = notification.StatusPending, truncate(err.Error(), 1000)
		next = next.Add(domain.Backoff(d.Attempts, o.BackoffMin, o.BackoffMax))
	}
	ok, ferr := a.finish(ctx, d, res.Status, next, lastErr)
	switch {
	case ferr != nil:
		res.Err, res.Stale = errors.Join(err, fmt.Errorf("record outcome: %w", ferr)), true
	case !ok:
		res.Stale = true
	}
	return res
}

// finish records an outcome with its own deadline, even if ctx is ending:
// a message that went out must be marked sent, or it would go out again.
func (a *App) finish(ctx context.Context, d domain.Delivery, status string, next time.Time, lastErr string) (bool, error) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return a.Store.Finish(fctx, d.ID, d.Attempts, status, next, lastErr)
}

func (a *App) send(ctx context.Context, d domain.Delivery) error {
	switch d.Channel {
	case notification.ChannelEmail:
		return a.Mailer.Send(ctx, Email{
			MessageID: MessageID(d.EventID),
			To:        d.Recipient,
			Subject:   d.Subject,
			Body:      d.Body,
			Date:      d.CreatedAt,
		})
	case notification.ChannelReminder:
		return a.Mailer.Send(ctx, Email{
			MessageID: ReminderMessageID(d.EventID),
			To:        d.Recipient,
			Subject:   d.Subject,
			Body:      d.Body,
			Date:      a.Clock.Now(),
		})
	case notification.ChannelWebhook:
		wh, err := a.Store.Webhook(ctx, d.VendorID)
		if apperr.Is(err, apperr.NotFound) {
			return Permanent(errors.New("the vendor's webhook was removed"))
		}
		if err != nil {
			return err
		}
		return a.Poster.Post(ctx, wh.URL, wh.Secret, d.EventID, []byte(d.Body))
	}
	return Permanent(fmt.Errorf("unknown channel %q", d.Channel))
}

// MessageID is the email Message-ID (without angle brackets) of an event's
// email: the same for every attempt, so a receiver can drop duplicates.
func MessageID(eventID string) string { return eventID + "@notification.slotmesh" }

// ReminderMessageID is the Message-ID of an event's reminder email.
func ReminderMessageID(eventID string) string { return eventID + ".reminder@notification.slotmesh" }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
