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
	Active          bool
}

// Deposit is what a booking of partySize on quantity units costs up front.
func (v Vendor) Deposit(partySize, quantity int) int64 {
	if v.DepositPerGuest {
		return v.DepositAmount * int64(partySize)
	}
	return v.DepositAmount * int64(quantity)
}
