// Package seed generates slotmesh's demo and benchmark catalogue: vendors
// clustered around 50 real cities with their units, written through the
// services' own write paths (the gateway's HTTP API or the vendor service's
// typed NATS client), resumable after an interruption.
//
// The catalogue is a pure function of (scale, index): vendor i always has the
// same city, name, tags, hours and units, so a run can tell what is missing by
// looking at what exists (Lookup) and never writes a vendor twice.
package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/slotmesh/slotmesh/contracts/vendors"
)

// Full scale: the README's target.
const (
	FullVendors = 500_000
	FullUnits   = 10_000_000 // about 20 a vendor on average
)

// VendorsPerOwner is how many vendors one owner account holds (a chain): few
// owners keep sign-up (a deliberately slow password hash) off the critical path.
const VendorsPerOwner = 1000

// OwnerPassword is the password of every seeded owner account.
const OwnerPassword = "seed-owner-password"

// catalogueSeed makes the catalogue reproducible; change it and every name
// and place changes.
const catalogueSeed = 0x5107_3e5d

// Plan is the catalogue at a scale.
type Plan struct {
	Scale   float64
	Vendors int
	cum     []float64 // cumulative city weights
}

// NewPlan plans a catalogue of scale × 500,000 vendors (at least one).
func NewPlan(scale float64) (Plan, error) {
	if !(scale > 0) || scale > 10 {
		return Plan{}, fmt.Errorf("scale %v: want more than 0 and at most 10", scale)
	}
	n := int(math.Round(scale * FullVendors))
	if n < 1 {
		n = 1
	}
	p := Plan{Scale: scale, Vendors: n}
	sum := 0.0
	for _, c := range Cities {
		sum += c.Weight
		p.cum = append(p.cum, sum)
	}
	for i := range p.cum {
		p.cum[i] /= sum
	}
	return p, nil
}

// Owners is the number of owner accounts.
func (p Plan) Owners() int { return (p.Vendors + VendorsPerOwner - 1) / VendorsPerOwner }

// OwnerEmail is the email of owner o.
func OwnerEmail(o int) string { return fmt.Sprintf("seed-owner-%05d@seed.slotmesh.example", o) }

// Spec is vendor i of the catalogue: who owns it, what it is, its units.
type Spec struct {
	Index int
	Owner int
	City  City
	Req   vendors.CreateRequest
	Units []vendors.NewUnit
}

// kindOf and unitCount use their own stream so that totals are cheap to
// compute without generating whole vendors.
func (p Plan) kindAndUnits(i int) (hotel bool, units int) {
	r := rand.New(rand.NewPCG(catalogueSeed, uint64(i)<<1))
	hotel = r.IntN(100) < 12
	if hotel {
		return true, 12 + r.IntN(69) // 12..80 rooms
	}
	return false, 4 + r.IntN(26) // 4..29 tables
}

// TotalUnits is the number of units of the whole catalogue.
func (p Plan) TotalUnits() int64 {
	var n int64
	for i := range p.Vendors {
		_, u := p.kindAndUnits(i)
		n += int64(u)
	}
	return n
}

// NameKey is the suffix that names vendor i: the seed recognises its own
// vendors by it (IndexOf).
func NameKey(i int) string { return " #" + strconv.Itoa(i) }

// IndexOf returns the catalogue index of a vendor name made by Vendor, or -1.
func IndexOf(name string) int {
	k := strings.LastIndex(name, " #")
	if k < 0 {
		return -1
	}
	i, err := strconv.Atoi(name[k+2:])
	if err != nil || i < 0 || strconv.Itoa(i) != name[k+2:] {
		return -1
	}
	return i
}

