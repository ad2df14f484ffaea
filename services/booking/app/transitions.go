package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Get reads a booking: its user or a manager of its vendor.
func (a *App) Get(ctx context.Context, id string) (domain.Booking, error) {
	b, err := a.Repo.Get(ctx, id)
	if err != nil {
		return domain.Booking{}, err
	}
	if err := a.allow(ctx, b, true); err != nil {
		return domain.Booking{}, err
	}
	return b, nil
}

// allow checks the actor is the booking's user (if userOK) or a manager.
func (a *App) allow(ctx context.Context, b domain.Booking, userOK bool) error {
	actor := natsrpc.Actor(ctx)
	if actor == "" {
		return apperr.E(apperr.Unauthenticated, "authentication required")
	}
	if userOK && actor == b.UserID {
		return nil
	}
	ok, err := a.isManager(ctx, b.VendorID, actor)
	if err != nil {
		return err
	}
	if !ok {
		if !userOK {
			return apperr.E(apperr.Forbidden, "only the vendor's managers may do this")
		}
		return apperr.E(apperr.Forbidden, "not your booking")
	}
	return nil
}

// Cancel cancels a CONFIRMED booking (its user or a manager): the deposit is
// refunded before the vendor's free-cancellation window closes, kept after.
func (a *App) Cancel(ctx context.Context, id string) (domain.Booking, error) {
	return a.finish(ctx, id, domain.Cancelled, true, func(b *domain.Booking, v domain.Vendor) error {
		if domain.CancelRefunds(b.During.Start, a.now(), v.FreeCancelHours) {
			b.RefundReason = "cancelled before the free-cancellation window closed"
			return nil
		}
		b.RefundReason = "cancelled inside the free-cancellation window: the deposit is kept"
		return errKeep
	})
}

// Avail marks a booking AVAILED (managers; the bill is settled): the deposit
// is refunded.
func (a *App) Avail(ctx context.Context, id string) (domain.Booking, error) {
	return a.finish(ctx, id, domain.Availed, false, func(b *domain.Booking, _ domain.Vendor) error {
		b.RefundReason = "bill settled"
		return nil
	})
}

// NoShow marks a booking NO_SHOW (managers, after start + grace): the
// deposit is kept.
func (a *App) NoShow(ctx context.Context, id string) (domain.Booking, error) {
	return a.finish(ctx, id, domain.NoShow, false, func(b *domain.Booking, _ domain.Vendor) error {
		if err := domain.CheckNoShow(b.During.Start, a.now()); err != nil {
			return err
		}
		b.RefundReason = "no-show: the deposit is kept"
		return errKeep
	})
}

// errKeep tells finish to keep the deposit.
var errKeep = apperr.E(apperr.Internal, "keep deposit")

// finish moves a CONFIRMED booking to a final state and refunds or keeps its
// deposit; the refund is made after the commit (and retried by the sweeper).
func (a *App) finish(ctx context.Context, id, to string, userOK bool, policy func(*domain.Booking, domain.Vendor) error) (domain.Booking, error) {
	cur, err := a.Repo.Get(ctx, id)
	if err != nil {
		return domain.Booking{}, err
	}
	if err := a.allow(ctx, cur, userOK); err != nil {
		return domain.Booking{}, err
	}
	v, err := a.vendor(ctx, cur.VendorID)
	if err != nil {
		return domain.Booking{}, err
	}
	key := natsrpc.IdempotencyKey(ctx)
	b, err := a.Repo.Change(ctx, id, func(b *domain.Booking) ([]contracts.Event, error) {
		from := b.Status
		if b.Status == to {
			if key != "" && key == b.FinalKey {
				return nil, nil // a retry of the request that did it: answer the booking as it is
			}
			return nil, apperr.E(apperr.InvalidState, "the booking is already %s", b.Status).With("status", b.Status)
		}
		if !domain.CanMove(b.Status, to) {
			return nil, apperr.E(apperr.InvalidState, "a %s booking cannot become %s", b.Status, to).With("status", b.Status)
		}
		perr := policy(b, v)
		if perr != nil && perr != errKeep {
			return nil, perr
		}
		if b.DepositStatus == domain.DepositCharged {
			if perr == errKeep {
				b.DepositStatus = domain.DepositKept
			} else {
				b.DepositStatus, b.RefundAmount = domain.DepositRefundPending, b.DepositAmount
			}
		}
		if err := b.Move(to, a.now()); err != nil {
			return nil, err
		}
		b.FinalKey = key
		return event(ctx, *b, from, "")
	})
	if err != nil {
		return domain.Booking{}, err
	}
	a.saved(ctx, b)
	if b.DepositStatus == domain.DepositRefundPending {
		b = a.refundDeposit(ctx, b)
	}
	return b, nil
}

