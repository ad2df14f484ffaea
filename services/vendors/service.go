// Package vendors is the vendor service: restaurants and hotels onboard with
// their units, tags, location, time zone, hours and policies; their managers
// change them. vendordb in Postgres, vendor_data_cache in Redis, events
// through the outbox to VENDOR_EVENTS. (The directory is "vendors" because Go
// reserves a path element named "vendor"; the service is called "vendor" on
// the vendors.)
package vendors

import (
	"context"
	"log/slog"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/vendors/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/vendors/adapters/redis"
	"github.com/slotmesh/slotmesh/services/vendors/adapters/users"
	"github.com/slotmesh/slotmesh/services/vendors/app"
	"github.com/slotmesh/slotmesh/services/vendors/ports/endpoints"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running vendor service.
type Service struct{ *platform.Running }

// Start connects, migrates and begins answering on svc.vendor.v1.*.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	run, log := platform.NewRunning(vendors.Service, log)
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: vendors.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
		Stream:  &contracts.StreamVendor,
	}, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	a := NewApp(deps, log)
	spec := platform.ServiceSpec{Version: Version, Group: vendors.Group, Workers: cfg.Workers,
		Description: "restaurants and hotels: units, managers, hours, policies"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	return &Service{run}, nil
}

// NewApp wires the application layer on open dependencies.
func NewApp(deps *platform.Deps, log *slog.Logger) *app.App {
	return &app.App{
		Repo:  postgres.New(deps.Pool),
		Cache: redis.New(deps.Cache, log),
		Users: users.New(deps.NC),
		Relay: deps.Relay,
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() },
	}
}
