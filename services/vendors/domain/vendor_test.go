package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

func ptr[T any](v T) *T { return &v }

func validRestaurant() Profile {
	return Profile{
		Kind: ptr("restaurant"), Name: ptr("Trattoria"), Timezone: ptr("Europe/Berlin"), Address: ptr("Hauptstr. 1, Berlin"),
		Lat: ptr(52.52), Lng: ptr(13.40), Tags: ptr([]string{"Italian", " vegan ", "italian"}),
		Hours: ptr([]HoursInput{
			{Weekday: "tuesday", Open: "12:00", Close: "15:00"},
			{Weekday: "tuesday", Open: "18:00", Close: "23:00"},
			{Weekday: "friday", Open: "18:00", Close: "02:00", Overnight: true},
			{Weekday: "sunday", Open: "12:00", Close: "24:00"},
		}),
		Deposit: &Deposit{Amount: 1000, Currency: "eur", Per: "guest"}, FreeCancelH: ptr(24),
	}
}

func TestNewRestaurantNormalises(t *testing.T) {
	t.Parallel()
	v, err := New("v1", "u1", validRestaurant(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(v.Tags, ",") != "italian,vegan" {
		t.Errorf("tags %v", v.Tags)
	}
	if v.Deposit.Currency != "EUR" || v.SlotMinutes != 15 || v.StayMinutes != 90 || v.Version != 1 || v.Status != Active {
		t.Errorf("defaults/normalisation: %+v", v)
	}
	fri := v.Hours[2]
	if fri.Weekday != 4 || fri.Open != 18*60 || fri.Close != 26*60 || !fri.Overnight {
		t.Errorf("overnight interval %+v", fri)
	}
}

// TestValidation covers every validation rule of the vendor issue: each case
// must fail with the stated code naming the stated field.
func TestValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*Profile)
		code  apperr.Code
		field string
	}{
		{"lat above 90", func(p *Profile) { p.Lat = ptr(90.5) }, apperr.InvalidInput, "location.lat"},
		{"lat below -90", func(p *Profile) { p.Lat = ptr(-91.0) }, apperr.InvalidInput, "location.lat"},
		{"lng above 180", func(p *Profile) { p.Lng = ptr(180.01) }, apperr.InvalidInput, "location.lng"},
		{"lng below -180", func(p *Profile) { p.Lng = ptr(-181.0) }, apperr.InvalidInput, "location.lng"},
		{"unknown time zone", func(p *Profile) { p.Timezone = ptr("Mars/Olympus") }, apperr.InvalidInput, "timezone"},
		{"Local is no time zone", func(p *Profile) { p.Timezone = ptr("Local") }, apperr.InvalidInput, "timezone"},
		{"empty name", func(p *Profile) { p.Name = ptr("   ") }, apperr.InvalidInput, "name"},
		{"long name", func(p *Profile) { p.Name = ptr(strings.Repeat("n", 201)) }, apperr.InvalidInput, "name"},
		{"empty address", func(p *Profile) { p.Address = ptr("") }, apperr.InvalidInput, "address"},
		{"unknown kind", func(p *Profile) { p.Kind = ptr("castle") }, apperr.InvalidInput, "kind"},
		{"missing kind", func(p *Profile) { p.Kind = nil }, apperr.InvalidInput, "kind"},
		{"close before open", func(p *Profile) {
			p.Hours = ptr([]HoursInput{{Weekday: "monday", Open: "18:00", Close: "02:00"}})
		}, apperr.RuleViolation, "opening_hours[0]"},
		{"close equals open", func(p *Profile) {
			p.Hours = ptr([]HoursInput{{Weekday: "monday", Open: "18:00", Close: "18:00"}})
		}, apperr.RuleViolation, "opening_hours[0]"},
		{"overnight that is not", func(p *Profile) {
			p.Hours = ptr([]HoursInput{{Weekday: "monday", Open: "08:00", Close: "12:00", Overnight: true}})
		}, apperr.RuleViolation, "opening_hours[0]"},
		{"overlapping intervals", func(p *Profile) {
			p.Hours = ptr([]HoursInput{{Weekday: "monday", Open: "08:00", Close: "12:00"}, {Weekday: "monday", Open: "11:00", Close: "14:00"}})
		}, apperr.RuleViolation, "opening_hours"},
		{"sunday overnight into monday", func(p *Profile) {
			p.Hours = ptr([]HoursInput{{Weekday: "monday", Open: "00:00", Close: "03:00"}, {Weekday: "sunday", Open: "20:00", Close: "02:00", Overnight: true}})
		}, apperr.RuleViolation, "opening_hours"},
		{"bad time", func(p *Profile) { p.Hours = ptr([]HoursInput{{Weekday: "monday", Open: "25:00", Close: "26:00"}}) }, apperr.InvalidInput, "opening_hours[0].open"},
		{"24:00 is no opening time", func(p *Profile) { p.Hours = ptr([]HoursInput{{Weekday: "monday", Open: "24:00", Close: "23:00"}}) }, apperr.InvalidInput, "opening_hours[0].open"},
		{"unknown weekday", func(p *Profile) { p.Hours = ptr([]HoursInput{{Weekday: "funday", Open: "08:00", Close: "09:00"}}) }, apperr.InvalidInput, "opening_hours[0].weekday"},
		{"negative deposit", func(p *Profile) { p.Deposit = &Deposit{Amount: -1, Currency: "EUR", Per: "booking"} }, apperr.InvalidInput, "deposit.amount"},
		{"huge deposit", func(p *Profile) { p.Deposit = &Deposit{Amount: MaxDeposit + 1, Currency: "EUR", Per: "booking"} }, apperr.InvalidInput, "deposit.amount"},
		{"unknown currency", func(p *Profile) { p.Deposit = &Deposit{Amount: 1, Currency: "XYZ", Per: "booking"} }, apperr.InvalidInput, "deposit.currency"},
		{"bad deposit basis", func(p *Profile) { p.Deposit = &Deposit{Amount: 1, Currency: "EUR", Per: "table"} }, apperr.InvalidInput, "deposit.per"},
		{"missing deposit", func(p *Profile) { p.Deposit = nil }, apperr.InvalidInput, "deposit"},
		{"too many tags", func(p *Profile) {
			tags := make([]string, MaxTags+1)
			for i := range tags {
				tags[i] = "tag" + string(rune('a'+i%26)) + string(rune('a'+i/26))
			}
			p.Tags = &tags
		}, apperr.InvalidInput, "tags"},
		{"empty tag", func(p *Profile) { p.Tags = ptr([]string{"ok", " "}) }, apperr.InvalidInput, "tags"},
		{"tag with markup", func(p *Profile) { p.Tags = ptr([]string{"<b>"}) }, apperr.InvalidInput, "tags"},
		{"slot that does not divide a day", func(p *Profile) { p.SlotMinutes = ptr(7) }, apperr.InvalidInput, "slot_minutes"},
		{"check-in on a restaurant", func(p *Profile) { p.CheckIn = ptr("15:00") }, apperr.InvalidInput, "check_in"},
		{"negative cancellation window", func(p *Profile) { p.FreeCancelH = ptr(-1) }, apperr.InvalidInput, "cancellation.free_until_hours_before"},
		{"booking horizon 0 days", func(p *Profile) { p.HorizonDays = ptr(0) }, apperr.InvalidInput, "booking_horizon_days"},
		{"negative booking horizon", func(p *Profile) { p.HorizonDays = ptr(-1) }, apperr.InvalidInput, "booking_horizon_days"},
		{"booking horizon past two years", func(p *Profile) { p.HorizonDays = ptr(MaxHorizonDays + 1) }, apperr.InvalidInput, "booking_horizon_days"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := validRestaurant()
			c.edit(&p)
			_, err := New("v", "u", p, time.Now())
			e, ok := apperr.As(err)
			if !ok || e.Code != c.code || e.Details["field"] != c.field {
				t.Fatalf("want %s on %s, got %v (%v)", c.code, c.field, err, e)
			}
		})
	}
}

