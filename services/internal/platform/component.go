package platform

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// Component is one service as the mesh runs it, declared once by the
// service itself (its package's Component variable): its name, how it reads
// its configuration from the environment, how it starts, and its database
// schema with its migrations. services/mesh, cmd/slotmesh and the chaos
// run iterate the registry of these; cmd/archcheck checks every service
// declares one.
type Component struct {
	// Name is the service's name (its contracts' Service constant).
	Name string
	// Config reads the component's configuration (all problems at once).
	Config func(getenv func(string) string) (any, error)
	// Start starts it with a configuration Config returned.
	Start func(ctx context.Context, cfg any, log *slog.Logger) (Stopper, error)
	// Schema is its Postgres schema ("" when it keeps nothing in Postgres).
	Schema string
	// Migrate applies its migrations to a pool bound to Schema; it reports
	// false, migrating nothing, when cfg keeps its data elsewhere (the
	// archive on Cassandra).
	Migrate func(ctx context.Context, cfg any, pool *pgxpool.Pool) (bool, error)
}

// Stopper is a running component.
type Stopper interface{ Stop() error }

// NewComponent declares a service whose configuration is C. migrate may be
// nil (no schema).
func NewComponent[C any, S Stopper](name string, config func(func(string) string) (C, error),
	start func(context.Context, C, *slog.Logger) (S, error), schema string,
	migrate func(context.Context, *pgxpool.Pool) error) Component {
	c := Component{
		Name:   name,
		Config: func(getenv func(string) string) (any, error) { return config(getenv) },
		Start: func(ctx context.Context, cfg any, log *slog.Logger) (Stopper, error) {
			typed, ok := cfg.(C)
			if !ok {
				return nil, fmt.Errorf("%s: configuration of type %T, want %T", name, cfg, typed)
			}
			return start(ctx, typed, log)
		},
		Schema: schema,
	}
	if migrate != nil {
		c.Migrate = func(ctx context.Context, _ any, pool *pgxpool.Pool) (bool, error) { return true, migrate(ctx, pool) }
	}
	return c
}

// MigrateAll applies the migrations of every component with a schema, each
// on its own pool bound to its schema at pgURL.
func MigrateAll(ctx context.Context, pgURL string, components []Component, configs map[string]any) error {
	for _, c := range components {
		if c.Migrate == nil {
			continue
		}
		pool, err := postgres.Connect(ctx, pgURL, c.Schema)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		_, err = c.Migrate(ctx, configs[c.Name], pool)
		pool.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return nil
}
