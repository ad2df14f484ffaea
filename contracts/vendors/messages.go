package vendors

import "time"

// Kinds of vendor.
const (
	KindRestaurant = "restaurant"
	KindHotel      = "hotel"
)

// Statuses of a vendor.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Deposit bases.
const (
	PerBooking = "booking"
	PerGuest   = "guest"
)

// How far ahead a booking may start, in days from now: a vendor's
// Profile.BookingHorizonDays, 1..MaxBookingHorizonDays; 0 on input (and in a
// vendor written before the setting existed) means DefaultBookingHorizonDays.
const (
	MinBookingHorizonDays     = 1
	DefaultBookingHorizonDays = 365
	MaxBookingHorizonDays     = 730 // two years
)

// Roles of a vendor's managers.
const (
	RoleOwner   = "owner"
	RoleManager = "manager"
)

// Location is a point on earth, WGS84 degrees.
type Location struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// OpeningHours is one opening interval on a weekday, in the vendor's time
// zone. Close before (or equal to) Open is an error unless Overnight marks a
// past-midnight closing; "24:00" closes at the end of the day. A weekday with
// no interval is a closed day; a day may have several (lunch and dinner).
type OpeningHours struct {
	Weekday   string `json:"weekday"` // monday .. sunday
	Open      string `json:"open"`    // HH:MM
	Close     string `json:"close"`   // HH:MM
	Overnight bool   `json:"overnight,omitempty"`
}

// Deposit is charged per booking or per guest, in minor units.
type Deposit struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"` // ISO 4217
	Per      string `json:"per"`      // booking | guest
}

// Cancellation is the free-cancellation window.
type Cancellation struct {
	FreeUntilHoursBefore int `json:"free_until_hours_before"`
}

// Profile is what an owner says about a vendor at onboarding (all fields) or
// in an update (any subset, see UpdateRequest).
type Profile struct {
	Kind         string         `json:"kind"`
	Name         string         `json:"name"`
	Timezone     string         `json:"timezone"`
	Address      string         `json:"address"`
	Location     Location       `json:"location"`
	Tags         []string       `json:"tags"`
	OpeningHours []OpeningHours `json:"opening_hours"`
	SlotMinutes  int            `json:"slot_minutes,omitempty"` // restaurants: booking grid, default 15
	StayMinutes  int            `json:"stay_minutes,omitempty"` // restaurants: default stay, default 90
	CheckIn      string         `json:"check_in,omitempty"`     // hotels: HH:MM, default 15:00
	CheckOut     string         `json:"check_out,omitempty"`    // hotels: HH:MM, default 11:00
	Deposit      Deposit        `json:"deposit"`
	Cancellation Cancellation   `json:"cancellation"`
	// BookingHorizonDays caps how far ahead a booking may start: its start
	// is at most this many days after now. 0 on input means
	// DefaultBookingHorizonDays; a vendor as read always carries 1..730.
	BookingHorizonDays int `json:"booking_horizon_days"`
}

// HorizonDays is BookingHorizonDays, or DefaultBookingHorizonDays when it is
// unset (0: a create request without it, or an event or reply written
// before the setting existed).
func (p Profile) HorizonDays() int {
	if p.BookingHorizonDays <= 0 {
		return DefaultBookingHorizonDays
	}
	return p.BookingHorizonDays
}

// CreateRequest onboards a vendor; the actor becomes its owner.
type CreateRequest struct {
	Profile
}

