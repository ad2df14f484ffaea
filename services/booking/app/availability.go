package app

import (
	"context"
	"sort"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/booking"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
)

// Availability lists the free slots of a day for a party (public).
func (a *App) Availability(ctx context.Context, r booking.AvailabilityRequest) (booking.Availability, error) {
	var f apperr.Fields
	day, err := time.Parse("2006-01-02", r.Date)
	if err != nil {
		f.Add("date", "must be YYYY-MM-DD")
	}
	if r.PartySize < 1 || r.PartySize > 100 {
		f.Add("party_size", "must be between 1 and 100")
	}
	if err := f.Err(); err != nil {
		return booking.Availability{}, err
	}
	view, err := a.fittingView(ctx, r.VendorID, r.PartySize, 1)
	if err != nil {
		return booking.Availability{}, err
	}
	v := view.v
	slots, err := a.free(ctx, v, day, r.PartySize, 1)
	if err != nil {
		return booking.Availability{}, err
	}
	out := booking.Availability{VendorID: v.ID, Date: r.Date, Timezone: v.Timezone, Slots: make([]booking.Slot, len(slots))}
	for i, s := range slots {
		out.Slots[i] = booking.Slot{Start: s.Start, End: s.End}
	}
	return out, nil
}

// free returns the day's slots with at least quantity free units of
// capacity >= party (schedule.Free: the rule search applies too).
func (a *App) free(ctx context.Context, v domain.Vendor, day time.Time, party, quantity int) ([]domain.Range, error) {
	if !v.Active {
		return nil, nil
	}
	slots, err := v.Slots(day.Year(), day.Month(), day.Day())
	if err != nil || len(slots) == 0 {
		return nil, err
	}
	now := a.Clock.Now()
	window := domain.Range{Start: slots[0].Start, End: slots[0].End}
	for _, s := range slots {
		if s.End.After(window.End) {
			window.End = s.End
		}
	}
	units, busy, err := a.Free.FreeUnits(ctx, v.ID, party, window)
	if err != nil {
		return nil, err
	}
	// The repository lists only active units seating the party, and holds
	// by unit id: as the shared rule's units and holds (the one free-slot
	// rule search applies too).
	fit := make([]schedule.Unit, len(units))
	for i, id := range units {
		fit[i] = schedule.Unit{ID: id, Capacity: party, Active: true}
	}
	n := 0
	for _, rs := range busy {
		n += len(rs)
	}
	holds := make([]schedule.Hold, 0, n)
	for id, rs := range busy {
		for _, r := range rs {
			holds = append(holds, schedule.Hold{UnitID: id, During: r})
		}
	}
	var out []domain.Range
	for _, s := range slots {
		if schedule.Free(fit, holds, s, party, quantity, now) {
			out = append(out, s)
		}
	}
	return out, nil
}

// nearby is the slot_unavailable error with up to five free start times
// nearest to the requested one, on its day and the next.
func (a *App) nearby(ctx context.Context, v domain.Vendor, want domain.Range, party, quantity int) error {
	e := apperr.E(apperr.SlotUnavailable, "no free unit for %d at that time", party)
	loc, err := v.Location()
	if err != nil {
		return e
	}
	var cands []domain.Range
	for d := 0; d <= 1; d++ {
		day := want.Start.In(loc).AddDate(0, 0, d)
		free, err := a.free(ctx, v, time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), party, quantity)
		if err != nil {
			return e
		}
		cands = append(cands, free...)
	}
	dist := func(r domain.Range) time.Duration {
		d := r.Start.Sub(want.Start)
		if d < 0 {
			return -d
		}
		return d
	}
	sort.SliceStable(cands, func(i, j int) bool { return dist(cands[i]) < dist(cands[j]) })
	if len(cands) > 5 {
		cands = cands[:5]
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Start.Before(cands[j].Start) })
	times := make([]time.Time, len(cands))
	for i, c := range cands {
		times[i] = c.Start
	}
	return e.With("available", times)
}
