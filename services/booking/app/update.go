package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Update moves a CONFIRMED booking to a new time and/or party size (its
// user): new units are taken and the old ones freed in one transaction, or
// nothing changes (409). A higher deposit is charged first (402 if declined,
// nothing changed); a lower one is refunded after.
func (a *App) Update(ctx context.Context, r booking.UpdateRequest) (domain.Booking, error) {
	cur, err := a.Repo.Get(ctx, r.ID)
	if err != nil {
		return domain.Booking{}, err
	}
	if actor := natsrpc.Actor(ctx); actor == "" {
		return domain.Booking{}, apperr.E(apperr.Unauthenticated, "authentication required")
	} else if actor != cur.UserID {
		return domain.Booking{}, apperr.E(apperr.Forbidden, "not your booking")
	}
	if cur.Status != domain.Confirmed {
		return domain.Booking{}, apperr.E(apperr.InvalidState, "only a CONFIRMED booking can be changed").With("status", cur.Status)
	}
	if r.Start == nil && r.End == nil && r.PartySize == nil {
		return cur, nil
	}
	v, err := a.vendor(ctx, cur.VendorID)
	if err != nil {
		return domain.Booking{}, err
	}
	party := cur.PartySize
	if r.PartySize != nil {
		if party = *r.PartySize; party < 1 || party > MaxPartySize {
			return domain.Booking{}, apperr.Field("party_size", "must be between 1 and %d", MaxPartySize)
		}
	}
	start, end := cur.During.Start, r.End
	if r.Start != nil {
		start = *r.Start
	} else if end == nil {
		end = &cur.During.End
	}
	during, err := v.Resolve(start, end, a.now())
	if err != nil {
		return domain.Booking{}, err
	}
	deposit := v.Deposit(party, cur.Quantity)
	diff := deposit - cur.DepositAmount
	step := fmt.Sprintf("booking:%s:update:%d", cur.ID, cur.Version)
	if diff > 0 {
		status, decline, err := a.Payments.Charge(ctx, step, cur.ID, cur.UserID, diff, cur.DepositCurrency, cur.PaymentMethod)
		if err != nil || (status != PaySucceeded && status != PayFailed) {
			// No answer, or not yet: the change is not made, so the extra
			// charge must never stand (a void refunds it if it lands).
			_, _ = a.Payments.Void(ctx, step, cur.ID, "booking change not made")
			if err == nil {
				err = apperr.E(apperr.Unavailable, "the payment provider has not answered; the booking is unchanged, try again")
			}
			return domain.Booking{}, err
		}
		if status != PaySucceeded {
			return domain.Booking{}, apperr.E(apperr.PaymentDeclined, "the extra deposit was declined; the booking is unchanged").
				With("decline_code", decline)
		}
	}
	var b domain.Booking
	for attempt := 0; ; attempt++ {
		b, err = a.Repo.Move(ctx, cur.ID, func(b *domain.Booking) ([]contracts.Event, error) {
			if b.Version != cur.Version || b.Status != domain.Confirmed {
				return nil, apperr.E(apperr.Conflict, "the booking changed meanwhile; read it again")
			}
			b.During, b.PartySize, b.DepositAmount = during, party, deposit
			b.Version++
			b.UpdatedAt = a.now()
			if diff < 0 { // owed back, recorded with the change (the sweeper retries it)
				b.Owed = &domain.OwedRefund{Key: step + ":refund", BookingID: b.ID, Amount: -diff, Reason: "smaller party"}
			}
			return event(ctx, *b, b.Status, booking.EventUpdated)
		}, func(domain.Booking) error { return a.nearby(ctx, v, during, party, cur.Quantity) })
		if !errors.Is(err, ErrOverlap) || attempt >= a.Cfg.Retries {
			break
		}
	}
	if errors.Is(err, ErrOverlap) {
		err = a.nearby(ctx, v, during, party, cur.Quantity)
	}
	if err != nil {
		if diff > 0 { // put the extra deposit back
			_, _ = a.Payments.Refund(ctx, step+":revert", step, diff, "booking change failed")
		}
		return domain.Booking{}, err
	}
	a.saved(ctx, b)
	if b.Owed != nil {
		a.payOwed(ctx, b, *b.Owed)
	}
	return b, nil
}
