// Package app holds the user service's use cases, one file each, and the
// interfaces they need from the outside world (implemented in adapters/).
package app

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/user/domain"
)

// Repository is userdb. Every change is saved with its events in one
// transaction (the outbox).
type Repository interface {
	// Create inserts u; a taken email is apperr.Conflict.
	Create(ctx context.Context, u domain.User, events ...contracts.Event) error
	// Get reads a user by id; apperr.NotFound if absent.
	Get(ctx context.Context, id string) (domain.User, error)
	// GetByEmail reads a user by normalised email; apperr.NotFound if absent.
	GetByEmail(ctx context.Context, email string) (domain.User, error)
	// Update locks the user, lets change modify it and name the events, then
	// saves both. If change returns no events nothing is written.
	Update(ctx context.Context, id string, change func(*domain.User) ([]contracts.Event, error)) (domain.User, error)
}

// Cache is userdata_cache: versioned cache-aside of profiles.
type Cache interface {
	Get(ctx context.Context, id string) (domain.User, bool)
	// Put stores u unless a version >= u.Version is cached.
	Put(ctx context.Context, u domain.User)
}

// Hasher hashes and checks passwords.
type Hasher interface {
	Hash(password string) (string, error)
	Verify(password, encoded string) bool
}

// Tokens issues signed access tokens.
type Tokens interface {
	Issue(userID string, now time.Time) (token string, expires time.Time, err error)
	PublicKeys() (issuer string, keys []PublicKey)
}

// PublicKey verifies tokens.
type PublicKey struct {
	KID string
	Alg string
	Key []byte
}

// Notifier is told after a commit that added events (wakes the outbox relay).
type Notifier interface{ Notify() }

// App is the user service's application layer.
type App struct {
	Repo   Repository
	Cache  Cache
	Hasher Hasher
	Tokens Tokens
	Relay  Notifier
	Clock  clock.Clock
	NewID  func() string
}
