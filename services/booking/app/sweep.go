package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Sweep settles what must not be left behind: BLOCKED holds past their expiry
// become EXPIRED (units released, any charge voided or refunded), and refunds
// or voids that did not go through are tried again. It returns how many
// bookings it touched.
func (a *App) Sweep(ctx context.Context) (int, error) {
	now := a.now()
	expired, money, err := a.Repo.Due(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	for _, id := range expired {
		b, err := a.Repo.Change(ctx, id, func(b *domain.Booking) ([]contracts.Event, error) {
			if b.Status != domain.Blocked || b.ExpiresAt == nil || b.ExpiresAt.After(now) {
				return nil, nil // settled meanwhile
			}
			from := b.Status
			if b.DepositAmount > 0 {
				b.DepositStatus = domain.DepositVoidPending
			}
			if err := b.Move(domain.Expired, now); err != nil {
				return nil, err
			}
			return event(ctx, *b, from, "")
		})
		if err != nil {
			return 0, err
		}
		a.saved(ctx, b)
		if b.DepositStatus == domain.DepositVoidPending {
			a.voidDeposit(ctx, b, "hold expired")
		}
	}
	for _, b := range money {
		switch b.DepositStatus {
		case domain.DepositRefundPending:
			a.refundDeposit(ctx, b)
		case domain.DepositVoidPending:
			a.voidDeposit(ctx, b, "hold ended")
		}
	}
	return len(expired) + len(money), nil
}
