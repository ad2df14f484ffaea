package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	wire "github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// PaymentToWire is a payment as the contract spells it.
func PaymentToWire(p domain.Payment) wire.Payment {
	return wire.Payment{
		ID: p.ID, Key: p.Key, BookingID: p.BookingID, Amount: p.Amount, Refunded: p.Refunded, Currency: p.Currency,
		Status: p.Status, DeclineCode: p.DeclineCode, ProviderRef: p.ProviderRef, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

// RefundToWire is a refund as the contract spells it.
func RefundToWire(r domain.Refund) wire.Refund {
	return wire.Refund{
		ID: r.ID, Key: r.Key, PaymentID: r.PaymentID, BookingID: r.BookingID, Amount: r.Amount, Currency: r.Currency,
		Status: r.Status, Reason: r.Reason, CreatedAt: r.CreatedAt,
	}
}

// LedgerToWire flattens payments and their refunds.
func LedgerToWire(ps []domain.Payment) wire.Ledger {
	out := wire.Ledger{Payments: make([]wire.Payment, 0, len(ps)), Refunds: []wire.Refund{}}
	for _, p := range ps {
		out.Payments = append(out.Payments, PaymentToWire(p))
		for _, r := range p.Refunds {
			out.Refunds = append(out.Refunds, RefundToWire(r))
		}
	}
	return out
}

// paymentEvent is a payment event (succeeded, failed, voided) on the
// payment's aggregate.
func paymentEvent(ctx context.Context, subject string, p domain.Payment) (contracts.Event, error) {
	return outbox.NewEvent(wire.Service, subject, "payment", p.ID, natsrpc.RequestID(ctx), wire.SchemaVersion, PaymentToWire(p))
}

// refundEvent is a refund event, on the payment's aggregate (so a payment's
// events keep their order).
func refundEvent(ctx context.Context, r domain.Refund) (contracts.Event, error) {
	return outbox.NewEvent(wire.Service, wire.EventRefunded, "payment", r.PaymentID, natsrpc.RequestID(ctx), wire.SchemaVersion, RefundToWire(r))
}

// settledEvent is the event of a charge that just settled.
func settledEvent(ctx context.Context, p domain.Payment) ([]contracts.Event, error) {
	subject := wire.EventFailed
	if p.Status == domain.Succeeded {
		subject = wire.EventSucceeded
	}
	e, err := paymentEvent(ctx, subject, p)
	return []contracts.Event{e}, err
}
