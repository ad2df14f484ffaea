// Package events is the booking service's inbound event port: durable
// JetStream consumers of vendor facts and payment outcomes.
package events

import (
	"context"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/payment"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/booking/adapters/vendorfacts"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Consumer names (<consumer>_<purpose>).
const (
	DurableVendorFacts = "booking_vendor_facts"
	DurablePayments    = "booking_payment_outcomes"
)

// Start runs the consumers; stop them with the returned function.
func Start(ctx context.Context, js jetstream.JetStream, a *app.App, log *slog.Logger) (func(), error) {
	facts, err := platform.Consume(ctx, js, platform.ConsumerSpec{
		Stream:  contracts.StreamVendor,
		Durable: DurableVendorFacts,
		Filters: []string{vendors.EventVendorCreated, vendors.EventVendorUpdated, vendors.EventUnitsChanged},
		Workers: 8, // vendors are independent; one vendor's events stay in order
		Log:     log,
		Handle: func(ctx context.Context, e contracts.Event) error {
			switch e.Type {
			case vendors.EventUnitsChanged:
				var d vendors.UnitsChanged
				if err := e.Decode(&d); err != nil {
					return apperr.E(apperr.InvalidInput, "units event: %v", err)
				}
				return a.ApplyUnits(ctx, d.VendorID, d.Version, vendorfacts.Units(d.Units))
			default:
				var d vendors.VendorChanged
				if err := e.Decode(&d); err != nil {
					return apperr.E(apperr.InvalidInput, "vendor event: %v", err)
				}
				v, err := vendorfacts.Vendor(d.Vendor)
				if err != nil {
					return apperr.E(apperr.InvalidInput, "%v", err)
				}
				return a.ApplyVendor(ctx, v)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	pays, err := platform.Consume(ctx, js, platform.ConsumerSpec{
		Stream:  contracts.StreamPayment,
		Durable: DurablePayments,
		Filters: []string{payment.EventSucceeded, payment.EventFailed},
		Log:     log,
		Handle: func(ctx context.Context, e contracts.Event) error {
			var p payment.Payment
			if err := e.Decode(&p); err != nil {
				return apperr.E(apperr.InvalidInput, "payment event: %v", err)
			}
			if p.Key != "booking:"+p.BookingID+":deposit" {
				return nil // not a deposit (an update's difference): nothing to settle
			}
			return a.SettlePayment(ctx, p.BookingID, p.Status, p.DeclineCode)
		},
	})
	if err != nil {
		facts.Stop()
		return nil, err
	}
	return func() { pays.Stop(); facts.Stop() }, nil
}
