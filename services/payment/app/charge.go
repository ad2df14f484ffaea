package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// Charge takes a deposit once per key. The first request for a key records a
// pending payment, calls the provider and records its answer: succeeded, or
// failed with the decline code (a decline is an answer, not an error). The
// same key again answers the stored outcome; with different values it is
// apperr.IdempotencyKey. A key voided before any charge answers voided and
// nothing is charged. If the provider does not answer, the payment stays
// pending and the call fails with apperr.Timeout or apperr.Unavailable; the
// reconciler settles it later.
func (a *App) Charge(ctx context.Context, c domain.Charge) (domain.Payment, error) {
	if err := c.Validate(); err != nil {
		return domain.Payment{}, err
	}
	c.BookingID = strings.ToLower(c.BookingID) // as Postgres spells a uuid
	now := a.Clock.Now()
	p, created, err := a.Repo.Create(ctx, domain.NewPayment(a.NewID(), c, now, now.Add(a.opts().Lease)))
	if err != nil {
		return domain.Payment{}, err
	}
	if created {
		return a.driveCharge(ctx, p)
	}
	if err := p.Matches(c); err != nil {
		return domain.Payment{}, err
	}
	if p.Status != domain.Pending {
		return p, nil
	}
	return a.await(ctx, p)
}

// await waits for another driver's answer to a pending charge, polling the
// row until the request's deadline (less a reserve to answer); it answers
// the payment as it then stands, pending if still so. A charge whose lease
// ran out (its driver gave up or died) is taken over and driven here.
func (a *App) await(ctx context.Context, p domain.Payment) (domain.Payment, error) {
	o := a.opts()
	deadline := replyDeadline(ctx, o)
	for p.Status == domain.Pending {
		if !a.Clock.Now().Before(p.LeaseUntil) {
			claimed, err := a.claimCharge(ctx, p.Key)
			if err == nil {
				return a.driveCharge(ctx, claimed)
			}
			if !errors.Is(err, errNotDue) {
				return domain.Payment{}, err
			}
		}
		if time.Now().Add(o.Poll).After(deadline) {
			return p, nil // still pending: its events will tell
		}
		if !clock.Sleep(ctx, o.Poll) {
			return p, nil
		}
		var err error
		if p, err = a.Repo.Get(ctx, p.Key); err != nil {
			return domain.Payment{}, err
		}
	}
	return p, nil
}

// claimCharge takes over a pending charge whose lease ran out: one more
// attempt, a fresh lease. errNotDue if it is not pending, still leased, or
// out of attempts (the reconciler gives those up).
func (a *App) claimCharge(ctx context.Context, key string) (domain.Payment, error) {
	o := a.opts()
	return a.update(ctx, key, func(p *domain.Payment) ([]contracts.Event, error) {
		now := a.Clock.Now()
		if p.Status != domain.Pending || now.Before(p.LeaseUntil) || p.Attempts >= o.MaxAttempts {
			return nil, errNotDue
		}
		p.Attempts++
		p.LeaseUntil = now.Add(o.Lease)
		return nil, nil
	})
}

// driveCharge asks the provider about a pending charge this caller owns
// (with the key as the provider's idempotency key) and records the answer.
// A succeeded charge whose key was voided meanwhile is refunded at once.
func (a *App) driveCharge(ctx context.Context, p domain.Payment) (domain.Payment, error) {
	pctx, cancel := a.providerContext(ctx)
	ref, decline, perr := a.Provider.Charge(pctx, p.Key, p.Amount, p.Currency, p.Method)
	cancel()
	if perr != nil && decline == "" {
		return domain.Payment{}, providerError(perr, pctx, "payment", p.Key)
	}
	if ref == "" && decline == "" {
		return domain.Payment{}, apperr.E(apperr.Unavailable, "payment provider gave neither a charge nor a decline").With("key", p.Key)
	}
	settled, err := a.update(ctx, p.Key, func(p *domain.Payment) ([]contracts.Event, error) {
		if !p.Settle(ref, decline, a.Clock.Now()) {
			return nil, nil // someone else recorded it (the provider answers a key alike)
		}
		if p.OwesVoidRefund() {
			p.LeaseUntil = a.Clock.Now().Add(a.opts().Lease) // we give it back now
		}
		return settledEvent(ctx, *p)
	})
	if err != nil {
		return domain.Payment{}, err
	}
	if settled.OwesVoidRefund() {
		return a.compensate(ctx, settled.Key)
	}
	return settled, nil
}

// providerError is the reply for a provider that did not answer about the
// payment or refund (what) with key.
func providerError(err error, pctx context.Context, what, key string) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(pctx.Err(), context.DeadlineExceeded) {
		return apperr.E(apperr.Timeout, "the payment provider did not answer in time; the %s stays pending and will be settled", what).
			With("key", key).With("status", domain.Pending)
	}
	return apperr.E(apperr.Unavailable, "the payment provider is unavailable; the %s stays pending and will be settled", what).
		With("key", key).With("status", domain.Pending)
}
