package booking

import (
	"time"
)

// States.
const (
	StatusBlocked   = "BLOCKED"
	StatusConfirmed = "CONFIRMED"
	StatusFailed    = "FAILED"
	StatusExpired   = "EXPIRED"
	StatusCancelled = "CANCELLED"
	StatusAvailed   = "AVAILED"
	StatusNoShow    = "NO_SHOW"
)

// AvailabilityRequest asks for the free start times of a day.
type AvailabilityRequest struct {
	VendorID  string `json:"vendor_id"`
	Date      string `json:"date"` // YYYY-MM-DD in the vendor's time zone
	PartySize int    `json:"party_size"`
}

// Slot is a free [start, end).
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Availability lists free slots.
type Availability struct {
	VendorID string `json:"vendor_id"`
	Date     string `json:"date"`
	Timezone string `json:"timezone"`
	Slots    []Slot `json:"slots"`
}

// CreateRequest books units for a time. End defaults to start + the
// vendor's stay (restaurants) or one night (hotels).
type CreateRequest struct {
	VendorID      string     `json:"vendor_id"`
	Start         time.Time  `json:"start"`
	End           *time.Time `json:"end,omitempty"`
	PartySize     int        `json:"party_size"`
	Quantity      int        `json:"quantity,omitempty"` // units, default 1
	PaymentMethod string     `json:"payment_method"`
}

// Deposit is a booking's deposit and what became of it.
type Deposit struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Status   string `json:"status"` // none | pending | charged | refunded | kept | failed | voided
}

// Refund says what a transition gave back.
type Refund struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Status   string `json:"status"` // refunded | none (deposit kept) | pending
	Reason   string `json:"reason,omitempty"`
}

// Booking is a booking as its user and the vendor's managers see it.
type Booking struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	VendorID  string     `json:"vendor_id"`
	UserID    string     `json:"user_id"`
	Start     time.Time  `json:"start"`
	End       time.Time  `json:"end"`
	PartySize int        `json:"party_size"`
	Units     []Unit     `json:"units"`
	Deposit   Deposit    `json:"deposit"`
	Refund    *Refund    `json:"refund,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // while BLOCKED
	Version   int64      `json:"version"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Unit is a held unit.
type Unit struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
}

// GetRequest reads a booking.
type GetRequest struct {
	ID string `json:"id"`
}

// UpdateRequest moves a booking or changes its party size; nil fields stay.
type UpdateRequest struct {
	ID        string     `json:"id"`
	Start     *time.Time `json:"start,omitempty"`
	End       *time.Time `json:"end,omitempty"`
	PartySize *int       `json:"party_size,omitempty"`
}

// TransitionRequest cancels, avails or marks a no-show.
type TransitionRequest struct {
	ID string `json:"id"`
}

// ListRequest pages through bookings of a user (UserID) or a vendor (VendorID).
type ListRequest struct {
	UserID   string     `json:"user_id,omitempty"`
	VendorID string     `json:"vendor_id,omitempty"`
	Scope    string     `json:"scope,omitempty"` // current | past | all
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	Status   string     `json:"status,omitempty"`
	Cursor   string     `json:"cursor,omitempty"`
	Limit    int        `json:"limit,omitempty"`
}

// Page is one page of bookings.
type Page struct {
	Items      []Booking `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// Scan page sizes.
const (
	DefaultScanLimit = 200
	MaxScanLimit     = 500
)

// ScanRequest pages through every current booking (BLOCKED or CONFIRMED,
// ending in the future) in id order (service to service: search's reindex).
type ScanRequest struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"` // 1..MaxScanLimit, default DefaultScanLimit
}

// ScanPage is one page of a scan. Total, the number of current bookings,
// is counted for the first page (no cursor) only.
type ScanPage struct {
	Items      []Booking `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
	Total      int64     `json:"total,omitempty"`
}

// bookingdata_cache layout (Redis), written by the booking service after
// every committed change and read by booking management. Each is a
// platform cache Index (<prefix>booking:<entity>:{<id>}), score = start as
// Unix seconds, payload = the Booking JSON, holding the BLOCKED and CONFIRMED
// bookings of one user or one vendor.
const (
	CacheService             = "booking"
	CacheEntityUserCurrent   = "user_current"
	CacheEntityVendorCurrent = "vendor_current"
)

// Active reports whether a status is current (BLOCKED or CONFIRMED); every
// other status is final and its booking belongs to the archive.
func Active(status string) bool { return status == StatusBlocked || status == StatusConfirmed }
