// Package sender runs the notification service's delivery loop: claim due
// deliveries, send, record; woken at once when new ones are enqueued, and
// otherwise every poll interval (retries that come due, leases that ran out).
package sender

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/contracts/notification"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/notification/app"
)

// Sender is a running delivery loop. It implements app.Waker.
type Sender struct {
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// New returns a sender that is not running yet (so the app can be wired
// with it as its Waker first).
func New() *Sender { return &Sender{wake: make(chan struct{}, 1), done: make(chan struct{})} }

// Wake asks for a pass now.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start runs the loop until Stop.
func (s *Sender) Start(a *app.App, poll time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			more := s.pass(ctx, a, log)
			if more {
				continue // a full batch: there may be more due
			}
			select {
			case <-ctx.Done():
				return
			case <-s.wake:
			case <-t.C:
			}
		}
	}()
}

// pass runs one claim-and-send round; true when there may be more due now.
func (s *Sender) pass(ctx context.Context, a *app.App, log *slog.Logger) bool {
	outs, err := a.SendDue(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Warn("claim deliveries failed", platform.KeyError, err)
		}
		return false
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
	return ctx.Err() == nil && len(outs) > 0 && len(outs) >= batchHint(a)
}

func batchHint(a *app.App) int {
	if a.Options.Batch > 0 {
		return a.Options.Batch
	}
	return 32
}

// Stop ends the loop after the sends in flight finish (their outcomes are
// recorded).
func (s *Sender) Stop() {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
			<-s.done
		}
	})
}
