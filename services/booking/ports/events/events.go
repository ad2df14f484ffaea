// Package events is the booking service's inbound event port: durable
// JetStream consumers of vendor facts and payment outcomes, and the sweeper.
package events

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/payment"
	wire "github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/booking/adapters/vendors"
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
		Filters: []string{wire.EventVendorCreated, wire.EventVendorUpdated, wire.EventUnitsChanged},
		Workers: 8, // vendors are independent; one vendor's events stay in order
		Log:     log,
		Handle: func(ctx context.Context, e contracts.Event) error {
			switch e.Type {
			case wire.EventUnitsChanged:
				var d wire.UnitsChanged
				if err := e.Decode(&d); err != nil {
					return apperr.E(apperr.InvalidInput, "units event: %v", err)
				}
				return a.ApplyUnits(ctx, d.VendorID, d.Version, vendors.Units(d.Units))
			default:
				var d wire.VendorChanged
				if err := e.Decode(&d); err != nil {
					return apperr.E(apperr.InvalidInput, "vendor event: %v", err)
				}
				v, err := vendors.Vendor(d.Vendor)
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

// Sweep runs a.Sweep every interval until ctx ends.
func Sweep(ctx context.Context, a *app.App, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s, err := a.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep failed", "error", err)
		} else if s.Total() > 0 {
			log.Debug("swept", "expired", s.Expired, "abandoned", s.Abandoned, "paid", s.Paid, "failed", s.Failed, "stuck", s.Stuck)
		}
	}
}
