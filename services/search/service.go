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
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/adapters/redis"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/ports/endpoints"
	"github.com/slotmesh/slotmesh/services/search/ports/events"
	"github.com/slotmesh/slotmesh/services/search/ports/jobs"
)

// Version is the micro service version (semver).
const Version = "0.1.0"

// Service is a running search service.
type Service struct{ *platform.Running }

// Topics are the Kafka topics the search service consumes.
func Topics() []string { return events.Topics() }

// Start connects, opens (and migrates) the schema "search", joins the
// consumer group and begins answering on svc.search.v1.*. Stop stops taking
// requests and leaves the consumer group (the event in hand is finished or
// left uncommitted), then closes.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Service, error) {
	run, log := platform.NewRunning(search.Service, log)
	if err := cfg.Validate(); err != nil {
		return nil, run.Fail(err)
	}
	deps, err := platform.OpenDeps(ctx, cfg.Config, platform.DepsSpec{
		Service: search.Service, Schema: postgres.Schema, Migrate: postgres.Migrate,
	}, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.Defer(deps.Close)
	if cfg.GCPercent > 0 {
		// The whole process's: in `slotmesh dev` every service shares it.
		prev := debug.SetGCPercent(cfg.GCPercent)
		log.Info("search: garbage collector tuned", "gogc", cfg.GCPercent, "was", prev)
	}
	store := postgres.NewStore(deps.Pool)
	var (
		index  app.Index
		model  app.Store   = store
		pruner jobs.Pruner = store
	)
	if cfg.Engine() == EngineMemory {
		replica := postgres.NewReplica(deps.Pool)
		t0 := time.Now()
		n, err := replica.Warm(ctx)
		if err != nil {
			return nil, run.Fail(err)
		}
		log.Info("search replica warmed from the read model", "vendors", n, "elapsed", time.Since(t0).Round(time.Millisecond))
		index, model, pruner = replica.Index, replica, replica
		// The replica follows the other replicas' writes in its own loop.
		fctx, cancel := context.WithCancel(context.Background())
		followed := make(chan struct{})
		go func() {
			defer close(followed)
			replica.Follow(fctx, cfg.FollowEvery, log)
		}()
		run.Defer(func() { cancel(); <-followed })
	} else if index, err = OpenIndex(ctx, cfg, deps.Pool); err != nil {
		return nil, run.Fail(err)
	}
	a := &app.App{
		Index: index,
		Store: model,
		Cache: redis.New(deps.Redis, cfg.RedisPrefix, cfg.QueryTTL),
	}
	run.Defer(platform.StartJob(jobs.Prune(pruner, log), log))
	consumer, err := events.Consume(ctx, cfg.Kafka, a, cfg.Consumers, log)
	if err != nil {
		return nil, run.Fail(err)
	}
	run.DeferErr(consumer.Stop)
	log.Info("search engine", "engine", cfg.Engine(), "topics", Topics(), "cache_ttl", cfg.QueryTTL)
	spec := platform.ServiceSpec{Version: Version, Group: search.Group, Workers: cfg.Workers,
		Description: "vendors by kind, tags, place and radius, nearest first, with real availability for a party and time"}
	if err := run.Serve(deps.NC, spec, endpoints.List(a, run.Endpoints(cfg.CallTimeout))); err != nil {
		return nil, run.Fail(err)
	}
	return &Service{run}, nil
}
