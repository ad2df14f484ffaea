package postgres_test

import (
	"context"
	"testing"

	"github.com/slotmesh/slotmesh/services/archive/adapters/archivetest"
	"github.com/slotmesh/slotmesh/services/archive/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/archive/app"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/testenv"
)

func TestConformance(t *testing.T) {
	archivetest.Run(t, func(t *testing.T) app.Store {
		ctx := context.Background()
		pool, err := pg.Connect(ctx, testenv.Postgres(t), postgres.Schema)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		if err := postgres.Migrate(ctx, pool); err != nil {
			t.Fatal(err)
		}
		if err := postgres.Migrate(ctx, pool); err != nil { // again: a no-op
			t.Fatal(err)
		}
		return postgres.New(pool)
	})
}
