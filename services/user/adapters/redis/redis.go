// Package redis is userdata_cache: profiles cached in Redis, versioned.
package redis

import (
	"context"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform/cache"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// Cache implements app.Cache.
type Cache struct{ of *cache.Of[entry] }

// New wraps a versioned cache.
func New(c *cache.Cache, log *slog.Logger) *Cache {
	return &Cache{of: cache.NewOf(c, log, "user", "user",
		func(e entry) string { return e.ID }, func(e entry) int64 { return e.Version })}
}

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

// Get returns the cached profile.
func (c *Cache) Get(ctx context.Context, id string) (domain.User, bool) {
	e, ok := c.of.Get(ctx, id)
	return domain.User{ID: e.ID, Email: e.Email, Name: e.Name, Phone: e.Phone, Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}, ok
}

// Put caches u unless a newer version is there.
func (c *Cache) Put(ctx context.Context, u domain.User) {
	c.of.Put(ctx, entry{ID: u.ID, Email: u.Email, Name: u.Name, Phone: u.Phone, Version: u.Version, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt})
}
