package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/ident"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// Ledger is every charge of a booking with its refunds, oldest first (empty
// for a booking without payments).
func (a *App) Ledger(ctx context.Context, bookingID string) ([]domain.Payment, error) {
	if !ident.IsUUID(bookingID) {
		return nil, apperr.Field("booking_id", "must be a UUID")
	}
	return a.Repo.Ledger(ctx, bookingID)
}
