package domain

import (
	"time"

	"github.com/slotmesh/slotmesh/services/internal/schedule"
)

// Range is a half-open [Start, End).
type Range = schedule.Range

// Interval is an opening interval: minutes from midnight of Weekday (0 =
// Monday); Close may exceed 1440 (past midnight).
type Interval = schedule.Interval

// Schedule is the vendor's calendar: the rules shared with search
// (services/internal/schedule), so both read one vendor's hours alike.
func (v Vendor) Schedule() schedule.Schedule {
	return schedule.Schedule{ID: v.ID, Kind: v.Kind, Timezone: v.Timezone, Hours: v.Hours,
		SlotMinutes: v.SlotMinutes, StayMinutes: v.StayMinutes, CheckIn: v.CheckIn, CheckOut: v.CheckOut}
}

// Location is the vendor's time zone.
func (v Vendor) Location() (*time.Location, error) { return v.Schedule().Location() }

// Slots lists the candidate ranges that start on the local date (y, m, d);
// see schedule.Schedule.Slots.
func (v Vendor) Slots(y int, mo time.Month, d int) ([]Range, error) {
	return v.Schedule().Slots(y, mo, d)
}

// Resolve turns a requested start (and optional end) into the range a booking
// holds; see schedule.Schedule.Resolve.
func (v Vendor) Resolve(start time.Time, end *time.Time, now time.Time) (Range, error) {
	return v.Schedule().Resolve(start, end, now)
}
