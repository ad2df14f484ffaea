// Package rolecache remembers, for a short while, who manages a vendor, so
// that services which authorise vendor managers (booking, booking
// management) do not ask the vendor service on every request.
//
// Only a role is remembered, never its absence: a manager the owner has
// just added is let in on the next request, not after the entry expires.
// Managers cannot be removed today; when they can, the TTL bounds how long a
// removed manager keeps access (or the removal event should drop the entry).
package rolecache

import (
	"context"
	"sync"
	"time"
)

// Lookup asks the source of truth for the user's role at the vendor ("" for
// none).
type Lookup func(ctx context.Context, vendorID, userID string) (string, error)

// DefaultTTL is how long a role is remembered.
const DefaultTTL = 30 * time.Second

// maxEntries bounds the memory; the map is emptied when it is reached.
const maxEntries = 10000

// Cache is safe for concurrent use; the zero value is ready.
type Cache struct {
	TTL time.Duration    // DefaultTTL when zero
	Now func() time.Time // time.Now when nil (tests set it)

	mu      sync.Mutex
	entries map[key]entry
}

type key struct{ vendorID, userID string }

type entry struct {
	role    string
	expires time.Time
}

// Role is the user's role at the vendor: remembered when known, else asked
// of lookup.
func (c *Cache) Role(ctx context.Context, vendorID, userID string, lookup Lookup) (string, error) {
	k := key{vendorID, userID}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.role, nil
	}
	role, err := lookup(ctx, vendorID, userID)
	if err != nil || role == "" {
		return role, err
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= maxEntries {
		c.entries = make(map[key]entry)
	}
	c.entries[k] = entry{role: role, expires: now.Add(ttl)}
	c.mu.Unlock()
	return role, nil
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