// refundDeposit refunds a booking in refund_pending and records it; on
// failure it stays pending for the sweeper.
func (a *App) refundDeposit(ctx context.Context, b domain.Booking) domain.Booking {
	status, err := a.refund(ctx, b, "booking:"+b.ID+":refund", b.RefundAmount, b.RefundReason)
	if err != nil {
		return b // the sweeper tries again
	}
	if status != PaySucceeded {
		// Not given back (yet): the deposit stays refund_pending — owed, and
		// visible as such — and the sweeper asks again (a pending refund is
		// driven to its outcome by payment; a refused one needs an operator).
		return b
	}
	return a.depositSettled(ctx, b.ID, domain.DepositRefundPending, domain.DepositRefunded)
}

// refund gives back amount of a booking's deposit under key. The deposit
// may be several charges (a larger party's difference is charged on its
// own), so the refund is split across them by the ledger
// (domain.SplitRefund). The status is succeeded when every part went
// through, failed when the provider refused one, else pending.
func (a *App) refund(ctx context.Context, b domain.Booking, key string, amount int64, reason string) (string, error) {
	charges, err := a.Payments.Charges(ctx, b.ID)
	if err != nil {
		return "", err
	}
	parts, err := domain.SplitRefund(key, b.ChargeKey(), amount, charges)
	if err != nil {
		return "", err
	}
	status := PaySucceeded
	for _, p := range parts {
		st, err := a.Payments.Refund(ctx, p.Key, p.ChargeKey, p.Amount, reason)
		switch {
		case err != nil:
			return "", err
		case st == PayFailed:
			status = PayFailed
		case st != PaySucceeded && status == PaySucceeded:
			status = st
		}
	}
	return status, nil
}

// voidDeposit makes sure an ended hold's deposit is not kept.
func (a *App) voidDeposit(ctx context.Context, b domain.Booking, reason string) domain.Booking {
	status, err := a.Payments.Void(ctx, b.ChargeKey(), b.ID, reason)
	if err != nil {
		return b // the sweeper tries again
	}
	switch status {
	case PayRefunded:
		return a.depositSettled(ctx, b.ID, domain.DepositVoidPending, domain.DepositRefunded)
	case PayVoided, PayFailed:
		return a.depositSettled(ctx, b.ID, domain.DepositVoidPending, domain.DepositVoided)
	}
	// Still pending at the provider: payment refunds it when it lands. Ask
	// again later (touching the booking spaces the sweeper's retries).
	return a.depositSettled(ctx, b.ID, domain.DepositVoidPending, domain.DepositVoidPending)
}

// depositSettled records that a pending refund or void went through, and
// says so with the booking's current status event (From = Status).
func (a *App) depositSettled(ctx context.Context, id, from, to string) domain.Booking {
	b, err := a.Repo.Change(ctx, id, func(b *domain.Booking) ([]contracts.Event, error) {
		if b.DepositStatus != from {
			return nil, nil
		}
		if from == to {
			b.UpdatedAt = a.now()           // a touch: spaces the sweeper's next try; no new version
			return []contracts.Event{}, nil // saved, nothing to announce
		}
		b.DepositStatus = to
		if to == domain.DepositRefunded && b.RefundAmount == 0 {
			b.RefundAmount = b.DepositAmount
		}
		b.Version++
		b.UpdatedAt = a.now()
		// Every version is an event, or the read models (archive, search,
		// the lists) could never reach it: the booking's own status again,
		// From = that status — a restatement with the settled deposit, which
		// notification does not announce a second time.
		return event(ctx, *b, b.Status, "")
	})
	if err == nil {
		a.saved(ctx, b)
	}
	return b
}
