package app

import (
	"context"
	"strings"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// Void makes sure no money is kept under a key (a hold expired, a booking
// failed after its charge):
//   - no payment yet: a voided row spends the key, so a later charge with it
//     answers voided and never reaches the provider;
//   - pending: the void is recorded; the charge is refunded in full as soon
//     as it lands (or given up on: nothing taken);
//   - succeeded: it is refunded in full at once (refund key "<key>:void")
//     and answered refunded;
//   - failed, voided, refunded: nothing is kept; answered as is.
//
// The first void of a key writes EventVoided with the payment as it then
// stands. A key of another booking is apperr.IdempotencyKey.
func (a *App) Void(ctx context.Context, v domain.VoidRequest) (domain.Payment, error) {
	if err := v.Validate(); err != nil {
		return domain.Payment{}, err
	}
	v.BookingID = strings.ToLower(v.BookingID)
	for range 3 {
		p, err := a.update(ctx, v.Key, func(p *domain.Payment) ([]contracts.Event, error) {
			if err := p.MatchesBooking(v.BookingID); err != nil {
				return nil, err
			}
			now := a.Clock.Now()
			if !p.RequestVoid(v.Reason, now) {
				return nil, nil
			}
			if p.OwesVoidRefund() {
				p.LeaseUntil = now.Add(a.opts().Lease) // we give it back now
			}
			e, err := paymentEvent(ctx, payment.EventVoided, *p)
			return []contracts.Event{e}, err
		})
		if apperr.Is(err, apperr.NotFound) {
			np := domain.NewVoided(a.NewID(), v, a.Clock.Now())
			e, err := paymentEvent(ctx, payment.EventVoided, np)
			if err != nil {
				return domain.Payment{}, err
			}
			stored, created, err := a.Repo.Create(ctx, np, e)
			if err != nil {
				return domain.Payment{}, err
			}
			if created {
				a.Relay.Notify()
				return stored, nil
			}
			continue // a charge took the key meanwhile: void that
		}
		if err != nil {
			return domain.Payment{}, err
		}
		if p.OwesVoidRefund() {
			return a.compensate(ctx, p.Key)
		}
		return p, nil
	}
	return domain.Payment{}, apperr.E(apperr.Unavailable, "the key changed under the void too often; retry")
}

// compensate gives back everything a voided key still holds.
func (a *App) compensate(ctx context.Context, key string) (domain.Payment, error) {
	var r domain.Refund
	started := false
	p, err := a.update(ctx, key, func(p *domain.Payment) ([]contracts.Event, error) {
		now := a.Clock.Now()
		r, started = p.StartVoidRefund(a.NewID(), now, now.Add(a.opts().Lease))
		return nil, nil
	})
	if err != nil || !started {
		return p, err // or a void refund is already under way
	}
	p, _, err = a.driveRefund(ctx, p, r)
	return p, err
}
