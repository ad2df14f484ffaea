// Package redis is bookingdata_cache: each booking (versioned) and the
// current bookings of every user and vendor as sorted sets by start time,
// kept in step on every change. Redis is never the source of truth.
package redis

import (
	"context"
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

// UserKey and VendorKey are the sorted sets of current bookings.
func (c *Cache) UserKey(id string) string   { return c.c.Key("booking", "user_current", id) }
func (c *Cache) VendorKey(id string) string { return c.c.Key("booking", "vendor_current", id) }

// Put stores the booking and adds it to, or removes it from, the current sets.
func (c *Cache) Put(ctx context.Context, b domain.Booking) {
	score := float64(b.During.Start.Unix())
	pipe := c.rdb.TxPipeline()
	if err := c.of.QueuePut(ctx, pipe, app.ToWire(b)); err != nil {
		c.log.Warn("booking cache encode failed", "booking", b.ID, "error", err)
		return
	}
	if domain.Active(b.Status) {
		pipe.ZAdd(ctx, c.UserKey(b.UserID), goredis.Z{Score: score, Member: b.ID})
		pipe.ZAdd(ctx, c.VendorKey(b.VendorID), goredis.Z{Score: score, Member: b.ID})
	} else {
		pipe.ZRem(ctx, c.UserKey(b.UserID), b.ID)
		pipe.ZRem(ctx, c.VendorKey(b.VendorID), b.ID)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		c.log.Warn("booking cache index write failed", "booking", b.ID, "version", strconv.FormatInt(b.Version, 10), "error", err)
	}
}
