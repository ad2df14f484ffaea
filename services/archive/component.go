package archive

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts/archive"
	"github.com/slotmesh/slotmesh/services/archive/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Component is the service as the mesh runs it (services/mesh's registry).
// Its Postgres schema is migrated only when it keeps the archive there.
var Component = func() platform.Component {
	c := platform.NewComponent(archive.Service, ConfigFromEnv, Start, postgres.Schema, postgres.Migrate)
	c.Migrate = func(ctx context.Context, cfg any, pool *pgxpool.Pool) (bool, error) {
		if a, ok := cfg.(Config); ok && a.Driver() != DriverPostgres {
			return false, nil
		}
		return true, postgres.Migrate(ctx, pool)
	}
	return c
}()
