// Package redis is searchdata_cache: recent search results in Redis under
// <prefix>search:query:<hash of the normalised request>, each for a short
// TTL. Entries are never invalidated; the TTL is what bounds staleness, so
// it is capped at MaxTTL: a vendor whose last fitting unit was just taken is
// served as available for at most the event path's lag plus MaxTTL, inside
// the 2 s freshness bound (contracts/search Freshness).
package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/slotmesh/slotmesh/services/search/app"
)

// MaxTTL is the longest a cached result may live.
const MaxTTL = time.Second

// DefaultTTL is the TTL unless configured (SEARCH_CACHE_TTL).
const DefaultTTL = 500 * time.Millisecond

// opTimeout bounds one cache call: a slow or absent Redis costs a query at
// most this much before it goes to the index.
const opTimeout = 50 * time.Millisecond

// Cache implements app.Cache.
type Cache struct {
	rdb    goredis.UniversalClient
	prefix string
	ttl    time.Duration
}

var _ app.Cache = (*Cache)(nil)

// New returns the cache; ttl is clamped to (0, MaxTTL].
func New(rdb goredis.UniversalClient, prefix string, ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Cache{rdb: rdb, prefix: prefix, ttl: min(ttl, MaxTTL)}
}

// TTL is the entries' lifetime.
func (c *Cache) TTL() time.Duration { return c.ttl }

func (c *Cache) key(k string) string { return c.prefix + "search:query:" + k }

// Get returns a cached result; ok is false on a miss.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	b, err := c.rdb.Get(ctx, c.key(key)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("searchdata_cache: get: %w", err)
	}
	return b, true, nil
}

// Put stores a result for the TTL.
func (c *Cache) Put(ctx context.Context, key string, value []byte) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := c.rdb.Set(ctx, c.key(key), value, c.ttl).Err(); err != nil {
		return fmt.Errorf("searchdata_cache: put: %w", err)
	}
	return nil
}
