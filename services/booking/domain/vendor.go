// Package domain holds booking's rules: a vendor's schedule (slots in its own
// time zone, DST-safe; shared with search in services/internal/schedule),
// the range a booking holds, and the booking state machine. No I/O.
package domain

import "github.com/slotmesh/slotmesh/services/internal/schedule"

// Kinds.
const (
	Restaurant = schedule.Restaurant
	Hotel      = schedule.Hotel
)

// Vendor is booking's copy of what it needs about a vendor (ADR 0005).
type Vendor struct {
	ID              string
	Version         int64
	Kind            string
	Timezone        string
	Hours           []Interval
	SlotMinutes     int
	StayMinutes     int
	CheckIn         int // minutes
	CheckOut        int // minutes
	DepositAmount   int64
	DepositCurrency string
	DepositPerGuest bool
	FreeCancelHours int
	HorizonDays     int // how many days ahead a booking may start
	Active          bool
}

// Terms are the vendor's money rules as of now, which a new booking copies.
func (v Vendor) Terms() Terms {
	return Terms{Rate: v.DepositAmount, PerGuest: v.DepositPerGuest, FreeCancelHours: v.FreeCancelHours}
}
