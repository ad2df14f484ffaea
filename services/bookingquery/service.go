// Package bookings is booking management (the seed's "Booking Management
// Service"): a user's and a vendor's bookings, current ones from
// bookingdata_cache with the booking service behind it, past ones from the
// archive. It owns no data.
package bookings

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/booking"
	wire "github.com/slotmesh/slotmesh/contracts/bookings"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/bookings/adapters/redis"
	"github.com/slotmesh/slotmesh/services/bookings/app"
	"github.com/slotmesh/slotmesh/services/bookings/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is running booking management.
type Service struct {
	deps *platform.Deps
	svcs platform.Services
	log  *slog.Logger
}

// Start connects and begins answering on svc.bookings.v1.*.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	log = log.With(platform.KeyService, wire.Service)
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{Service: wire.Service}, log)
	if err != nil {
		return nil, fmt.Errorf("bookings: %w", err)
	}
	a := &app.App{
		Index:    redis.New(deps.Cache),
		Bookings: booking.NewClient(deps.NC),
		Archive:  archive.NewClient(deps.NC),
		Vendors:  roles{vendors.NewClient(deps.NC)},
	}
	svcs, err := platform.AddServices(deps.NC, platform.ServiceSpec{
		Name:        wire.Service,
		Version:     Version,
		Description: "a user's or a vendor's current and past bookings",
		Group:       wire.Group,
		Endpoints:   endpoints.List(a, platform.EndpointOptions{Log: log, Timeout: cfg.CallTimeout}),
		Instances:   cfg.Instances,
	})
	if err != nil {
		deps.Close()
		return nil, fmt.Errorf("bookings: %w", err)
	}
	log.Info("bookings service started", "instances", len(svcs))
	return &Service{deps: deps, svcs: svcs, log: log}, nil
}

// Stop stops taking requests, lets in-flight ones finish and closes.
func (s *Service) Stop() error {
	err := s.svcs.Stop()
	s.deps.Close()
	s.log.Info("bookings service stopped")
	return err
}

type roles struct{ c *vendors.Client }

func (r roles) Role(ctx context.Context, vendorID, userID string) (string, error) {
	a, err := r.c.Authorize(ctx, vendorID, userID)
	return a.Role, err
}
