// Package schedule is a vendor's calendar in its own time zone, shared by
// every service that must agree on it (booking holds by it, search offers by
// it): opening intervals (past midnight and DST-safe), the slot grid and stay
// of restaurants, hotel nights from check-in to check-out. Pure: no I/O.
package schedule

import (
	"sort"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// Range is a half-open [Start, End).
type Range struct{ Start, End time.Time }

// Overlaps reports whether r and o share an instant.
func (r Range) Overlaps(o Range) bool { return r.Start.Before(o.End) && o.Start.Before(r.End) }

// Slots lists the candidate ranges that start on the local date (y, m, d):
// restaurants on the slot grid inside opening intervals (an interval of the
// day before that runs past midnight contributes its after-midnight part),
// each lasting the vendor's stay; hotels one night from check-in to the next
// day's check-out. Wall times a DST change skips are left out; durations are
// absolute, so a stay across a change lasts its minutes.
func (v Schedule) Slots(y int, mo time.Month, d int) ([]Range, error) {
	loc, err := v.Location()
	if err != nil {
		return nil, err
	}
	if v.Kind == Hotel {
		s, ok1 := at(y, mo, d, v.CheckIn, loc)
		e, ok2 := at(y, mo, d, 1440+v.CheckOut, loc)
		if !ok1 || !ok2 {
			return nil, nil
		}
		return []Range{{s, e}}, nil
	}
	if v.SlotMinutes <= 0 || v.StayMinutes <= 0 {
		return nil, nil
	}
	day := time.Date(y, mo, d, 12, 0, 0, 0, loc)
	wd := weekday(day)
	prev := (wd + 6) % 7
	stay := time.Duration(v.StayMinutes) * time.Minute
	var out []Range
	add := func(openMin, closeMin int, py int, pm time.Month, pd int) {
		// The stay must end by the interval's close (wall clock).
		closeAt, ok := at(py, pm, pd, closeMin, loc)
		if !ok {
			closeAt = time.Date(py, pm, pd, 0, closeMin, 0, 0, loc)
		}
		// Candidate starts are wall times on the grid of the interval's own day.
		for s := openMin; s < closeMin && s < openMin+2*1440; s += v.SlotMinutes {
			start, ok := at(py, pm, pd, s, loc)
			if !ok {
				continue // a wall time the DST change skips
			}
			if start.Add(stay).After(closeAt) {
				return
			}
			sy, sm, sd, _ := wall(start, loc)
			if sy == y && sm == mo && sd == d {
				out = append(out, Range{start, start.Add(stay)})
			}
		}
	}
	py, pm, pd := time.Date(y, mo, d-1, 12, 0, 0, 0, loc).Date()
	for _, h := range v.Hours {
		if h.Weekday == wd {
			add(h.Open, v.reach(h), y, mo, d)
		}
		if h.Weekday == prev && h.Close > 1440 {
			add(h.Open, v.reach(h), py, pm, pd)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// reach is how far an interval really stays open, in minutes from its own
// day's midnight: an interval that closes exactly at a midnight runs on into
// an interval that opens then (a place open around the clock lets a stay
// cross midnight). Starts are still only offered inside the interval itself.
func (v Schedule) reach(h Interval) int {
	end := h.Close
	for guard := 0; guard < 7 && end%1440 == 0; guard++ {
		next := (h.Weekday + end/1440) % 7
		found := false
		for _, n := range v.Hours {
			if n.Weekday == next && n.Open == 0 {
				end += n.Close
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return end
}

// Resolve turns a requested start (and optional end) into the range a booking
// holds, checking it against the vendor's schedule: restaurants on the slot
// grid and inside one opening interval; hotels by dates, check-in to
// check-out, 1 to 30 nights. now guards against the past.
func (v Schedule) Resolve(start time.Time, end *time.Time, now time.Time) (Range, error) {
	loc, err := v.Location()
	if err != nil {
		return Range{}, err
	}
	if v.Kind == Hotel {
		y, m, d, _ := wall(start, loc)
		nights := 1
		if end != nil {
			ey, em, ed, _ := wall(*end, loc)
			nights = int(time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC).Sub(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)).Hours() / 24)
			if nights < 1 {
				return Range{}, apperr.Field("end", "must be at least one night after start")
			}
			if nights > 30 {
				return Range{}, apperr.Field("end", "a stay is at most 30 nights")
			}
		}
		s, _ := at(y, m, d, v.CheckIn, loc)
		e, _ := at(y, m, d, nights*1440+v.CheckOut, loc)
		if !s.After(now) {
			return Range{}, apperr.Field("start", "check-in is in the past")
		}
		return Range{s, e}, nil
	}
	if !start.After(now) {
		return Range{}, apperr.Field("start", "is in the past")
	}
	stayEnd := start.Add(time.Duration(v.StayMinutes) * time.Minute)
	if end != nil {
		if !end.After(start) {
			return Range{}, apperr.Field("end", "must be after start")
		}
		if end.Sub(start) > 12*time.Hour {
			return Range{}, apperr.Field("end", "a table is held at most 12 hours")
		}
		stayEnd = *end
	}
	y, m, d, _ := wall(start, loc)
	slots, err := v.Slots(y, m, d)
	if err != nil {
		return Range{}, err
	}
	for _, s := range slots {
		if s.Start.Equal(start) {
			if end != nil && !v.within(start, stayEnd, loc) {
				return Range{}, apperr.E(apperr.RuleViolation, "end: the vendor is closed before then").With("field", "end")
			}
			return Range{start, stayEnd}, nil
		}
	}
	return Range{}, apperr.E(apperr.RuleViolation,
		"start: not a bookable time (closed, or off the %d-minute grid in %s)", v.SlotMinutes, v.Timezone).With("field", "start")
}

// within reports whether [start, end) lies inside one opening interval.
func (v Schedule) within(start, end time.Time, loc *time.Location) bool {
	for back := 0; back <= 1; back++ {
		base := start.In(loc)
		by, bm, bd := time.Date(base.Year(), base.Month(), base.Day()-back, 12, 0, 0, 0, loc).Date()
		wd := weekday(time.Date(by, bm, bd, 12, 0, 0, 0, loc))
		for _, h := range v.Hours {
			if h.Weekday != wd {
				continue
			}
			o, ok1 := at(by, bm, bd, h.Open, loc)
			c, _ := at(by, bm, bd, v.reach(h), loc)
			if ok1 && !start.Before(o) && !end.After(c) {
				return true
			}
		}
	}
	return false
}
