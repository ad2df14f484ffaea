// Package domain holds the vendor aggregate (restaurant or hotel), its
// opening hours, policies and units, with their invariants. No I/O.
package domain

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // time zones must resolve on minimal images too
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// Limits.
const (
	MaxNameLen      = 200
	MaxAddressLen   = 500
	MaxTags         = 30
	MaxTagLen       = 40
	MaxIntervals    = 28 // opening intervals per week
	MinCapacity     = 1
	MaxCapacity     = 100
	MaxUnitNameLen  = 100
	MaxUnitsPerCall = 10000
	MaxDeposit      = 100_000_00 // 100,000.00 in minor units
	MaxFreeCancelH  = 24 * 365

	// How far ahead a booking may start, in days (the contract's bounds).
	MinHorizonDays     = vendors.MinBookingHorizonDays
	DefaultHorizonDays = vendors.DefaultBookingHorizonDays
	MaxHorizonDays     = vendors.MaxBookingHorizonDays
)

// Kinds and statuses.
const (
	Restaurant = "restaurant"
	Hotel      = "hotel"
	Active     = "active"
	Suspended  = "suspended"
	PerBooking = "booking"
	PerGuest   = "guest"
)

// Weekdays in API spelling, Monday first.
var Weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// Interval is one opening interval: minutes from midnight of Weekday (0 =
// Monday), Close > Open; Close may pass 1440 for past-midnight closing.
type Interval struct {
	Weekday   int
	Open      int // minutes
	Close     int // minutes, > Open, <= Open + 24h
	Overnight bool
}

// Deposit policy.
type Deposit struct {
	Amount   int64
	Currency string
	Per      string
}

