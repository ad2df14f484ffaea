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

// UnitsPerEvent bounds one units-changed event (about 150 bytes a unit keeps
// it far under NATS's default 1 MiB payload).
const UnitsPerEvent = 1000

// AddUnits adds units in bulk, all or none, in one transaction (managers).
func (a *App) AddUnits(ctx context.Context, r vendors.AddUnitsRequest) ([]domain.Unit, error) {
	if err := a.requireRole(ctx, r.VendorID, false); err != nil {
		return nil, err
	}
	in := make([]domain.NewUnitInput, len(r.Units))
	for i, u := range r.Units {
		in[i] = domain.NewUnitInput{Name: u.Name, Capacity: u.Capacity}
	}
	units, err := domain.NewUnits(r.VendorID, in, a.NewID, a.Clock.Now())
	if err != nil {
		return nil, err
	}
	s, err := a.Repo.AddUnits(ctx, r.VendorID, units, func(s *Snapshot) ([]contracts.Event, error) {
		return a.unitsEvents(ctx, *s, units)
	})
	if err != nil {
		return nil, err
	}
	a.committed(ctx, s)
	return units, nil
}

// UpdateUnit renames, resizes or (de)activates a unit (managers).
func (a *App) UpdateUnit(ctx context.Context, r vendors.UpdateUnitRequest) (domain.Unit, error) {
	if err := a.requireRole(ctx, r.VendorID, false); err != nil {
		return domain.Unit{}, err
	}
	var changed domain.Unit
	patch := domain.UnitPatch{Name: r.Name, Capacity: r.Capacity, Active: r.Active}
	u, s, err := a.Repo.UpdateUnit(ctx, r.VendorID, r.UnitID,
		func(u *domain.Unit) (bool, error) {
			ok, err := u.Apply(patch, a.Clock.Now())
			changed = *u
			return ok, err
		},
		func(s *Snapshot) ([]contracts.Event, error) {
			return a.unitsEvents(ctx, *s, []domain.Unit{changed})
		})
	if err != nil {
		return domain.Unit{}, err
	}
	a.committed(ctx, s)
	return u, nil
}

// ListUnits pages through a vendor's units in creation order (public).
func (a *App) ListUnits(ctx context.Context, r vendors.ListUnitsRequest) ([]domain.Unit, string, error) {
	limit := r.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > 1000:
		return nil, "", apperr.Field("limit", "must be between 1 and 1000")
	}
	if _, err := a.Get(ctx, r.VendorID); err != nil {
		return nil, "", err
	}
	after, err := decodeCursor(r.Cursor)
	if err != nil {
		return nil, "", err
	}
	units, err := a.Repo.ListUnits(ctx, r.VendorID, after, limit+1, r.IncludeInactive)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(units) > limit {
		units = units[:limit]
		next = encodeCursor(units[limit-1].ID)
	}
	return units, next, nil
}

// Facts returns a vendor with every unit (service to service).
func (a *App) Facts(ctx context.Context, vendorID string) (Snapshot, []domain.Unit, error) {
	return a.Repo.AllUnits(ctx, vendorID)
}

// unitsEvents splits the changed units into events of at most UnitsPerEvent.
func (a *App) unitsEvents(ctx context.Context, s Snapshot, units []domain.Unit) ([]contracts.Event, error) {
	parts := (len(units) + UnitsPerEvent - 1) / UnitsPerEvent
	events := make([]contracts.Event, 0, parts)
	for p := 0; p < parts; p++ {
		chunk := units[p*UnitsPerEvent : min((p+1)*UnitsPerEvent, len(units))]
		wire := make([]vendors.Unit, len(chunk))
		for i, u := range chunk {
			wire[i] = UnitToWire(u)
		}
		evt, err := outbox.NewEvent(vendors.Service, vendors.EventUnitsChanged, "vendor", s.Vendor.ID, natsrpc.RequestID(ctx),
			vendors.SchemaVersion, vendors.UnitsChanged{
				VendorID: s.Vendor.ID, Version: s.Vendor.Version, Units: wire,
				Summary: SummaryToWire(s.Summary), Part: p + 1, Parts: parts,
			})
		if err != nil {
			return nil, err
		}
		events = append(events, evt)
	}
	return events, nil
}
