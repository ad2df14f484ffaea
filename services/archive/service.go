// Package archive is the archive service: a Kafka consumer group
// (contracts.GroupArchive) that writes the final record of every finished
// booking (availed, cancelled, no-show, expired, failed) to archive_db, and
// a NATS micro service answering svc.archive.v1.list and .get. archive_db is
// a driver behind app.Store chosen by ARCHIVE_URL: Postgres (default) or
// Cassandra.
package archive

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/archive"
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
type Service struct{ *platform.Running }

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

// Start connects, opens (and migrates) archive_db, joins the consumer group
// and begins answering on svc.archive.v1.*. Stop stops taking requests and
// leaves the consumer group (the event in hand is finished or left
// uncommitted), then closes.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	run, log := platform.NewRunning(archive.Service, log)
	if err := cfg.Validate(); err != nil {
		return nil, run.Fail(err)
	}
	depsSpec := platform.DepsSpec{Service: archive.Service}
	if cfg.Driver() == DriverPostgres {
		depsSpec.Schema, depsSpec.Migrate = postgres.Schema, postgres.Migrate
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, depsSpec, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	var store app.Store
	switch cfg.Driver() {
	case DriverCassandra:
		c, err := cassandra.ParseURL(cfg.ArchiveURL)
		if err != nil {
			return nil, run.Fail(fmt.Errorf("ARCHIVE_URL: %w", err))
		}
		cs, err := cassandra.Open(ctx, c)
		if err != nil {
			return nil, run.Fail(err)
		}
		store = cs
		run.Defer(cs.Close)
	default:
		store = postgres.New(deps.Pool)
	}
	a := &app.App{Store: store}
	consumer, err := kafka.Consume(ctx, kafka.ConsumerSpec{
		Kafka:   cfg.Kafka,
		Group:   contracts.GroupArchive,
		Topics:  Topics(),
		Handle:  a.Archive,
		Log:     log,
		Members: cfg.Consumers,
	})
	if err != nil {
		return nil, run.Fail(err)
	}
	run.DeferErr(consumer.Stop)
	log.Info("archive store", "driver", cfg.Driver(), "topics", Topics())
	spec := platform.ServiceSpec{Version: Version, Group: archive.Group, Workers: cfg.Workers,
		Description: "the final record of every finished booking, by user and by vendor"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	return &Service{run}, nil
}
