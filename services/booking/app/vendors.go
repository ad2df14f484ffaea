package app

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// VendorTTL is how long a process reuses its in-memory view of a vendor's
// facts before reading its copy again: hours, policies and unit counts
// change rarely, and holds are always checked in the database.
const VendorTTL = 2 * time.Second

type vendorView struct {
	v    domain.Vendor
	caps map[int]int // active units by capacity
	at   time.Time
}

// vendor returns booking's copy of a vendor and its active unit counts,
// fetching the facts from the vendor service when the copy has not seen the
// vendor yet (onboarded a moment ago; its event has not arrived).
func (a *App) vendor(ctx context.Context, id string) (domain.Vendor, error) {
	view, err := a.view(ctx, id)
	return view.v, err
}

func (a *App) view(ctx context.Context, id string) (vendorView, error) {
	a.viewsMu.Lock()
	view, ok := a.views[id]
	a.viewsMu.Unlock()
	if ok && time.Since(view.at) < VendorTTL {
		return view, nil
	}
	v, err := a.Vendor.GetVendor(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		if err := a.Resync(ctx, id); err != nil {
			return vendorView{}, err
		}
		v, err = a.Vendor.GetVendor(ctx, id)
	}
	if err != nil {
		return vendorView{}, err
	}
	caps, err := a.Vendor.Capacities(ctx, id)
	if err != nil {
		return vendorView{}, err
	}
	view = vendorView{v: v, caps: caps, at: time.Now()}
	a.viewsMu.Lock()
	if a.views == nil || len(a.views) > 50000 {
		a.views = map[string]vendorView{}
	}
	a.views[id] = view
	a.viewsMu.Unlock()
	return view, nil
}

// fittingView returns the vendor's view, asking the vendor service once for
// fresh facts when the copy has fewer than qty units that seat the party: it
// may lag behind units added a moment ago. The ask is made at most once per
// VendorTTL and vendor, so repeated asks for an impossible party stay local.
func (a *App) fittingView(ctx context.Context, id string, party, qty int) (vendorView, error) {
	view, err := a.view(ctx, id)
	if err != nil || view.fitting(party) >= qty {
		return view, err
	}
	now := time.Now()
	a.viewsMu.Lock()
	last, seen := a.resyncs[id]
	fresh := !seen || now.Sub(last) >= VendorTTL
	if fresh {
		if a.resyncs == nil || len(a.resyncs) > 50000 {
			a.resyncs = map[string]time.Time{}
		}
		a.resyncs[id] = now
	}
	a.viewsMu.Unlock()
	if !fresh {
		return view, nil
	}
	if err := a.Resync(ctx, id); err != nil {
		return vendorView{}, err
	}
	return a.view(ctx, id)
}

// forget drops the in-memory view of a vendor (after a resync or an event).
func (a *App) forget(id string) {
	a.viewsMu.Lock()
	delete(a.views, id)
	a.viewsMu.Unlock()
}

// fitting counts active units of capacity >= party.
func (v vendorView) fitting(party int) int {
	n := 0
	for c, k := range v.caps {
		if c >= party {
			n += k
		}
	}
	return n
}

// Resync replaces the copy of a vendor with the vendor service's facts.
func (a *App) Resync(ctx context.Context, vendorID string) error {
	v, units, err := a.Vendors.Facts(ctx, vendorID)
	if err != nil {
		return err
	}
	defer a.forget(vendorID)
	return a.Vendor.ReplaceFacts(ctx, v, units)
}

// ApplyVendor stores a vendor event's state (newer versions only).
func (a *App) ApplyVendor(ctx context.Context, v domain.Vendor) error {
	defer a.forget(v.ID)
	return a.Vendor.UpsertVendor(ctx, v)
}

// ApplyUnits stores a units event. If the copy does not know the vendor, or
// is more than one version behind (an event was missed), it resyncs instead.
func (a *App) ApplyUnits(ctx context.Context, vendorID string, version int64, units []UnitCopy) error {
	defer a.forget(vendorID)
	v, err := a.Vendor.GetVendor(ctx, vendorID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return a.Resync(ctx, vendorID)
	case err != nil:
		return err
	case version > v.Version+1:
		return a.Resync(ctx, vendorID)
	}
	if err := a.Vendor.UpsertUnits(ctx, vendorID, version, units); err != nil {
		return err
	}
	if version > v.Version {
		v.Version = version
		return a.Vendor.UpsertVendor(ctx, v)
	}
	return nil
}

// role is the user's role at a vendor (a known role is remembered for a
// while; no role is asked again every time, so a new manager gets in at once).
func (a *App) role(ctx context.Context, vendorID, userID string) (string, error) {
	return a.roles.Role(ctx, vendorID, userID, a.Vendors.Role)
}

// isManager reports whether the user manages the vendor.
func (a *App) isManager(ctx context.Context, vendorID, userID string) (bool, error) {
	role, err := a.role(ctx, vendorID, userID)
	return role != "", err
}
