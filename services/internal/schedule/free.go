package schedule

import "time"

// Unit is a table or a room, as far as whether it is free is concerned.
type Unit struct {
	ID       string
	Capacity int
	Active   bool
}

// Seats reports whether u counts for a party of party: it is active and
// holds at least party guests.
func (u Unit) Seats(party int) bool { return u.Active && u.Capacity >= party }

// Hold is a unit taken for During (half-open) by a booking that holds it.
type Hold struct {
	UnitID string
	During Range
}

// Free reports whether slot has at least quantity free units for a party
// of party (a quantity below 1 counts as 1). It is the one free-slot rule
// booking and search share: a slot whose start is not after now is never
// free; a unit counts when it seats the party (Seats) and no hold on it
// overlaps the slot (Range.Overlaps: a hold ending at the slot's start, or
// starting at its end, takes nothing). Holds on units not in units are
// ignored. Pure and allocation-free; it stops at the quantity-th free unit.
func Free(units []Unit, holds []Hold, slot Range, party, quantity int, now time.Time) bool {
	if !slot.Start.After(now) {
		return false
	}
	n := 0
units:
	for i := range units {
		u := &units[i]
		if !u.Seats(party) {
			continue
		}
		for j := range holds {
			if h := &holds[j]; h.UnitID == u.ID && h.During.Overlaps(slot) {
				continue units
			}
		}
		if n++; n >= quantity {
			return true
		}
	}
	return false
}
