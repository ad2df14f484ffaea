// Package redis is userdata_cache: profiles cached in Redis, versioned.
package redis

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// Cache implements app.Cache. Cache failures never fail a request: they are
// logged and the database answers.
type Cache struct {
	c   *cache.Cache
	log *slog.Logger
}

// New wraps a versioned cache.
func New(c *cache.Cache, log *slog.Logger) *Cache { return &Cache{c: c, log: log} }

// entry is what is cached: the profile, never the password hash.
type entry struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (c *Cache) key(id string) string { return c.c.Key("user", "user", id) }

// Get returns the cached profile.
func (c *Cache) Get(ctx context.Context, id string) (domain.User, bool) {
	b, ok, err := c.c.Get(ctx, c.key(id))
	if err != nil {
		c.log.Warn("user cache read failed", "error", err)
		return domain.User{}, false
	}
	if !ok {
		return domain.User{}, false
	}
	var e entry
	if err := json.Unmarshal(b, &e); err != nil {
		c.log.Warn("user cache entry unreadable", "error", err)
		return domain.User{}, false
	}
	return domain.User{ID: e.ID, Email: e.Email, Name: e.Name, Phone: e.Phone, Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}, true
}

// Put caches u unless a newer version is there; on failure it drops the key.
func (c *Cache) Put(ctx context.Context, u domain.User) {
	b, _ := json.Marshal(entry{ID: u.ID, Email: u.Email, Name: u.Name, Phone: u.Phone, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt})
	if _, err := c.c.Put(ctx, c.key(u.ID), u.Version, b); err != nil {
		c.log.Warn("user cache write failed", "error", err)
		if err := c.c.Drop(ctx, c.key(u.ID)); err != nil {
			c.log.Warn("user cache drop failed", "error", err)
		}
	}
}