// Vendor is the aggregate.
type Vendor struct {
	ID          string
	OwnerID     string
	Kind        string
	Name        string
	Timezone    string
	Address     string
	Lat, Lng    float64
	Tags        []string
	Hours       []Interval
	SlotMinutes int // restaurants
	StayMinutes int // restaurants
	CheckIn     int // hotels, minutes
	CheckOut    int // hotels, minutes
	Deposit     Deposit
	FreeCancelH int
	HorizonDays int // a booking starts at most this many days ahead
	Status      string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Profile is the input of onboarding and (as Patch) updates, in wire form:
// validation turns strings into typed values and names every bad field.
type Profile struct {
	Kind        *string
	Name        *string
	Timezone    *string
	Address     *string
	Lat, Lng    *float64
	Tags        *[]string
	Hours       *[]HoursInput
	SlotMinutes *int
	StayMinutes *int
	CheckIn     *string
	CheckOut    *string
	Deposit     *Deposit
	FreeCancelH *int
	HorizonDays *int
	Status      *string
}

// HoursInput is one opening interval as sent.
type HoursInput struct {
	Weekday   string
	Open      string
	Close     string
	Overnight bool
}

// New validates a complete profile and builds a vendor at version 1.
func New(id, ownerID string, p Profile, now time.Time) (Vendor, error) {
	var f apperr.Fields
	req := func(ok bool, field string) {
		if !ok {
			f.Add(field, "is required")
		}
	}
	req(p.Kind != nil, "kind")
	req(p.Name != nil, "name")
	req(p.Timezone != nil, "timezone")
	req(p.Address != nil, "address")
	req(p.Lat != nil, "location.lat")
	req(p.Lng != nil, "location.lng")
	req(p.Deposit != nil, "deposit")
	if err := f.Err(); err != nil {
		return Vendor{}, err
	}
	v := Vendor{ID: id, OwnerID: ownerID, Kind: strings.ToLower(strings.TrimSpace(*p.Kind)), Status: Active,
		Version: 0, CreatedAt: now}
	switch v.Kind {
	case Restaurant:
		v.SlotMinutes, v.StayMinutes = 15, 90
	case Hotel:
		v.CheckIn, v.CheckOut = 15*60, 11*60
	default:
		return Vendor{}, apperr.Field("kind", `must be "restaurant" or "hotel"`)
	}
	if p.Tags == nil {
		p.Tags = &[]string{}
	}
	if p.Hours == nil {
		p.Hours = &[]HoursInput{}
	}
	if p.FreeCancelH == nil {
		zero := 0
		p.FreeCancelH = &zero
	}
	if p.HorizonDays == nil {
		days := DefaultHorizonDays
		p.HorizonDays = &days
	}
	p.Kind = nil // set above
	if _, err := v.Apply(p, now); err != nil {
		return Vendor{}, err
	}
	v.Version = 1
	v.UpdatedAt = now
	return v, nil
}

// Apply validates p and applies it, bumping the version when anything
// changed. Every problem is reported at once; on error v is unchanged.
func (v *Vendor) Apply(p Profile, now time.Time) (bool, error) {
	var f apperr.Fields
	next := *v
	if p.Kind != nil && strings.ToLower(strings.TrimSpace(*p.Kind)) != v.Kind {
		f.Add("kind", "cannot change")
	}
	if p.Name != nil {
		next.Name = strings.TrimSpace(*p.Name)
		if msg := checkText(next.Name, MaxNameLen); msg != "" {
			f.Add("name", "%s", msg)
		}
	}
	if p.Address != nil {
		next.Address = strings.TrimSpace(*p.Address)
		if msg := checkText(next.Address, MaxAddressLen); msg != "" {
			f.Add("address", "%s", msg)
		}
	}
	if p.Timezone != nil {
		next.Timezone = strings.TrimSpace(*p.Timezone)
		if _, err := time.LoadLocation(next.Timezone); err != nil || next.Timezone == "" || next.Timezone == "Local" {
			f.Add("timezone", "unknown IANA time zone %q", next.Timezone)
		}
	}
	if p.Lat != nil {
		next.Lat = *p.Lat
		if math.IsNaN(next.Lat) || next.Lat < -90 || next.Lat > 90 {
			f.Add("location.lat", "must be between -90 and 90")
		}
	}
	if p.Lng != nil {
		next.Lng = *p.Lng
		if math.IsNaN(next.Lng) || next.Lng < -180 || next.Lng > 180 {
			f.Add("location.lng", "must be between -180 and 180")
		}
	}
	if p.Tags != nil {
		tags, msg := NormalizeTags(*p.Tags)
		if msg != "" {
			f.Add("tags", "%s", msg)
		}
		next.Tags = tags
	}
	var rules apperr.Fields
	if p.Hours != nil {
		hours, shape, rule := parseHours(*p.Hours)
		f = append(f, shape...)
		rules = append(rules, rule...)
		next.Hours = hours
	}
	restaurantOnly := func(field string) { f.Add(field, "applies to restaurants only") }
	hotelOnly := func(field string) { f.Add(field, "applies to hotels only") }
	if p.SlotMinutes != nil {
		if next.Kind != Restaurant {
			restaurantOnly("slot_minutes")
		} else if n := *p.SlotMinutes; n < 5 || n > 240 || 1440%n != 0 {
			f.Add("slot_minutes", "must divide a day and be between 5 and 240 (e.g. 15, 30)")
		} else {
			next.SlotMinutes = n
		}
	}
	if p.StayMinutes != nil {
		if next.Kind != Restaurant {
			restaurantOnly("stay_minutes")
		} else if n := *p.StayMinutes; n < 15 || n > 720 {
			f.Add("stay_minutes", "must be between 15 and 720")
		} else {
			next.StayMinutes = n
		}
	}
	if p.CheckIn != nil {
		if next.Kind != Hotel {
			hotelOnly("check_in")
		} else if m, ok := ParseClock(*p.CheckIn, false); !ok {
			f.Add("check_in", "must be HH:MM")
		} else {
			next.CheckIn = m
		}
	}
	if p.CheckOut != nil {
		if next.Kind != Hotel {
			hotelOnly("check_out")
		} else if m, ok := ParseClock(*p.CheckOut, false); !ok {
			f.Add("check_out", "must be HH:MM")
		} else {
			next.CheckOut = m
		}
	}
	if p.Deposit != nil {
		d := *p.Deposit
		d.Currency = strings.ToUpper(strings.TrimSpace(d.Currency))
		if d.Amount < 0 {
			f.Add("deposit.amount", "must not be negative")
		} else if d.Amount > MaxDeposit {
			f.Add("deposit.amount", "must be at most %d minor units", MaxDeposit)
		}
		if !validCurrency(d.Currency) {
			f.Add("deposit.currency", "unknown ISO 4217 currency code %q", d.Currency)
		}
		d.Per = strings.ToLower(strings.TrimSpace(d.Per))
		if d.Per != PerBooking && d.Per != PerGuest {
			f.Add("deposit.per", `must be "booking" or "guest"`)
		}
		next.Deposit = d
	}
	if p.FreeCancelH != nil {
		if n := *p.FreeCancelH; n < 0 || n > MaxFreeCancelH {
			f.Add("cancellation.free_until_hours_before", "must be between 0 and %d", MaxFreeCancelH)
		} else {
			next.FreeCancelH = n
		}
	}
	if p.HorizonDays != nil {
		if n := *p.HorizonDays; n < MinHorizonDays || n > MaxHorizonDays {
			f.Add("booking_horizon_days", "must be between %d and %d days", MinHorizonDays, MaxHorizonDays)
		} else {
			next.HorizonDays = n
		}
	}
	if p.Status != nil {
		s := strings.ToLower(strings.TrimSpace(*p.Status))
		if s != Active && s != Suspended {
			f.Add("status", `must be "active" or "suspended"`)
		}
		next.Status = s
	}
	if err := f.Err(); err != nil {
		return false, err
	}
	if len(rules) > 0 {
		e := apperr.E(apperr.RuleViolation, "%s: %s", rules[0].Field, rules[0].Message).
			With("field", rules[0].Field).With("fields", []apperr.FieldProblem(rules))
		return false, e
	}
	if next.equal(v) {
		return false, nil
	}
	next.Version = v.Version + 1
	next.UpdatedAt = now
	*v = next
	return true, nil
}

func (v *Vendor) equal(o *Vendor) bool {
	if v.Name != o.Name || v.Address != o.Address || v.Timezone != o.Timezone || v.Lat != o.Lat || v.Lng != o.Lng ||
		v.SlotMinutes != o.SlotMinutes || v.StayMinutes != o.StayMinutes || v.CheckIn != o.CheckIn || v.CheckOut != o.CheckOut ||
		v.Deposit != o.Deposit || v.FreeCancelH != o.FreeCancelH || v.HorizonDays != o.HorizonDays || v.Status != o.Status ||
		len(v.Tags) != len(o.Tags) || len(v.Hours) != len(o.Hours) {
		return false
	}
	for i := range v.Tags {
		if v.Tags[i] != o.Tags[i] {
			return false
		}
	}
	for i := range v.Hours {
		if v.Hours[i] != o.Hours[i] {
			return false
		}
	}
	return true
}

// NormalizeTags trims, lower-cases, de-duplicates and sorts tags; it returns
// why they are unacceptable, or "".
func NormalizeTags(in []string) ([]string, string) {
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, t := range in {
		t = strings.Join(strings.Fields(strings.ToLower(t)), " ")
		if t == "" {
			return nil, "must not contain empty tags"
		}
		if utf8.RuneCountInString(t) > MaxTagLen {
			return nil, fmt.Sprintf("tag %q is longer than %d characters", t, MaxTagLen)
		}
		for _, r := range t {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-' || r == '&') {
				return nil, fmt.Sprintf("tag %q may hold only letters, digits, spaces, '-' and '&'", t)
			}
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, fmt.Sprintf("at most %d tags", MaxTags)
	}
	sort.Strings(out)
	return out, ""
}

// ParseClock reads "HH:MM" as minutes; "24:00" only when allow24.
func ParseClock(s string, allow24 bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, m := 0, 0
	for i, c := range []byte(s) {
		if i == 2 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	h = int(s[0]-'0')*10 + int(s[1]-'0')
	m = int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 {
		return 0, false
	}
	if h == 24 && m == 0 && allow24 {
		return 1440, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}

// FormatClock writes minutes (mod a day) as HH:MM; 1440 is "24:00".
func FormatClock(min int) string {
	if min == 1440 {
		return "24:00"
	}
	min %= 1440
	return fmt.Sprintf("%02d:%02d", min/60, min%60)
}

// parseHours validates opening intervals: shape problems (bad weekday or
// time) and rule problems (close before open without overnight, overlaps).
func parseHours(in []HoursInput) (out []Interval, shape, rules apperr.Fields) {
	if len(in) > MaxIntervals {
		shape.Add("opening_hours", "at most %d intervals", MaxIntervals)
		return nil, shape, nil
	}
	for i, h := range in {
		field := fmt.Sprintf("opening_hours[%d]", i)
		day := -1
		for d, name := range Weekdays {
			if strings.EqualFold(strings.TrimSpace(h.Weekday), name) {
				day = d
			}
		}
		if day < 0 {
			shape.Add(field+".weekday", "must be monday .. sunday, got %q", h.Weekday)
		}
		open, ok1 := ParseClock(h.Open, false)
		if !ok1 {
			shape.Add(field+".open", "must be HH:MM (00:00 to 23:59)")
		}
		closeAt, ok2 := ParseClock(h.Close, true)
		if !ok2 {
			shape.Add(field+".close", "must be HH:MM (00:00 to 24:00)")
		}
		if day < 0 || !ok1 || !ok2 {
			continue
		}
		iv := Interval{Weekday: day, Open: open, Close: closeAt, Overnight: h.Overnight}
		switch {
		case h.Overnight && closeAt > open:
			rules.Add(field, "overnight is set but close %s is after open %s on the same day", h.Close, h.Open)
			continue
		case h.Overnight:
			iv.Close = closeAt + 1440
		case closeAt <= open:
			rules.Add(field, "close %s is not after open %s; set overnight: true for a past-midnight closing", h.Close, h.Open)
			continue
		}
		out = append(out, iv)
	}
	if len(shape) > 0 || len(rules) > 0 {
		return nil, shape, rules
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Weekday != out[b].Weekday {
			return out[a].Weekday < out[b].Weekday
		}
		return out[a].Open < out[b].Open
	})
	// Overlaps, on a week that wraps (Sunday overnight runs into Monday).
	const week = 7 * 1440
	for i := range out {
		a := out[i]
		aStart, aEnd := a.Weekday*1440+a.Open, a.Weekday*1440+a.Close
		for j := i + 1; j < len(out); j++ {
			b := out[j]
			bStart, bEnd := b.Weekday*1440+b.Open, b.Weekday*1440+b.Close
			if aStart < bEnd && bStart < aEnd || aStart+week < bEnd && bStart < aEnd+week || bStart+week < aEnd && aStart < bEnd+week {
				rules.Add("opening_hours", "intervals %s %s-%s and %s %s-%s overlap",
					Weekdays[a.Weekday], FormatClock(a.Open), FormatClock(a.Close), Weekdays[b.Weekday], FormatClock(b.Open), FormatClock(b.Close))
				return nil, nil, rules
			}
		}
	}
	return out, nil, nil
}

func checkText(s string, max int) string {
	switch {
	case s == "":
		return "is required"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("is longer than %d characters", max)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0:
		return "contains control characters"
	}
	return ""
}

func validCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	u, err := currency.ParseISO(code)
	return err == nil && u.String() == code
}
