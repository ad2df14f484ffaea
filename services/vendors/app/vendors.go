package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/natsrpc"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	"github.com/slotmesh/slotmesh/services/vendors/domain"
)

// Onboard creates a vendor owned by the actor, with its created event.
func (a *App) Onboard(ctx context.Context, p vendors.Profile) (Snapshot, error) {
	owner := natsrpc.Actor(ctx)
	if owner == "" {
		return Snapshot{}, apperr.E(apperr.Unauthenticated, "authentication required")
	}
	v, err := domain.New(a.NewID(), owner, ProfileFromWire(p), a.Clock.Now())
	if err != nil {
		return Snapshot{}, err
	}
	s := Snapshot{Vendor: v}
	evt, err := a.vendorEvent(ctx, vendors.EventVendorCreated, s)
	if err != nil {
		return Snapshot{}, err
	}
	if err := a.Repo.Create(ctx, v, evt); err != nil {
		return Snapshot{}, err
	}
	a.committed(ctx, s)
	return s, nil
}

// Get reads a vendor (public): cache first, then the database, filling the
// cache (a fill never replaces a newer version).
func (a *App) Get(ctx context.Context, id string) (Snapshot, error) {
	if s, ok := a.Cache.Get(ctx, id); ok {
		return s, nil
	}
	s, err := a.Repo.Get(ctx, id)
	if err != nil {
		return Snapshot{}, err
	}
	a.Cache.Put(ctx, s)
	return s, nil
}

// Update changes a vendor's profile (managers only).
func (a *App) Update(ctx context.Context, r vendors.UpdateRequest) (Snapshot, error) {
	if err := a.requireRole(ctx, r.ID, false); err != nil {
		return Snapshot{}, err
	}
	patch := PatchFromWire(r)
	s, err := a.Repo.Update(ctx, r.ID, func(s *Snapshot) ([]contracts.Event, error) {
		changed, err := s.Vendor.Apply(patch, a.Clock.Now())
		if err != nil || !changed {
			return nil, err
		}
		evt, err := a.vendorEvent(ctx, vendors.EventVendorUpdated, *s)
		return []contracts.Event{evt}, err
	})
	if err != nil {
		return Snapshot{}, err
	}
	a.committed(ctx, s)
	return s, nil
}

func (a *App) vendorEvent(ctx context.Context, subject string, s Snapshot) (contracts.Event, error) {
	return outbox.NewEvent(vendors.Service, subject, "vendor", s.Vendor.ID, natsrpc.RequestID(ctx),
		vendors.SchemaVersion, vendors.VendorChanged{Vendor: ToWire(s)})
}
