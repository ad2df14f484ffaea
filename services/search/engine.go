package search

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/search/adapters/elastic"
	"github.com/slotmesh/slotmesh/services/search/adapters/meili"
	"github.com/slotmesh/slotmesh/services/search/adapters/memory"
	"github.com/slotmesh/slotmesh/services/search/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// OpenIndex is the geo/tag index SEARCH_URL names: the cells index in the
// schema "search" of pool (postgres), or an Elasticsearch or Meilisearch
// index (created with its mapping or settings when missing). The read model
// availability is computed from is always pool's.
func OpenIndex(ctx context.Context, cfg Config, pool *pgxpool.Pool) (app.Index, error) {
	switch cfg.Engine() {
	case EnginePostgres:
		return postgres.NewIndex(pool), nil
	case EngineMemory:
		// Each replica's own (service.go fills it with postgres.Replica);
		// here a process-local one: a tool writing through it (reindex)
		// fills the read model, which the running replicas follow.
		return memory.New(), nil
	case EngineElastic:
		x, err := elastic.Open(ctx, cfg.SearchURL, cfg.APIKey, "")
		if err != nil {
			return nil, fmt.Errorf("elasticsearch at %s: %w", platform.RedactURL(cfg.SearchURL), err)
		}
		return x, nil
	case EngineMeili:
		x, err := meili.Open(ctx, cfg.SearchURL, cfg.APIKey, "")
		if err != nil {
			return nil, fmt.Errorf("meilisearch at %s: %w", platform.RedactURL(cfg.SearchURL), err)
		}
		return x, nil
	}
	return nil, fmt.Errorf("SEARCH_URL: no engine named by %q", platform.RedactURL(cfg.SearchURL))
}
