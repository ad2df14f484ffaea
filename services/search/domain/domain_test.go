package domain

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/schedule"
)

func TestDistanceKm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		want, tol              float64
	}{
		{"same point", 52.52, 13.405, 52.52, 13.405, 0, 1e-9},
		{"Berlin-Paris", 52.5200, 13.4050, 48.8566, 2.3522, 877.5, 1.5},
		{"one degree of latitude", 0, 0, 1, 0, 111.195, 0.001},
		{"across the antimeridian", 0, 179.99, 0, -179.99, 2.2239, 0.001},
		{"pole to pole", 90, 0, -90, 0, math.Pi * EarthRadiusKm, 1e-6},
		{"antipodes", 0, 0, 0, 180, math.Pi * EarthRadiusKm, 1e-6},
	}
	for _, c := range cases {
		if got := DistanceKm(c.lat1, c.lng1, c.lat2, c.lng2); math.Abs(got-c.want) > c.tol {
			t.Errorf("%s: %.4f km, want %.4f ± %g", c.name, got, c.want, c.tol)
		}
	}
}

func TestLevelFor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r    float64
		want int
	}{{0.1, LevelFine}, {5, LevelFine}, {5.01, LevelCoarse}, {100, LevelCoarse}} {
		if got := LevelFor(c.r); got != c.want {
			t.Errorf("LevelFor(%g) = %d, want %d", c.r, got, c.want)
		}
	}
}

// TestCellSize: cells are about their nominal size (checked by the distance
// between neighbouring cell boundaries at a few latitudes).
func TestCellSize(t *testing.T) {
	t.Parallel()
	for _, level := range Levels {
		g := gridOf(level)
		for _, lat := range []float64{0, 45, 60, -33.9} {
			b := g.band(lat)
			widthKm := DistanceKm(lat, 0, lat, 360/float64(g.columns(b)))
			heightKm := g.latStep * kmPerDegree
			if math.Abs(heightKm-CellKm[level]) > 0.01 || widthKm < 0.8*CellKm[level] || widthKm > 1.2*CellKm[level] {
				t.Errorf("level %d lat %g: cell %.2f x %.2f km, want about %g", level, lat, widthKm, heightKm, CellKm[level])
			}
		}
	}
}

// TestCoverContainsEveryPointInTheCircle: for random centres (poles and the
// antimeridian included) and radii, every point within the radius lies in a
// covered cell, no cell is listed twice, and the cover is not wildly larger
// than the disc.
func TestCoverContainsEveryPointInTheCircle(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	centres := [][2]float64{{52.52, 13.405}, {0, 179.999}, {0, -180}, {89.99, 0}, {-89.9, 45}, {-33.87, 151.21}, {64.1, -21.9}}
	for i := 0; i < 40; i++ {
		centres = append(centres, [2]float64{rnd.Float64()*180 - 90, rnd.Float64()*360 - 180})
	}
	for _, c := range centres {
		for _, r := range []float64{0.5, 2, 5, 10, 37, 100} {
			level := LevelFor(r)
			cover := Cover(level, c[0], c[1], r)
			set := make(map[int64]bool, len(cover))
			for _, id := range cover {
				if set[id] {
					t.Fatalf("centre %v r %g: cell %d twice", c, r, id)
				}
				set[id] = true
			}
			if math.Abs(c[0]) < 80 {
				side := CellKm[level]
				if bound := (2*r/side + 3) * (2*r/side + 3) * 1.6; float64(len(cover)) > bound {
					t.Errorf("centre %v r %g: %d cells, more than %.0f", c, r, len(cover), bound)
				}
			}
			for k := 0; k < 300; k++ {
				// A random point in the disc: bearing and distance.
				d := r * math.Sqrt(rnd.Float64())
				if k == 0 {
					d = r * 0.999999 // on the rim
				}
				lat, lng := destination(c[0], c[1], rnd.Float64()*2*math.Pi, d)
				if DistanceKm(c[0], c[1], lat, lng) > r {
					continue
				}
				if !set[Cell(level, lat, lng)] {
					t.Fatalf("centre %v r %g: point (%f, %f) at %.3f km in cell %d, not covered",
						c, r, lat, lng, DistanceKm(c[0], c[1], lat, lng), Cell(level, lat, lng))
				}
			}
		}
	}
}

// destination is the point d km from (lat, lng) on bearing theta.
func destination(lat, lng, theta, d float64) (float64, float64) {
	const rad = math.Pi / 180
	delta := d / EarthRadiusKm
	phi1, l1 := lat*rad, lng*rad
	phi2 := math.Asin(math.Sin(phi1)*math.Cos(delta) + math.Cos(phi1)*math.Sin(delta)*math.Cos(theta))
	l2 := l1 + math.Atan2(math.Sin(theta)*math.Sin(delta)*math.Cos(phi1), math.Cos(delta)-math.Sin(phi1)*math.Sin(phi2))
	lng2 := math.Mod(l2/rad+540, 360) - 180
	return phi2 / rad, lng2
}

