package bookingquery

import (
	"time"
)

// Scopes of a list.
const (
	// ScopeCurrent: BLOCKED and CONFIRMED bookings (until the vendor settles
	// them), soonest start first.
	ScopeCurrent = "current"
	// ScopePast: finished bookings (AVAILED, CANCELLED, NO_SHOW, EXPIRED,
	// FAILED), newest start first, from the archive: a booking appears here
	// moments after it finishes.
	ScopePast = "past"
)

// Limits of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ListRequest asks for one page. Scope defaults to current, or to past when
// Status names a final status.
type ListRequest struct {
	VendorID string     `json:"vendor_id,omitempty"` // OpVendor only
	Scope    string     `json:"scope,omitempty"`
	From     *time.Time `json:"from,omitempty"` // bookings ending after From
	To       *time.Time `json:"to,omitempty"`   // bookings starting before To
	Status   string     `json:"status,omitempty"`
	Cursor   string     `json:"cursor,omitempty"`
	Limit    int        `json:"limit,omitempty"`
}
