package archive

import (
	"time"

	"github.com/slotmesh/slotmesh/contracts/booking"
)

// Limits of a page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ListRequest pages through the finished bookings of one user (UserID) or
// one vendor (VendorID), exactly one of the two, newest start first.
type ListRequest struct {
	UserID   string     `json:"user_id,omitempty"`
	VendorID string     `json:"vendor_id,omitempty"`
	From     *time.Time `json:"from,omitempty"`   // start >= From
	To       *time.Time `json:"to,omitempty"`     // start < To
	Status   string     `json:"status,omitempty"` // one final status, or all
	Cursor   string     `json:"cursor,omitempty"` // opaque, from the previous page
	Limit    int        `json:"limit,omitempty"`  // DefaultLimit; at most MaxLimit
}

// Page is one page of archived bookings (NextCursor empty on the last).
type Page struct {
	Items      []booking.Booking `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// GetRequest reads one archived booking.
type GetRequest struct {
	ID string `json:"id"`
}
