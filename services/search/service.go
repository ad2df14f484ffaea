// Package search is the search service: a Kafka consumer group
// (contracts.GroupSearch) on new_vendor and every booking topic that keeps
// the search read model and the geo/tag index current, and a NATS micro
// service answering svc.search.v1.query: vendors by kind, tags, a point and
// a radius, nearest first, and with a start time only those with a free
// unit for the party then. The index is an engine behind app.Index chosen by
// SEARCH_URL (postgres cells by default); availability comes from the read
// model in the schema "search"; results are cached in Redis for at most 1 s.
package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	wire "github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/adapters/redis"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/search/ports/events"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Bookings that ended this long ago are forgotten, every PruneEvery.
const (
	PruneAfter = 24 * time.Hour
	PruneEvery = 10 * time.Minute
)

// Service is a running search service.
type Service struct {
	deps     *platform.Deps
	svcs     platform.Services
	consumer *kafka.Consumer
	stopBG   context.CancelFunc
	bgDone   chan struct{}
	log      *slog.Logger
}

// Topics are the Kafka topics the search service consumes.
func Topics() []string { return events.Topics() }

// Start connects, opens (and migrates) the schema "search", begins answering
// on svc.search.v1.* and joins the consumer group.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (s *Service, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	log = log.With(platform.KeyService, wire.Service)
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: wire.Service, Schema: postgres.Schema, Migrate: postgres.Migrate,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	s = &Service{deps: deps, log: log}
	defer func() {
		if err != nil {
			s.closeAll()
		}
	}()
	if cfg.GCPercent > 0 {
		// The whole process's: in `slotmesh dev` every service shares it.
		prev := debug.SetGCPercent(cfg.GCPercent)
		log.Info("search: garbage collector tuned", "gogc", cfg.GCPercent, "was", prev)
	}
	store := postgres.NewStore(deps.Pool)
	var (
		index   app.Index
		model   app.Store = store
		replica *postgres.Replica
	)
	if cfg.Engine() == EngineMemory {
		replica = postgres.NewReplica(deps.Pool)
		t0 := time.Now()
		n, err := replica.Warm(ctx)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		log.Info("search replica warmed from the read model", "vendors", n, "elapsed", time.Since(t0).Round(time.Millisecond))
		index, model = replica.Index, replica
	} else if index, err = OpenIndex(ctx, cfg, deps.Pool); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	a := &app.App{
		Index: index,
		Store: model,
		Cache: redis.New(deps.Redis, cfg.RedisPrefix, cfg.QueryTTL),
	}
	s.svcs, err = platform.AddServices(deps.NC, platform.ServiceSpec{
		Name:        wire.Service,
		Version:     Version,
		Description: "vendors by kind, tags, place and radius, nearest first, with real availability for a party and time",
		Group:       wire.Group,
		Endpoints:   endpoints.List(a, platform.EndpointOptions{Log: log, Timeout: cfg.CallTimeout}),
		Instances:   cfg.Instances,
	})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	s.consumer, err = events.Consume(ctx, cfg.Kafka, a, cfg.Consumers, log)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	s.stopBG, s.bgDone = cancel, make(chan struct{})
	go func() {
		defer close(s.bgDone)
		if replica == nil {
			prune(bg, store, log)
			return
		}
		var wg sync.WaitGroup
		wg.Go(func() { replica.Follow(bg, cfg.FollowEvery, log) })
		prune(bg, replica, log)
		wg.Wait()
	}()
	log.Info("search service started", "engine", cfg.Engine(), "topics", Topics(), "cache_ttl", cfg.QueryTTL)
	return s, nil
}

// prune forgets long-finished bookings every PruneEvery (any replica may;
// deleting twice is harmless).
func prune(ctx context.Context, store interface {
	Prune(context.Context, time.Time) (int64, error)
}, log *slog.Logger) {
	t := time.NewTicker(PruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := store.Prune(ctx, time.Now().Add(-PruneAfter)); err != nil && ctx.Err() == nil {
			log.Warn("prune failed", platform.KeyError, err)
		} else if n > 0 {
			log.Debug("pruned finished bookings", "count", n)
		}
	}
}

// Stop stops taking requests and leaves the consumer group (the event in
// hand is finished or left uncommitted), then closes.
func (s *Service) Stop() error {
	err := s.closeAll()
	s.log.Info("search service stopped")
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
	if s.stopBG != nil {
		s.stopBG()
		<-s.bgDone
	}
	s.deps.Close()
	return errors.Join(errs...)
}
