// Package app holds the vendor service's use cases and the interfaces they
// need from the outside world (implemented in adapters/).
package app

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/vendors/domain"
)

// Summary counts a vendor's active units by capacity.
type Summary struct {
	Total      int
	ByCapacity map[int]int
}

// Snapshot is a vendor with its unit summary, at the vendor's version.
type Snapshot struct {
	Vendor  domain.Vendor
	Summary Summary
}

// Manager is a user who may manage a vendor.
type Manager struct {
	VendorID string
	UserID   string
	Role     string
	AddedAt  time.Time
}

// Change is what a use case does inside a repository transaction: it gets
// the locked current state and returns the events to write with it (none:
// nothing is written).
type Change func(s *Snapshot) ([]contracts.Event, error)

// Repository is vendordb. Every change locks the vendor row, so changes to
// one vendor (profile, units, managers) are serialised and versioned.
type Repository interface {
	Create(ctx context.Context, v domain.Vendor, events ...contracts.Event) error
	Get(ctx context.Context, id string) (Snapshot, error)
	// Update locks the vendor, applies change and saves the vendor row if
	// change returned events.
	Update(ctx context.Context, id string, change Change) (Snapshot, error)
	// AddUnits locks the vendor, inserts units, bumps the version, then asks
	// events for the events to write (with the new summary).
	AddUnits(ctx context.Context, vendorID string, units []domain.Unit, events Change) (Snapshot, error)
	// UpdateUnit locks the vendor and the unit, applies change and saves.
	UpdateUnit(ctx context.Context, vendorID, unitID string, change func(*domain.Unit) (bool, error), events Change) (domain.Unit, Snapshot, error)
	ListUnits(ctx context.Context, vendorID, after string, limit int, includeInactive bool) ([]domain.Unit, error)
	AllUnits(ctx context.Context, vendorID string) (Snapshot, []domain.Unit, error)
	// Scan reads a page of vendors in id order with their units, in one
	// snapshot (see ScanQuery).
	Scan(ctx context.Context, q ScanQuery) (ScanResult, error)
	Role(ctx context.Context, vendorID, userID string) (string, error)
	AddManager(ctx context.Context, m Manager, events Change) error
	ListManagers(ctx context.Context, vendorID string) ([]Manager, error)
}

// Cache is vendor_data_cache: versioned cache-aside of snapshots.
type Cache interface {
	Get(ctx context.Context, id string) (Snapshot, bool)
	Put(ctx context.Context, s Snapshot)
}

// Users finds users by email (the user service).
type Users interface {
	Lookup(ctx context.Context, email string) (userID, normalisedEmail string, err error)
}

// Notifier is told after a commit that added events.
type Notifier interface{ Notify() }

// App is the vendor service's application layer.
type App struct {
	Repo  Repository
	Cache Cache
	Users Users
	Relay Notifier
	Clock clock.Clock
	NewID func() string
}

// committed runs after a transaction that wrote events and changed s.
func (a *App) committed(ctx context.Context, s Snapshot) {
	a.Relay.Notify()
	a.Cache.Put(ctx, s)
}
