// Package redis is bookingdata_cache: each booking (versioned) and the
// current bookings of every user and vendor as sorted sets by start time,
// kept in step on every change. Redis is never the source of truth.
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"

	goredis "github.com/redis/go-redis/v9"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
)

// Cache implements app.Cache.
type Cache struct {
	c   *cache.Cache
	rdb goredis.UniversalClient
	of  *cache.Of[booking.Booking]
	log *slog.Logger
}

// New returns the booking cache.
func New(c *cache.Cache, rdb goredis.UniversalClient, log *slog.Logger) *Cache {
	return &Cache{c: c, rdb: rdb, log: log, of: cache.NewOf(c, log, "booking", "booking",
		func(b booking.Booking) string { return b.ID }, func(b booking.Booking) int64 { return b.Version })}
}

// Current are the indexes of the current bookings of a user and of a vendor
// (layout in contracts/booking).
func (c *Cache) Current(userID, vendorID string) (user, vendor cache.Index) {
	return c.c.Index(booking.CacheService, booking.CacheEntityUserCurrent, userID),
		c.c.Index(booking.CacheService, booking.CacheEntityVendorCurrent, vendorID)
}

// Put stores the booking and keeps the current indexes of its user and
// vendor in step, in one round trip. If that fails the indexes are dropped
// (made cold) so no reader trusts an index that missed a change.
func (c *Cache) Put(ctx context.Context, b domain.Booking) {
	w := app.ToWire(b)
	payload, err := json.Marshal(w)
	if err != nil {
		c.log.Warn("booking cache encode failed", "booking", b.ID, "error", err)
		return
	}
	pipe := c.rdb.TxPipeline()
	if err := c.of.QueuePut(ctx, pipe, w); err != nil {
		c.log.Warn("booking cache encode failed", "booking", b.ID, "error", err)
		return
	}
	entry := cache.IndexEntry{ID: b.ID, Score: float64(b.During.Start.Unix()), Version: b.Version, Payload: payload, Present: domain.Active(b.Status)}
	user, vendor := c.Current(b.UserID, b.VendorID)
	user.QueueApply(ctx, pipe, entry)
	vendor.QueueApply(ctx, pipe, entry)
	if _, err := pipe.Exec(ctx); err != nil {
		c.log.Warn("booking cache index write failed; dropping the indexes", "booking", b.ID, "version", strconv.FormatInt(b.Version, 10), "error", err)
		if err := errors.Join(user.Drop(ctx), vendor.Drop(ctx)); err != nil {
			c.log.Warn("booking cache index drop failed (the TTL will rebuild them)", "booking", b.ID, "error", err)
		}
	}
}
