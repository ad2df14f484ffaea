package seed

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/slotmesh/slotmesh/contracts/vendors"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scale   float64
		vendors int
		err     bool
	}{{1, 500_000, false}, {0.001, 500, false}, {1e-9, 1, false}, {0, 0, true}, {-1, 0, true}, {11, 0, true}} {
		p, err := NewPlan(tc.scale)
		if (err != nil) != tc.err || p.Vendors != tc.vendors {
			t.Errorf("NewPlan(%v) = %d vendors, %v", tc.scale, p.Vendors, err)
		}
	}
}

// TestCatalogue: the same index gives the same vendor, names carry their
// index, and the catalogue has the promised shape.
func TestCatalogue(t *testing.T) {
	t.Parallel()
	p, err := NewPlan(0.01) // 5,000 vendors
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Vendor(1234), p.Vendor(1234)) {
		t.Fatal("vendor 1234 differs between two calls")
	}
	var units, hotels int64
	cities := map[string]int{}
	for i := range p.Vendors {
		s := p.Vendor(i)
		r := s.Req.Profile
		if IndexOf(r.Name) != i {
			t.Fatalf("IndexOf(%q) = %d, want %d", r.Name, IndexOf(r.Name), i)
		}
		if n := len(r.Tags); n < 1 || n > 4 {
			t.Fatalf("vendor %d has %d tags", i, n)
		}
		if _, err := time.LoadLocation(r.Timezone); err != nil {
			t.Fatalf("vendor %d: %v", i, err)
		}
		if d := distKm(r.Location.Lat, r.Location.Lng, s.City.Lat, s.City.Lng); d > 6*spreadKm {
			t.Fatalf("vendor %d is %.1f km from %s", i, d, s.City.Name)
		}
		names := map[string]bool{}
		for _, u := range s.Units {
			if u.Capacity < 2 || u.Capacity > 12 || names[u.Name] {
				t.Fatalf("vendor %d: unit %+v (capacity 2..12, unique names)", i, u)
			}
			names[u.Name] = true
		}
		if s.Owner != i/VendorsPerOwner {
			t.Fatalf("vendor %d owned by %d", i, s.Owner)
		}
		if r.Kind == vendors.KindHotel {
			hotels++
			if r.CheckIn == "" || len(r.OpeningHours) != 7 {
				t.Fatalf("hotel %d: %+v", i, r)
			}
		} else if r.SlotMinutes == 0 || r.StayMinutes == 0 || len(r.OpeningHours) == 0 {
			t.Fatalf("restaurant %d: %+v", i, r)
		}
		units += int64(len(s.Units))
		cities[s.City.Name]++
	}
	if units != p.TotalUnits() {
		t.Fatalf("units %d, TotalUnits %d", units, p.TotalUnits())
	}
	if per := float64(units) / float64(p.Vendors); per < 18 || per > 22 {
		t.Fatalf("%.1f units a vendor, want about %d", per, FullUnits/FullVendors)
	}
	if share := float64(hotels) / float64(p.Vendors); share < 0.09 || share > 0.15 {
		t.Fatalf("hotels %.1f%%", 100*share)
	}
	if len(cities) != len(Cities) {
		t.Fatalf("vendors in %d cities, want %d", len(cities), len(Cities))
	}
	for _, bad := range []string{"", "Osteria", "Osteria #", "Osteria #-1", "Osteria #01", "Osteria #x"} {
		if IndexOf(bad) != -1 {
			t.Errorf("IndexOf(%q) = %d", bad, IndexOf(bad))
		}
	}
}

func distKm(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlng/2)*math.Sin(dlng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
