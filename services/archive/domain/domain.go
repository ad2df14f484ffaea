// Package domain is what the archive knows about a finished booking: which
// statuses are final and what a record must carry. (Of two records of one
// booking the higher Version is kept; every driver enforces that in its own
// write, see app.Store.)
package domain

import (
	"slices"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
)

// FinalStatuses are the statuses a booking never leaves; only these are archived.
var FinalStatuses = []string{
	booking.StatusAvailed, booking.StatusCancelled, booking.StatusNoShow, booking.StatusExpired, booking.StatusFailed,
}

// FinalEvents are the booking events whose data is a finished booking.
var FinalEvents = []string{
	booking.EventAvailed, booking.EventCancelled, booking.EventNoShow, booking.EventExpired, booking.EventFailed,
}

// IsFinal reports whether status is a final status.
func IsFinal(status string) bool { return slices.Contains(FinalStatuses, status) }

// Check says what is wrong with a record before it is archived: an
// invalid_input error naming every missing or wrong field.
func Check(b booking.Booking) error {
	var f apperr.Fields
	if b.ID == "" {
		f.Add("booking.id", "required")
	}
	if b.UserID == "" {
		f.Add("booking.user_id", "required")
	}
	if b.VendorID == "" {
		f.Add("booking.vendor_id", "required")
	}
	if b.Start.IsZero() {
		f.Add("booking.start", "required")
	}
	if !IsFinal(b.Status) {
		f.Add("booking.status", "%q is not a final status", b.Status)
	}
	return f.Err()
}
