package app

import (
	"strconv"

	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/vendors/domain"
)

// ToWire is a snapshot as the contracts spell it (events and replies).
func ToWire(s Snapshot) vendors.Vendor {
	v := s.Vendor
	out := vendors.Vendor{
		ID: v.ID,
		Profile: vendors.Profile{
			Kind: v.Kind, Name: v.Name, Timezone: v.Timezone, Address: v.Address,
			Location:     vendors.Location{Lat: v.Lat, Lng: v.Lng},
			Tags:         append([]string{}, v.Tags...),
			Deposit:      vendors.Deposit{Amount: v.Deposit.Amount, Currency: v.Deposit.Currency, Per: v.Deposit.Per},
			Cancellation: vendors.Cancellation{FreeUntilHoursBefore: v.FreeCancelH},

			BookingHorizonDays: v.HorizonDays,
		},
		Status:    v.Status,
		Units:     SummaryToWire(s.Summary),
		Version:   v.Version,
		CreatedAt: v.CreatedAt,
		UpdatedAt: v.UpdatedAt,
	}
	out.OpeningHours = make([]vendors.OpeningHours, 0, len(v.Hours))
	for _, h := range v.Hours {
		out.OpeningHours = append(out.OpeningHours, vendors.OpeningHours{
			Weekday: domain.Weekdays[h.Weekday], Open: domain.FormatClock(h.Open), Close: domain.FormatClock(h.Close), Overnight: h.Overnight,
		})
	}
	switch v.Kind {
	case domain.Restaurant:
		out.SlotMinutes, out.StayMinutes = v.SlotMinutes, v.StayMinutes
	case domain.Hotel:
		out.CheckIn, out.CheckOut = domain.FormatClock(v.CheckIn), domain.FormatClock(v.CheckOut)
	}
	return out
}

// SummaryToWire spells a summary with string keys (JSON objects).
func SummaryToWire(s Summary) vendors.UnitsSummary {
	out := vendors.UnitsSummary{Total: s.Total}
	if len(s.ByCapacity) > 0 {
		out.ByCapacity = make(map[string]int, len(s.ByCapacity))
		for c, n := range s.ByCapacity {
			out.ByCapacity[strconv.Itoa(c)] = n
		}
	}
	return out
}

// UnitToWire spells a unit.
func UnitToWire(u domain.Unit) vendors.Unit {
	return vendors.Unit{ID: u.ID, VendorID: u.VendorID, Name: u.Name, Capacity: u.Capacity, Active: u.Active, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// ProfileFromWire turns a wire profile (create) into the domain's input.
func ProfileFromWire(p vendors.Profile) domain.Profile {
	d := domain.Profile{
		Kind: &p.Kind, Name: &p.Name, Timezone: &p.Timezone, Address: &p.Address,
		Lat: &p.Location.Lat, Lng: &p.Location.Lng, Tags: &p.Tags,
		Deposit:     &domain.Deposit{Amount: p.Deposit.Amount, Currency: p.Deposit.Currency, Per: p.Deposit.Per},
		FreeCancelH: &p.Cancellation.FreeUntilHoursBefore,
	}
	hours := hoursFromWire(p.OpeningHours)
	d.Hours = &hours
	if p.SlotMinutes != 0 {
		d.SlotMinutes = &p.SlotMinutes
	}
	if p.StayMinutes != 0 {
		d.StayMinutes = &p.StayMinutes
	}
	if p.CheckIn != "" {
		d.CheckIn = &p.CheckIn
	}
	if p.CheckOut != "" {
		d.CheckOut = &p.CheckOut
	}
	if p.BookingHorizonDays != 0 { // 0: the default
		d.HorizonDays = &p.BookingHorizonDays
	}
	return d
}

// PatchFromWire turns an update request into the domain's input.
func PatchFromWire(r vendors.UpdateRequest) domain.Profile {
	d := domain.Profile{
		Name: r.Name, Timezone: r.Timezone, Address: r.Address, Tags: r.Tags,
		SlotMinutes: r.SlotMinutes, StayMinutes: r.StayMinutes, CheckIn: r.CheckIn, CheckOut: r.CheckOut, Status: r.Status,
		HorizonDays: r.BookingHorizonDays,
	}
	if r.Location != nil {
		d.Lat, d.Lng = &r.Location.Lat, &r.Location.Lng
	}
	if r.OpeningHours != nil {
		hours := hoursFromWire(*r.OpeningHours)
		d.Hours = &hours
	}
	if r.Deposit != nil {
		d.Deposit = &domain.Deposit{Amount: r.Deposit.Amount, Currency: r.Deposit.Currency, Per: r.Deposit.Per}
	}
	if r.Cancellation != nil {
		d.FreeCancelH = &r.Cancellation.FreeUntilHoursBefore
	}
	return d
}

func hoursFromWire(in []vendors.OpeningHours) []domain.HoursInput {
	out := make([]domain.HoursInput, len(in))
	for i, h := range in {
		out[i] = domain.HoursInput{Weekday: h.Weekday, Open: h.Open, Close: h.Close, Overnight: h.Overnight}
	}
	return out
}
