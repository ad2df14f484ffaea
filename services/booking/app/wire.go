package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
)

// ToWire spells a booking for replies and events.
func ToWire(b domain.Booking) booking.Booking {
	out := booking.Booking{
		ID: b.ID, Status: b.Status, VendorID: b.VendorID, UserID: b.UserID,
		Start: b.During.Start, End: b.During.End, PartySize: b.PartySize,
		Units:     make([]booking.Unit, len(b.Units)),
		Deposit:   booking.Deposit{Amount: b.DepositAmount, Currency: b.DepositCurrency, Status: b.DepositStatus},
		ExpiresAt: b.ExpiresAt, Version: b.Version, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
	}
	for i, u := range b.Units {
		out.Units[i] = booking.Unit{ID: u.ID, Name: u.Name, Capacity: u.Capacity}
	}
	switch b.DepositStatus {
	case domain.DepositRefunded, domain.DepositRefundPending:
		status := "refunded"
		if b.DepositStatus == domain.DepositRefundPending {
			status = "pending"
		}
		out.Refund = &booking.Refund{Amount: b.RefundAmount, Currency: b.DepositCurrency, Status: status, Reason: b.RefundReason}
	case domain.DepositKept:
		out.Refund = &booking.Refund{Amount: 0, Currency: b.DepositCurrency, Status: "none", Reason: b.RefundReason}
	case domain.DepositNone:
		if !domain.Active(b.Status) { // API.md: a finished booking says what came back
			out.Refund = &booking.Refund{Amount: 0, Currency: b.DepositCurrency, Status: "none", Reason: "no deposit was taken"}
		}
	}
	return out
}

var eventOf = map[string]string{
	domain.Blocked:   booking.EventBlocked,
	domain.Confirmed: booking.EventConfirmed,
	domain.Failed:    booking.EventFailed,
	domain.Expired:   booking.EventExpired,
	domain.Cancelled: booking.EventCancelled,
	domain.Availed:   booking.EventAvailed,
	domain.NoShow:    booking.EventNoShow,
}

// event builds the event of b's current status (or subject, if given).
func event(ctx context.Context, b domain.Booking, from, subject string) ([]contracts.Event, error) {
	if subject == "" {
		subject = eventOf[b.Status]
	}
	e, err := outbox.NewEvent(booking.Service, subject, "booking", b.ID, natsrpc.RequestID(ctx),
		booking.SchemaVersion, booking.Changed{Booking: ToWire(b), From: from})
	if err != nil {
		return nil, err
	}
	return []contracts.Event{e}, nil
}

// eventWrites is the event of b's current status, as what a change writes.
func eventWrites(ctx context.Context, b domain.Booking, from string) (*Writes, error) {
	evs, err := event(ctx, b, from, "")
	if err != nil {
		return nil, err
	}
	return &Writes{Events: evs}, nil
}
