package app

import (
	"context"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/vendors/domain"
)

// ScanQuery asks for the vendors after After (an id; "" = from the first),
// at most Limit of them carrying at most MaxUnits units in all: the page
// ends before the vendor that would pass MaxUnits, except that a first
// vendor with more units comes alone with its first MaxUnits (MoreUnits).
// Count also counts every vendor.
type ScanQuery struct {
	After           string
	Limit           int
	MaxUnits        int
	IncludeInactive bool
	Count           bool
}

// ScanItem is a vendor (with its active-unit summary) and its units, in
// id order, at the vendor's version.
type ScanItem struct {
	Snapshot  Snapshot
	Units     []domain.Unit // ID, Capacity and Active only
	MoreUnits bool
}

// ScanResult is a page of a scan; More says vendors follow.
type ScanResult struct {
	Items []ScanItem
	More  bool
	Total int64
}

// Scan pages through every vendor with its units (service to service:
// search's reindex). The cursor is the last vendor's id, so each page is a
// keyset read of the primary key.
func (a *App) Scan(ctx context.Context, r vendors.ScanRequest) (ScanResult, string, error) {
	limit := r.Limit
	switch {
	case limit == 0:
		limit = vendors.DefaultScanLimit
	case limit < 0 || limit > vendors.MaxScanLimit:
		return ScanResult{}, "", apperr.Field("limit", "must be between 1 and %d", vendors.MaxScanLimit)
	}
	after, err := decodeCursor(r.Cursor)
	if err != nil {
		return ScanResult{}, "", err
	}
	res, err := a.Repo.Scan(ctx, ScanQuery{After: after, Limit: limit, MaxUnits: vendors.MaxScanUnits,
		IncludeInactive: r.IncludeInactive, Count: r.Cursor == ""})
	if err != nil {
		return ScanResult{}, "", err
	}
	next := ""
	if res.More && len(res.Items) > 0 {
		next = encodeCursor(res.Items[len(res.Items)-1].Snapshot.Vendor.ID)
	}
	return res, next, nil
}

// ScanItemToWire spells a scanned vendor; a vendor cut short names the
// listunits cursor after its last unit.
func ScanItemToWire(it ScanItem) vendors.ScanItem {
	out := vendors.ScanItem{Vendor: ToWire(it.Snapshot), Units: make([]vendors.ScanUnit, len(it.Units))}
	for i, u := range it.Units {
		out.Units[i] = vendors.ScanUnit{ID: u.ID, Capacity: u.Capacity, Active: u.Active}
	}
	if it.MoreUnits && len(it.Units) > 0 {
		out.UnitsCursor = encodeCursor(it.Units[len(it.Units)-1].ID)
	}
	return out
}
