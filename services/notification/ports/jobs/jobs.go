// Package jobs is the notification service's timer port: its background
// jobs, each a platform.Job (docs/adr/0018-background-jobs.md).
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/notification/app"
)

// Waker wakes the sender. It implements app.Waker, so the app can be wired
// with it before the sender starts.
type Waker struct{ c chan struct{} }

// NewWaker returns a waker for Send.
func NewWaker() *Waker { return &Waker{c: make(chan struct{}, 1)} }

// Wake asks for a pass now (one pass answers any number of wakes before it).
func (w *Waker) Wake() {
	select {
	case w.c <- struct{}{}:
	default:
	}
}

// Send is the sender: claim due deliveries, send, record. It runs at start,
// at once when woken (deliveries were enqueued) or when a pass took a full
// batch (there may be more due), and otherwise every poll (plus up to a
// tenth: retries that came due, leases that ran out). A pass ends by the
// lease, after which its claimed rows are anyone's: the sends it had not
// begun give their rows back; a send that began finishes and is recorded,
// even when the sender is stopping.
func Send(a *app.App, poll, lease time.Duration, w *Waker, log *slog.Logger) platform.Job {
	return platform.Job{
		Name:       "send",
		Every:      poll,
		Jitter:     0.1,
		Timeout:    lease,
		RunAtStart: true,
		Wake:       w.c,
		Run:        func(ctx context.Context) (bool, error) { return pass(ctx, a, log) },
	}
}

// pass runs one claim-and-send round; more when there may be more due now.
// Each delivery's outcome is logged here; the error is the claim's, or the
// pass's context's when it ended before the pass did.
func pass(ctx context.Context, a *app.App, log *slog.Logger) (more bool, err error) {
	outs, err := a.SendDue(ctx)
	if err != nil {
		return false, err
	}
	for _, o := range outs {
		d := o.Delivery
		attrs := []any{platform.KeyEventID, d.EventID, "delivery_id", d.ID, "channel", d.Channel, "attempt", d.Attempts}
		switch {
		case o.Stale && o.Err != nil && ctx.Err() == nil:
			log.Warn("delivery outcome not recorded (it will be tried again after its lease)", append(attrs, platform.KeyError, o.Err)...)
		case o.Status == notification.StatusSent:
			log.Debug("delivered", attrs...)
		case o.Status == notification.StatusDead:
			log.Error("delivery given up (dead letter)", append(attrs, platform.KeyError, o.Err)...)
		case o.Err != nil && ctx.Err() == nil:
			log.Warn("delivery failed; will retry", append(attrs, platform.KeyError, o.Err)...)
		}
	}
	if err := ctx.Err(); err != nil {
		return false, err // past the lease (or stopping): the rows not begun were given back
	}
	return len(outs) >= batch(a), nil
}

// batch is the rows one claim takes (app.Options.Batch, default 32).
func batch(a *app.App) int {
	if a.Options.Batch > 0 {
		return a.Options.Batch
	}
	return 32
}
