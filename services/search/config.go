package search

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slotmesh/slotmesh/contracts/search"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/internal/platform/kafka"
	"github.com/slotmesh/slotmesh/services/search/adapters/redis"
)

// Search engines (SEARCH_URL). The read model that availability is computed
// from is always the schema "search" on PG_URL; the engine is where the
// geo/tag index lives.
const (
	EnginePostgres = "postgres" // "" or "postgres": the cells index in the schema "search" (default)
	EngineElastic  = "elastic"  // elastic+https://host:9200/<index> (SEARCH_API_KEY), adapters/elastic
	EngineMeili    = "meili"    // meili+https://host:7700/<index> (SEARCH_API_KEY), adapters/meili
	// EngineMemory is the postgres read model with each replica's own
	// in-memory index and calendars in front (adapters/memory,
	// postgres.Replica): filled from the read model on start, kept current
	// by the replica's writes and a poll of the others' (SEARCH_FOLLOW_EVERY).
	EngineMemory = "memory"
)

// Config of the search service.
type Config struct {
	platform.Config
	Kafka     kafka.Config
	SearchURL string        // SEARCH_URL: "" or "postgres", or elastic+http(s)://..., meili+http(s)://...
	APIKey    string        // SEARCH_API_KEY: the engine's key (a secret: never logged)
	QueryTTL  time.Duration // SEARCH_CACHE_TTL: lifetime of a cached result, at most 1 s (the freshness bound)
	Workers   int           // SERVICE_WORKERS: concurrent handlers per process (ADR 0021)
	Consumers int           // SEARCH_CONSUMERS: consumer-group members in this process (parallel partitions)
	// FollowEvery (SEARCH_FOLLOW_EVERY) is how often a memory-engine replica
	// looks for vendors other replicas wrote.
	FollowEvery time.Duration
	// GCPercent (SEARCH_GOGC) is the garbage collector's GOGC for the
	// search process, set on Start (runtime/debug.SetGCPercent); 0 leaves
	// the runtime's (the GOGC variable, else 100). The memory engine's
	// default is MemoryGCPercent: see there.
	GCPercent int
}

// EventPathBudget is the part of the freshness bound left to the event
// path (booking commit to the search read model; ~0.5 s measured).
const EventPathBudget = 500 * time.Millisecond

// MemoryGCPercent is SEARCH_GOGC's default for the memory engine. A replica
// holds every vendor in memory (~0.5 GiB of long-lived, pointer-rich heap
// at 500,000 vendors), and one collection marks all of it — seconds of CPU
// on this 2-core box — while a search allocates ~70 KiB. A collection comes
// every GOGC% of the live heap allocated, so 400 makes them 4 times rarer
// than the default 100, for a heap of up to 5 times the live one (~2.5 GiB
// at 500,000 vendors). Set GOMEMLIMIT too where memory is tight: the
// collector then runs early rather than pass it (ADR 0013).
const MemoryGCPercent = 400

// ConfigFromEnv reads the configuration; parse problems come back with Validate's.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	e := platform.Env(getenv)
	c := Config{
		Config:      platform.BaseFromEnv(getenv, &errs),
		Kafka:       kafka.FromEnv(getenv, &errs),
		SearchURL:   e.Str("SEARCH_URL", ""),
		APIKey:      e.Str("SEARCH_API_KEY", ""),
		QueryTTL:    e.Duration("SEARCH_CACHE_TTL", redis.DefaultTTL, &errs),
		Workers:     e.Workers("SERVICE_WORKERS", "SERVICE_INSTANCES", platform.DefaultWorkers, &errs),
		Consumers:   e.Int("SEARCH_CONSUMERS", 2, &errs),
		FollowEvery: e.Duration("SEARCH_FOLLOW_EVERY", 500*time.Millisecond, &errs),
	}
	gc := 0
	if c.Engine() == EngineMemory {
		gc = MemoryGCPercent
	}
	c.GCPercent = e.Int("SEARCH_GOGC", gc, &errs)
	errs = append(errs, c.Validate())
	return c, errors.Join(errs...)
}

// Engine is the engine SEARCH_URL names ("" when it names none).
func (c Config) Engine() string {
	if c.SearchURL == "" || c.SearchURL == EnginePostgres {
		return EnginePostgres
	}
	if c.SearchURL == EngineMemory {
		return EngineMemory
	}
	scheme, _, ok := strings.Cut(c.SearchURL, "://")
	if !ok {
		return ""
	}
	switch strings.ToLower(scheme) {
	case "elastic+http", "elastic+https", "elasticsearch+http", "elasticsearch+https":
		return EngineElastic
	case "meili+http", "meili+https", "meilisearch+http", "meilisearch+https":
		return EngineMeili
	}
	return ""
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{c.Config.Validate(), c.Kafka.Validate()}
	switch c.Engine() {
	case EnginePostgres, EngineMemory:
	case EngineElastic, EngineMeili:
	default:
		errs = append(errs, fmt.Errorf("SEARCH_URL: %q is neither postgres, memory, nor an elastic+http(s):// or meili+http(s):// URL", platform.RedactURL(c.SearchURL)))
	}
	if c.QueryTTL <= 0 || c.QueryTTL > redis.MaxTTL {
		errs = append(errs, fmt.Errorf("SEARCH_CACHE_TTL: %s not in (0, %s]: a cached result must not outlive the freshness bound", c.QueryTTL, redis.MaxTTL))
	}
	if c.Workers < 1 || c.Workers > platform.MaxWorkers {
		errs = append(errs, fmt.Errorf("SERVICE_WORKERS: %d not in 1..%d", c.Workers, platform.MaxWorkers))
	}
	if c.FollowEvery < 10*time.Millisecond || c.FollowEvery > time.Second {
		errs = append(errs, fmt.Errorf("SEARCH_FOLLOW_EVERY: %s not in [10ms, 1s]: another replica's vendor must be findable here within the 2 s bound", c.FollowEvery))
	}
	// The memory engine reads holds from the replica's memory: a booking
	// another replica consumed is seen here one Follow poll later, and may
	// be cached for the TTL after that; the event path (~0.5 s measured,
	// ADR 0013) takes the rest of the freshness bound.
	if c.Engine() == EngineMemory && c.QueryTTL+c.FollowEvery > search.Freshness-EventPathBudget {
		errs = append(errs, fmt.Errorf("SEARCH_CACHE_TTL + SEARCH_FOLLOW_EVERY: %s + %s is more than %s: with the memory engine a booked-out vendor must leave results within %s",
			c.QueryTTL, c.FollowEvery, search.Freshness-EventPathBudget, search.Freshness))
	}
	if c.GCPercent < 0 || c.GCPercent > 10000 {
		errs = append(errs, fmt.Errorf("SEARCH_GOGC: %d not in 0..10000 (0: the runtime's GOGC)", c.GCPercent))
	}
	if c.Consumers < 1 || c.Consumers > 64 {
		errs = append(errs, fmt.Errorf("SEARCH_CONSUMERS: %d not in 1..64", c.Consumers))
	}
	return errors.Join(errs...)
}
