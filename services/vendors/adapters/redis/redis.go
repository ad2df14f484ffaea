// Package redis is vendor_data_cache: vendor snapshots cached in Redis,
// versioned so an older snapshot never replaces a newer one.
package redis

import (
	"context"
	"log/slog"

	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
	"github.com/slotmesh/slotmesh/services/vendors/app"
)

// Cache is the snapshot cache (implements app.Cache).
type Cache struct {
	*cache.Of[app.Snapshot]
}

// New returns the snapshot cache.
func New(c *cache.Cache, log *slog.Logger) *Cache {
	return &Cache{cache.NewOf(c, log, "vendor", "vendor",
		func(s app.Snapshot) string { return s.Vendor.ID },
		func(s app.Snapshot) int64 { return s.Vendor.Version })}
}

// Get returns the cached snapshot of id. An entry without a booking horizon
// was written by a release before the setting existed: it is a miss (the
// database has the value), never a horizon of 0 days, and never the default
// either (that version's row may hold another value).
func (c *Cache) Get(ctx context.Context, id string) (app.Snapshot, bool) {
	s, ok := c.Of.Get(ctx, id)
	if !ok || s.Vendor.HorizonDays == 0 {
		return app.Snapshot{}, false
	}
	return s, true
}
