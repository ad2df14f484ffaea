package gateway

import (
	"context"
	"time"

	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// The vendor service validates every field and names the one at fault; the
// schema below checks types, rejects unknown fields and caps sizes (DoS
// guards far above the service's limits), nothing more, so that a value is
// judged in one place.

// Location is a point on earth, WGS84 degrees.
type Location struct {
	Lat float64 `json:"lat" doc:"Latitude in degrees, -90..90" example:"52.52"`
	Lng float64 `json:"lng" doc:"Longitude in degrees, -180..180" example:"13.405"`
}

// OpeningHours is one opening interval on a weekday, in the vendor's time zone.
type OpeningHours struct {
	Weekday   string `json:"weekday" maxLength:"16" doc:"monday .. sunday" example:"friday"`
	Open      string `json:"open" maxLength:"8" doc:"HH:MM, 00:00..23:59" example:"18:00"`
	Close     string `json:"close" maxLength:"8" doc:"HH:MM, after open (24:00 is the end of the day), or before it with overnight" example:"02:00"`
	Overnight bool   `json:"overnight,omitempty" doc:"Closes after midnight, on the next day"`
}

// DepositPolicy is charged per booking or per guest.
type DepositPolicy struct {
	Amount   int64  `json:"amount" doc:"Minor units (cents), 0..10000000; 0 means no deposit" example:"1000"`
	Currency string `json:"currency" maxLength:"8" doc:"ISO 4217 code" example:"EUR"`
	Per      string `json:"per" maxLength:"16" doc:"booking | guest" example:"guest"`
}

// CancellationPolicy is the free-cancellation window.
type CancellationPolicy struct {
	FreeUntilHoursBefore int `json:"free_until_hours_before" doc:"Free cancellation until this many hours before the start, 0..8760" example:"24"`
}

// VendorProfile is what an owner says about a vendor.
type VendorProfile struct {
	Kind         string             `json:"kind" maxLength:"32" doc:"restaurant | hotel; cannot change later" example:"restaurant"`
	Name         string             `json:"name" maxLength:"1000" doc:"1..200 characters" example:"Trattoria Roma"`
	Timezone     string             `json:"timezone" maxLength:"64" doc:"IANA time zone; opening hours are in it" example:"Europe/Berlin"`
	Address      string             `json:"address" maxLength:"2000" doc:"One string, 1..500 characters" example:"Torstraße 1, 10119 Berlin"`
	Location     Location           `json:"location"`
	Tags         []string           `json:"tags" maxItems:"100" nullable:"false" doc:"At most 30; stored trimmed, lower-case, de-duplicated and sorted" example:"[\"italian\",\"vegan\"]"`
	OpeningHours []OpeningHours     `json:"opening_hours" maxItems:"100" nullable:"false" doc:"At most 28 intervals; a weekday without one is closed, a day may have several"`
	SlotMinutes  int                `json:"slot_minutes,omitempty" doc:"Restaurants: booking grid in minutes, dividing a day, 5..240; default 15" example:"15"`
	StayMinutes  int                `json:"stay_minutes,omitempty" doc:"Restaurants: default length of a stay in minutes, 15..720; default 90" example:"90"`
	CheckIn      string             `json:"check_in,omitempty" maxLength:"8" doc:"Hotels: HH:MM; default 15:00" example:"15:00"`
	CheckOut     string             `json:"check_out,omitempty" maxLength:"8" doc:"Hotels: HH:MM; default 11:00" example:"11:00"`
	Deposit      DepositPolicy      `json:"deposit"`
	Cancellation CancellationPolicy `json:"cancellation"`

	BookingHorizonDays int `json:"booking_horizon_days,omitempty" doc:"How many days ahead a booking may start, 1..730; default 365" example:"365"`
}

func (p VendorProfile) contract() vendors.Profile {
	return vendors.Profile{
		Kind: p.Kind, Name: p.Name, Timezone: p.Timezone, Address: p.Address,
		Location: vendors.Location(p.Location), Tags: p.Tags, OpeningHours: hoursIn(p.OpeningHours),
		SlotMinutes: p.SlotMinutes, StayMinutes: p.StayMinutes, CheckIn: p.CheckIn, CheckOut: p.CheckOut,
		Deposit: vendors.Deposit(p.Deposit), Cancellation: vendors.Cancellation(p.Cancellation),
		BookingHorizonDays: p.BookingHorizonDays,
	}
}

func hoursIn(in []OpeningHours) []vendors.OpeningHours {
	if in == nil {
		return nil
	}
	out := make([]vendors.OpeningHours, len(in))
	for i, h := range in {
		out[i] = vendors.OpeningHours(h)
	}
	return out
}

// UnitsSummary counts a vendor's active units.
type UnitsSummary struct {
	Total      int            `json:"total" doc:"Active units"`
	ByCapacity map[string]int `json:"by_capacity,omitempty" doc:"Active units by capacity (seats or beds), e.g. {\"4\": 12}"`
}

// VendorOut is a vendor as everyone sees it.
type VendorOut struct {
	ID string `json:"id" doc:"Vendor id (UUID)"`
	VendorProfile
	Status    string       `json:"status" doc:"active | suspended"`
	Units     UnitsSummary `json:"units"`
	Version   int64        `json:"version" doc:"Goes up with every change"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

type vendorOutput struct {
	Body VendorOut
}

func vendorOut(v vendors.Vendor) *vendorOutput {
	hours := make([]OpeningHours, len(v.OpeningHours))
	for i, h := range v.OpeningHours {
		hours[i] = OpeningHours(h)
	}
	tags := v.Tags
	if tags == nil {
		tags = []string{}
	}
	return &vendorOutput{Body: VendorOut{
		ID: v.ID,
		VendorProfile: VendorProfile{
			Kind: v.Kind, Name: v.Name, Timezone: v.Timezone, Address: v.Address,
			Location: Location(v.Location), Tags: tags, OpeningHours: hours,
			SlotMinutes: v.SlotMinutes, StayMinutes: v.StayMinutes, CheckIn: v.CheckIn, CheckOut: v.CheckOut,
			Deposit: DepositPolicy(v.Deposit), Cancellation: CancellationPolicy(v.Cancellation),
			BookingHorizonDays: v.BookingHorizonDays,
		},
		Status:    v.Status,
		Units:     UnitsSummary{Total: v.Units.Total, ByCapacity: v.Units.ByCapacity},
		Version:   v.Version,
		CreatedAt: v.CreatedAt,
		UpdatedAt: v.UpdatedAt,
	}}
}

type createVendorInput struct {
	Body VendorProfile
}

func (s *Server) handleCreateVendor(ctx context.Context, in *createVendorInput) (*vendorOutput, error) {
	v, err := s.vendors.Create(ctx, vendors.CreateRequest{Profile: in.Body.contract()})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return vendorOut(v), nil
}

type vendorPath struct {
	ID string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
}

func (s *Server) handleGetVendor(ctx context.Context, in *vendorPath) (*vendorOutput, error) {
	v, err := s.vendors.Get(ctx, in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return vendorOut(v), nil
}

type updateVendorInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	Body struct {
		Name         *string             `json:"name,omitempty" maxLength:"1000"`
		Timezone     *string             `json:"timezone,omitempty" maxLength:"64"`
		Address      *string             `json:"address,omitempty" maxLength:"2000"`
		Location     *Location           `json:"location,omitempty"`
		Tags         *[]string           `json:"tags,omitempty" maxItems:"100" doc:"Replaces every tag; [] removes them"`
		OpeningHours *[]OpeningHours     `json:"opening_hours,omitempty" maxItems:"100" doc:"Replaces the whole week"`
		SlotMinutes  *int                `json:"slot_minutes,omitempty" doc:"Restaurants only"`
		StayMinutes  *int                `json:"stay_minutes,omitempty" doc:"Restaurants only"`
		CheckIn      *string             `json:"check_in,omitempty" maxLength:"8" doc:"Hotels only"`
		CheckOut     *string             `json:"check_out,omitempty" maxLength:"8" doc:"Hotels only"`
		Deposit      *DepositPolicy      `json:"deposit,omitempty"`
		Cancellation *CancellationPolicy `json:"cancellation,omitempty"`
		Status       *string             `json:"status,omitempty" maxLength:"16" doc:"active | suspended"`

		BookingHorizonDays *int `json:"booking_horizon_days,omitempty" doc:"How many days ahead a booking may start, 1..730; default 365" example:"365"`
	}
}

func (s *Server) handleUpdateVendor(ctx context.Context, in *updateVendorInput) (*vendorOutput, error) {
	b := in.Body
	r := vendors.UpdateRequest{ID: in.ID, Name: b.Name, Timezone: b.Timezone, Address: b.Address, Tags: b.Tags,
		SlotMinutes: b.SlotMinutes, StayMinutes: b.StayMinutes, CheckIn: b.CheckIn, CheckOut: b.CheckOut, Status: b.Status,
		BookingHorizonDays: b.BookingHorizonDays}
	if b.Location != nil {
		l := vendors.Location(*b.Location)
		r.Location = &l
	}
	if b.OpeningHours != nil {
		h := hoursIn(*b.OpeningHours)
		if h == nil {
			h = []vendors.OpeningHours{}
		}
		r.OpeningHours = &h
	}
	if b.Deposit != nil {
		d := vendors.Deposit(*b.Deposit)
		r.Deposit = &d
	}
	if b.Cancellation != nil {
		c := vendors.Cancellation(*b.Cancellation)
		r.Cancellation = &c
	}
	v, err := s.vendors.Update(ctx, r)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return vendorOut(v), nil
}

// UnitOut is a table (restaurants) or a room (hotels).
type UnitOut struct {
	ID        string    `json:"id" doc:"Unit id (UUID)"`
	VendorID  string    `json:"vendor_id"`
	Name      string    `json:"name" doc:"Unique at the vendor, e.g. \"T12\" or \"Room 204\""`
	Capacity  int       `json:"capacity" doc:"Seats or beds"`
	Active    bool      `json:"active" doc:"Inactive units take no new bookings"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func unitOut(u vendors.Unit) UnitOut {
	return UnitOut{ID: u.ID, VendorID: u.VendorID, Name: u.Name, Capacity: u.Capacity, Active: u.Active,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func unitsOut(in []vendors.Unit) []UnitOut {
	out := make([]UnitOut, len(in))
	for i, u := range in {
		out[i] = unitOut(u)
	}
	return out
}

// NewUnit is a unit to add.
type NewUnit struct {
	Name     string `json:"name" maxLength:"400" doc:"1..100 characters, unique at the vendor" example:"T12"`
	Capacity int    `json:"capacity" doc:"Seats or beds, 1..100" example:"4"`
}

// addUnitsBody is the largest body of the API: up to 20,000 units.
const addUnitsBody = 4 << 20

type addUnitsInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	Body struct {
		Units []NewUnit `json:"units" doc:"1..20000 units, added all or none"`
	}
}

type addUnitsOutput struct {
	Body struct {
		Units []UnitOut `json:"units" doc:"The units made, in request order"`
	}
}

func (s *Server) handleAddUnits(ctx context.Context, in *addUnitsInput) (*addUnitsOutput, error) {
	units := make([]vendors.NewUnit, len(in.Body.Units))
	for i, u := range in.Body.Units {
		units[i] = vendors.NewUnit(u)
	}
	res, err := s.vendors.AddUnits(ctx, vendors.AddUnitsRequest{VendorID: in.ID, Units: units})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &addUnitsOutput{}
	out.Body.Units = unitsOut(res.Units)
	return out, nil
}

type listUnitsInput struct {
	ID              string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	Cursor          string `query:"cursor" maxLength:"256" doc:"next_cursor of the previous page"`
	Limit           int    `query:"limit" doc:"Page size, 1..1000; default 100"`
	IncludeInactive bool   `query:"include_inactive" doc:"Also list deactivated units"`
}

type listUnitsOutput struct {
	Body struct {
		Items      []UnitOut `json:"items" doc:"In creation order"`
		NextCursor string    `json:"next_cursor,omitempty" doc:"Absent on the last page"`
	}
}

func (s *Server) handleListUnits(ctx context.Context, in *listUnitsInput) (*listUnitsOutput, error) {
	page, err := s.vendors.ListUnits(ctx, vendors.ListUnitsRequest{VendorID: in.ID, Cursor: in.Cursor, Limit: in.Limit, IncludeInactive: in.IncludeInactive})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &listUnitsOutput{}
	out.Body.Items, out.Body.NextCursor = unitsOut(page.Items), page.NextCursor
	return out, nil
}

type updateUnitInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	UnitID string `path:"unit_id" maxLength:"64" doc:"Unit id (UUID)"`
	Body   struct {
		Name     *string `json:"name,omitempty" maxLength:"400"`
		Capacity *int    `json:"capacity,omitempty" doc:"1..100"`
		Active   *bool   `json:"active,omitempty" doc:"false: no new bookings (existing ones stand)"`
	}
}

type unitOutput struct {
	Body UnitOut
}

func (s *Server) handleUpdateUnit(ctx context.Context, in *updateUnitInput) (*unitOutput, error) {
	u, err := s.vendors.UpdateUnit(ctx, vendors.UpdateUnitRequest{VendorID: in.ID, UnitID: in.UnitID,
		Name: in.Body.Name, Capacity: in.Body.Capacity, Active: in.Body.Active})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &unitOutput{Body: unitOut(u)}, nil
}

// ManagerOut is a user who may manage a vendor.
type ManagerOut struct {
	VendorID string    `json:"vendor_id"`
	UserID   string    `json:"user_id"`
	Email    string    `json:"email,omitempty"`
	Role     string    `json:"role" doc:"owner | manager"`
	AddedAt  time.Time `json:"added_at"`
}

func managerOut(m vendors.Manager) ManagerOut {
	return ManagerOut{VendorID: m.VendorID, UserID: m.UserID, Email: m.Email, Role: m.Role, AddedAt: m.AddedAt}
}

type addManagerInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Vendor id (UUID)"`
	Body struct {
		Email string `json:"email" maxLength:"254" doc:"Email of a signed-up user" example:"bob@example.com"`
	}
}

type managerOutput struct {
	Body ManagerOut
}

func (s *Server) handleAddManager(ctx context.Context, in *addManagerInput) (*managerOutput, error) {
	m, err := s.vendors.AddManager(ctx, vendors.AddManagerRequest{VendorID: in.ID, Email: in.Body.Email})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &managerOutput{Body: managerOut(m)}, nil
}

type listManagersOutput struct {
	Body struct {
		Items []ManagerOut `json:"items" doc:"Every manager, the owner included; one page"`
	}
}

func (s *Server) handleListManagers(ctx context.Context, in *vendorPath) (*listManagersOutput, error) {
	list, err := s.vendors.ListManagers(ctx, in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &listManagersOutput{}
	out.Body.Items = make([]ManagerOut, len(list.Items))
	for i, m := range list.Items {
		out.Body.Items[i] = managerOut(m)
	}
	return out, nil
}