// Vendor is a vendor as everyone sees it.
type Vendor struct {
	ID string `json:"id"`
	Profile
	Status    string       `json:"status"`
	Units     UnitsSummary `json:"units"`
	Version   int64        `json:"version"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// UnitsSummary counts active units by capacity.
type UnitsSummary struct {
	Total      int            `json:"total"`
	ByCapacity map[string]int `json:"by_capacity,omitempty"` // "4": 12 — JSON keys are strings
}

// GetRequest reads a vendor (public).
type GetRequest struct {
	ID string `json:"id"`
}

// UpdateRequest changes a vendor; nil fields stay. Kind cannot change.
type UpdateRequest struct {
	ID           string          `json:"id"`
	Name         *string         `json:"name,omitempty"`
	Timezone     *string         `json:"timezone,omitempty"`
	Address      *string         `json:"address,omitempty"`
	Location     *Location       `json:"location,omitempty"`
	Tags         *[]string       `json:"tags,omitempty"`
	OpeningHours *[]OpeningHours `json:"opening_hours,omitempty"`
	SlotMinutes  *int            `json:"slot_minutes,omitempty"`
	StayMinutes  *int            `json:"stay_minutes,omitempty"`
	CheckIn      *string         `json:"check_in,omitempty"`
	CheckOut     *string         `json:"check_out,omitempty"`
	Deposit      *Deposit        `json:"deposit,omitempty"`
	Cancellation *Cancellation   `json:"cancellation,omitempty"`
	Status       *string         `json:"status,omitempty"`

	BookingHorizonDays *int `json:"booking_horizon_days,omitempty"` // 1..MaxBookingHorizonDays
}

// NewUnit is a unit to add.
type NewUnit struct {
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
}

// Unit is a table or a room.
type Unit struct {
	ID        string    `json:"id"`
	VendorID  string    `json:"vendor_id"`
	Name      string    `json:"name"`
	Capacity  int       `json:"capacity"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AddUnitsRequest adds units in bulk, all or none.
type AddUnitsRequest struct {
	VendorID string    `json:"vendor_id"`
	Units    []NewUnit `json:"units"`
}

// AddUnitsResponse lists the units made, in request order.
type AddUnitsResponse struct {
	Units []Unit `json:"units"`
}

// ListUnitsRequest pages through a vendor's units (creation order).
type ListUnitsRequest struct {
	VendorID        string `json:"vendor_id"`
	Cursor          string `json:"cursor,omitempty"`
	Limit           int    `json:"limit,omitempty"` // default 100, max 1000
	IncludeInactive bool   `json:"include_inactive,omitempty"`
}

// UnitPage is one page of units.
type UnitPage struct {
	Items      []Unit `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// UpdateUnitRequest renames or (de)activates a unit. A deactivated unit takes
// no new bookings; existing ones stand.
type UpdateUnitRequest struct {
	VendorID string  `json:"vendor_id"`
	UnitID   string  `json:"unit_id"`
	Name     *string `json:"name,omitempty"`
	Capacity *int    `json:"capacity,omitempty"`
	Active   *bool   `json:"active,omitempty"`
}

// AddManagerRequest lets the owner add a manager by email.
type AddManagerRequest struct {
	VendorID string `json:"vendor_id"`
	Email    string `json:"email"`
}

// Manager is a user who may manage a vendor.
type Manager struct {
	VendorID string    `json:"vendor_id"`
	UserID   string    `json:"user_id"`
	Email    string    `json:"email,omitempty"`
	Role     string    `json:"role"`
	AddedAt  time.Time `json:"added_at"`
}

// ListManagersRequest lists a vendor's managers.
type ListManagersRequest struct {
	VendorID string `json:"vendor_id"`
}

// ManagerList is every manager of a vendor.
type ManagerList struct {
	Items []Manager `json:"items"`
}

// AuthorizeRequest asks whether a user manages a vendor.
type AuthorizeRequest struct {
	VendorID string `json:"vendor_id"`
	UserID   string `json:"user_id"`
}

// AuthorizeResponse says the role; Role is "" when the user is not a manager.
type AuthorizeResponse struct {
	Role string `json:"role,omitempty"`
}

// FactsRequest asks for everything booking needs about a vendor.
type FactsRequest struct {
	VendorID string `json:"vendor_id"`
}

// Facts is a vendor with all its units (active and not), at one version.
type Facts struct {
	Vendor Vendor `json:"vendor"`
	Units  []Unit `json:"units"`
}

// Scan bounds: a page holds at most MaxScanLimit vendors and MaxScanUnits
// units, so a reply stays far under NATS's 1 MiB payload.
const (
	DefaultScanLimit = 100
	MaxScanLimit     = 500
	MaxScanUnits     = 5000
)

// ScanRequest pages through every vendor in id order with its units
// (service to service: search's reindex). Limit defaults to
// DefaultScanLimit.
type ScanRequest struct {
	Cursor          string `json:"cursor,omitempty"`
	Limit           int    `json:"limit,omitempty"`            // vendors, 1..MaxScanLimit
	IncludeInactive bool   `json:"include_inactive,omitempty"` // deactivated units too
}

// ScanUnit is what a scan says about a unit.
type ScanUnit struct {
	ID       string `json:"id"`
	Capacity int    `json:"capacity"`
	Active   bool   `json:"active"`
}

// ScanItem is a vendor and its units, read in one snapshot at
// Vendor.Version. A vendor with more units than a page may carry comes
// alone, with its first MaxScanUnits units and UnitsCursor: continue with
// listunits (same include_inactive) from it.
type ScanItem struct {
	Vendor      Vendor     `json:"vendor"`
	Units       []ScanUnit `json:"units"`
	UnitsCursor string     `json:"units_cursor,omitempty"`
}

// ScanPage is one page of a scan. Total, the number of vendors, is counted
// for the first page (no cursor) only.
type ScanPage struct {
	Items      []ScanItem `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
	Total      int64      `json:"total,omitempty"`
}
