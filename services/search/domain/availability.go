package domain

import (
	"sort"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/schedule"
)

// Window is how far from the requested start free start times are listed.
const Window = 90 * time.Minute

// Unit is a table or a room as search knows it.
type Unit struct {
	ID       string
	Capacity int
	Active   bool
}

// Hold is a unit taken for [Start, End) by a BLOCKED or CONFIRMED booking.
type Hold struct {
	UnitID string
	During schedule.Range
}

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
// slot when it is active, seats the party and no hold overlaps the slot —
// booking's rule, on the same calendar (services/internal/schedule).
func Available(f Facts, start time.Time, party int, now time.Time) ([]time.Time, bool, error) {
	s := f.Schedule
	loc, err := s.Location()
	if err != nil {
		return nil, false, err
	}
	var fitting []string
	for _, u := range f.Units {
		if u.Active && u.Capacity >= party {
			fitting = append(fitting, u.ID)
		}
	}
	if len(fitting) == 0 {
		return nil, false, nil
	}
	busy := make(map[string][]schedule.Range, len(f.Holds))
	for _, h := range f.Holds {
		busy[h.UnitID] = append(busy[h.UnitID], h.During)
	}
	free := func(r schedule.Range) bool {
		if !r.Start.After(now) {
			return false
		}
		for _, u := range fitting {
			taken := false
			for _, b := range busy[u] {
				if b.Overlaps(r) {
					taken = true
					break
				}
			}
			if !taken {
				return true
			}
		}
		return false
	}
	if s.Kind == schedule.Hotel {
		l := start.In(loc)
		slots, err := s.Slots(l.Year(), l.Month(), l.Day())
		if err != nil || len(slots) == 0 || !free(slots[0]) {
			return nil, false, err
		}
		return []time.Time{slots[0].Start}, true, nil
	}
	lo, hi := start.Add(-Window), start.Add(Window)
	var cands []schedule.Range
	ly, lm, ld := lo.In(loc).Date()
	hy, hm, hd := hi.In(loc).Date()
	last := time.Date(hy, hm, hd, 12, 0, 0, 0, loc)
	for d := time.Date(ly, lm, ld, 12, 0, 0, 0, loc); !d.After(last); d = time.Date(d.Year(), d.Month(), d.Day()+1, 12, 0, 0, 0, loc) {
		slots, err := s.Slots(d.Year(), d.Month(), d.Day())
		if err != nil {
			return nil, false, err
		}
		cands = append(cands, slots...)
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].Start.Before(cands[j].Start) })
	step := time.Duration(s.SlotMinutes) * time.Minute
	var out []time.Time
	hit := false
	for _, c := range cands {
		if c.Start.Before(lo) || c.Start.After(hi) || (len(out) > 0 && out[len(out)-1].Equal(c.Start)) || !free(c) {
			continue
		}
		out = append(out, c.Start)
		if !c.Start.Before(start) && c.Start.Before(start.Add(step)) {
			hit = true
		}
	}
	if !hit {
		return nil, false, nil
	}
	return out, true, nil
}
