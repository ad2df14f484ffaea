// Package domain holds booking's rules: a vendor's schedule (slots in its own
// time zone, DST-safe), the range a booking holds, and the booking state
// machine. No I/O.
package domain

import (
	"fmt"
	"time"
	_ "time/tzdata" // zones must resolve on minimal images
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

// Vendor is booking's copy of what it needs about a vendor (ADR 0005).
type Vendor struct {
	ID              string
	Version         int64
	Kind            string
	Timezone        string
	Hours           []Interval
	SlotMinutes     int
	StayMinutes     int
	CheckIn         int // minutes
	CheckOut        int // minutes
	DepositAmount   int64
	DepositCurrency string
	DepositPerGuest bool
	FreeCancelHours int
	Active          bool
}

// Location is the vendor's time zone.
func (v Vendor) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(v.Timezone)
	if err != nil {
		return nil, fmt.Errorf("vendor %s: time zone %q: %w", v.ID, v.Timezone, err)
	}
	return loc, nil
}

// Deposit is what a booking of partySize on quantity units costs up front.
func (v Vendor) Deposit(partySize, quantity int) int64 {
	if v.DepositPerGuest {
		return v.DepositAmount * int64(partySize)
	}
	return v.DepositAmount * int64(quantity)
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