var (
	restaurantPrefix = map[string][]string{
		"it": {"Trattoria", "Osteria", "Ristorante", "Pizzeria", "Enoteca"},
		"fr": {"Bistrot", "Brasserie", "Café", "Le Petit", "Chez"},
		"de": {"Gasthaus", "Wirtshaus", "Restaurant", "Zum", "Brauhaus"},
		"es": {"Taberna", "Casa", "Restaurante", "Bodega", "El Rincón de"},
		"pt": {"Tasca", "Casa", "Restaurante", "Cervejaria", "O Cantinho de"},
		"nl": {"Eetcafé", "Restaurant", "De Keuken van", "Brasserie", "Café"},
		"sv": {"Krog", "Restaurang", "Bistro", "Kök", "Café"},
		"pl": {"Bistro", "Restauracja", "Karczma", "Kuchnia", "Gospoda"},
		"tr": {"Lokanta", "Meyhane", "Kebapçı", "Ocakbaşı", "Restoran"},
		"ja": {"Izakaya", "Sushi", "Ramen", "Kissa", "Shokudo"},
		"ko": {"Sikdang", "Pocha", "Bapjip", "Gogi", "Restaurant"},
		"zh": {"Jade", "Golden", "Dragon", "Lotus", "Imperial"},
		"en": {"The", "Kitchen", "Grill", "Table", "Eatery"},
	}
	words = []string{
		"Marco", "Luna", "Rosa", "Olivo", "Sole", "Lion", "Oak", "Garden", "Harbour", "Sakura",
		"Anchor", "Bella", "Fig", "Lantern", "Mill", "Orchard", "Pepper", "Saffron", "Tide", "Willow",
		"Amber", "Basil", "Cedar", "Clover", "Copper", "Dune", "Ember", "Fennel", "Hazel", "Ivy",
		"Juniper", "Laurel", "Maple", "Nettle", "Opal", "Pine", "Quince", "Rowan", "Sorrel", "Thyme",
		"Bruno", "Carla", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kenji", "Lea",
	}
	hotelPattern = []string{"Hotel %s", "%s House", "Grand Hotel %s", "%s Inn", "The %s Suites", "%s Palace", "Residence %s"}
	streets      = []string{"Garden", "Market", "Church", "Mill", "Station", "Park", "River", "Castle", "Bridge", "King",
		"Queen", "Harbour", "Linden", "Rose", "Oak", "Spring", "Forest", "Lake", "Hill", "Meadow"}
	restaurantCaps = []weighted{{2, 30}, {4, 35}, {6, 15}, {8, 10}, {10, 5}, {12, 5}}
	roomCaps       = []weighted{{2, 55}, {3, 15}, {4, 25}, {6, 5}}
	// depositFactor turns a deposit of 10..30 major units of a strong currency
	// into about the same value in the city's currency (minor units).
	depositFactor = map[string]float64{"JPY": 1.5, "KRW": 15, "HUF": 150, "CZK": 25, "INR": 50, "THB": 25,
		"MXN": 18, "BRL": 5, "ARS": 1000, "TRY": 30, "EGP": 50, "ZAR": 18, "SEK": 11, "NOK": 11, "DKK": 7.5,
		"PLN": 4.3, "CNY": 7, "HKD": 8, "AED": 3.7}
)

type weighted struct{ v, w int }

