package domain

import "github.com/slotmesh/slotmesh/services/internal/schedule"

// Vendor is search's copy of a vendor: what it is found by and shown with,
// and its calendar.
type Vendor struct {
	ID          string
	Version     int64
	Kind        string
	Name        string
	Tags        []string
	Lat, Lng    float64
	Active      bool // not suspended
	ActiveUnits int  // active units at Version
	Schedule    schedule.Schedule
}

// Findable reports whether the vendor may be a search hit at all: active,
// with at least one active unit.
func (v Vendor) Findable() bool { return v.Active && v.ActiveUnits > 0 }

// Booking is search's copy of a booking: the units it holds and when.
type Booking struct {
	ID       string
	VendorID string
	Version  int64
	Status   string
	Units    []string
	During   schedule.Range
	Holding  bool // BLOCKED or CONFIRMED: its units are taken
}
