package app

import (
	"context"
	"encoding/base64"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Scan pages through the current bookings — BLOCKED or CONFIRMED, ending
// in the future: the holds search needs — in id order (service to service:
// search's reindex). The cursor is the last booking's id, so a page is a
// keyset read of a partial index of the current bookings. Total is counted
// for the first page only.
func (a *App) Scan(ctx context.Context, r booking.ScanRequest) (items []domain.Booking, next string, total int64, err error) {
	limit := r.Limit
	switch {
	case limit == 0:
		limit = booking.DefaultScanLimit
	case limit < 0 || limit > booking.MaxScanLimit:
		return nil, "", 0, apperr.Field("limit", "must be between 1 and %d", booking.MaxScanLimit)
	}
	after := ""
	if r.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(r.Cursor)
		if err != nil || len(raw) != 36 {
			return nil, "", 0, apperr.Field("cursor", "is not a cursor this API gave out")
		}
		after = string(raw)
	}
	items, total, err = a.Bookings.Scan(ctx, after, limit+1, a.Clock.Now(), r.Cursor == "")
	if err != nil {
		return nil, "", 0, err
	}
	if len(items) > limit {
		items = items[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(items[limit-1].ID))
	}
	return items, next, total, nil
}
