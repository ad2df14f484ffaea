package app

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// vendor returns booking's copy of a vendor, fetching the facts from the
// vendor service when the copy has not seen it yet (a vendor onboarded a
// moment ago whose event has not arrived).
func (a *App) vendor(ctx context.Context, id string) (domain.Vendor, error) {
	v, err := a.Repo.GetVendor(ctx, id)
	if !apperr.Is(err, apperr.NotFound) {
		return v, err
	}
	if err := a.Resync(ctx, id); err != nil {
		return domain.Vendor{}, err
	}
	return a.Repo.GetVendor(ctx, id)
}

// Resync replaces the copy of a vendor with the vendor service's facts.
func (a *App) Resync(ctx context.Context, vendorID string) error {
	v, units, err := a.Vendors.Facts(ctx, vendorID)
	if err != nil {
		return err
	}
	return a.Repo.ReplaceFacts(ctx, v, units)
}

// ApplyVendor stores a vendor event's state (newer versions only).
func (a *App) ApplyVendor(ctx context.Context, v domain.Vendor) error {
	return a.Repo.UpsertVendor(ctx, v)
}

// ApplyUnits stores a units event. If the copy does not know the vendor, or
// is more than one version behind (an event was missed), it resyncs instead.
func (a *App) ApplyUnits(ctx context.Context, vendorID string, version int64, units []UnitCopy) error {
	v, err := a.Repo.GetVendor(ctx, vendorID)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return a.Resync(ctx, vendorID)
	case err != nil:
		return err
	case version > v.Version+1:
		return a.Resync(ctx, vendorID)
	}
	if err := a.Repo.UpsertUnits(ctx, vendorID, version, units); err != nil {
		return err
	}
	if version > v.Version {
		v.Version = version
		return a.Repo.UpsertVendor(ctx, v)
	}
	return nil
}

// role is the user's role at a vendor, cached for 30 s.
func (a *App) role(ctx context.Context, vendorID, userID string) (string, error) {
	k := [2]string{vendorID, userID}
	a.rolesMu.Lock()
	e, ok := a.roles[k]
	a.rolesMu.Unlock()
	if ok && time.Now().Before(e.expires) {
		return e.role, nil
	}
	role, err := a.Vendors.Role(ctx, vendorID, userID)
	if err != nil {
		return "", err
	}
	a.rolesMu.Lock()
	if a.roles == nil || len(a.roles) > 10000 {
		a.roles = map[[2]string]roleEntry{}
	}
	a.roles[k] = roleEntry{role: role, expires: time.Now().Add(30 * time.Second)}
	a.rolesMu.Unlock()
	return role, nil
}

// isManager reports whether the user manages the vendor.
func (a *App) isManager(ctx context.Context, vendorID, userID string) (bool, error) {
	role, err := a.role(ctx, vendorID, userID)
	return role != "", err
}
