package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// PaymentToWire is a payment as the contract spells it.
func PaymentToWire(p domain.Payment) payment.Payment {
	return payment.Payment{
		ID: p.ID, Key: p.Key, BookingID: p.BookingID, Amount: p.Amount, Refunded: p.Refunded, Currency: p.Currency,
		Status: p.Status, DeclineCode: p.DeclineCode, ProviderRef: p.ProviderRef, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

// RefundToWire is a refund as the contract spells it.
func RefundToWire(r domain.Refund) payment.Refund {
	return payment.Refund{
		ID: r.ID, Key: r.Key, PaymentID: r.PaymentID, BookingID: r.BookingID, Amount: r.Amount, Currency: r.Currency,
		Status: r.Status, Reason: r.Reason, CreatedAt: r.CreatedAt,
	}
}

// LedgerToWire flattens payments and their refunds.
func LedgerToWire(ps []domain.Payment) payment.Ledger {
	out := payment.Ledger{Payments: make([]payment.Payment, 0, len(ps)), Refunds: []payment.Refund{}}
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
	return outbox.NewEvent(payment.Service, subject, "payment", p.ID, natsrpc.RequestID(ctx), payment.SchemaVersion, PaymentToWire(p))
}

// refundEvent is a refund event, on the payment's aggregate (so a payment's
// events keep their order).
func refundEvent(ctx context.Context, r domain.Refund) (contracts.Event, error) {
	return outbox.NewEvent(payment.Service, payment.EventRefunded, "payment", r.PaymentID, natsrpc.RequestID(ctx), payment.SchemaVersion, RefundToWire(r))
}

// settledEvent is the event of a charge that just settled.
func settledEvent(ctx context.Context, p domain.Payment) ([]contracts.Event, error) {
	subject := payment.EventFailed
	if p.Status == domain.Succeeded {
		subject = payment.EventSucceeded
	}
	e, err := paymentEvent(ctx, subject, p)
	return []contracts.Event{e}, err
}