func pick(r *rand.Rand, ws []weighted) int {
	total := 0
	for _, x := range ws {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range ws {
		if n < x.w {
			return x.v
		}
		n -= x.w
	}
	return ws[len(ws)-1].v
}

func (p Plan) city(r *rand.Rand) City {
	u := r.Float64()
	for i, c := range p.cum {
		if u < c {
			return Cities[i]
		}
	}
	return Cities[len(Cities)-1]
}

// spreadKm is the standard deviation of a vendor's distance from its city's
// centre in each direction.
const spreadKm = 3.0

// Vendor returns vendor i of the catalogue (0 <= i < Vendors).
func (p Plan) Vendor(i int) Spec {
	hotel, nUnits := p.kindAndUnits(i)
	r := rand.New(rand.NewPCG(catalogueSeed, uint64(i)<<1|1))
	c := p.city(r)
	gauss := func() float64 { return max(-4, min(4, r.NormFloat64())) }
	lat := c.Lat + gauss()*spreadKm/111.32
	lng := c.Lng + gauss()*spreadKm/(111.32*math.Cos(c.Lat*math.Pi/180))
	lat, lng = math.Round(lat*1e6)/1e6, math.Round(lng*1e6)/1e6
	word := words[r.IntN(len(words))]
	addr := fmt.Sprintf(c.Street, streets[r.IntN(len(streets))]) + " " + strconv.Itoa(1+r.IntN(180)) + ", " + c.Name

	prof := vendors.Profile{Timezone: c.Timezone, Address: addr, Location: vendors.Location{Lat: lat, Lng: lng}}
	factor := depositFactor[c.Currency]
	if factor == 0 {
		factor = 1
	}
	var units []vendors.NewUnit
	if hotel {
		prof.Kind = vendors.KindHotel
		prof.Name = fmt.Sprintf(hotelPattern[r.IntN(len(hotelPattern))], word)
		prof.Tags = pickTags(r, Facilities)
		prof.OpeningHours = everyDay("00:00", "24:00")
		prof.CheckIn, prof.CheckOut = "15:00", "11:00"
		prof.Deposit = vendors.Deposit{Amount: int64(math.Round(float64(5000+1000*r.IntN(6)) * factor)), Currency: c.Currency, Per: vendors.PerBooking}
		prof.Cancellation = vendors.Cancellation{FreeUntilHoursBefore: []int{24, 48, 72}[r.IntN(3)]}
		for j := range nUnits {
			floor := 1 + j/20
			units = append(units, vendors.NewUnit{Name: strconv.Itoa(floor*100 + j%20 + 1), Capacity: pick(r, roomCaps)})
		}
	} else {
		prefixes := restaurantPrefix[c.Lang]
		prof.Kind = vendors.KindRestaurant
		prof.Name = prefixes[r.IntN(len(prefixes))] + " " + word
		prof.Tags = pickTags(r, Cuisines)
		prof.OpeningHours = restaurantHours(r)
		prof.SlotMinutes = []int{15, 15, 30}[r.IntN(3)]
		prof.StayMinutes = []int{90, 90, 120}[r.IntN(3)]
		prof.Deposit = vendors.Deposit{Currency: c.Currency, Per: vendors.PerBooking}
		if r.IntN(10) < 4 {
			prof.Deposit.Amount = int64(math.Round(float64(1000+500*r.IntN(5)) * factor))
			if r.IntN(2) == 0 {
				prof.Deposit.Per = vendors.PerGuest
			}
		}
		prof.Cancellation = vendors.Cancellation{FreeUntilHoursBefore: []int{2, 12, 24}[r.IntN(3)]}
		for j := range nUnits {
			units = append(units, vendors.NewUnit{Name: "T" + strconv.Itoa(j+1), Capacity: pick(r, restaurantCaps)})
		}
	}
	prof.Name += NameKey(i)
	return Spec{Index: i, Owner: i / VendorsPerOwner, City: c, Req: vendors.CreateRequest{Profile: prof}, Units: units}
}

// pickTags draws 1..4 distinct tags.
func pickTags(r *rand.Rand, from []string) []string {
	n := 1 + r.IntN(4)
	perm := r.Perm(len(from))
	out := make([]string, n)
	for k := range n {
		out[k] = from[perm[k]]
	}
	return out
}

var weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

func everyDay(open, close string) []vendors.OpeningHours {
	out := make([]vendors.OpeningHours, 0, 7)
	for _, d := range weekdays {
		out = append(out, vendors.OpeningHours{Weekday: d, Open: open, Close: close})
	}
	return out
}

func restaurantHours(r *rand.Rand) []vendors.OpeningHours {
	var out []vendors.OpeningHours
	switch r.IntN(4) {
	case 0: // lunch and dinner, closed on Monday
		for _, d := range weekdays[1:] {
			out = append(out, vendors.OpeningHours{Weekday: d, Open: "12:00", Close: "15:00"},
				vendors.OpeningHours{Weekday: d, Open: "18:00", Close: "23:00"})
		}
	case 1: // all day
		out = everyDay("11:00", "22:00")
	case 2: // evenings, closed on Sunday
		for _, d := range weekdays[:6] {
			out = append(out, vendors.OpeningHours{Weekday: d, Open: "17:00", Close: "24:00"})
		}
	default: // breakfast and lunch
		out = everyDay("08:00", "16:00")
	}
	return out
}
