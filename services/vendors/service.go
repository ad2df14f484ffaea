// Package vendors is the vendor service: restaurants and hotels onboard with
// their units, tags, location, time zone, hours and policies; their managers
// change them. vendordb in Postgres, vendor_data_cache in Redis, events
// through the outbox to VENDOR_EVENTS. (The directory is "vendors" because Go
// reserves a path element named "vendor"; the service is called "vendor" on
// the wire.)
package vendors

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/slotmesh/slotmesh/contracts"
	wire "github.com/slotmesh/slotmesh/contracts/vendors"
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
type Service struct {
	deps *platform.Deps
	svcs platform.Services
	log  *slog.Logger
}

// Start connects, migrates and begins answering on svc.vendor.v1.*.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	log = log.With(platform.KeyService, wire.Service)
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: wire.Service,
		Schema:  postgres.Schema,
		Migrate: postgres.Migrate,
		Stream:  &contracts.StreamVendor,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("vendor: %w", err)
	}
	a := NewApp(deps, log)
	svcs, err := platform.AddServices(deps.NC, platform.ServiceSpec{
		Name:        wire.Service,
		Version:     Version,
		Description: "restaurants and hotels: units, managers, hours, policies",
		Group:       wire.Group,
		Endpoints:   endpoints.List(a, platform.EndpointOptions{Log: log, Timeout: cfg.CallTimeout}),
		Instances:   cfg.Instances,
	})
	if err != nil {
		deps.Close()
		return nil, fmt.Errorf("vendor: %w", err)
	}
	log.Info("vendor service started", "instances", len(svcs))
	return &Service{deps: deps, svcs: svcs, log: log}, nil
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

// Stop stops taking requests, lets in-flight ones finish, and closes.
func (s *Service) Stop() error {
	err := s.svcs.Stop()
	s.deps.Close()
	s.log.Info("vendor service stopped")
	return err
}