// TestBookingHorizon: unset takes the default, 1..730 is kept, anything else
// is invalid_input naming booking_horizon_days, on onboarding and in a patch
// (which then leaves the vendor as it was).
func TestBookingHorizon(t *testing.T) {
	t.Parallel()
	if MinHorizonDays != 1 || DefaultHorizonDays != 365 || MaxHorizonDays != 730 {
		t.Fatalf("bounds %d..%d, default %d; want 1..730, default 365", MinHorizonDays, MaxHorizonDays, DefaultHorizonDays)
	}
	cases := []struct {
		name string
		in   *int
		want int // 0: invalid
	}{
		{"unset takes the default", nil, 365},
		{"one day", ptr(1), 1},
		{"a month", ptr(30), 30},
		{"the default, sent", ptr(365), 365},
		{"two years", ptr(730), 730},
		{"zero", ptr(0), 0},
		{"negative", ptr(-30), 0},
		{"two years and a day", ptr(731), 0},
		{"a century", ptr(36500), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := validRestaurant()
			p.HorizonDays = c.in
			v, err := New("v", "u", p, time.Now())
			if c.want == 0 {
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.InvalidInput || e.Details["field"] != "booking_horizon_days" {
					t.Fatalf("onboarding with %d days: want invalid_input on booking_horizon_days, got %v", *c.in, err)
				}
			} else if err != nil || v.HorizonDays != c.want {
				t.Fatalf("onboarding: %d days, %v; want %d", v.HorizonDays, err, c.want)
			}
			if c.in == nil {
				return
			}
			// The same value as a patch of a vendor at the default.
			v, err = New("v", "u", validRestaurant(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			before := v
			changed, err := v.Apply(Profile{HorizonDays: c.in}, time.Now())
			switch {
			case c.want == 0:
				if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidInput || e.Details["field"] != "booking_horizon_days" {
					t.Fatalf("patch to %d days: want invalid_input on booking_horizon_days, got %v", *c.in, err)
				}
				if v.HorizonDays != before.HorizonDays || v.Version != before.Version {
					t.Fatalf("a refused patch changed the vendor: %d days, version %d", v.HorizonDays, v.Version)
				}
			case err != nil || v.HorizonDays != c.want || changed != (c.want != DefaultHorizonDays):
				t.Fatalf("patch to %d days: %d days, changed %v, %v", *c.in, v.HorizonDays, changed, err)
			case changed && v.Version != before.Version+1:
				t.Fatalf("patch to %d days: version %d, want %d", *c.in, v.Version, before.Version+1)
			}
		})
	}
}

func TestHotelDefaultsAndRestaurantOnlyFields(t *testing.T) {
	t.Parallel()
	p := validRestaurant()
	p.Kind = ptr("hotel")
	p.Timezone = ptr("America/New_York")
	p.CheckIn, p.CheckOut = ptr("14:00"), ptr("10:30")
	v, err := New("h", "u", p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if v.CheckIn != 14*60 || v.CheckOut != 10*60+30 || v.SlotMinutes != 0 {
		t.Fatalf("hotel: %+v", v)
	}
	p.SlotMinutes = ptr(15)
	if _, err := New("h", "u", p, time.Now()); !apperr.Is(err, apperr.InvalidInput) {
		t.Fatalf("slot_minutes on a hotel: %v", err)
	}
}

func TestApplyKeepsVendorOnErrorAndBumpsOnChange(t *testing.T) {
	t.Parallel()
	v, err := New("v1", "u1", validRestaurant(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	before := v.Version
	if _, err := v.Apply(Profile{Name: ptr(""), Lat: ptr(12.0)}, time.Now()); err == nil {
		t.Fatal("want error")
	}
	if v.Lat != 52.52 || v.Version != before {
		t.Fatalf("failed patch changed the vendor: %+v", v)
	}
	changed, err := v.Apply(Profile{Name: ptr("Trattoria")}, time.Now())
	if err != nil || changed {
		t.Fatalf("no-op: %v %v", changed, err)
	}
	changed, err = v.Apply(Profile{Name: ptr("Osteria"), Status: ptr("suspended")}, time.Now())
	if err != nil || !changed || v.Version != before+1 || v.Status != Suspended {
		t.Fatalf("patch: %v %v %+v", changed, err, v)
	}
	if _, err := v.Apply(Profile{Kind: ptr("hotel")}, time.Now()); !apperr.Is(err, apperr.InvalidInput) {
		t.Fatalf("kind change: %v", err)
	}
}

func TestNewUnits(t *testing.T) {
	t.Parallel()
	n := 0
	id := func() string { n++; return string(rune('a' + n)) }
	cases := []struct {
		name  string
		in    []NewUnitInput
		field string
	}{
		{"ok", []NewUnitInput{{"T1", 2}, {"T2", 100}, {"T3", 1}}, ""},
		{"none", nil, "units"},
		{"capacity 0", []NewUnitInput{{"T1", 2}, {"T2", 0}}, "units[1].capacity"},
		{"capacity 101", []NewUnitInput{{"T1", 101}}, "units[0].capacity"},
		{"empty name", []NewUnitInput{{" ", 2}}, "units[0].name"},
		{"duplicate name", []NewUnitInput{{"T1", 2}, {"T1", 4}}, "units[1].name"},
		{"too many", make([]NewUnitInput, MaxUnitsPerCall+1), "units"},
	}
	for _, c := range cases {
		units, err := NewUnits("v", c.in, id, time.Now())
		if c.field == "" {
			if err != nil || len(units) != len(c.in) || !units[0].Active {
				t.Errorf("%s: %v %v", c.name, units, err)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.InvalidInput || e.Details["field"] != c.field {
			t.Errorf("%s: want invalid_input on %s, got %v", c.name, c.field, err)
		}
	}
}

func TestParseClock(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in      string
		allow24 bool
		want    int
		ok      bool
	}{
		{"00:00", false, 0, true}, {"23:59", false, 1439, true}, {"24:00", true, 1440, true},
		{"24:00", false, 0, false}, {"24:01", true, 0, false}, {"12:60", false, 0, false},
		{"1:00", false, 0, false}, {"ab:cd", false, 0, false}, {"12-00", false, 0, false},
	}
	for _, c := range cases {
		got, ok := ParseClock(c.in, c.allow24)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseClock(%q, %v) = %d, %v", c.in, c.allow24, got, ok)
		}
	}
}
