// Package redis is vendor_data_cache: vendor snapshots cached in Redis,
// versioned so an older snapshot never replaces a newer one.
package redis

import (
	"log/slog"

	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
	"github.com/slotmesh/slotmesh/services/vendors/app"
)

// New returns the snapshot cache (implements app.Cache).
func New(c *cache.Cache, log *slog.Logger) *cache.Of[app.Snapshot] {
	return cache.NewOf(c, log, "vendor", "vendor",
		func(s app.Snapshot) string { return s.Vendor.ID },
		func(s app.Snapshot) int64 { return s.Vendor.Version })
}