func TestCellIsStableAtTheEdges(t *testing.T) {
	t.Parallel()
	for _, level := range Levels {
		if Cell(level, 10, 180) != Cell(level, 10, -180) {
			t.Errorf("level %d: 180 and -180 are one meridian", level)
		}
		if Cell(level, 90, 0) == Cell(level, -90, 0) {
			t.Errorf("level %d: poles share a cell", level)
		}
	}
}

// --- availability ---

func at(t *testing.T, tz, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func clocks(ts []time.Time, tz string) []string {
	loc, _ := time.LoadLocation(tz)
	out := make([]string, len(ts))
	for i, v := range ts {
		out[i] = v.In(loc).Format("01-02 15:04")
	}
	return out
}

func everyDay(open, close int) []schedule.Interval {
	out := make([]schedule.Interval, 7)
	for d := range out {
		out[d] = schedule.Interval{Weekday: d, Open: open, Close: close}
	}
	return out
}

func TestAvailable(t *testing.T) {
	t.Parallel()
	const berlin = "Europe/Berlin"
	rest := schedule.Schedule{ID: "r", Kind: schedule.Restaurant, Timezone: berlin, SlotMinutes: 30, StayMinutes: 90,
		Hours: everyDay(12*60, 23*60)}
	late := schedule.Schedule{ID: "l", Kind: schedule.Restaurant, Timezone: berlin, SlotMinutes: 30, StayMinutes: 90,
		Hours: []schedule.Interval{{Weekday: 4, Open: 20 * 60, Close: 26 * 60}}} // Friday 20:00 - Saturday 02:00
	dst := schedule.Schedule{ID: "d", Kind: schedule.Restaurant, Timezone: berlin, SlotMinutes: 30, StayMinutes: 60,
		Hours: everyDay(0, 1440)}
	hotel := schedule.Schedule{ID: "h", Kind: schedule.Hotel, Timezone: "America/New_York", CheckIn: 15 * 60, CheckOut: 11 * 60}
	one := []Unit{{ID: "t1", Capacity: 4, Active: true}}
	two := []Unit{{ID: "t1", Capacity: 4, Active: true}, {ID: "t2", Capacity: 2, Active: true}}
	hold := func(tz, from, to string) Hold {
		return Hold{UnitID: "t1", During: schedule.Range{Start: at(t, tz, from), End: at(t, tz, to)}}
	}
	now := at(t, berlin, "2026-11-30 09:00")
	cases := []struct {
		name    string
		f       Facts
		start   time.Time
		party   int
		now     time.Time
		wantHit bool
		want    []string // local "01-02 15:04"
	}{
		{"free evening: ±90 min on the grid", Facts{Schedule: rest, Units: one}, at(t, berlin, "2026-12-01 19:00"), 2, now, true,
			[]string{"12-01 17:30", "12-01 18:00", "12-01 18:30", "12-01 19:00", "12-01 19:30", "12-01 20:00", "12-01 20:30"}},
		{"only unit held at 19:00: not a hit", Facts{Schedule: rest, Units: one, Holds: []Hold{hold(berlin, "2026-12-01 19:00", "2026-12-01 20:30")}},
			at(t, berlin, "2026-12-01 19:00"), 2, now, false, nil},
		{"only unit held at 19:00: a hit at 12:00", Facts{Schedule: rest, Units: one, Holds: []Hold{hold(berlin, "2026-12-01 19:00", "2026-12-01 20:30")}},
			at(t, berlin, "2026-12-01 12:00"), 2, now, true, []string{"12-01 12:00", "12-01 12:30", "12-01 13:00", "12-01 13:30"}},
		{"held, but the second unit seats the party", Facts{Schedule: rest, Units: two, Holds: []Hold{hold(berlin, "2026-12-01 19:00", "2026-12-01 20:30")}},
			at(t, berlin, "2026-12-01 19:00"), 2, now, true,
			[]string{"12-01 17:30", "12-01 18:00", "12-01 18:30", "12-01 19:00", "12-01 19:30", "12-01 20:00", "12-01 20:30"}},
		{"held, and the second unit is too small", Facts{Schedule: rest, Units: two, Holds: []Hold{hold(berlin, "2026-12-01 19:00", "2026-12-01 20:30")}},
			at(t, berlin, "2026-12-01 19:00"), 3, now, false, nil},
		{"held 19:00: neighbours free when the stay does not overlap", Facts{Schedule: rest, Units: one, Holds: []Hold{hold(berlin, "2026-12-01 19:00", "2026-12-01 20:30")}},
			at(t, berlin, "2026-12-01 17:30"), 2, now, true, []string{"12-01 16:00", "12-01 16:30", "12-01 17:00", "12-01 17:30"}},
		{"held 19:00: 18:00 would overlap it", Facts{Schedule: rest, Units: one, Holds: []Hold{hold(berlin, "2026-12-01 19:00", "2026-12-01 20:30")}},
			at(t, berlin, "2026-12-01 18:00"), 2, now, false, nil},
		{"party larger than any unit", Facts{Schedule: rest, Units: one}, at(t, berlin, "2026-12-01 19:00"), 5, now, false, nil},
		{"inactive unit", Facts{Schedule: rest, Units: []Unit{{ID: "t1", Capacity: 4}}}, at(t, berlin, "2026-12-01 19:00"), 2, now, false, nil},
		{"closed at the start", Facts{Schedule: rest, Units: one}, at(t, berlin, "2026-12-01 10:00"), 2, now, false, nil},
		{"off the grid: the next grid start counts", Facts{Schedule: rest, Units: one}, at(t, berlin, "2026-12-01 21:10"), 2, now, true,
			[]string{"12-01 20:00", "12-01 20:30", "12-01 21:00", "12-01 21:30"}}, // 19:40 .. 22:40; last start 21:30
		{"the past is never free", Facts{Schedule: rest, Units: one}, at(t, berlin, "2026-12-01 19:00"), 2, at(t, berlin, "2026-12-01 19:10"), false, nil},
		{"past the present: only later starts", Facts{Schedule: rest, Units: one}, at(t, berlin, "2026-12-01 19:30"), 2, at(t, berlin, "2026-12-01 19:10"), true,
			[]string{"12-01 19:30", "12-01 20:00", "12-01 20:30", "12-01 21:00"}},
		{"past midnight: Saturday 00:30 is Friday's interval", Facts{Schedule: late, Units: one}, at(t, berlin, "2026-12-05 00:30"), 2, now, true,
			[]string{"12-04 23:00", "12-04 23:30", "12-05 00:00", "12-05 00:30"}},
		{"past midnight: the window crosses midnight", Facts{Schedule: late, Units: one}, at(t, berlin, "2026-12-04 23:30"), 2, now, true,
			[]string{"12-04 22:00", "12-04 22:30", "12-04 23:00", "12-04 23:30", "12-05 00:00", "12-05 00:30"}},
		// ±90 real minutes: 03:00 CEST is 01:00 UTC, so 00:30 CET (23:30 UTC) is in.
		{"DST spring forward: 02:00 and 02:30 do not exist", Facts{Schedule: dst, Units: one}, at(t, berlin, "2027-03-28 03:00"), 2,
			at(t, berlin, "2027-03-01 00:00"), true,
			[]string{"03-28 00:30", "03-28 01:00", "03-28 01:30", "03-28 03:00", "03-28 03:30", "03-28 04:00", "03-28 04:30"}},
		{"DST fall back: the repeated hour is offered once per wall time", Facts{Schedule: dst, Units: one}, at(t, berlin, "2026-10-25 03:00"), 2,
			at(t, berlin, "2026-10-01 00:00"), true,
			[]string{"10-25 02:00", "10-25 02:30", "10-25 03:00", "10-25 03:30", "10-25 04:00", "10-25 04:30"}},
		{"hotel: check-in of the start's local date", Facts{Schedule: hotel, Units: one}, at(t, "America/New_York", "2026-12-01 09:00"), 2, now, true,
			[]string{"12-01 15:00"}},
		{"hotel: the night is held", Facts{Schedule: hotel, Units: one, Holds: []Hold{hold("America/New_York", "2026-11-30 15:00", "2026-12-02 11:00")}},
			at(t, "America/New_York", "2026-12-01 20:00"), 2, now, false, nil},
		{"hotel: the next night is free", Facts{Schedule: hotel, Units: one, Holds: []Hold{hold("America/New_York", "2026-11-30 15:00", "2026-12-02 11:00")}},
			at(t, "America/New_York", "2026-12-02 20:00"), 2, now, true, []string{"12-02 15:00"}},
	}
	// One search's memory of slots, shared by every case (as by every
	// candidate of a search), answers as no memory does.
	memo := &Slots{}
	for _, c := range cases {
		got, hit, err := Available(c.f, c.start, c.party, c.now)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		tz := c.f.Schedule.Timezone
		if hit != c.wantHit || !slices.Equal(clocks(got, tz), c.want) {
			t.Errorf("%s: hit=%v %v, want hit=%v %v", c.name, hit, clocks(got, tz), c.wantHit, c.want)
		}
		for range 2 {
			got2, hit2, err := memo.Available(c.f, c.start, c.party, c.now)
			if err != nil || hit2 != hit || !slices.Equal(got2, got) {
				t.Errorf("%s: with a memory of slots: hit=%v %v %v", c.name, hit2, clocks(got2, tz), err)
			}
		}
		if hit {
			span := HoldSpan(c.start)
			for _, g := range got {
				if g.Before(span.Start) || g.After(span.End) {
					t.Errorf("%s: %s outside the hold span", c.name, g)
				}
			}
		}
	}
}

func TestAvailableBadZone(t *testing.T) {
	t.Parallel()
	_, _, err := Available(Facts{Schedule: schedule.Schedule{Timezone: "Mars/Olympus"}}, time.Now(), 2, time.Now())
	if err == nil {
		t.Fatal("a bad zone is an error")
	}
}
