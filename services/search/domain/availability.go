package domain

import (
	"slices"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/schedule"
)

// Window is how far from the requested start free start times are listed.
const Window = 90 * time.Minute

// Unit is a table or a room as search knows it: the shared calendar's unit,
// so search and booking count free units by one rule (schedule.Free).
type Unit = schedule.Unit

// Hold is a unit taken for [Start, End) by a BLOCKED or CONFIRMED booking.
type Hold = schedule.Hold

// Facts are what availability needs about one vendor: its calendar, its
// units and the holds on them around the requested time.
type Facts struct {
	Schedule schedule.Schedule
	Units    []Unit
	Holds    []Hold
}

// HoldSpan is the span of time whose holds can matter for a search at
// start: restaurants' slots within Window of it and their stays (at most
// 12 h, as booking allows), hotels' night of start's local date (check-in
// within a day of start, check-out up to two days later).
func HoldSpan(start time.Time) schedule.Range {
	return schedule.Range{Start: start.Add(-26 * time.Hour), End: start.Add(50 * time.Hour)}
}

// Available answers for one vendor and a party of party at start: the free
// start times within Window of start on its grid (time order), and whether
// the vendor is a hit at all: open at start and with a free unit then. "At
// start" is the first start of the vendor's grid at or after start, less
// than one grid step later (a restaurant), or the check-in of start's local
// date (a hotel). Starts not after now are never free. A unit is free for a
// slot when it is active, seats the party and no hold overlaps the slot:
// schedule.Free, the rule booking applies, on the same calendar.
func Available(f Facts, start time.Time, party int, now time.Time) ([]time.Time, bool, error) {
	return (*Slots)(nil).Available(f, start, party, now)
}

// Slots remembers the slots of the calendars one search meets, so vendors
// that share a calendar (a city's zone, common hours, stay and grid) have
// their day's slots computed once. It is for one search at a time (not
// safe for concurrent use); a nil *Slots remembers nothing. Calendars are
// told apart by their hours slice's identity, so it pays off when the read
// model shares equal hours between vendors (postgres.Replica does).
type Slots struct{ m map[slotKey][]schedule.Range }

type slotKey struct {
	tz, kind                      string
	hours                         *schedule.Interval
	nHours                        int
	slot, stay, checkIn, checkOut int
	y                             int
	mo                            time.Month
	d                             int
}

func (c *Slots) slots(s schedule.Schedule, y int, mo time.Month, d int) ([]schedule.Range, error) {
	if c == nil || len(s.Hours) == 0 {
		return s.Slots(y, mo, d)
	}
	k := slotKey{s.Timezone, s.Kind, &s.Hours[0], len(s.Hours), s.SlotMinutes, s.StayMinutes, s.CheckIn, s.CheckOut, y, mo, d}
	if r, ok := c.m[k]; ok {
		return r, nil
	}
	r, err := s.Slots(y, mo, d)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = make(map[slotKey][]schedule.Range, 16)
	}
	c.m[k] = r
	return r, nil
}

// Available is the package's Available with c's memory of slots.
func (c *Slots) Available(f Facts, start time.Time, party int, now time.Time) ([]time.Time, bool, error) {
	s := f.Schedule
	loc, err := s.Location()
	if err != nil {
		return nil, false, err
	}
	if !slices.ContainsFunc(f.Units, func(u Unit) bool { return u.Seats(party) }) {
		return nil, false, nil
	}
	free := func(r schedule.Range) bool { return schedule.Free(f.Units, f.Holds, r, party, 1, now) }
	if s.Kind == schedule.Hotel {
		l := start.In(loc)
		slots, err := c.slots(s, l.Year(), l.Month(), l.Day())
		if err != nil || len(slots) == 0 || !free(slots[0]) {
			return nil, false, err
		}
		return []time.Time{slots[0].Start}, true, nil
	}
	// Each day's slots start on that local date, in order, so the days in
	// turn list them in time order (but for a zone that turns its clocks
	// back across midnight: sorted below).
	lo, hi := start.Add(-Window), start.Add(Window)
	step := time.Duration(s.SlotMinutes) * time.Minute
	ly, lm, ld := lo.In(loc).Date()
	hy, hm, hd := hi.In(loc).Date()
	last := time.Date(hy, hm, hd, 12, 0, 0, 0, loc)
	var out []time.Time
	hit := false
	for d := time.Date(ly, lm, ld, 12, 0, 0, 0, loc); !d.After(last); d = time.Date(d.Year(), d.Month(), d.Day()+1, 12, 0, 0, 0, loc) {
		slots, err := c.slots(s, d.Year(), d.Month(), d.Day())
		if err != nil {
			return nil, false, err
		}
		for _, sl := range slots {
			if sl.Start.Before(lo) || sl.Start.After(hi) || (len(out) > 0 && out[len(out)-1].Equal(sl.Start)) || !free(sl) {
				continue
			}
			if out == nil {
				out = make([]time.Time, 0, 2*Window/max(step, time.Minute)+1)
			}
			out = append(out, sl.Start)
			if !sl.Start.Before(start) && sl.Start.Before(start.Add(step)) {
				hit = true
			}
		}
	}
	if !hit {
		return nil, false, nil
	}
	if !slices.IsSortedFunc(out, time.Time.Compare) {
		slices.SortFunc(out, time.Time.Compare)
		out = slices.CompactFunc(out, time.Time.Equal)
	}
	return out, true, nil
}
