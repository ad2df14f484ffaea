package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/contracts/vendors"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// Apply handles one event from Kafka: a vendor's profile or units (topic
// new_vendor) update the read model and the vendor's index document; a
// booking event (every booking topic) takes or frees the units it holds.
// Other event types are ignored. Data that cannot be read is invalid_input:
// the consumer moves it to the dead-letter topic. Every step is
// version-guarded and idempotent, so redelivery is harmless.
func (a *App) Apply(ctx context.Context, e contracts.Event) error {
	bad := func(format string, args ...any) error {
		return apperr.E(apperr.InvalidInput, "event %s (%s): %s", e.ID, e.Type, fmt.Sprintf(format, args...))
	}
	switch e.Type {
	case vendors.EventVendorCreated, vendors.EventVendorUpdated:
		var d vendors.VendorChanged
		if err := e.Decode(&d); err != nil {
			return bad("undecodable vendor: %v", err)
		}
		v, err := VendorOf(d.Vendor)
		if err != nil {
			return bad("%v", err)
		}
		stored, err := a.Store.ApplyVendor(ctx, v)
		if err != nil {
			return err
		}
		return a.Index.Upsert(ctx, []Doc{DocOf(stored)})
	case vendors.EventUnitsChanged:
		var d vendors.UnitsChanged
		if err := e.Decode(&d); err != nil {
			return bad("undecodable units: %v", err)
		}
		if d.VendorID == "" {
			return bad("units without vendor_id")
		}
		units := make([]domain.Unit, 0, len(d.Units))
		for _, u := range d.Units {
			if u.ID == "" {
				return bad("a unit without id")
			}
			units = append(units, domain.Unit{ID: u.ID, Capacity: u.Capacity, Active: u.Active})
		}
		stored, known, err := a.Store.ApplyUnits(ctx, d.VendorID, d.Version, units, d.Summary.Total)
		if err != nil || !known {
			return err // not known: its profile comes with a later event (or a reindex)
		}
		return a.Index.Upsert(ctx, []Doc{DocOf(stored)})
	case booking.EventBlocked, booking.EventConfirmed, booking.EventUpdated, booking.EventCancelled,
		booking.EventAvailed, booking.EventNoShow, booking.EventExpired, booking.EventFailed:
		var d booking.Changed
		if err := e.Decode(&d); err != nil {
			return bad("undecodable booking: %v", err)
		}
		b, err := BookingOf(d.Booking)
		if err != nil {
			return bad("%v", err)
		}
		return a.Store.ApplyBooking(ctx, b)
	}
	return nil
}

// VendorOf is search's copy of the vendor service's vendor.
func VendorOf(w vendors.Vendor) (domain.Vendor, error) {
	if w.ID == "" {
		return domain.Vendor{}, fmt.Errorf("vendor without id")
	}
	if w.Kind != vendors.KindRestaurant && w.Kind != vendors.KindHotel {
		return domain.Vendor{}, fmt.Errorf("vendor %s: kind %q", w.ID, w.Kind)
	}
	s, err := schedule.FromVendor(w)
	if err != nil {
		return domain.Vendor{}, err
	}
	if _, err := s.Location(); err != nil {
		return domain.Vendor{}, err
	}
	return domain.Vendor{
		ID: w.ID, Version: w.Version, Kind: w.Kind, Name: w.Name, Tags: NormTags(w.Tags),
		Lat: w.Location.Lat, Lng: w.Location.Lng, Active: w.Status == vendors.StatusActive,
		ActiveUnits: w.Units.Total, Schedule: s,
	}, nil
}

// BookingOf is search's copy of a booking from its event.
func BookingOf(b booking.Booking) (domain.Booking, error) {
	if b.ID == "" || b.VendorID == "" {
		return domain.Booking{}, fmt.Errorf("booking without id or vendor_id")
	}
	out := domain.Booking{ID: b.ID, VendorID: b.VendorID, Version: b.Version, Status: b.Status,
		During: schedule.Range{Start: b.Start.UTC(), End: b.End.UTC()}, Holding: booking.Active(b.Status)}
	if out.Holding && !b.Start.Before(b.End) {
		return domain.Booking{}, fmt.Errorf("booking %s: start not before end", b.ID)
	}
	for _, u := range b.Units {
		if u.ID == "" {
			return domain.Booking{}, fmt.Errorf("booking %s: a unit without id", b.ID)
		}
		out.Units = append(out.Units, u.ID)
	}
	return out, nil
}

// DocOf is a vendor's index document.
func DocOf(v domain.Vendor) Doc {
	return Doc{VendorID: v.ID, Kind: v.Kind, Name: v.Name, Tags: v.Tags, Lat: v.Lat, Lng: v.Lng,
		Active: v.Findable(), Version: v.Version}
}

// NormTags trims, lower-cases, de-duplicates and sorts tags.
func NormTags(in []string) []string {
	out := make([]string, 0, len(in))
	for _, t := range in {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
