// Package endpoints is the payment service's inbound port: its NATS micro
// endpoints, each a thin translation between contracts/payment and the app.
package endpoints

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/payment/app"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// List returns every endpoint of the payment service.
func List(a *app.App, o platform.EndpointOptions) []platform.Endpoint {
	return []platform.Endpoint{
		platform.Handle(payment.OpCharge, o, func(ctx context.Context, r payment.ChargeRequest) (payment.Payment, error) {
			p, err := a.Charge(ctx, domain.Charge{
				Key: r.Key, BookingID: r.BookingID, UserID: r.UserID, Amount: r.Amount, Currency: r.Currency, Method: r.PaymentMethod,
			})
			return app.PaymentToWire(p), err
		}),
		platform.Handle(payment.OpRefund, o, func(ctx context.Context, r payment.RefundRequest) (payment.Refund, error) {
			rf, err := a.Refund(ctx, domain.RefundRequest{Key: r.Key, ChargeKey: r.ChargeKey, Amount: r.Amount, Reason: r.Reason})
			return app.RefundToWire(rf), err
		}),
		platform.Handle(payment.OpVoid, o, func(ctx context.Context, r payment.VoidRequest) (payment.Payment, error) {
			p, err := a.Void(ctx, domain.VoidRequest{Key: r.Key, BookingID: r.BookingID, Reason: r.Reason})
			return app.PaymentToWire(p), err
		}),
		platform.Handle(payment.OpGet, o, func(ctx context.Context, r payment.GetRequest) (payment.Ledger, error) {
			ps, err := a.Ledger(ctx, r.BookingID)
			return app.LedgerToWire(ps), err
		}),
	}
}
