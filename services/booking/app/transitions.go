package app

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Get reads a booking: its user or a manager of its vendor.
func (a *App) Get(ctx context.Context, actor, id string) (domain.Booking, error) {
	b, err := a.Bookings.Get(ctx, id)
	if err != nil {
		return domain.Booking{}, err
	}
	if _, err := a.allow(ctx, actor, b, true); err != nil {
		return domain.Booking{}, err
	}
	return b, nil
}

// allow checks the actor is the booking's user (if userOK) or a manager of
// its vendor; byVendor says it acts as the vendor's side.
func (a *App) allow(ctx context.Context, actor string, b domain.Booking, userOK bool) (byVendor bool, err error) {
	if actor == "" {
		return false, apperr.E(apperr.Unauthenticated, "authentication required")
	}
	if userOK && actor == b.UserID {
		return false, nil
	}
	ok, err := a.isManager(ctx, b.VendorID, actor)
	if err != nil {
		return false, err
	}
	if !ok {
		if !userOK {
			return false, apperr.E(apperr.Forbidden, "only the vendor's managers may do this")
		}
		return false, apperr.E(apperr.Forbidden, "not your booking")
	}
	return true, nil
}

// Cancel cancels a CONFIRMED booking (its user or a manager): the deposit
// is refunded before the booking's free-cancellation window closes and kept
// after; a cancellation by the vendor's side always refunds it.
func (a *App) Cancel(ctx context.Context, cmd EndCommand) (domain.Booking, error) {
	return a.end(ctx, cmd, domain.OpCancel, true, func(b domain.Booking, byVendor bool) (domain.Ending, error) {
		return b.PlanCancel(byVendor, a.Clock.Now())
	})
}

// Avail marks a booking AVAILED (managers; the bill is settled): the
// deposit is refunded.
func (a *App) Avail(ctx context.Context, cmd EndCommand) (domain.Booking, error) {
	return a.end(ctx, cmd, domain.OpAvail, false, func(b domain.Booking, _ bool) (domain.Ending, error) {
		return b.PlanAvail()
	})
}

// NoShow marks a booking NO_SHOW (managers, after start + grace): the
// deposit is kept.
func (a *App) NoShow(ctx context.Context, cmd EndCommand) (domain.Booking, error) {
	return a.end(ctx, cmd, domain.OpNoShow, false, func(b domain.Booking, _ bool) (domain.Ending, error) {
		return b.PlanNoShow(a.Clock.Now())
	})
}

// end claims and ends a booking in one transaction (a change applied at
// once): the domain plans the ending, the refund it owes is a due written
// with it, paid right after the commit (and by the sweeper until it goes
// through). A change of the booking in flight is 409 conflict; the same
// Idempotency-Key again answers the booking as it is.
func (a *App) end(ctx context.Context, cmd EndCommand, op string, userOK bool, plan func(domain.Booking, bool) (domain.Ending, error)) (domain.Booking, error) {
	if err := cmd.checkKey(false); err != nil {
		return domain.Booking{}, err
	}
	cur, err := a.Bookings.Get(ctx, cmd.ID)
	if err != nil {
		return domain.Booking{}, err
	}
	byVendor, err := a.allow(ctx, cmd.Actor, cur, userOK)
	if err != nil {
		return domain.Booking{}, err
	}
	h, err := hash(cmd.ID)
	if err != nil {
		return domain.Booking{}, err
	}
	now := a.Clock.Now()
	var owed []domain.Due
	b, _, prior, err := a.Changes.Claim(ctx, a.newChange(cmd.Caller, cur.ID, op, h, now), func(b *domain.Booking, c *domain.Change) (*Writes, error) {
		owed = nil
		e, err := plan(*b, byVendor)
		if err != nil {
			return nil, err
		}
		from := b.Status
		if err := b.End(e, now); err != nil {
			return nil, err
		}
		c.Apply(b.Version)
		w, err := eventWrites(ctx, *b, from)
		if err != nil {
			return nil, err
		}
		if b.DepositStatus == domain.DepositRefundPending {
			owed = []domain.Due{a.newDue(b.ID, domain.DueRefund, b.RefundKey(), b.RefundAmount, b.RefundReason, true, now)}
			w.Dues = owed
		}
		return w, nil
	})
	if err != nil {
		return domain.Booking{}, err
	}
	if prior != nil {
		if err := prior.Replay(op, cmd.Actor, h); err != nil {
			return domain.Booking{}, err
		}
		return b, nil
	}
	a.saved(ctx, b)
	return a.payNow(ctx, b, owed), nil
}

// newChange is a change about to be claimed.
func (a *App) newChange(c Caller, bookingID, op string, h []byte, now time.Time) domain.Change {
	return domain.Change{ID: a.NewID(), BookingID: bookingID, Op: op, Actor: c.Actor, Key: c.Key, Hash: h,
		State: domain.ChangeOpen, ExpiresAt: now.Add(a.changeTTL()), CreatedAt: now}
}

func (a *App) changeTTL() time.Duration {
	if a.Cfg.ChangeTTL > 0 {
		return a.Cfg.ChangeTTL
	}
	return time.Minute
}
