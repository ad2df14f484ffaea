// Package app holds the payment service's use cases (charge, refund, void,
// ledger, reconcile), one file each, and the interfaces they need from the
// outside world: the ledger (Repository, adapters/postgres) and the payment
// provider (Provider, adapters/sim and adapters/stripe).
//
// Every provider call happens outside any database transaction, between two
// short ones: the first records the intent (a pending charge, or a pending
// refund that reserves its amount under the payment's row lock), the second
// records the provider's answer with its event. A provider that does not
// answer leaves the row pending; whoever drives it next (a caller retrying the
// key once the driver's lease has run out, or the reconciler) calls the
// provider again with the same idempotency key, which providers answer with
// the first outcome, so money moves at most once per key.
//
// Refunds use the same discipline rather than "call the provider, then
// record": the reservation is what stops two concurrent refunds from giving
// back more than was taken, and a refund the provider made is never missing
// from the ledger, because its pending row existed before the call.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// Change is what a use case does to a locked payment (and its refunds): it
// modifies it and returns the events to write with it. Returning an error
// writes nothing.
type Change func(p *domain.Payment) ([]contracts.Event, error)

// Repository is paymentdb. Every change is saved with its events in one
// transaction (the outbox).
type Repository interface {
	// Create inserts p with events unless a payment already has its key; then
	// it writes nothing and returns the stored payment and false.
	Create(ctx context.Context, p domain.Payment, events ...contracts.Event) (domain.Payment, bool, error)
	// Get reads the payment with key and its refunds; apperr.NotFound if none.
	Get(ctx context.Context, key string) (domain.Payment, error)
	// ChargeKeyOfRefund is the key of the payment the refund with refundKey
	// belongs to; apperr.NotFound if no refund has that key.
	ChargeKeyOfRefund(ctx context.Context, refundKey string) (string, error)
	// Update locks the payment with key and its refunds, applies change, and
	// saves what it changed (the payment row, new and changed refunds) with
	// its events. apperr.NotFound if no payment has the key.
	Update(ctx context.Context, key string, change Change) (domain.Payment, error)
	// Due lists, oldest first, keys of payments with work whose lease ran out
	// before now: a pending charge, a pending refund, or a void that still
	// owes its refund.
	Due(ctx context.Context, now time.Time, limit int) ([]string, error)
	// Ledger is every payment of a booking with its refunds, oldest first.
	Ledger(ctx context.Context, bookingID string) ([]domain.Payment, error)
}

// Provider takes and gives back money. Both calls are idempotent by key: the
// same key answers the first outcome and moves money once. A decline is an
// answer, not an error: declineCode is set and err is nil. err is for "no
// answer" (timeout, network, provider down): the outcome is unknown and the
// call may be repeated with the same key.
type Provider interface {
	Charge(ctx context.Context, key string, amount int64, currency, method string) (ref, declineCode string, err error)
	// Refund gives back amount of the charge chargeRef. A definite refusal
	// (nothing will be given back under this key) wraps ErrRefused.
	Refund(ctx context.Context, key, chargeRef string, amount int64) (ref string, err error)
}

// ErrRefused marks a refund the provider definitely refused.
var ErrRefused = errors.New("refund refused by the payment provider")

// Notifier is told after a commit that added events (wakes the outbox relay).
type Notifier interface{ Notify() }

// Options tune the pending/settle discipline; zero values take the defaults.
type Options struct {
	// Lease is how long the driver of a pending row owns it: the caller that
	// created it, a caller that took it over, or the reconciler. Only after it
	// runs out may someone else call the provider for it. At least the
	// provider timeout, so nobody races a call still within its deadline.
	// Default 10 s.
	Lease time.Duration
	// ProviderTimeout bounds one provider call that no request waits for
	// (the reconciler's). Default 5 s.
	ProviderTimeout time.Duration
	// MaxAttempts is how many provider calls a charge gets before it is given
	// up as failed with decline code provider_timeout. Default 5.
	MaxAttempts int
	// Poll is how often a caller waiting for another's charge re-reads it.
	// Default 20 ms.
	Poll time.Duration
	// Batch is how many due payments one reconcile pass takes. Default 100.
	Batch int
	// Parallel is how many due payments one pass drives at once. Default 8.
	Parallel int
}

func (o Options) withDefaults() Options {
	if o.Lease <= 0 {
		o.Lease = 10 * time.Second
	}
	if o.ProviderTimeout <= 0 {
		o.ProviderTimeout = 5 * time.Second
	}
	if o.Lease < o.ProviderTimeout {
		o.Lease = o.ProviderTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Poll <= 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	return o
}

// App is the payment service's application layer.
type App struct {
	Repo     Repository
	Provider Provider
	Relay    Notifier
	Options  Options
	Clock    clock.Clock
	NewID    func() string
}

func (a *App) opts() Options { return a.Options.withDefaults() }

// update is Repo.Update that wakes the relay when change wrote events.
func (a *App) update(ctx context.Context, key string, change Change) (domain.Payment, error) {
	wrote := false
	p, err := a.Repo.Update(ctx, key, func(p *domain.Payment) ([]contracts.Event, error) {
		evs, err := change(p)
		wrote = err == nil && len(evs) > 0
		return evs, err
	})
	if err == nil && wrote {
		a.Relay.Notify()
	}
	return p, err
}

// errNotDue rolls back a claim that found nothing to do.
var errNotDue = errors.New("not due")

// providerContext bounds a provider call made for a request: by the
// provider timeout, and by the request's deadline less a reserve to record
// the answer (or to say there was none) before the caller gives up.
func (a *App) providerContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := a.opts().ProviderTimeout
	if dl, ok := ctx.Deadline(); ok {
		rem := time.Until(dl)
		reserve := min(rem/5, 500*time.Millisecond)
		d = min(d, rem-reserve)
	}
	return context.WithTimeout(ctx, d)
}
