// Package cache is cache-aside on Redis with versioned entries, the one way
// slotmesh services cache an aggregate (keys <service>:<entity>:<id>).
//
// Reads try the cache, and on a miss read the database and Put what they read.
// Writes commit to the database first, then Put the new version. Every Put
// goes through one Lua script that stores an entry only if it is newer than
// what the cache holds, so a slow reader that read version n before a writer
// committed n+1 can never put n back over n+1: an update is never hidden by a
// stale entry. If Redis is down, reads fall through to the database and writes
// try to Drop the key; the TTL bounds anything left behind.
package cache

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cache is a versioned cache-aside store on one Redis client.
type Cache struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// New returns a cache whose keys all start with prefix (REDIS_PREFIX).
func New(rdb redis.UniversalClient, prefix string, ttl time.Duration) *Cache {
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	if ttl < time.Millisecond {
		ttl = time.Millisecond // PEXPIRE 0 would delete the entry at once
	}
	return &Cache{rdb: rdb, prefix: prefix, ttl: ttl}
}

// Key is the full key of an entity: <prefix><service>:<entity>:<id>.
func (c *Cache) Key(service, entity, id string) string {
	return c.prefix + service + ":" + entity + ":" + id
}

// Get returns the cached payload; ok is false on a miss.
func (c *Cache) Get(ctx context.Context, key string) (payload []byte, ok bool, err error) {
	b, err := c.rdb.HGet(ctx, key, "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// setIfNewer stores {v, d} unless the entry holds a version >= ARGV[1].
var setIfNewer = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'v')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// Put stores version of an entity unless the cache already holds that version
// or a newer one. It reports whether it stored.
func (c *Cache) Put(ctx context.Context, key string, version int64, payload []byte) (bool, error) {
	n, err := setIfNewer.Run(ctx, c.rdb, []string{key},
		strconv.FormatInt(version, 10), payload, c.ttl.Milliseconds()).Int()
	return n == 1, err
}

// QueuePut adds Put's script to a pipeline (EVAL: a pipeline cannot fall
// back from EVALSHA), so a caller can write an entry and its indexes in one
// round trip.
func (c *Cache) QueuePut(ctx context.Context, pipe redis.Pipeliner, key string, version int64, payload []byte) {
	setIfNewer.Eval(ctx, pipe, []string{key}, strconv.FormatInt(version, 10), payload, c.ttl.Milliseconds())
}

// Drop removes an entry.
func (c *Cache) Drop(ctx context.Context, key string) error {
	return c.rdb.Del(ctx, key).Err()
}

// Pipeline is a pipeline on the cache's client (to queue writes together).
func (c *Cache) Pipeline() redis.Pipeliner { return c.rdb.Pipeline() }
