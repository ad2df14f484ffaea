package cache

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// Of caches values of one entity type as JSON, versioned. Failures are logged
// and never returned: a cache problem must not fail a request (the database
// answers). After a failed Put the key is dropped; the TTL bounds the rest.
type Of[T any] struct {
	c       *Cache
	log     *slog.Logger
	service string
	entity  string
	id      func(T) string
	version func(T) int64
}

// NewOf makes a typed cache for <service>:<entity>:<id> keys.
func NewOf[T any](c *Cache, log *slog.Logger, service, entity string, id func(T) string, version func(T) int64) *Of[T] {
	return &Of[T]{c: c, log: log, service: service, entity: entity, id: id, version: version}
}

func (o *Of[T]) key(id string) string { return o.c.Key(o.service, o.entity, id) }

// Get returns the cached value of id.
func (o *Of[T]) Get(ctx context.Context, id string) (T, bool) {
	var v T
	b, ok, err := o.c.Get(ctx, o.key(id))
	if err != nil {
		o.log.Warn("cache read failed", "entity", o.entity, "error", err)
		return v, false
	}
	if !ok {
		return v, false
	}
	if err := json.Unmarshal(b, &v); err != nil {
		o.log.Warn("cache entry unreadable", "entity", o.entity, "error", err)
		var zero T
		return zero, false
	}
	return v, true
}

// QueuePut adds Put to a pipeline; the caller runs it (and logs its error).
func (o *Of[T]) QueuePut(ctx context.Context, pipe redis.Pipeliner, v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	o.c.QueuePut(ctx, pipe, o.key(o.id(v)), o.version(v), b)
	return nil
}

// Put stores v unless the cache holds its version or a newer one.
func (o *Of[T]) Put(ctx context.Context, v T) {
	key := o.key(o.id(v))
	b, err := json.Marshal(v)
	if err == nil {
		_, err = o.c.Put(ctx, key, o.version(v), b)
	}
	if err != nil {
		o.log.Warn("cache write failed", "entity", o.entity, "error", err)
		if err := o.c.Drop(ctx, key); err != nil {
			o.log.Warn("cache drop failed", "entity", o.entity, "error", err)
		}
	}
}
