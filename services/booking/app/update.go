package app

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Update moves a CONFIRMED booking to a new time and/or party size (its
// user), in three steps that keep money exact under any interleaving:
//
//  1. claim: a change is opened under the booking's lock (a second change
//     of the booking meanwhile is 409 conflict; the same Idempotency-Key
//     is answered as its change ended), priced by the booking's own terms;
//  2. a larger deposit's difference is charged under the change's own key,
//     outside any transaction (declined: 402, nothing changed; no answer:
//     503, nothing changed, and a void of that key is owed);
//  3. apply: new units are taken and the old ones freed in one transaction
//     with the change marked applied, or — too few units — the booking is
//     left as it was, the change aborted and the top-up's void owed (409).
//
// A smaller deposit's difference is a refund owed by the applied change.
func (a *App) Update(ctx context.Context, cmd UpdateCommand) (domain.Booking, error) {
	r := cmd.Request
	if err := cmd.checkKey(false); err != nil {
		return domain.Booking{}, err
	}
	cur, err := a.Bookings.Get(ctx, r.ID)
	if err != nil {
		return domain.Booking{}, err
	}
	if actor, err := cmd.authenticated(); err != nil {
		return domain.Booking{}, err
	} else if actor != cur.UserID {
		return domain.Booking{}, apperr.E(apperr.Forbidden, "not your booking")
	}
	h, err := hash(r)
	if err != nil {
		return domain.Booking{}, err
	}
	v, err := a.vendor(ctx, cur.VendorID)
	if err != nil {
		return domain.Booking{}, err
	}
	now := a.Clock.Now()
	var plan domain.Reschedule
	b, c, prior, err := a.Changes.Claim(ctx, a.newChange(cmd.Caller, cur.ID, domain.OpUpdate, h, now), func(b *domain.Booking, c *domain.Change) (*Writes, error) {
		var err error
		if plan, err = a.planUpdate(*b, v, r.Start, r.End, r.PartySize, now); err != nil {
			return nil, err
		}
		if !plan.Changes(*b) {
			c.Apply(b.Version) // nothing to do: answered as it is (and so again for its key)
			return nil, nil
		}
		c.FromVersion = b.Version
		if plan.TopUp > 0 {
			c.ChargeKey, c.ChargeAmount = domain.TopUpKey(b.ID, c.ID), plan.TopUp
		}
		return nil, nil
	})
	switch {
	case err != nil:
		return domain.Booking{}, err
	case prior != nil:
		if err := prior.Replay(domain.OpUpdate, cmd.Actor, h); err != nil {
			return domain.Booking{}, err
		}
		return b, nil
	case c.State == domain.ChangeApplied:
		return b, nil
	}
	revert := []domain.Due(nil)
	if c.ChargeKey != "" {
		revert = []domain.Due{a.newDue(b.ID, domain.DueVoid, c.ChargeKey, 0, "booking change not made", false, now)}
		if err := a.topUp(ctx, b, c, revert); err != nil {
			return domain.Booking{}, err
		}
	}
	var owed []domain.Due
	if plan.Refund > 0 {
		owed = []domain.Due{a.newDue(b.ID, domain.DueRefund, domain.ChangeRefundKey(b.ID, c.ID), plan.Refund, "smaller party", false, now)}
	}
	moved, err := a.Changes.ApplyMove(ctx, Move{
		Change: c, Plan: plan, Now: a.Clock.Now(), Owed: owed, Revert: revert, Retries: a.Cfg.Retries,
		Events: func(b domain.Booking) ([]contracts.Event, error) {
			return event(ctx, b, b.Status, booking.EventUpdated)
		},
	})
	if err != nil {
		// Aborted for sure (too few units, the booking changed under it,
		// or abandoned by the sweeper): its revert is owed, pay it now. On
		// any other error the change may still apply (an ambiguous
		// commit); it stays the sweeper's.
		code := apperr.CodeOf(err)
		if code == apperr.SlotUnavailable || code == apperr.Conflict || code == apperr.Unavailable {
			a.payNow(ctx, b, revert)
		}
		if code == apperr.SlotUnavailable {
			return domain.Booking{}, a.nearby(ctx, v, plan.During, plan.PartySize, b.Quantity)
		}
		return domain.Booking{}, err
	}
	a.saved(ctx, moved)
	return a.payNow(ctx, moved, owed), nil
}

// planUpdate resolves the requested range on the vendor's calendar and
// asks the domain what the change costs.
func (a *App) planUpdate(b domain.Booking, v domain.Vendor, start, end *time.Time, party *int, now time.Time) (domain.Reschedule, error) {
	p := b.PartySize
	if party != nil {
		p = *party
	}
	s, e := b.During.Start, end
	if start != nil {
		s = *start
	} else if e == nil {
		e = &b.During.End
	}
	during := b.During
	if start != nil || end != nil {
		var err error
		if during, err = v.Resolve(s, e, now); err != nil {
			return domain.Reschedule{}, err
		}
		if err := domain.CheckHorizon(during.Start, now, v.HorizonDays); err != nil {
			return domain.Reschedule{}, err
		}
	}
	return b.PlanReschedule(during, p)
}

// topUp charges a change's top-up. Declined: the change is aborted (402).
// No answer: the change is aborted with the void of its key owed (503); a
// charge that lands later is given back.
func (a *App) topUp(ctx context.Context, b domain.Booking, c domain.Change, revert []domain.Due) error {
	pctx, cancel := context.WithTimeout(ctx, a.Cfg.PaymentTimeout)
	status, decline, err := a.Payments.Charge(pctx, c.ChargeKey, b.ID, b.UserID, c.ChargeAmount, b.DepositCurrency, b.PaymentMethod)
	cancel()
	if err == nil && status == PaySucceeded {
		return nil
	}
	var outcome error
	dues := revert
	switch {
	case err == nil && status == PayFailed:
		outcome = apperr.E(apperr.PaymentDeclined, "the extra deposit was declined; the booking is unchanged").With("decline_code", decline)
		dues = nil // declined: nothing was taken under the key
	case apperr.Is(err, apperr.IdempotencyKey) || apperr.Is(err, apperr.InvalidInput):
		return err // a bug: nothing was taken under the key; the change is abandoned by the sweeper
	default:
		outcome = apperr.E(apperr.Unavailable, "the payment provider has not answered; the booking is unchanged, try again")
	}
	c.Abort(outcome)
	if _, aerr := a.Changes.Abort(ctx, c, dues); aerr != nil {
		return aerr // the change stays open: the sweeper aborts it and owes the void
	}
	a.payNow(ctx, b, dues)
	return outcome
}
