package schedule

import (
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

func restaurant(tz string, hours ...Interval) Schedule {
	return Schedule{ID: "v", Kind: Restaurant, Timezone: tz, Hours: hours, SlotMinutes: 30, StayMinutes: 90}
}

func mustLoc(t *testing.T, tz string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestSlotsOnOrdinaryDay(t *testing.T) {
	t.Parallel()
	// Tuesday 2026-12-01, open 12:00-15:00: starts 12:00, 12:30, 13:00, 13:30 (13:30+90 = 15:00).
	v := restaurant("Europe/Berlin", Interval{Weekday: 1, Open: 720, Close: 900})
	slots, err := v.Slots(2026, 12, 1)
	if err != nil {
		t.Fatal(err)
	}
	loc := mustLoc(t, "Europe/Berlin")
	want := []string{"12:00", "12:30", "13:00", "13:30"}
	if len(slots) != len(want) {
		t.Fatalf("got %d slots: %v", len(slots), slots)
	}
	for i, s := range slots {
		if got := s.Start.In(loc).Format("15:04"); got != want[i] || s.End.Sub(s.Start) != 90*time.Minute {
			t.Errorf("slot %d: %s..%s", i, got, s.End.In(loc).Format("15:04"))
		}
	}
	if got, _ := v.Slots(2026, 12, 2); len(got) != 0 { // Wednesday: closed
		t.Errorf("closed day has slots: %v", got)
	}
}

func TestSlotsPastMidnight(t *testing.T) {
	t.Parallel()
	// Friday 20:00 - Saturday 02:00.
	v := restaurant("Europe/Berlin", Interval{Weekday: 4, Open: 1200, Close: 1560})
	loc := mustLoc(t, "Europe/Berlin")
	fri, _ := v.Slots(2026, 12, 4)
	sat, _ := v.Slots(2026, 12, 5)
	if len(fri) != 8 { // 20:00 .. 23:30
		t.Fatalf("friday slots %d", len(fri))
	}
	// Saturday's listing has the after-midnight part: 00:00 and 00:30 (00:30 + 90 = 02:00).
	if len(sat) != 2 || sat[0].Start.In(loc).Format("Mon 15:04") != "Sat 00:00" || sat[1].End.In(loc).Format("15:04") != "02:00" {
		t.Fatalf("saturday slots %v", sat)
	}
}

// TestDSTBerlinAndNewYork: on the spring-forward day the skipped wall times
// are not offered and a stay across the change lasts its 90 minutes; on the
// fall-back day nothing breaks.
func TestDSTBerlinAndNewYork(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tz        string
		y         int
		m         time.Month
		d         int
		weekday   int
		skipStart string // a wall time that does not exist
	}{
		{"Europe/Berlin", 2027, 3, 28, 6, "02:00"},    // Sunday, 02:00 -> 03:00
		{"America/New_York", 2027, 3, 14, 6, "02:00"}, // Sunday, 02:00 -> 03:00
	}
	for _, c := range cases {
		loc := mustLoc(t, c.tz)
		v := restaurant(c.tz, Interval{Weekday: c.weekday, Open: 0, Close: 1440})
		slots, err := v.Slots(c.y, c.m, c.d)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, s := range slots {
			w := s.Start.In(loc).Format("15:04")
			if seen[w] {
				t.Errorf("%s: wall time %s offered twice", c.tz, w)
			}
			seen[w] = true
			if s.End.Sub(s.Start) != 90*time.Minute {
				t.Errorf("%s: stay from %s lasts %s", c.tz, w, s.End.Sub(s.Start))
			}
		}
		if seen[c.skipStart] || seen["02:30"] {
			t.Errorf("%s: offered a wall time the DST change skips", c.tz)
		}
		if !seen["01:30"] || !seen["03:00"] {
			t.Errorf("%s: missing 01:30 or 03:00", c.tz)
		}
		// A 01:30 booking ends at 04:00 wall time: 90 real minutes across the jump.
		start := time.Date(c.y, c.m, c.d, 1, 30, 0, 0, loc)
		r, err := v.Resolve(start, nil, start.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.End.In(loc).Format("15:04"); got != "04:00" {
			t.Errorf("%s: 01:30 + 90 min ends %s wall time, want 04:00", c.tz, got)
		}
	}
	// Fall back: Berlin 2026-10-25 (Sunday), 03:00 -> 02:00. The day has 25 hours;
	// every grid wall time is offered once and stays are 90 real minutes.
	loc := mustLoc(t, "Europe/Berlin")
	v := restaurant("Europe/Berlin", Interval{Weekday: 6, Open: 0, Close: 1440})
	slots, _ := v.Slots(2026, 10, 25)
	for i := 1; i < len(slots); i++ {
		if !slots[i].Start.After(slots[i-1].Start) {
			t.Fatalf("slots not increasing at %d", i)
		}
	}
	if len(slots) == 0 || slots[0].Start.In(loc).Format("15:04") != "00:00" {
		t.Fatalf("fall-back day: %v", slots)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	loc := mustLoc(t, "Europe/Berlin")
	v := restaurant("Europe/Berlin", Interval{Weekday: 1, Open: 720, Close: 900})
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, loc)
	ok := time.Date(2026, 12, 1, 12, 30, 0, 0, loc)
	r, err := v.Resolve(ok, nil, now)
	if err != nil || !r.Start.Equal(ok) || r.End.Sub(r.Start) != 90*time.Minute {
		t.Fatalf("resolve: %v %v", r, err)
	}
	end := ok.Add(2 * time.Hour) // 14:30: inside
	if r, err := v.Resolve(ok, &end, now); err != nil || !r.End.Equal(end) {
		t.Fatalf("explicit end: %v %v", r, err)
	}
	cases := []struct {
		name  string
		start time.Time
		end   *time.Time
		code  apperr.Code
		field string
	}{
		{"off grid", time.Date(2026, 12, 1, 12, 10, 0, 0, loc), nil, apperr.RuleViolation, "start"},
		{"closed day", time.Date(2026, 12, 2, 12, 0, 0, 0, loc), nil, apperr.RuleViolation, "start"},
		{"too late to fit the stay", time.Date(2026, 12, 1, 14, 0, 0, 0, loc), nil, apperr.RuleViolation, "start"},
		{"past", time.Date(2026, 11, 24, 12, 0, 0, 0, loc), nil, apperr.InvalidInput, "start"},
		{"end before start", ok, &now, apperr.InvalidInput, "end"},
		{"end after closing", ok, ptrTime(ok.Add(3 * time.Hour)), apperr.RuleViolation, "end"},
	}
	for _, c := range cases {
		_, err := v.Resolve(c.start, c.end, now)
		e, isApp := apperr.As(err)
		if !isApp || e.Code != c.code || e.Details["field"] != c.field {
			t.Errorf("%s: want %s on %s, got %v", c.name, c.code, c.field, err)
		}
	}
}

func TestHotelNights(t *testing.T) {
	t.Parallel()
	loc := mustLoc(t, "America/New_York")
	v := Schedule{ID: "h", Kind: Hotel, Timezone: "America/New_York", CheckIn: 15 * 60, CheckOut: 11 * 60}
	now := time.Date(2026, 10, 1, 9, 0, 0, 0, loc)
	// Two nights across the fall-back change (2026-11-01).
	start := time.Date(2026, 10, 31, 8, 0, 0, 0, loc)
	end := time.Date(2026, 11, 2, 8, 0, 0, 0, loc)
	r, err := v.Resolve(start, &end, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Start.In(loc).Format("2006-01-02 15:04") != "2026-10-31 15:00" || r.End.In(loc).Format("2006-01-02 15:04") != "2026-11-02 11:00" {
		t.Fatalf("stay %s .. %s", r.Start.In(loc), r.End.In(loc))
	}
	if r.End.Sub(r.Start) != 45*time.Hour { // 44 h of wall clock + the repeated hour
		t.Fatalf("stay lasts %s", r.End.Sub(r.Start))
	}
	if _, err := v.Resolve(start, &start, now); !apperr.Is(err, apperr.InvalidInput) {
		t.Fatalf("zero nights: %v", err)
	}
	slots, _ := v.Slots(2026, 12, 1)
	if len(slots) != 1 || slots[0].End.Sub(slots[0].Start) != 20*time.Hour {
		t.Fatalf("hotel slot %v", slots)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestStayAcrossMidnightWhenOpenAroundTheClock(t *testing.T) {
	t.Parallel()
	all := make([]Interval, 7)
	for d := range all {
		all[d] = Interval{Weekday: d, Open: 0, Close: 1440}
	}
	v := restaurant("UTC", all...)
	slots, err := v.Slots(2026, 12, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) != 48 {
		t.Fatalf("a day open around the clock has %d start times, want 48", len(slots))
	}
	last := slots[len(slots)-1]
	if last.Start.Format("15:04") != "23:30" || last.End.Format("2006-01-02 15:04") != "2026-12-02 01:00" {
		t.Fatalf("last slot %s .. %s", last.Start, last.End)
	}
	// A place closing at midnight does not let a stay run past it.
	v = restaurant("UTC", Interval{Weekday: 1, Open: 1200, Close: 1440})
	slots, _ = v.Slots(2026, 12, 1)
	if got := slots[len(slots)-1].Start.Format("15:04"); got != "22:30" {
		t.Fatalf("last start %s, want 22:30", got)
	}
}
