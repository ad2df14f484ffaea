package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// newDue is a due written by the caller that decides it; the caller owns
// its first attempt for domain.DueLease (payNow), the sweeper the rest.
func (a *App) newDue(bookingID, kind, key string, amount int64, reason string, settles bool, now time.Time) domain.Due {
	return domain.Due{Key: key, BookingID: bookingID, Kind: kind, Amount: amount, Reason: reason, Settles: settles,
		NextAttemptAt: now.Add(domain.DueLease), CreatedAt: now}
}

// payNow makes the first attempt at dues just committed for b, so the
// caller usually sees the money back in its answer; what fails stays owed
// for the sweeper. It returns b as it then is.
func (a *App) payNow(ctx context.Context, b domain.Booking, dues []domain.Due) domain.Booking {
	for _, d := range dues {
		if settled, err := a.payDue(ctx, d); err == nil && settled != nil {
			b = *settled
		}
	}
	return b
}

// payDue asks payment for one due, within its own deadline. Paid for good,
// the due is dropped (and the booking's deposit settled when it settles
// it: the booking is returned then); otherwise the next attempt is put off
// by the back-off and the reason kept for the operator.
func (a *App) payDue(ctx context.Context, d domain.Due) (*domain.Booking, error) {
	pctx, cancel := context.WithTimeout(ctx, 2*a.Cfg.PaymentTimeout)
	status, err := a.askPayment(pctx, d)
	cancel()
	if err == nil && !final(d.Kind, status) {
		err = fmt.Errorf("payment answered %s", status)
	}
	if err != nil {
		next := a.Clock.Now().Add(domain.DueBackoff(d.Attempts+1, a.rand()))
		if nerr := a.Dues.NotYet(ctx, d.Key, next, err.Error()); nerr != nil {
			return nil, fmt.Errorf("%w (and recording it: %v)", err, nerr)
		}
		return nil, err
	}
	b, err := a.Dues.Paid(ctx, d, status, func(b *domain.Booking) (*Writes, error) {
		if !b.SettleDeposit(d.Kind, status, a.Clock.Now()) {
			return nil, nil
		}
		// Every version is an event, or the read models (archive, search,
		// the lists) could never reach it: the booking's own status again,
		// From = that status — a restatement with the settled deposit,
		// which notification does not announce a second time.
		return eventWrites(ctx, *b, b.Status)
	})
	if err != nil {
		return nil, err
	}
	if b.ID == "" {
		return nil, nil
	}
	a.saved(ctx, b)
	return &b, nil
}

// final reports a payment answer that settles a due for good: a refund
// that went through; a void that ended with nothing kept under its key.
func final(kind, status string) bool {
	if kind == domain.DueRefund {
		return status == PaySucceeded
	}
	return status == PayVoided || status == PayRefunded || status == PayFailed
}

// askPayment makes the payment calls of one due.
func (a *App) askPayment(ctx context.Context, d domain.Due) (string, error) {
	if d.Kind == domain.DueVoid {
		return a.Payments.Void(ctx, d.Key, d.BookingID, d.Reason)
	}
	return a.refund(ctx, d.BookingID, d.Key, d.Amount, d.Reason)
}

// refund gives back amount of a booking's deposit under key. The deposit
// may be several charges (a larger party's difference is charged on its
// own), so the refund is split across the charges the booking relies on
// (domain.ReliedOn, domain.SplitRefund). The status is succeeded when
// every part went through, failed when the provider refused one, else
// pending.
func (a *App) refund(ctx context.Context, bookingID, key string, amount int64, reason string) (string, error) {
	charges, err := a.Payments.Charges(ctx, bookingID)
	if err != nil {
		return "", err
	}
	topUps, err := a.Changes.TopUps(ctx, bookingID)
	if err != nil {
		return "", err
	}
	deposit := domain.Booking{ID: bookingID}.ChargeKey()
	parts, err := domain.SplitRefund(key, deposit, amount, domain.ReliedOn(charges, deposit, topUps))
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

func (a *App) rand() float64 {
	if a.Rand != nil {
		return a.Rand()
	}
	return rand.Float64()
}
