// Package booking is the booking service: availability, holds under row
// locks and an exclusion constraint, deposits through the payment service,
// and every transition of a booking as an event. bookingdata_db in Postgres,
// bookingdata_cache in Redis, events through the outbox to BOOKING_EVENTS.
package booking

import (
	"context"
	"log/slog"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/adapters/payment"
	"github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/booking/adapters/redis"
	"github.com/slotmesh/slotmesh/services/booking/adapters/vendorfacts"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/booking/ports/events"
	"github.com/slotmesh/slotmesh/services/booking/ports/jobs"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running booking service.
type Service struct{ *platform.Running }

// Start connects, migrates, starts the consumers and the sweeper and begins
// answering on svc.booking.v1.*.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	run, log := platform.NewRunning(booking.Service, log)
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: booking.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
		Stream:  &contracts.StreamBooking,
		// A hold that waits for a unit another booker has locked gives up
		// after this; the request is then retried or answered unavailable.
		PGParams: map[string]string{"lock_timeout": "3s"},
	}, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	a := NewApp(deps, cfg, log)
	// The streams we consume are owned by their producers; make sure they
	// exist so a booking service started first does not fail.
	for _, st := range []contracts.Stream{contracts.StreamVendor, contracts.StreamPayment} {
		if err := platform.EnsureStream(ctx, deps.JS, st, cfg.Config); err != nil {
			return nil, run.Fail(err)
		}
	}
	stopConsumers, err := events.Start(ctx, deps.JS, a, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(stopConsumers)
	run.Defer(platform.StartJob(jobs.Sweep(a, cfg.SweepEvery, log), log))
	spec := platform.ServiceSpec{Version: Version, Group: booking.Group, Workers: cfg.Workers,
		Description: "availability, holds, bookings and deposits"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	return &Service{run}, nil
}

// NewApp wires the application layer on open dependencies.
func NewApp(deps *platform.Deps, cfg Config, log *slog.Logger) *app.App {
	repo := postgres.New(deps.Pool)
	return &app.App{
		Vendor:   repo,
		Free:     repo,
		Bookings: repo,
		Changes:  repo,
		Dues:     repo,
		Payments: payment.New(deps.NC),
		Vendors:  vendorfacts.New(deps.NC),
		Cache:    redis.New(deps.Cache, deps.Redis, log),
		Relay:    deps.Relay,
		Log:      log,
		Cfg: app.Config{HoldTTL: cfg.HoldTTL, PaymentTimeout: cfg.PaymentTimeout, Retries: cfg.HoldRetries,
			ChangeTTL: cfg.ChangeTTL},
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() },
	}
}
