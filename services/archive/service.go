// Package archive is the archive service: a Kafka consumer group
// (contracts.GroupArchive) that writes the final record of every finished
// booking (availed, cancelled, no-show, expired, failed) to archive_db, and
// a NATS micro service answering svc.archive.v1.list and .get. archive_db is
// a driver behind app.Store chosen by ARCHIVE_URL: Postgres (default) or
// Cassandra.
package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/slotmesh/slotmesh/contracts"
	wire "github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/contracts/bridge"
	"github.com/slotmesh/slotmesh/services/archive/adapters/cassandra"
	"github.com/slotmesh/slotmesh/services/archive/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/archive/app"
	"github.com/slotmesh/slotmesh/services/archive/domain"
	"github.com/slotmesh/slotmesh/services/archive/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running archive service.
type Service struct {
	deps     *platform.Deps
	svcs     platform.Services
	consumer *kafka.Consumer
	closer   func()
	log      *slog.Logger
}

// Topics are the Kafka topics the archive consumes: those the bridge puts
// the final booking events on (booking_availed, booking_cancelled,
// booking_closed).
func Topics() []string {
	var out []string
	for _, ev := range domain.FinalEvents {
		if t := bridge.TopicOf(ev); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// Start connects, opens (and migrates) archive_db, begins answering on
// svc.archive.v1.* and joins the consumer group.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (s *Service, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	log = log.With(platform.KeyService, wire.Service)
	spec := platform.DepsSpec{Service: wire.Service}
	if cfg.Driver() == DriverPostgres {
		spec.Schema, spec.Migrate = postgres.Schema, postgres.Migrate
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, spec, log)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	s = &Service{deps: deps, closer: func() {}, log: log}
	defer func() {
		if err != nil {
			s.closeAll()
		}
	}()
	var store app.Store
	switch cfg.Driver() {
	case DriverCassandra:
		c, err := cassandra.ParseURL(cfg.ArchiveURL)
		if err != nil {
			return nil, fmt.Errorf("archive: ARCHIVE_URL: %w", err)
		}
		cs, err := cassandra.Open(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
		store, s.closer = cs, cs.Close
	default:
		store = postgres.New(deps.Pool)
	}
	a := &app.App{Store: store}
	s.svcs, err = platform.AddServices(deps.NC, platform.ServiceSpec{
		Name:        wire.Service,
		Version:     Version,
		Description: "the final record of every finished booking, by user and by vendor",
		Group:       wire.Group,
		Endpoints:   endpoints.List(a, platform.EndpointOptions{Log: log, Timeout: cfg.CallTimeout}),
		Instances:   cfg.Instances,
	})
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	s.consumer, err = kafka.Consume(ctx, kafka.ConsumerSpec{
		Kafka:   cfg.Kafka,
		Group:   contracts.GroupArchive,
		Topics:  Topics(),
		Handle:  a.Archive,
		Log:     log,
		Members: cfg.Consumers,
	})
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	log.Info("archive service started", "driver", cfg.Driver(), "topics", Topics())
	return s, nil
}

// Stop stops taking requests and leaves the consumer group (the event in
// hand is finished or left uncommitted), then closes.
func (s *Service) Stop() error {
	err := s.closeAll()
	s.log.Info("archive service stopped")
	return err
}

func (s *Service) closeAll() error {
	var errs []error
	if s.svcs != nil {
		errs = append(errs, s.svcs.Stop())
	}
	if s.consumer != nil {
		errs = append(errs, s.consumer.Stop())
	}
	s.closer()
	s.deps.Close()
	return errors.Join(errs...)
}
