package schedule

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // zones must resolve on minimal images

	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// Kinds.
const (
	Restaurant = "restaurant"
	Hotel      = "hotel"
)

// Interval is an opening interval: minutes from midnight of Weekday (0 =
// Monday); Close may exceed 1440 (past midnight).
type Interval struct {
	Weekday int `json:"weekday"`
	Open    int `json:"open"`
	Close   int `json:"close"`
}

// Schedule is what decides when a vendor can be booked.
type Schedule struct {
	ID          string // the vendor's id, for messages
	Kind        string
	Timezone    string
	Hours       []Interval
	SlotMinutes int
	StayMinutes int
	CheckIn     int // minutes
	CheckOut    int // minutes
}

// Location is the vendor's time zone.
func (v Schedule) Location() (*time.Location, error) {
	if loc, ok := zones.Load(v.Timezone); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(v.Timezone)
	if err != nil {
		return nil, fmt.Errorf("vendor %s: time zone %q: %w", v.ID, v.Timezone, err)
	}
	zones.Store(v.Timezone, loc)
	return loc, nil
}

// zones caches loaded time zones by name: time.LoadLocation reads and parses
// the zone file on every call (microseconds each), and availability asks for
// a vendor's zone several times per candidate. A *time.Location is immutable
// and safe for concurrent use; the process sees one tz database.
var zones sync.Map

// FromVendor reads the schedule of the vendor service's vendor: weekday
// names, "HH:MM" clocks, overnight closings.
func FromVendor(w vendors.Vendor) (Schedule, error) {
	s := Schedule{ID: w.ID, Kind: w.Kind, Timezone: w.Timezone, SlotMinutes: w.SlotMinutes, StayMinutes: w.StayMinutes}
	var ok bool
	if w.Kind == vendors.KindHotel {
		if s.CheckIn, ok = clock(w.CheckIn); !ok {
			return s, fmt.Errorf("vendor %s: bad check_in %q", w.ID, w.CheckIn)
		}
		if s.CheckOut, ok = clock(w.CheckOut); !ok {
			return s, fmt.Errorf("vendor %s: bad check_out %q", w.ID, w.CheckOut)
		}
	}
	days := map[string]int{"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
	for _, h := range w.OpeningHours {
		d, okd := days[h.Weekday]
		o, oko := clock(h.Open)
		c, okc := clock(h.Close)
		if !okd || !oko || !okc {
			return s, fmt.Errorf("vendor %s: bad opening hours %+v", w.ID, h)
		}
		if h.Overnight {
			c += 1440
		}
		s.Hours = append(s.Hours, Interval{Weekday: d, Open: o, Close: c})
	}
	return s, nil
}

func clock(s string) (int, bool) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// weekday maps time.Weekday (Sunday = 0) to ours (Monday = 0).
func weekday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// wall returns t's local date at midnight and minutes since that midnight,
// by the wall clock (so DST days have 23 or 25 hours of minutes).
func wall(t time.Time, loc *time.Location) (y int, m time.Month, d int, minute int) {
	l := t.In(loc)
	return l.Year(), l.Month(), l.Day(), l.Hour()*60 + l.Minute()
}

// at returns the instant of wall time minute on date (y, m, d) in loc, and
// false when that wall time does not exist (skipped by a DST change).
func at(y int, mo time.Month, d, minute int, loc *time.Location) (time.Time, bool) {
	dayOff, minute := minute/1440, minute%1440
	t := time.Date(y, mo, d+dayOff, minute/60, minute%60, 0, 0, loc)
	ly, lm, ld := t.Date()
	want := time.Date(y, mo, d+dayOff, 0, 0, 0, 0, time.UTC)
	return t, ly == want.Year() && lm == want.Month() && ld == want.Day() && t.Hour() == minute/60 && t.Minute() == minute%60
}
