// Package bookingquery is booking management (the seed's "Booking Management
// Service", ARCHITECTURE's "bookings query"; "bookings" before ADR 0022): a
// user's and a vendor's bookings, current ones from bookingdata_cache with
// the booking service behind it, past ones from the archive. It owns no data.
package bookingquery

import (
	"context"
	"log/slog"

	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/bookingquery"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/bookingquery/adapters/redis"
	"github.com/slotmesh/slotmesh/services/bookingquery/app"
	"github.com/slotmesh/slotmesh/services/bookingquery/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is running booking management.
type Service struct{ *platform.Running }

// Start connects and begins answering on svc.bookingquery.v1.*.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	run, log := platform.NewRunning(bookingquery.Service, log)
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{Service: bookingquery.Service}, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	a := &app.App{
		Index:    redis.New(deps.Cache),
		Bookings: booking.NewClient(deps.NC),
		Archive:  archive.NewClient(deps.NC),
		Vendors:  roles{vendors.NewClient(deps.NC)},
	}
	spec := platform.ServiceSpec{Version: Version, Group: bookingquery.Group, Workers: cfg.Workers,
		Description: "a user's or a vendor's current and past bookings"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	return &Service{run}, nil
}

type roles struct{ c *vendors.Client }

func (r roles) Role(ctx context.Context, vendorID, userID string) (string, error) {
	a, err := r.c.Authorize(ctx, vendorID, userID)
	return a.Role, err
}
